"""The dashboard: status lines (overall, per track, per party) and how they moved, the
milestone lists, and the whole `Dashboard` the page and the monthly PDF show.

Every selector takes `as_of` (an aware datetime; None = now). A past moment is
rebuilt from django-simple-history (see `reports.selectors.snapshot`), and "today" for
RAG, "due in 90 days" and round deadlines is that moment's date in
Europe/Copenhagen. Statuses come from `milestones.rag` only; the dataclasses
returned here carry them ready to show, so templates compute nothing.

The dashboard is expensive on a large programme (it rates every milestone now
and at the end of the previous month), so its result is cached under a stamp
of the newest history rows (`snapshot.data_version`): any save through the
services changes the stamp, and the next request recomputes.
"""

import dataclasses
import datetime
import pickle
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.cache import cached, stamp
from milestones.models import Activity, period_end
from milestones.rag import MilestoneRag, Rag, RagRollup, add_months, rollup
from milestones.selectors.materialised import status_current_kept
from parties.models import Party

from .. import moment_store
from ..models import StatusReport
from . import current as materialised
from . import past, snapshot
from .blockers import BlockerRow, blockers, delay_days
from .moments import PointInTime, point_in_time
from .rollout import RolloutStatus, rollout_status
from .rounds import ConcernRow, RoundStatus, concerns, reporting_round_status
from .snapshot import MilestoneRow, PartyRef, PlanSnapshot

CACHE_SECONDS = 600
PREVIOUS_CACHE_SECONDS = 24 * 3600
DUE_SOON_DAYS = 90
RECENT_DAYS = 60
LIST_LIMIT = 20
BLOCKER_LIMIT = 6
CONCERN_LIMIT = 20

# For "better / same / worse" only: grey (no baseline) is no worse than green.
_CHANGE_RANK = {
    Rag.DONE: 0,
    Rag.CANCELLED: 0,
    Rag.GREEN: 1,
    Rag.GREY: 1,
    Rag.YELLOW: 2,
    Rag.RED: 3,
}
CHANGE_LABELS = {
    "better": gettext_lazy("Bedre"),
    "same": gettext_lazy("Uændret"),
    "worse": gettext_lazy("Værre"),
    "new": gettext_lazy("Ny"),
}


@dataclass
class StatusLine:
    """A RAG roll-up (overall, per track or per party) and how it moved since last month end."""

    key: str
    label: str
    rollup: RagRollup
    previous: RagRollup | None
    change: str
    party: PartyRef | None = None

    @property
    def change_label(self) -> str:
        return str(CHANGE_LABELS[self.change])

    @property
    def open_count(self) -> int:
        return sum(self.rollup.counts.get(c, 0) for c in Rag.ROLLUP_COLOURS)

    @property
    def colour_counts(self) -> list[tuple[str, str, int]]:
        """(colour, label, count) for the colours that occur, worst first."""
        order = (*Rag.ROLLUP_COLOURS, Rag.DONE)
        return [
            (c, str(Rag.LABELS[c]), self.rollup.counts[c])
            for c in order
            if self.rollup.counts.get(c)
        ]


@dataclass
class Dashboard:
    """Everything the dashboard (and the PDF's first pages) show, at one moment."""

    point: PointInTime
    party: PartyRef | None
    track: str
    track_label: str
    baseline_name: str
    overall: StatusLine
    tracks: list[StatusLine]
    parties: list[StatusLine]
    due_soon: list[MilestoneRow]
    due_soon_total: int
    slipped: list[MilestoneRow]
    slipped_total: int
    completed: list[MilestoneRow]
    completed_total: int
    blockers: list[BlockerRow]
    blockers_total: int
    round: RoundStatus | None
    concerns: list[ConcernRow]
    concerns_total: int
    rollout: RolloutStatus | None
    party_choices: list[PartyRef] = field(default_factory=list)
    # Where the link to "what changed since" starts (see `changes_since`).
    changes_since: datetime.date | None = None

    @property
    def previous_day(self) -> datetime.date:
        """The last day of the previous month, which changes are measured from."""
        return self.point.today.replace(day=1) - datetime.timedelta(days=1)

    @property
    def due_until(self) -> datetime.date:
        return self.point.today + datetime.timedelta(days=DUE_SOON_DAYS)


def dashboard(
    *,
    as_of: datetime.datetime | None = None,
    party: str | None = None,
    track: str | None = None,
    use_cache: bool = True,
) -> Dashboard:
    """The steering group's dashboard at `as_of`, optionally for one party (key) and track.

    A fixed number of queries whatever the size of the plan; cached under the
    data version stamp (one query) when `use_cache`.
    """
    point = point_in_time(as_of)
    if track and track not in Activity.Track.values:
        track = None
    if not use_cache:
        return dashboard_build(point, party or None, track or None)
    if point.at is None and status_current_kept(point.today):
        # Live from the materialised status: its pieces are cached on their own
        # (`dashboard_build_current`); the whole again would only be pickled after
        # every edit.
        parties = live_party_refs()
        party_ref, party_id = _party_of(parties, party or None)
        return dashboard_build_current(point, parties, party_ref, party_id, track or None)
    parts = dashboard_parts(point, party, track)

    def build() -> Dashboard:
        if point.at is None:
            return dashboard_build(point, party or None, track or None)
        # A past moment: stored once computed (`reports.moment_store`), read by every
        # worker after the cache.
        return moment_store.stored_or_built(
            moment_store.DASHBOARD,
            moment_parts(parts),
            point.today,
            lambda: dashboard_build(point, party or None, track or None),
        )

    # A past moment's is cached by the store, packed (`moment_store.stored_or_built`).
    result = (
        build()
        if point.at is not None
        else cached("reports", ("dashboard", 4, *parts), build, seconds=CACHE_SECONDS)
    )
    # The cached figures hold for that data and day; the moment shown is the one asked
    # for, and so where "what changed since" starts (the reports published by then).
    if point.at is not None and result.point != point:
        result.changes_since = changes_since(point)
    result.point = point
    return result


def dashboard_parts(point: PointInTime, party: str | None, track: str | None) -> tuple:
    """The dashboard's cache key parts: the data as it stood and the day (a past moment
    by the last change before it: every minute between two changes shares one entry;
    now by today) and the filters (`track` a track's value or None)."""
    return (snapshot.plan_version(point.at), point.today.isoformat(), party or "", track or "")


def moment_parts(parts: tuple) -> tuple:
    """The stored dashboard's key parts (`moment_store.key_of`) of the cache's."""
    return ("dashboard", 1, *parts)


def dashboard_build(
    point: PointInTime, party_key: str | None, track: str | None, *, materialised: bool = True
) -> Dashboard:
    """The dashboard's figures: live from the materialised status while it holds for
    today, else (a past moment, or `materialised=False`) by replaying the plan and
    rating every milestone by the rule."""
    at, today = point.at, point.today
    parties = snapshot.party_refs(at)
    party, party_id = _party_of(parties, party_key)
    if materialised and at is None and status_current_kept(today):
        return dashboard_build_current(point, parties, party, party_id, track)
    if materialised and past.covers(at, today):
        # A past moment from the ratings as they stood, where their history covers it.
        return dashboard_build_moment(point, parties, party, party_id, track)
    plan = past.plan_at(
        at=at,
        today=today,
        track=track,
        party_id=party_id,
        parties=parties,
        materialised=False,
    )
    before = previous_rollups(point, track, party_id, parties, materialised=materialised)
    pairs = snapshot.dependency_pairs(at)
    # The plan's rows are read and rated already: rolled up over them (a second scan of
    # the ratings as they stood in SQL, `past.rollups_at`, took two to three times as
    # long as this walk of the rows in memory).
    lines = lines_of(
        plan_rollups(plan),
        before,
        plan.parties,
        list(dict.fromkeys(a.party.id for a in plan.activities.values())),
    )
    due_soon, slipped, completed = milestone_lists(plan)
    blocker_rows, blockers_total = blockers(plan, slipped, pairs)
    round_status = reporting_round_status(at=at, today=today, parties=parties, party_id=party_id)
    concern_rows = concerns(at, today, parties, plan, party_id)
    rollout = None
    if shows_rollout(plan, party, track):
        rollout = rollout_status(at=at, parties=parties, milestones=plan.milestones)
    return _board(
        point,
        party,
        track,
        lines=lines,
        concern_rows=concern_rows,
        choices=_party_choices(
            parties, _responsible_at(at, track, party_id, plan.activities), party
        ),
        baseline_name=(plan.baseline or {}).get("name", ""),
        due_soon=due_soon[:LIST_LIMIT],
        due_soon_total=len(due_soon),
        slipped=slipped[:LIST_LIMIT],
        slipped_total=len(slipped),
        completed=completed[:LIST_LIMIT],
        completed_total=len(completed),
        blockers=blocker_rows[:BLOCKER_LIMIT],
        blockers_total=blockers_total,
        round=round_status,
        rollout=rollout,
    )


def dashboard_build_moment(point, parties, party, party_id, track) -> Dashboard:
    """A past moment's dashboard from the ratings as they stood (within their history's
    mark, `past.covers`), by the live path's selectors given the moment
    (`current.Scoped.at`): the lists, their totals, the blockers' candidates and every
    activity's roll-up in one query (`current.moment_lists`; the roll-ups combined per
    track, party and programme: `past.rollups_of_activities`), the blockers' walks over the
    dependencies as they stood; no plan of every milestone is built. The replay's figures (`tests/reports/test_past_materialised.py`)."""
    at, today = point.at, point.today
    filters = past.activity_filters(track, party_id)
    activities = snapshot.activity_rows(at, parties, filters)
    scoped = materialised.Scoped(
        today=today,
        parties=parties,
        track=track,
        party_id=party_id,
        at=at,
        activities_at=activities,
    )
    baseline = snapshot.active_baseline(at)
    found = materialised.moment_lists(
        scoped, limit=LIST_LIMIT, due_days=DUE_SOON_DAYS, recent_days=RECENT_DAYS
    )
    lists = found.lists
    blocker_rows = materialised.moment_blockers(scoped, shown=BLOCKER_LIMIT, found=found)
    before = previous_rollups(point, track, party_id, parties)
    lines = lines_of(
        past.rollups_of_activities(found.activities, activities),
        before,
        parties,
        list(dict.fromkeys(a.party.id for a in activities.values())),
    )
    round_status = reporting_round_status(at=at, today=today, parties=parties, party_id=party_id)
    concern_rows = concerns(
        at,
        today,
        parties,
        None,
        party_id,
        activities=lambda ids: {pk: activities[pk] for pk in ids if pk in activities},
    )
    rollout = None
    if _shows_rollout(activities, party, track):
        rollout = rollout_status(
            at=at,
            parties=parties,
            milestones=lambda ids: materialised.rows_by_id(scoped, ids),
        )
    return _board(
        point,
        party,
        track,
        blockers=blocker_rows,
        lines=lines,
        concern_rows=concern_rows,
        choices=_party_choices(parties, _responsible_at(at, track, party_id, activities), party),
        baseline_name=(baseline or {}).get("name", ""),
        **_list_fields(lists),
        round=round_status,
        rollout=rollout,
    )


def _responsible_at(at, track, party_id, activities: dict) -> set[int]:
    """The parties responsible for activities at `at` (whom the party filter offers):
    read apart when a filter narrows `activities` (the activities shown, as they stood),
    else theirs."""
    if track or party_id:
        return {
            r["responsible_party_id"]
            for r in snapshot.rows(Activity, at, ("responsible_party_id",))
        }
    return {a.party.id for a in activities.values()}


def _board(
    point, party, track, *, lines, concern_rows, choices, concerns_total=None, **figures
) -> Dashboard:
    """The Dashboard of each builder's figures (`figures`: the lists, blockers, round,
    roll-out and baseline's name), with what every builder adds alike: the moment and
    filter shown, the status lines (overall, tracks, parties), the concerns capped and
    counted (`concerns_total`: how many, when `concern_rows` are capped already), the
    party filter's `choices` and where "what changed since" starts."""
    overall, tracks, party_lines = lines
    return Dashboard(
        point=point,
        party=party,
        track=track or "",
        track_label=str(dict(Activity.Track.choices).get(track, "")) if track else "",
        overall=overall,
        tracks=tracks,
        parties=party_lines,
        concerns=concern_rows[:CONCERN_LIMIT],
        concerns_total=len(concern_rows) if concerns_total is None else concerns_total,
        party_choices=choices,
        changes_since=changes_since(point),
        **figures,
    )


def _list_fields(lists) -> dict:
    """The dashboard's lists and their totals from the materialised status's lists (live,
    or at a moment)."""
    return {
        "due_soon": lists.due_soon,
        "due_soon_total": lists.due_soon_total,
        "slipped": lists.slipped,
        "slipped_total": lists.slipped_total,
        "completed": lists.completed,
        "completed_total": lists.completed_total,
        "blockers_total": lists.blockers_total,
    }


def dashboard_build_current(point, parties, party, party_id, track) -> Dashboard:
    """The live dashboard from the materialised status (`reports.selectors.current`): the
    replay's figures in a fixed number of queries that read aggregates and the rows shown.

    Each piece is cached under what it depends on (`current.piece_stamps`, one query for
    all): the status lines and lists (`_figures_piece`, which the trend reads too) and,
    apart, the blockers under the plan's ratings; the reporting round and its concerns
    under the rounds' records; the roll-out under its records and the ratings. A forecast
    moved recomputes the first two and reuses the round; a progress update saved
    recomputes the round only."""
    today = point.today
    scoped = materialised.Scoped(today=today, parties=parties, track=track, party_id=party_id)
    stamps = materialised.piece_stamps()
    scope_key = (today.isoformat(), party_id or 0, track or "")

    def round_and_concerns():
        round_status = reporting_round_status(
            at=None, today=today, parties=parties, party_id=party_id
        )
        concern_rows = concerns(
            None,
            today,
            parties,
            None,
            party_id,
            activities=lambda ids: materialised.activities_by_id(scoped, ids),
        )
        # Kept as the page shows them: the first CONCERN_LIMIT and how many (every one of
        # the large programme's 375, with their activities and parties, was the largest
        # value a cold request read from the cache).
        return round_status, concern_rows[:CONCERN_LIMIT], len(concern_rows)

    def rollout():
        shows = party is None and not track
        if not shows:
            shows = (party is not None and party.key == "kombit") or (
                scoped.activities().filter(key="kombit-integration-til-sorus").exists()
            )
        if not shows:
            return None, []
        shown = []

        def phase_rows(ids):
            shown.extend(ids)
            return materialised.rows_by_id(scoped, ids)

        return rollout_status(at=None, parties=parties, milestones=phase_rows), shown

    found = _figures_piece(point, scoped, stamps)
    # The blockers apart: the trend reads the lists alone (`dashboard_lists`).
    # Kept across the milestone edits that cannot change them (`current.blockers_kept`).
    blocker_rows = materialised.blockers_kept(
        scoped,
        shown=BLOCKER_LIMIT,
        stamps=stamps,
        due_days=DUE_SOON_DAYS,
        recent_days=RECENT_DAYS,
    )
    round_status, concern_rows, concerns_total = cached(
        "reports",
        ("dashboard-round", 2, stamps.of(materialised.ROUND_MODELS), *scope_key),
        round_and_concerns,
        seconds=CACHE_SECONDS,
    )
    # Kept while none of its phases' milestones is edited (`current.kept_unless_edited`).
    rollout_found = materialised.kept_unless_edited(
        ("dashboard-rollout", 2, stamps.of(materialised.ROLLOUT_MODELS), *scope_key),
        rollout,
        stamps=stamps,
        seconds=CACHE_SECONDS,
    )
    return _board(
        point,
        party,
        track,
        lines=found["lines"],
        concern_rows=concern_rows,
        concerns_total=concerns_total,
        choices=_party_choices(parties, found["responsible"], party),
        baseline_name=found["baseline_name"],
        blockers=blocker_rows,
        **_list_fields(found["lists"]),
        round=round_status,
        rollout=rollout_found,
    )


def live_party_refs() -> dict:
    """Every party now (`snapshot.party_refs`), cached under the parties' stamp (no query
    inside the page's stamps)."""
    return cached(
        "reports",
        ("party-refs", 1, stamp(models=(Party,))),
        lambda: snapshot.party_refs(None),
        seconds=CACHE_SECONDS,
    )


def _figures_piece(point: PointInTime, scoped, stamps, *, lines: bool = True) -> dict:
    """The live dashboard's lists (their rows kept across the milestone edits that cannot
    change them: `current.milestone_lists_kept`), whom the party filter offers and, with
    `lines`, the status lines and the lists' totals (the trend page reads the lists'
    rows alone).

    Not cached as a whole: the lists are cached on their own, the whole programme's
    lines under the stamp of the stored roll-ups they are read from (a milestone edit
    that changes no roll-up leaves them), the parties responsible under the
    activities'."""
    track, party_id, parties = scoped.track, scoped.party_id, scoped.parties
    # Which parties are responsible for activities (all of them, and within the filter),
    # under the activities' stamp.
    pairs = cached(
        "reports",
        ("responsible-pairs", 1, stamps.of((Activity,))),
        lambda: set(
            Activity.objects.order_by().values_list("responsible_party_id", "track").distinct()
        ),
        seconds=CACHE_SECONDS,
    )
    found = {
        "lists": materialised.milestone_lists_kept(
            scoped,
            limit=LIST_LIMIT,
            due_days=DUE_SOON_DAYS,
            recent_days=RECENT_DAYS,
            stamps=stamps,
            totals=lines,
        ),
        "responsible": {pid for pid, _track in pairs},
    }
    if lines:

        def build_lines():
            before = previous_rollups(point, track, party_id, parties)
            in_scope = sorted(
                {
                    pid
                    for pid, t in pairs
                    if (not track or t == track) and (not party_id or pid == party_id)
                }
            )
            baseline = snapshot.active_baseline(None)
            return (
                lines_of(materialised.current_rollups(scoped), before, parties, in_scope),
                (baseline or {}).get("name", ""),
            )

        # The whole programme's lines are read from the stored roll-ups, whose history
        # moves only when a roll-up changes (a forecast moved within its colour, not the
        # worst of its scope, leaves them): cached under their stamp and those of the
        # parties, activities and baselines. A track's or a party's are counted over the
        # ratings (`current.current_rollups`), which every milestone edit may move.
        if scoped.narrowed:
            found["lines"], found["baseline_name"] = build_lines()
        else:
            # Packed as plain tuples (`_lines_packed`): 160 parties' lines of frozen
            # dataclasses took longer to unpickle than to build.
            packed, found["baseline_name"] = cached(
                "reports",
                ("dashboard-lines", 3, stamps.of(materialised.LINES_MODELS), point.today),
                lambda: _lines_packed(*build_lines()),
                seconds=CACHE_SECONDS,
            )
            found["lines"] = _lines_unpacked(packed, parties)
    return found


_RAG_FIELDS = tuple(f.name for f in dataclasses.fields(MilestoneRag))


def _rollup_packed(r: RagRollup | None) -> tuple | None:
    if r is None:
        return None
    worst = None if r.worst is None else tuple(getattr(r.worst, n) for n in _RAG_FIELDS)
    return (r.rag, tuple(r.counts.items()), r.worst_milestone_id, r.worst_title, worst)


def _rollup_unpacked(packed: tuple | None) -> RagRollup | None:
    if packed is None:
        return None
    rag, counts, worst_id, worst_title, worst = packed
    return RagRollup(
        rag=rag,
        counts=dict(counts),
        worst_milestone_id=worst_id,
        worst_title=worst_title,
        worst=None if worst is None else MilestoneRag(*worst),
    )


# The party lines the dashboard shows first, the worst (`views.dashboard.PARTY_FIRST`):
# unpacked from the cached lines on every cold request; the others only when asked.
PARTIES_SHOWN_FIRST = 12


def _lines_packed(lines, baseline_name: str) -> tuple:
    """Status lines (`lines_of`: overall, tracks, parties) as plain tuples, their party
    by id, for the cache (`_lines_unpacked` gives them back), and the baseline's name.
    The party lines past the first `PARTIES_SHOWN_FIRST` pickled apart, as bytes: a
    cold dashboard shows those first few (and counts them all), so it unpickles
    and unpacks the rest (some 160 at the large scale) only when a page asks
    (`_PartyLines`)."""

    def line(s: StatusLine) -> tuple:
        party = s.party.id if s.party else None
        return (
            s.key,
            s.label,
            _rollup_packed(s.rollup),
            _rollup_packed(s.previous),
            s.change,
            party,
        )

    overall, tracks, party_lines = lines
    first = PARTIES_SHOWN_FIRST
    party_packed = (
        len(party_lines),
        [line(s) for s in party_lines[:first]],
        pickle.dumps([line(s) for s in party_lines[first:]], protocol=5),
    )
    return (line(overall), [line(s) for s in tracks], party_packed), baseline_name


class _PartyLines(Sequence):
    """The party lines `_lines_packed` packed, as a read-only list: the first few
    unpacked, the rest unpickled and unpacked once, when an index or slice past them,
    iteration or a comparison asks. Equal to a list of the same lines (a Dashboard
    compares by value); pickled as that list."""

    def __init__(self, count: int, first: list, rest: bytes, unpack):
        self._count = count
        self._first = first
        self._rest = rest
        self._unpack = unpack
        self._all: list | None = None

    def _lines(self) -> list:
        if self._all is None:
            self._all = self._first + [self._unpack(p) for p in pickle.loads(self._rest)]
        return self._all

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        first = self._first
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step == 1 and stop <= len(first):
                return first[start:stop]
            return self._lines()[index]
        if 0 <= index < len(first):
            return first[index]
        return self._lines()[index]

    def __iter__(self):
        return iter(self._lines())

    def __eq__(self, other):
        if isinstance(other, _PartyLines):
            other = other._lines()
        return self._lines() == other if isinstance(other, list) else NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return repr(self._lines())

    def __reduce__(self):
        return (list, (self._lines(),))


def _lines_unpacked(packed: tuple, parties: dict[int, PartyRef]):
    """The status lines `_lines_packed` packed, their parties from `parties` (the party
    lines past the first few unpacked when asked, `_PartyLines`)."""

    def line(p: tuple) -> StatusLine:
        key, label, now, before, change, party = p
        return StatusLine(
            key=key,
            label=label,
            rollup=_rollup_unpacked(now),
            previous=_rollup_unpacked(before),
            change=change,
            party=parties.get(party) if party is not None else None,
        )

    overall, tracks, (count, first, rest) = packed
    return (
        line(overall),
        [line(p) for p in tracks],
        _PartyLines(count, [line(p) for p in first], rest, line),
    )


def _party_choices(parties, responsible, party) -> list[PartyRef]:
    return sorted(
        (p for p in parties.values() if p.id in responsible or p == party),
        key=lambda p: p.name.lower(),
    )


def _party_of(parties, party_key: str | None) -> tuple[PartyRef | None, int | None]:
    """The chosen party and the id to filter by (-1, matching nothing, for an unknown key)."""
    party = next((p for p in parties.values() if p.key == party_key), None) if party_key else None
    return party, party.id if party else (-1 if party_key else None)


@dataclass
class BoardLists:
    """What the trend page reads of the dashboard: its lists and the filter's choices."""

    slipped: list[MilestoneRow]
    due_soon: list[MilestoneRow]
    completed: list[MilestoneRow]
    party_choices: list[PartyRef]
    party: PartyRef | None
    track: str


def dashboard_lists(
    *,
    as_of: datetime.datetime | None = None,
    party: str | None = None,
    track: str | None = None,
) -> "BoardLists | Dashboard":
    """The dashboard's milestone lists without its blockers, round and roll-out: live from
    the same cached piece as the dashboard's (`_figures_piece`), else the whole dashboard."""
    point = point_in_time(as_of)
    if track and track not in Activity.Track.values:
        track = None
    if point.at is not None or not status_current_kept(point.today):
        return dashboard(as_of=as_of, party=party, track=track)
    parties = live_party_refs()
    party_ref, party_id = _party_of(parties, party or None)
    scoped = materialised.Scoped(
        today=point.today, parties=parties, track=track or None, party_id=party_id
    )
    found = _figures_piece(point, scoped, materialised.piece_stamps(), lines=False)
    lists = found["lists"]
    return BoardLists(
        slipped=lists.slipped,
        due_soon=lists.due_soon,
        completed=lists.completed,
        party_choices=_party_choices(parties, found["responsible"], party_ref),
        party=party_ref,
        track=track or "",
    )


def changes_since(point: PointInTime) -> datetime.date:
    """Where "what changed since" starts at the moment shown: the moment of the latest
    status report published by then (what the steering group last read), or the first
    day of the previous month when there is none. The published reports' moments (one a
    month) are cached under their stamp (no query inside the page's stamps)."""
    published = cached(
        "reports",
        ("published-reports", 1, stamp(models=(StatusReport,))),
        lambda: list(StatusReport.objects.published().values_list("as_of", "published_at")),
        seconds=CACHE_SECONDS,
    )
    last = max(
        (
            as_of
            for as_of, published_at in published
            if as_of <= point.moment and published_at is not None and published_at <= point.moment
        ),
        default=None,
    )
    if last is not None:
        return timezone.localdate(last)
    return add_months(point.today.replace(day=1), -1)


def change_between(now: RagRollup, before: RagRollup | None) -> str:
    if before is None or before.total == 0:
        return "new"
    a, b = _CHANGE_RANK[now.rag], _CHANGE_RANK[before.rag]
    return "worse" if a > b else "better" if a < b else "same"


def rollups_by(milestones: list[MilestoneRow], key) -> dict:
    grouped: dict = defaultdict(list)
    for m in milestones:
        grouped[key(m)].append((m, m.rag))
    return {k: rollup(items) for k, items in grouped.items()}


@dataclass
class Rollups:
    """A snapshot's RAG roll-ups: overall (None without milestones), per track, per party id."""

    overall: RagRollup | None
    tracks: dict[str, RagRollup]
    parties: dict[int, RagRollup]


def plan_rollups(plan: PlanSnapshot) -> Rollups:
    return Rollups(
        overall=rollup((m, m.rag) for m in plan.milestones) if plan.milestones else None,
        tracks=rollups_by(plan.milestones, lambda m: m.activity.track),
        parties=rollups_by(plan.milestones, lambda m: m.party.id),
    )


def previous_rollups(
    point: PointInTime, track, party_id, parties, *, materialised: bool = True
) -> Rollups:
    """Roll-ups at the end of the month before the moment shown, cached for a day.

    History up to a past month end does not change (services date their
    history rows now), so edits made since do not invalidate it; the entry is keyed
    by the month end and only expires so that the cache is not filled for ever (it
    was an hour: every hour each worker replayed 20,000 milestones, about 1 s).
    """
    at = point.previous_month_end

    def build() -> Rollups:
        # In SQL over the ratings as they stood at that month's end where their history
        # covers it, else the replayed plan's.
        return past.month_end_rollups(
            at, track=track, party_id=party_id, parties=parties, materialised=materialised
        )

    return cached(
        "reports",
        ("previous", 3, at.isoformat(), track or "", party_id or 0, materialised),
        build,
        seconds=PREVIOUS_CACHE_SECONDS,
    )


def status_lines(plan: PlanSnapshot, before: "PlanSnapshot | Rollups"):
    """Overall, per-track and per-party status lines of `plan`, compared with `before`."""
    if isinstance(before, PlanSnapshot):
        before = plan_rollups(before)
    responsible = list(dict.fromkeys(a.party.id for a in plan.activities.values()))
    return lines_of(plan_rollups(plan), before, plan.parties, responsible)


def lines_of(now: Rollups, before: Rollups, parties: dict[int, PartyRef], responsible):
    """Status lines of the roll-ups `now` against `before`; `responsible` (party ids of
    the activities shown) adds a line for a party whose activities have no milestones."""
    overall = StatusLine(
        key="overall",
        label=_("Programmet samlet"),
        rollup=now.overall or rollup([]),
        previous=before.overall,
        change="new",
    )
    overall.change = change_between(overall.rollup, overall.previous)

    labels = dict(Activity.Track.choices)
    tracks = []
    for value in Activity.Track.values:
        if value not in now.tracks:
            continue
        previous = before.tracks.get(value)
        tracks.append(
            StatusLine(
                key=value,
                label=str(labels[value]),
                rollup=now.tracks[value],
                previous=previous,
                change=change_between(now.tracks[value], previous),
            )
        )

    now_parties = dict(now.parties)
    for party_id in responsible:
        if party_id not in now_parties:
            # A responsible party whose activities have no milestones: nothing to rate.
            now_parties[party_id] = rollup([])
    lines = []
    for party_id, current in now_parties.items():
        party = parties.get(party_id)
        if party is None:
            continue
        previous = before.parties.get(party_id)
        lines.append(
            StatusLine(
                key=party.key,
                label=party.name,
                rollup=current,
                previous=previous,
                change=change_between(current, previous),
                party=party,
            )
        )
    lines.sort(key=lambda s: (-_CHANGE_RANK[s.rollup.rag], -s.open_count, s.label.lower()))
    return overall, tracks, lines


def milestone_lists(plan: PlanSnapshot):
    today = plan.today
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    recent = today - datetime.timedelta(days=RECENT_DAYS)
    due_soon, slipped, completed = [], [], []
    for m in plan.milestones:
        if m.is_open:
            if m.forecast_end and today <= m.forecast_end <= horizon:
                due_soon.append(m)
            if (m.rag.slip_days or 0) > 0 or m.overdue_days > 0:
                slipped.append(m)
        elif m.rag.rag == Rag.DONE and m.actual_date:
            actual_end = period_end(m.actual_date, m.actual_precision)
            if recent <= actual_end <= today or recent <= m.actual_date <= today:
                completed.append(m)
    due_soon.sort(key=lambda m: (m.forecast_end, m.party.name, m.title))
    slipped.sort(key=lambda m: (-delay_days(m, today), m.party.name, m.title))
    completed.sort(key=lambda m: (m.actual_date, m.title), reverse=True)
    return due_soon, slipped, completed


def shows_rollout(plan: PlanSnapshot, party: PartyRef | None, track: str | None) -> bool:
    """The KOMBIT roll-out belongs on a view that includes KOMBIT's activity."""
    return _shows_rollout(plan.activities, party, track)


def _shows_rollout(activities: dict, party: PartyRef | None, track: str | None) -> bool:
    if party is None and not track:
        return True
    return any(a.key == "kombit-integration-til-sorus" for a in activities.values()) or (
        party is not None and party.key == "kombit"
    )
