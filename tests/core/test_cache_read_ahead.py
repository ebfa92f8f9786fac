"""core.cache.read_ahead: within a scope, a build reads the entries the scope's last
build found in one round trip with its own key, and the answers are the cache's: an
entry stored since it was read ahead is found, not built again; a kept entry read ahead
that no longer holds is built again; one build however many threads ask. In local memory
and in the real Redis (TEST_REDIS_URL)."""

import threading

import pytest

from core.cache import _AHEAD_ASKED, _AHEAD_KEYS, _key, cached, kept, read_ahead
from tests.core.test_cache_single_flight import shared_cache  # noqa: F401 - the fixture

PIECES = 5


@pytest.fixture(autouse=True)
def _nothing_remembered():
    """What earlier tests in the process remembered (the same scopes, another cache) is
    not this test's."""
    _AHEAD_ASKED.clear()
    _AHEAD_KEYS.clear()


class Reads:
    """Every read of the cache (`get`, `get_many`) with the keys it asked: the real
    backend's methods, called through."""

    def __init__(self, backend, monkeypatch):
        self.calls: list[list[str]] = []
        self.depth = 0
        get, get_many = backend.get, backend.get_many

        def counted(read, keys):
            # Local memory's `get_many` is a `get` per key: one read all the same.
            if not self.depth:
                self.calls.append(keys)
            self.depth += 1
            try:
                return read()
            finally:
                self.depth -= 1

        def counted_get(key, *args, **kwargs):
            return counted(lambda: get(key, *args, **kwargs), [key])

        def counted_get_many(keys, *args, **kwargs):
            return counted(lambda: get_many(keys, *args, **kwargs), list(keys))

        monkeypatch.setattr(backend, "get", counted_get)
        monkeypatch.setattr(backend, "get_many", counted_get_many)

    def asking(self, keys) -> int:
        """How many reads asked for any of `keys`."""
        return sum(1 for call in self.calls if set(call) & set(keys))


def _page(n, built, *, holds=lambda value: True):
    """A page (`n`: its stamp) built from PIECES cached pieces and a kept one."""

    def piece(i):
        built.append(i)
        return f"stykke {i}"

    def build():
        return [
            *(cached("t", ("piece", i), lambda i=i: piece(i), seconds=60) for i in range(PIECES)),
            kept("t", ("kept",), lambda: piece("kept"), still_holds=holds, seconds=60),
        ]

    with read_ahead("side"):
        return cached("t", ("page", n), build, seconds=60)


PIECE_KEYS = [_key("t", ("piece", i)) for i in range(PIECES)] + [_key("t", ("kept",))]


def test_a_build_reads_what_the_last_one_found_at_once(shared_cache, monkeypatch):  # noqa: F811
    built = []
    expected = [*(f"stykke {i}" for i in range(PIECES)), "stykke kept"]
    assert _page(1, built) == expected  # every piece built
    assert _page(2, built) == expected  # every piece found, one read each
    assert len(built) == PIECES + 1
    reads = Reads(shared_cache, monkeypatch)
    assert _page(3, built) == expected
    # The pieces read in one round trip, with the page's own check under its lock.
    assert reads.asking(PIECE_KEYS) == 1
    assert len(built) == PIECES + 1
    # Outside a scope each piece is its own read.
    reads.calls.clear()
    shared_cache.delete(_key("t", ("page", 4)))
    assert cached(
        "t", ("page", 4), lambda: [cached("t", ("piece", 0), None, seconds=60)], seconds=60
    )
    assert reads.asking(PIECE_KEYS[:1]) == 1
    # A warm page reads its own entry only.
    reads.calls.clear()
    assert _page(3, built) == expected
    assert reads.calls == [[_key("t", ("page", 3))]]


def test_what_was_read_ahead_answers_as_the_cache_does(shared_cache):  # noqa: F811
    built = []
    _page(1, built)
    _page(2, built)
    # Gone after it was remembered, stored again by another asker before it is used: found.
    shared_cache.delete(_key("t", ("piece", 0)))
    stored = []

    def store_then_ask():
        shared_cache.set(_key("t", ("piece", 0)), "stykke 0 (en anden)", 60)
        stored.append(cached("t", ("piece", 0), lambda: "bygget igen", seconds=60))
        return "side"

    with read_ahead("side"):
        assert cached("t", ("page", 3), store_then_ask, seconds=60) == "side"
    assert stored == ["stykke 0 (en anden)"]
    # A kept piece read ahead that no longer holds: built again, and that is what is used
    # (asked twice in the build: the stored one the second time, not what was read ahead).
    built.clear()
    fresh = []

    def twice():
        holds = lambda value: value != "stykke kept"  # noqa: E731
        first = kept("t", ("kept",), lambda: "ny", still_holds=holds, seconds=60)
        fresh.append(kept("t", ("kept",), lambda: "igen", still_holds=holds, seconds=60))
        return first

    with read_ahead("side"):
        assert cached("t", ("page", 4), twice, seconds=60) == "ny"
    assert fresh == ["ny"]
    assert shared_cache.get(_key("t", ("kept",))) == "ny"


def test_threads_each_in_a_scope_build_once(shared_cache):  # noqa: F811
    built = []
    _page(1, built)
    _page(2, built)
    gate, started = threading.Event(), threading.Event()
    pages = []

    def page_build():
        pages.append("bygget")
        started.set()
        gate.wait(10)
        return [cached("t", ("piece", i), lambda: "igen", seconds=60) for i in range(PIECES)]

    results = {}

    def ask(n):
        with read_ahead("side"):
            results[n] = cached("t", ("page", 3), page_build, seconds=60)

    first = threading.Thread(target=ask, args=(0,))
    first.start()
    assert started.wait(10)
    others = [threading.Thread(target=ask, args=(n,)) for n in range(1, 6)]
    for t in others:
        t.start()
    threading.Event().wait(0.3)
    gate.set()
    for t in [first, *others]:
        t.join(20)
    assert pages == ["bygget"]
    assert set(results) == set(range(6))
    assert all(r == [f"stykke {i}" for i in range(PIECES)] for r in results.values())


def _warm_page(parts, built, *, scope=("warm",), builds=True, holds=lambda value: True):
    """A page of three entries asked outside any build (as the dashboard's HTML, its
    register part and its governance section), each under its own `parts`."""

    def entry(name, part):
        def build():
            built.append(name)
            return f"{name} {part}"

        return build

    with read_ahead(*scope, builds=builds):
        return [
            cached("t", ("html", parts[0]), entry("html", parts[0]), seconds=60),
            kept("t", ("part", parts[1]), entry("part", parts[1]), still_holds=holds, seconds=60),
            cached("t", ("section", parts[2]), entry("section", parts[2]), seconds=60),
        ]


def test_a_warm_page_reads_what_its_last_visit_asked_at_once(shared_cache, monkeypatch):  # noqa: F811
    built = []
    assert _warm_page((1, 1, 1), built) == ["html 1", "part 1", "section 1"]
    assert built == ["html", "part", "section"]
    reads = Reads(shared_cache, monkeypatch)
    assert _warm_page((1, 1, 1), built) == ["html 1", "part 1", "section 1"]
    # Every entry in the page's first read of the cache, nothing built again.
    keys = [_key("t", ("html", 1)), _key("t", ("part", 1)), _key("t", ("section", 1))]
    assert [sorted(call) for call in reads.calls] == [sorted(keys)]
    assert len(built) == 3
    # Outside a scope (or in another) each entry is its own read.
    reads.calls.clear()
    _warm_page((1, 1, 1), built, scope=("another",))
    assert len(reads.calls) == 3


def test_a_warm_read_ahead_shows_an_edit_and_what_the_cache_holds(shared_cache):  # noqa: F811
    built = []
    _warm_page((1, 1, 1), built)
    _warm_page((1, 1, 1), built)
    # An edit moves a part (its stamp): the page shows it, read ahead or not.
    assert _warm_page((1, 2, 1), built) == ["html 1", "part 2", "section 1"]
    assert _warm_page((2, 2, 1), built) == ["html 2", "part 2", "section 1"]
    # Stored by another asker after it was read ahead: the value stored is used.
    _warm_page((2, 2, 1), built)
    shared_cache.set(_key("t", ("section", 1)), "section 1 (en anden)", 60)
    assert _warm_page((2, 2, 1), built)[2] == "section 1 (en anden)"
    # A kept entry read ahead that no longer holds is built again.
    built.clear()
    holds = lambda value: value != "part 2"  # noqa: E731
    assert _warm_page((2, 2, 1), built, holds=holds) == [
        "html 2",
        "part 2",
        "section 1 (en anden)",
    ]
    assert built == ["part"]


def test_without_builds_a_scope_reads_ahead_only_what_it_asked(shared_cache, monkeypatch):  # noqa: F811
    built = []
    for n in (1, 2):  # every piece built, then found: remembered by a scope that builds
        _page(n, built)
    reads = Reads(shared_cache, monkeypatch)

    def build():
        return [cached("t", ("piece", i), lambda: "igen", seconds=60) for i in range(PIECES)]

    with read_ahead("side", builds=False):
        assert cached("t", ("page", 3), build, seconds=60) == [f"stykke {i}" for i in range(PIECES)]
    # Each piece its own read: the build read nothing ahead.
    assert reads.asking(PIECE_KEYS[:PIECES]) == PIECES
