"""The blockers' walk (`blockers.dependants_walk`) queues each milestone once: its
dependants, depths, order and "capped" are those of the breadth-first walk that queues
every successor, the ones seen already too (the rule it replaces, written out here)."""

import importlib
import random
from collections import defaultdict, deque

import pytest

from reports.selectors.blockers import dependants_walk

# The module (the package's `blockers` is its function of that name).
blockers = importlib.import_module("reports.selectors.blockers")


def walk_queueing_every_successor(successors, start):
    """The rule: every successor queued, skipped when taken if seen; capped while any
    entry is left in the queue when the walk stops."""
    found, seen = [], {start}
    queue = deque((s, 1) for s in successors.get(start, ()))
    while queue and len(seen) <= blockers.DEPENDANTS_WALK:
        current, depth = queue.popleft()
        if current in seen:
            continue
        seen.add(current)
        queue.extend((s, depth + 1) for s in successors.get(current, ()))
        found.append((current, depth))
    return found, bool(queue)


def graph(rng, nodes, edges, *, cycles):
    successors = defaultdict(list)
    for _ in range(edges):
        a, b = rng.randrange(nodes), rng.randrange(nodes)
        if not cycles and a >= b:
            a, b = min(a, b), max(a, b) + 1
        successors[a].append(b)  # repeats and self-loops kept: the walk must bear them
    return successors


@pytest.mark.parametrize("cycles", [False, True])
@pytest.mark.parametrize("size", [(30, 60), (300, 900), (900, 4000), (2000, 12000)])
def test_the_walk_equals_the_rule_on_random_dependencies(cycles, size):
    rng = random.Random(f"{size}{cycles}")
    for _ in range(15):
        successors = graph(rng, *size, cycles=cycles)
        for start in rng.sample(range(size[0]), 10):
            assert dependants_walk(successors, start) == walk_queueing_every_successor(
                successors, start
            )


@pytest.mark.parametrize("walk", [1, 3, 7])
def test_capped_at_the_cap_counts_entries_of_milestones_seen_already(monkeypatch, walk):
    """At exactly the cap, "capped" says whether the rule's queue held anything more:
    here only repeats of milestones found already (a chain with edges back to each)."""
    monkeypatch.setattr(blockers, "DEPENDANTS_WALK", walk)
    chain = {i: [i + 1] for i in range(walk)}  # 0 -> 1 -> ... -> walk: exactly `walk`
    back = {**chain, walk: [1]}  # and the last one back to the first dependant
    rules = []
    for successors in (chain, back, {**chain, walk: [walk + 1]}, {0: [1, 1, 2], 1: [2]}):
        got = dependants_walk(successors, 0)
        assert got == walk_queueing_every_successor(successors, 0)
        rules.append(got[1])
    assert rules[:3] == [False, True, True]
