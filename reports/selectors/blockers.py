"""Slipped or red milestones and the milestones they hold up (dashboard and report)."""

import datetime
from collections import defaultdict, deque
from dataclasses import dataclass

from milestones.rag import Rag

from .snapshot import MilestoneRow, PlanSnapshot

BLOCKER_CANDIDATES = 40
DEPENDANTS_SHOWN = 5
DEPENDANTS_WALK = 400


@dataclass
class DependantRow:
    milestone: MilestoneRow
    threatened: bool
    depth: int


@dataclass
class BlockerRow:
    """A slipped or red milestone and the milestones that (transitively) depend on it.

    `dependants` holds the first few (threatened first); the counts cover all found.
    """

    milestone: MilestoneRow
    expected: datetime.date | None
    dependants: list[DependantRow]
    dependant_count: int = 0
    threatened_count: int = 0
    walk_capped: bool = False

    @property
    def more_count(self) -> int:
        return self.dependant_count - len(self.dependants)


def delay_days(m: MilestoneRow, today: datetime.date) -> int:
    """Days behind: the slip against baseline, or days past the forecast if that is more."""
    return max(m.rag.slip_days or 0, m.overdue_days)


def dependants_walk(successors, start) -> tuple[list[tuple[int, int]], bool]:
    """`start`'s dependants over `successors` (id -> successor ids), breadth first:
    [(id, depth)] in the order found, at most DEPENDANTS_WALK steps, and whether capped.

    Each milestone is queued once (marked when queued, not when reached): the order and
    depths are those of its first entry, as a walk queueing every successor finds them.
    "Capped" keeps that walk's meaning, entries left in its queue when it stopped, the
    successors already seen too: every entry it would queue is counted (`queued`), and
    the walk stopped with some left when it counted more than it had taken."""
    found: list[tuple[int, int]] = []
    seen = {start}
    queue: deque = deque()
    queued = 0  # the entries a walk queueing every successor would have queued
    taken = 0  # how many of those it had taken when the last one found was taken
    for s in successors.get(start, ()):
        queued += 1
        if s not in seen:
            seen.add(s)
            queue.append((s, 1, queued))
    while queue and len(found) < DEPENDANTS_WALK:
        current, depth, taken = queue.popleft()
        found.append((current, depth))
        for s in successors.get(current, ()):
            queued += 1
            if s not in seen:
                seen.add(s)
                queue.append((s, depth + 1, queued))
    return found, len(found) >= DEPENDANTS_WALK and queued > taken


def blockers(plan: PlanSnapshot, slipped: list[MilestoneRow], pairs) -> tuple[list, int]:
    """For slipped or red milestones with dependants: who they hold up, and who they threaten.

    A dependant is threatened when it is open and its forecast falls before the
    date the slipped milestone can now be reached (its forecast, or today if
    that has passed). Dependants are found transitively. On a large programme
    the chains are walked for the most delayed milestones only (and at most
    DEPENDANTS_WALK steps each); the total says how many slipped milestones
    hold others up at all. Returns (rows, total).
    """
    by_id = {m.id: m for m in plan.milestones}
    successors: dict[int, list[int]] = defaultdict(list)
    for predecessor, successor in pairs:
        successors[predecessor].append(successor)
    listed = {m.id for m in slipped}
    red = [m for m in plan.milestones if m.rag.rag == Rag.RED and m.is_open and m.id not in listed]
    candidates = [m for m in [*slipped, *red] if m.id in successors]
    candidates.sort(key=lambda m: (-delay_days(m, plan.today), m.title))
    rows = []
    for m in candidates[:BLOCKER_CANDIDATES]:
        expected = max(m.forecast_end, plan.today) if m.forecast_end else None
        found = []
        walked, capped = dependants_walk(successors, m.id)
        for current, depth in walked:
            dependant = by_id.get(current)
            if dependant is None:  # outside the filter: its chain still counts
                continue
            threatened = bool(
                dependant.is_open
                and expected
                and dependant.forecast_end
                and dependant.forecast_end < expected
            )
            found.append(DependantRow(milestone=dependant, threatened=threatened, depth=depth))
        if found:
            found.sort(key=lambda d: (not d.threatened, d.depth, d.milestone.title))
            rows.append(
                BlockerRow(
                    milestone=m,
                    expected=expected,
                    dependants=found[:DEPENDANTS_SHOWN],
                    dependant_count=len(found),
                    threatened_count=sum(1 for d in found if d.threatened),
                    walk_capped=capped,
                )
            )
    rows.sort(
        key=lambda b: (-b.threatened_count, -delay_days(b.milestone, plan.today), b.milestone.title)
    )
    return rows, len(candidates)
