"""core.cache builds a cold entry once however many ask at the same time (single
flight): the others wait for its value; a failed build lets the next one build; the
wait is bounded (a waiter builds itself when the builder takes too long). In local
memory and in the real Redis (TEST_REDIS_URL), with real threads."""

import threading
import time

import pytest
import redis
from django.core.cache import caches

from core.cache import cached, cached_many, kept, kept_many
from tests.conftest import TEST_REDIS_URL


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def shared_cache(request, settings):
    """The default cache as local memory or the project's RedisCache on the test database,
    emptied before and after."""
    if request.param == "redis":
        redis.Redis.from_url(TEST_REDIS_URL).flushdb()
        backend = {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": TEST_REDIS_URL,
        }
    else:
        backend = {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "single-flight",
        }
    settings.CACHES = {"default": backend}
    settings.CACHE_BUILD_WAIT = 10
    caches._settings = None  # rebuilt from the overridden settings
    for alias in list(caches):
        caches[alias].close()
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()
    if request.param == "redis":
        redis.Redis.from_url(TEST_REDIS_URL).flushdb()


class Build:
    """A build that counts its runs and, while `gate` is not set, waits at it: the test
    holds the first build until the others have asked."""

    def __init__(self, value="built", *, fail=False):
        self.value, self.fail = value, fail
        self.runs = 0
        self.backends = set()
        self.started = threading.Event()
        self.gate = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, *args):
        with self._lock:
            self.runs += 1
            self.backends.add(type(caches["default"]).__name__)
        self.started.set()
        self.gate.wait(20)
        if self.fail:
            raise RuntimeError("build failed")
        return self.value


def _ask(fn, results, name):
    try:
        results[name] = fn()
    except Exception as error:  # noqa: BLE001 - the test reads what each asker got
        results[name] = error


def _let_them_ask(built_twice) -> None:
    """Time for the other askers to reach the cache while the first build is held (up to
    a second; less if one of them already builds, which the test then reports)."""
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline and not built_twice():
        time.sleep(0.02)


def _run(first, others, build: Build, *, before_release=None):
    results = {}
    t0 = threading.Thread(target=_ask, args=(first, results, 0))
    t0.start()
    assert build.started.wait(10)
    rest = [threading.Thread(target=_ask, args=(fn, results, n)) for n, fn in enumerate(others, 1)]
    for t in rest:
        t.start()
    _let_them_ask(lambda: build.runs > 1)
    if before_release:
        before_release(results)
    build.gate.set()
    for t in [t0, *rest]:
        t.join(30)
    return results


def _held_many_build(suffix: str):
    """A build of many entries ("række <item><suffix>") that records the items it is
    asked for in `runs`, sets `started` and waits at `gate`."""
    runs = []
    started, gate = threading.Event(), threading.Event()

    def build(missing):
        runs.append(sorted(missing))
        started.set()
        gate.wait(20)
        return {item: f"række {item}{suffix}" for item in missing}

    return runs, started, gate, build


def _two_askers(ask, runs, started, gate) -> dict:
    """Two threads ask: the second once the first's build (which records itself in `runs`
    and sets `started`) is held at `gate`; then it is let go."""
    results = {}
    first = threading.Thread(target=_ask, args=(ask, results, 0))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=_ask, args=(ask, results, 1))
    second.start()
    _let_them_ask(lambda: len(runs) > 1)
    gate.set()
    first.join(30)
    second.join(30)
    return results


def test_two_askers_of_one_cold_key_build_it_once(shared_cache):
    build = Build("tavle")
    ask = lambda: cached("test", ("cold",), build, seconds=60)  # noqa: E731
    results = _run(ask, [ask, ask], build)
    assert build.runs == 1
    assert build.backends == {type(shared_cache).__name__}
    assert results == {0: "tavle", 1: "tavle", 2: "tavle"}
    # And it is kept: a later asker does not build.
    assert cached("test", ("cold",), build, seconds=60) == "tavle"
    assert build.runs == 1


def test_cached_many_builds_one_missing_set_once(shared_cache):
    runs, started, gate, build = _held_many_build("")

    cached_many("rows", {1: ("r", 1)}, lambda missing: {1: "række 1"}, seconds=60)
    parts = {1: ("r", 1), 2: ("r", 2), 3: ("r", 3)}
    ask = lambda: cached_many("rows", parts, build, seconds=60)  # noqa: E731
    results = _two_askers(ask, runs, started, gate)
    assert runs == [[2, 3]]
    expected = {1: "række 1", 2: "række 2", 3: "række 3"}
    assert results == {0: expected, 1: expected}


def test_kept_rebuilds_a_result_that_no_longer_holds_once(shared_cache):
    cached_value = kept("test", ("kept",), lambda: "gammel", still_holds=bool, seconds=60)
    assert cached_value == "gammel"
    build = Build("ny")
    ask = lambda: kept(  # noqa: E731
        "test", ("kept",), build, still_holds=lambda value: value == "ny", seconds=60
    )
    results = _run(ask, [ask, ask], build)
    assert build.runs == 1
    assert results == {0: "ny", 1: "ny", 2: "ny"}


def test_kept_many_builds_the_missing_and_stale_entries_once(shared_cache):
    """Two askers of entries one of which is missing and one no longer holds: one build
    of both, the other asker takes its stored values; the entry that holds is reused."""

    def still_holding(found):
        return {item for item, value in found.items() if not value.endswith("gammel")}

    kept_many(
        "rows",
        {1: ("k", 1), 2: ("k", 2)},
        lambda missing: {1: "række 1", 2: "række 2 gammel"},
        still_holding=still_holding,
        seconds=60,
    )
    runs, started, gate, build = _held_many_build(" ny")

    parts = {1: ("k", 1), 2: ("k", 2), 3: ("k", 3)}
    ask = lambda: kept_many(  # noqa: E731
        "rows", parts, build, still_holding=still_holding, seconds=60
    )
    results = _two_askers(ask, runs, started, gate)
    assert runs == [[2, 3]]
    expected = {1: "række 1", 2: "række 2 ny", 3: "række 3 ny"}
    assert results == {0: expected, 1: expected}
    # Kept: a later asker builds nothing.
    assert ask() == expected
    assert runs == [[2, 3]]


def test_kept_many_waiters_build_what_the_builder_left_out(shared_cache):
    """An item the build finds nothing for is not stored: a waiter builds it itself (and
    is given nothing for it either), never a wrong value or an error."""
    build = Build({})
    ask = lambda: kept_many(  # noqa: E731
        "rows", {9: ("k", 9)}, build, still_holding=set, seconds=60
    )
    results = _run(ask, [ask], build)
    assert results == {0: {}, 1: {}}
    assert build.runs == 2


def test_a_failed_build_releases_the_lock(shared_cache):
    failing = Build(fail=True)
    failing.gate.set()
    with pytest.raises(RuntimeError):
        cached("test", ("fails",), failing, seconds=60)
    # Were the lock still held, both askers below would wait the whole CACHE_BUILD_WAIT
    # and then each build: one build means the first took the lock again.
    build = Build("efter fejlen")
    ask = lambda: cached("test", ("fails",), build, seconds=60)  # noqa: E731
    results = _run(ask, [ask], build)
    assert build.runs == 1
    assert results == {0: "efter fejlen", 1: "efter fejlen"}


def test_a_waiter_whose_builder_fails_builds_itself(shared_cache):
    failing = Build(fail=True)
    ask_failing = lambda: cached("test", ("fails-late",), failing, seconds=60)  # noqa: E731
    second = Build("anden")
    second.gate.set()
    ask_second = lambda: cached("test", ("fails-late",), second, seconds=60)  # noqa: E731
    results = _run(ask_failing, [ask_second], failing)
    assert isinstance(results[0], RuntimeError)
    assert results[1] == "anden"
    assert second.runs == 1


def test_the_wait_is_bounded(shared_cache, settings):
    settings.CACHE_BUILD_WAIT = 0.2
    slow = Build("langsom")
    fast = Build("egen")
    fast.gate.set()
    ask_slow = lambda: cached("test", ("slow",), slow, seconds=60)  # noqa: E731
    ask_fast = lambda: cached("test", ("slow",), fast, seconds=60)  # noqa: E731

    def waiter_done_first(results):
        # The waiter gives up on the slow builder (still held at its gate) and builds.
        for _ in range(200):
            if 1 in results:
                break
            time.sleep(0.05)
        assert results.get(1) == "egen"

    results = _run(ask_slow, [ask_fast], slow, before_release=waiter_done_first)
    assert (slow.runs, fast.runs) == (1, 1)
    assert results == {0: "langsom", 1: "egen"}


@pytest.mark.redis
def test_the_redis_backend_keeps_one_client_and_answers_as_djangos(settings):
    """core.cache.RedisCache (the settings' backend for a Redis URL) builds its
    `redis.Redis` once, not for every operation, and reads and writes as Django's."""
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": TEST_REDIS_URL}}
    caches._settings = None
    for alias in list(caches):
        caches[alias].close()
    try:
        cache = caches["default"]
        cache.set("a", {"x": 1}, 30)
        assert cache.add("b", 2, 30) and not cache.add("b", 3, 30)
        assert cache.get("a") == {"x": 1}
        assert cache.get_many(["a", "b", "c"]) == {"a": {"x": 1}, "b": 2}
        cache.delete("a")
        assert cache.get("a") is None
        client = cache._cache
        assert client.get_client() is client.get_client(write=True)
    finally:
        caches["default"].clear()
        redis.Redis.from_url(TEST_REDIS_URL).flushdb()
