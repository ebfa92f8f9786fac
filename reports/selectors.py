"""What the steering group reads, as plain data: one source for the dashboard,
the timeline, the trend chart and the monthly PDF.

Every selector takes `as_of` (an aware datetime; None = now). A past moment is
rebuilt from django-simple-history (see `reports.snapshot`), and "today" for
RAG, "due in 90 days" and round deadlines is that moment's date in
Europe/Copenhagen. Statuses come from `milestones.rag` only; the dataclasses
returned here carry them ready to show, so templates compute nothing.

The dashboard is expensive on a large programme (it rates every milestone now
and at the end of the previous month), so its result is cached under a stamp
of the newest history rows (`snapshot.data_version`): any save through the
services changes the stamp, and the next request recomputes.
"""

import datetime
import hashlib
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from milestones.models import (
    Activity,
    Milestone,
    MunicipalityRollout,
    ProgressUpdate,
    ReportingRound,
    RolloutPhase,
    RoundObligation,
    period_end,
)
from milestones.rag import Rag, RagRollup, add_months, rollup

from . import snapshot
from .models import StatusReport
from .snapshot import ActivityRow, MilestoneRow, PartyRef, PlanSnapshot

CACHE_SECONDS = 600
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
_REPORTED = (ProgressUpdate.Status.SUBMITTED, ProgressUpdate.Status.ACCEPTED)


# ---------------------------------------------------------------------------
# Point in time
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PointInTime:
    """The moment a page shows. `at` is None for the live plan."""

    at: datetime.datetime | None
    today: datetime.date
    moment: datetime.datetime

    @property
    def is_past(self) -> bool:
        return self.at is not None

    @property
    def previous_month_end(self) -> datetime.datetime:
        """The end of the month before `today` (midnight starting the 1st)."""
        first = self.today.replace(day=1)
        return timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))


def point_in_time(as_of: datetime.datetime | None = None) -> PointInTime:
    """`as_of` as a PointInTime; a moment not in the past counts as now."""
    now = timezone.now()
    if as_of is not None and timezone.is_naive(as_of):
        raise ValueError("as_of must be an aware datetime")
    if as_of is None or as_of >= now:
        return PointInTime(at=None, today=timezone.localdate(now), moment=now)
    return PointInTime(at=as_of, today=timezone.localdate(as_of), moment=as_of)


# ---------------------------------------------------------------------------
# The dashboard's parts
# ---------------------------------------------------------------------------
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


@dataclass
class RoundPartyRow:
    party: PartyRef
    obligations: int
    reported: int
    drafts: int
    returned: int
    is_overdue: bool

    @property
    def missing(self) -> int:
        return self.obligations - self.reported

    @property
    def state(self) -> str:
        if self.reported >= self.obligations:
            return "reported"
        if self.is_overdue:
            return "overdue"
        return "partial" if self.reported else "waiting"

    @property
    def state_label(self) -> str:
        return str(
            {
                "reported": _("Har rapporteret"),
                "overdue": _("Fristen er overskredet"),
                "partial": _("Delvist rapporteret"),
                "waiting": _("Afventer"),
            }[self.state]
        )


@dataclass
class RoundStatus:
    """The current reporting round: who has reported, who is overdue."""

    id: int
    period: datetime.date
    opens_on: datetime.date
    due_on: datetime.date
    is_past_due: bool
    parties: list[RoundPartyRow]

    @property
    def party_count(self) -> int:
        return len(self.parties)

    @property
    def reported_count(self) -> int:
        return sum(1 for p in self.parties if p.state == "reported")

    @property
    def overdue_count(self) -> int:
        return sum(1 for p in self.parties if p.state == "overdue")

    @property
    def reported_percent(self) -> int:
        return round(100 * self.reported_count / self.party_count) if self.parties else 0


@dataclass
class ConcernRow:
    """Help needed or a risk raised in a party's submitted or accepted update."""

    party: PartyRef
    activity: ActivityRow | None
    activity_title: str
    round_period: datetime.date
    status: str
    status_label: str
    self_rag: str
    self_rag_label: str
    help_needed: str
    risks: str
    submitted_at: datetime.datetime | None


@dataclass
class RolloutPhaseRow:
    number: int
    title: str
    total: int
    in_production: int
    in_test: int
    not_started: int
    milestone: MilestoneRow | None = None

    def _pct(self, n: int) -> int:
        return round(100 * n / self.total) if self.total else 0

    @property
    def in_production_percent(self) -> int:
        return self._pct(self.in_production)

    @property
    def in_test_percent(self) -> int:
        return self._pct(self.in_test)

    @property
    def not_started_percent(self) -> int:
        return max(0, 100 - self.in_production_percent - self.in_test_percent)


@dataclass
class RolloutRegionRow(RolloutPhaseRow):
    key: str = ""


@dataclass
class RolloutStatus:
    phases: list[RolloutPhaseRow]
    regions: list[RolloutRegionRow]

    @property
    def total(self) -> RolloutPhaseRow:
        return RolloutPhaseRow(
            number=0,
            title=_("I alt"),
            total=sum(p.total for p in self.phases),
            in_production=sum(p.in_production for p in self.phases),
            in_test=sum(p.in_test for p in self.phases),
            not_started=sum(p.not_started for p in self.phases),
        )


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


# ---------------------------------------------------------------------------
# The dashboard
# ---------------------------------------------------------------------------
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
        return _dashboard_build(point, party or None, track or None)
    stamp = snapshot.data_version()
    moment = point.at.isoformat() if point.is_past else point.today.isoformat()
    raw = repr(("dashboard", 2, stamp, moment, party or "", track or ""))
    key = "sorplan:reports:" + hashlib.sha256(raw.encode()).hexdigest()
    result = cache.get(key)
    if result is None:
        result = _dashboard_build(point, party or None, track or None)
        cache.set(key, result, CACHE_SECONDS)
    elif not point.is_past:
        # The cached figures hold for the whole day; the moment shown is now.
        result.point = point
    return result


def _dashboard_build(point: PointInTime, party_key: str | None, track: str | None) -> Dashboard:
    at, today = point.at, point.today
    parties = snapshot.party_refs(at)
    party = next((p for p in parties.values() if p.key == party_key), None) if party_key else None
    party_id = party.id if party else (-1 if party_key else None)
    plan = snapshot.plan_snapshot(
        at=at, today=today, track=track, party_id=party_id, parties=parties
    )
    before = _previous_rollups(point, track, party_id, parties)
    pairs = snapshot.dependency_pairs(at)
    overall, tracks, party_lines = _status_lines(plan, before)
    due_soon, slipped, completed = _milestone_lists(plan)
    blockers, blockers_total = _blockers(plan, slipped, pairs)
    round_status = reporting_round_status(at=at, today=today, parties=parties, party_id=party_id)
    concerns = _concerns(at, today, parties, plan, party_id)
    rollout = None
    if _shows_rollout(plan, party, track):
        rollout = rollout_status(at=at, parties=parties, milestones=plan.milestones)
    responsible = {
        r["responsible_party_id"] for r in snapshot.rows(Activity, at, ("responsible_party_id",))
    }
    return Dashboard(
        point=point,
        party=party,
        track=track or "",
        track_label=str(dict(Activity.Track.choices).get(track, "")) if track else "",
        baseline_name=(plan.baseline or {}).get("name", ""),
        overall=overall,
        tracks=tracks,
        parties=party_lines,
        due_soon=due_soon[:LIST_LIMIT],
        due_soon_total=len(due_soon),
        slipped=slipped[:LIST_LIMIT],
        slipped_total=len(slipped),
        completed=completed[:LIST_LIMIT],
        completed_total=len(completed),
        blockers=blockers[:BLOCKER_LIMIT],
        blockers_total=blockers_total,
        round=round_status,
        concerns=concerns[:CONCERN_LIMIT],
        concerns_total=len(concerns),
        rollout=rollout,
        party_choices=sorted(
            (p for p in parties.values() if p.id in responsible or p == party),
            key=lambda p: p.name.lower(),
        ),
        changes_since=changes_since(point),
    )


def changes_since(point: PointInTime) -> datetime.date:
    """Where "what changed since" starts at the moment shown: the moment of the latest
    status report published by then (what the steering group last read), or the first
    day of the previous month when there is none (one query)."""
    last = (
        StatusReport.objects.published()
        .filter(as_of__lte=point.moment, published_at__lte=point.moment)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    if last is not None:
        return timezone.localdate(last)
    return add_months(point.today.replace(day=1), -1)


def _change(now: RagRollup, before: RagRollup | None) -> str:
    if before is None or before.total == 0:
        return "new"
    a, b = _CHANGE_RANK[now.rag], _CHANGE_RANK[before.rag]
    return "worse" if a > b else "better" if a < b else "same"


def _rollups_by(milestones: list[MilestoneRow], key) -> dict:
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


def _rollups(plan: PlanSnapshot) -> Rollups:
    return Rollups(
        overall=rollup((m, m.rag) for m in plan.milestones) if plan.milestones else None,
        tracks=_rollups_by(plan.milestones, lambda m: m.activity.track),
        parties=_rollups_by(plan.milestones, lambda m: m.party.id),
    )


def _previous_rollups(point: PointInTime, track, party_id, parties) -> Rollups:
    """Roll-ups at the end of the month before the moment shown, cached for an hour.

    History up to a past month end does not change (services date their
    history rows now), so edits made since do not invalidate it.
    """
    at = point.previous_month_end
    raw = repr(("previous", 1, at.isoformat(), track or "", party_id or 0))
    key = "sorplan:reports:" + hashlib.sha256(raw.encode()).hexdigest()
    result = cache.get(key)
    if result is None:
        before = snapshot.plan_snapshot(
            at=at,
            today=at.date() - datetime.timedelta(days=1),
            track=track,
            party_id=party_id,
            parties=parties,
        )
        result = _rollups(before)
        cache.set(key, result, 3600)
    return result


def _status_lines(plan: PlanSnapshot, before: "PlanSnapshot | Rollups"):
    """Overall, per-track and per-party status lines of `plan`, compared with `before`."""
    if isinstance(before, PlanSnapshot):
        before = _rollups(before)
    now = _rollups(plan)
    overall = StatusLine(
        key="overall",
        label=_("Programmet samlet"),
        rollup=now.overall or rollup([]),
        previous=before.overall,
        change="new",
    )
    overall.change = _change(overall.rollup, overall.previous)

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
                change=_change(now.tracks[value], previous),
            )
        )

    now_parties = dict(now.parties)
    for activity in plan.activities.values():
        if activity.party.id not in now_parties:
            # A responsible party whose activities have no milestones: nothing to rate.
            now_parties[activity.party.id] = rollup([])
    lines = []
    for party_id, current in now_parties.items():
        party = plan.parties.get(party_id)
        if party is None:
            continue
        previous = before.parties.get(party_id)
        lines.append(
            StatusLine(
                key=party.key,
                label=party.name,
                rollup=current,
                previous=previous,
                change=_change(current, previous),
                party=party,
            )
        )
    lines.sort(key=lambda s: (-_CHANGE_RANK[s.rollup.rag], -s.open_count, s.label.lower()))
    return overall, tracks, lines


def _delay(m: MilestoneRow, today: datetime.date) -> int:
    """Days behind: the slip against baseline, or days past the forecast if that is more."""
    return max(m.rag.slip_days or 0, m.overdue_days)


def _milestone_lists(plan: PlanSnapshot):
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
    slipped.sort(key=lambda m: (-_delay(m, today), m.party.name, m.title))
    completed.sort(key=lambda m: (m.actual_date, m.title), reverse=True)
    return due_soon, slipped, completed


BLOCKER_CANDIDATES = 40
DEPENDANTS_SHOWN = 5
DEPENDANTS_WALK = 400


def _blockers(plan: PlanSnapshot, slipped: list[MilestoneRow], pairs) -> tuple[list, int]:
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
    candidates.sort(key=lambda m: (-_delay(m, plan.today), m.title))
    rows = []
    for m in candidates[:BLOCKER_CANDIDATES]:
        expected = max(m.forecast_end, plan.today) if m.forecast_end else None
        found = []
        seen = {m.id}
        queue = deque((s, 1) for s in successors[m.id])
        while queue and len(seen) <= DEPENDANTS_WALK:
            current, depth = queue.popleft()
            if current in seen:
                continue
            seen.add(current)
            queue.extend((s, depth + 1) for s in successors.get(current, ()))
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
                    walk_capped=bool(queue),
                )
            )
    rows.sort(
        key=lambda b: (-b.threatened_count, -_delay(b.milestone, plan.today), b.milestone.title)
    )
    return rows, len(candidates)


def _shows_rollout(plan: PlanSnapshot, party: PartyRef | None, track: str | None) -> bool:
    """The KOMBIT roll-out belongs on a view that includes KOMBIT's activity."""
    if party is None and not track:
        return True
    return any(a.key == "kombit-integration-til-sorus" for a in plan.activities.values()) or (
        party is not None and party.key == "kombit"
    )


# ---------------------------------------------------------------------------
# Reporting round, concerns, roll-out (also usable on their own)
# ---------------------------------------------------------------------------
def _current_round(at, today) -> dict | None:
    found = snapshot.rows(
        ReportingRound, at, ("id", "period", "opens_on", "due_on"), opens_on__lte=today
    )
    return max(found, key=lambda r: r["period"]) if found else None


def reporting_round_status(
    *,
    at: datetime.datetime | None = None,
    today: datetime.date | None = None,
    parties: dict[int, PartyRef] | None = None,
    party_id: int | None = None,
) -> RoundStatus | None:
    """The round open at `today` (the latest that has opened), per party (four queries)."""
    today = today or snapshot.local_today(at)
    current = _current_round(at, today)
    if current is None:
        return None
    parties = parties if parties is not None else snapshot.party_refs(at)
    filters = {"round_id": current["id"]}
    if party_id:
        filters["party_id"] = party_id
    obligations = snapshot.rows(RoundObligation, at, ("party_id", "activity_id"), **filters)
    updates = snapshot.rows(ProgressUpdate, at, ("party_id", "activity_id", "status"), **filters)
    status_of = {(u["party_id"], u["activity_id"]): u["status"] for u in updates}
    tally: dict[int, Counter] = defaultdict(Counter)
    for o in obligations:
        status = status_of.get((o["party_id"], o["activity_id"]))
        counter = tally[o["party_id"]]
        counter["obligations"] += 1
        if status in _REPORTED:
            counter["reported"] += 1
        elif status == ProgressUpdate.Status.DRAFT:
            counter["drafts"] += 1
        elif status == ProgressUpdate.Status.RETURNED:
            counter["returned"] += 1
    is_past_due = today > current["due_on"]
    rows = [
        RoundPartyRow(
            party=parties.get(pid) or PartyRef(pid, "", "?", "?", ""),
            obligations=c["obligations"],
            reported=c["reported"],
            drafts=c["drafts"],
            returned=c["returned"],
            is_overdue=is_past_due and c["reported"] < c["obligations"],
        )
        for pid, c in tally.items()
    ]
    order = {"overdue": 0, "partial": 1, "waiting": 2, "reported": 3}
    rows.sort(key=lambda r: (order[r.state], r.party.name.lower()))
    return RoundStatus(
        id=current["id"],
        period=current["period"],
        opens_on=current["opens_on"],
        due_on=current["due_on"],
        is_past_due=is_past_due,
        parties=rows,
    )


def _concerns(at, today, parties, plan: PlanSnapshot, party_id) -> list[ConcernRow]:
    """Help needed and risks from submitted or accepted updates in the last two rounds."""
    rounds = sorted(
        snapshot.rows(ReportingRound, at, ("id", "period"), opens_on__lte=today),
        key=lambda r: r["period"],
        reverse=True,
    )[:2]
    if not rounds:
        return []
    period_of = {r["id"]: r["period"] for r in rounds}
    filters = {"round_id__in": list(period_of), "status__in": list(_REPORTED)}
    if party_id:
        filters["party_id"] = party_id
    found = (
        snapshot.as_of_queryset(ProgressUpdate, at)
        .filter(**filters)
        .filter(~Q(help_needed="") | ~Q(risks=""))
        .values(
            "round_id",
            "party_id",
            "activity_id",
            "status",
            "self_rag",
            "help_needed",
            "risks",
            "submitted_at",
        )
    )
    latest: dict[tuple, dict] = {}
    for u in found:
        key = (u["party_id"], u["activity_id"])
        if key not in latest or period_of[u["round_id"]] > period_of[latest[key]["round_id"]]:
            latest[key] = u
    titles = {}
    missing = {u["activity_id"] for u in latest.values()} - set(plan.activities)
    if missing:
        titles = {
            r["id"]: r["title"]
            for r in snapshot.rows(Activity, at, ("id", "title"), id__in=list(missing))
        }
    status_labels = dict(ProgressUpdate.Status.choices)
    result = []
    for u in latest.values():
        activity = plan.activities.get(u["activity_id"])
        result.append(
            ConcernRow(
                party=parties.get(u["party_id"]) or PartyRef(u["party_id"], "", "?", "?", ""),
                activity=activity,
                activity_title=activity.title if activity else titles.get(u["activity_id"], ""),
                round_period=period_of[u["round_id"]],
                status=u["status"],
                status_label=str(status_labels.get(u["status"], u["status"])),
                self_rag=u["self_rag"],
                self_rag_label=str(Rag.LABELS.get(u["self_rag"], "")) if u["self_rag"] else "",
                help_needed=u["help_needed"],
                risks=u["risks"],
                submitted_at=u["submitted_at"],
            )
        )
    severity = {Rag.RED: 0, Rag.YELLOW: 1, Rag.GREEN: 2, "": 3}
    result.sort(
        key=lambda c: (
            not c.help_needed,
            severity.get(c.self_rag, 3),
            -c.round_period.toordinal(),
            c.party.name.lower(),
        )
    )
    return result


def rollout_status(
    *,
    at: datetime.datetime | None = None,
    parties: dict[int, PartyRef] | None = None,
    milestones: list[MilestoneRow] | None = None,
) -> RolloutStatus | None:
    """KOMBIT's roll-out: municipalities per phase and per region, by status (two queries)."""
    phases = sorted(
        snapshot.rows(RolloutPhase, at, ("id", "number", "title", "milestone_id")),
        key=lambda p: p["number"],
    )
    if not phases:
        return None
    parties = parties if parties is not None else snapshot.party_refs(at)
    by_milestone = {m.id: m for m in milestones or []}
    counts: dict[int, Counter] = defaultdict(Counter)
    regions: dict[int, Counter] = defaultdict(Counter)
    for r in snapshot.rows(MunicipalityRollout, at, ("phase_id", "municipality_id", "status")):
        counts[r["phase_id"]][r["status"]] += 1
        municipality = parties.get(r["municipality_id"])
        if municipality and municipality.region_id:
            regions[municipality.region_id][r["status"]] += 1
    S = MunicipalityRollout.Status

    def numbers(c: Counter) -> dict:
        return {
            "total": sum(c.values()),
            "in_production": c[S.IN_PRODUCTION],
            "in_test": c[S.IN_TEST],
            "not_started": c[S.NOT_STARTED],
        }

    phase_rows = [
        RolloutPhaseRow(
            number=p["number"],
            title=p["title"],
            milestone=by_milestone.get(p["milestone_id"]),
            **numbers(counts[p["id"]]),
        )
        for p in phases
    ]
    region_rows = [
        RolloutRegionRow(
            number=0,
            title=parties[rid].name,
            key=parties[rid].key,
            **numbers(c),
        )
        for rid, c in regions.items()
        if rid in parties
    ]
    region_rows.sort(key=lambda r: r.title)
    return RolloutStatus(phases=phase_rows, regions=region_rows)


# ---------------------------------------------------------------------------
# Timeline (Gantt)
# ---------------------------------------------------------------------------
TIMELINE_PAGE_SIZE = 40


@dataclass
class TimelineActivity:
    activity: ActivityRow
    start: datetime.date | None
    end: datetime.date | None
    milestones: list[MilestoneRow]


@dataclass
class TimelineParty:
    party: PartyRef
    activities: list[TimelineActivity] = field(default_factory=list)


@dataclass
class TimelineTrack:
    track: str
    label: str
    parties: list[TimelineParty] = field(default_factory=list)


@dataclass
class Timeline:
    """A page of the roadmap timeline: activities by track and party within a period."""

    point: PointInTime
    start: datetime.date
    end: datetime.date
    tracks: list[TimelineTrack]
    page: int
    page_count: int
    activity_total: int
    track: str = ""
    party: PartyRef | None = None
    party_choices: list[PartyRef] = field(default_factory=list)

    @property
    def activities(self) -> list[TimelineActivity]:
        return [a for t in self.tracks for p in t.parties for a in p.activities]


def quarter_start(date: datetime.date) -> datetime.date:
    return date.replace(month=3 * ((date.month - 1) // 3) + 1, day=1)


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """From the quarter a year back to the end of the quarter two years ahead."""
    start = quarter_start(add_months(today, -12))
    end = add_months(quarter_start(add_months(today, 24)), 3) - datetime.timedelta(days=1)
    return start, end


def roadmap_timeline(
    *,
    as_of: datetime.datetime | None = None,
    track: str | None = None,
    party: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    page: int = 1,
    page_size: int = TIMELINE_PAGE_SIZE,
) -> Timeline:
    """Activities (a page at a time) with milestones and RAG, for the Gantt chart (six queries)."""
    point = point_in_time(as_of)
    at, today = point.at, point.today
    default_start, default_end = default_period(today)
    start = quarter_start(start or default_start)
    end = end or default_end
    if end < start:
        start, end = end, start
    if track not in Activity.Track.values:
        track = None
    parties = snapshot.party_refs(at)
    chosen = next((p for p in parties.values() if p.key == party), None) if party else None
    filters = {}
    if track:
        filters["track"] = track
    if party:
        filters["responsible_party_id"] = chosen.id if chosen else -1
    # Activities whose planned period ends before the window or starts after it are left out.
    outline = [
        a
        for a in snapshot.rows(
            Activity,
            at,
            (
                "id",
                "track",
                "responsible_party_id",
                "sort_order",
                "title",
                "planned_start",
                "planned_end",
            ),
            **filters,
        )
        if not (a["planned_end"] and a["planned_end"] < start)
        and not (a["planned_start"] and a["planned_start"] > end)
    ]
    order = {value: i for i, value in enumerate(Activity.Track.values)}

    def party_name(a):
        p = parties.get(a["responsible_party_id"])
        return p.name.lower() if p else ""

    outline.sort(
        key=lambda a: (order.get(a["track"], 9), party_name(a), a["sort_order"], a["title"])
    )
    page_count = max(1, -(-len(outline) // page_size))
    page = min(max(1, page), page_count)
    chosen_ids = [a["id"] for a in outline[(page - 1) * page_size : page * page_size]]
    plan = snapshot.plan_snapshot(at=at, today=today, activity_ids=chosen_ids, parties=parties)
    per_activity: dict[int, list[MilestoneRow]] = defaultdict(list)
    for m in plan.milestones:
        per_activity[m.activity.id].append(m)
    labels = dict(Activity.Track.choices)
    tracks: list[TimelineTrack] = []
    for activity_id in chosen_ids:
        activity = plan.activities.get(activity_id)
        if activity is None:
            continue
        milestones = sorted(
            per_activity[activity_id],
            key=lambda m: (m.date or datetime.date.max, m.sort_order, m.title),
        )
        dates = [m.date for m in milestones if m.date]
        bar_start = activity.planned_start or (min(dates) if dates else None)
        bar_end = (
            period_end(activity.planned_end, activity.planned_end_precision)
            if activity.planned_end
            else (max(dates) if dates else None)
        )
        if not tracks or tracks[-1].track != activity.track:
            tracks.append(TimelineTrack(track=activity.track, label=str(labels[activity.track])))
        parties_in_track = tracks[-1].parties
        if not parties_in_track or parties_in_track[-1].party != activity.party:
            parties_in_track.append(TimelineParty(party=activity.party))
        parties_in_track[-1].activities.append(
            TimelineActivity(activity=activity, start=bar_start, end=bar_end, milestones=milestones)
        )
    responsible = (
        {a["responsible_party_id"] for a in outline}
        if not party
        else {
            r["responsible_party_id"]
            for r in snapshot.rows(Activity, at, ("responsible_party_id",))
        }
    )
    return Timeline(
        point=point,
        start=start,
        end=end,
        tracks=tracks,
        page=page,
        page_count=page_count,
        activity_total=len(outline),
        track=track or "",
        party=chosen,
        party_choices=sorted(
            (p for p in parties.values() if p.id in responsible or p == chosen),
            key=lambda p: p.name.lower(),
        ),
    )


# ---------------------------------------------------------------------------
# Milestone trend analysis (MTA)
# ---------------------------------------------------------------------------
MTA_DEFAULT_COUNT = 6
MTA_MAX_COUNT = 12


@dataclass(frozen=True)
class TrendPoint:
    report_date: datetime.date
    forecast: datetime.date
    reached: bool = False


@dataclass
class TrendSeries:
    milestone: MilestoneRow
    points: list[TrendPoint]
    number: int = 0

    @property
    def party(self) -> PartyRef:
        return self.milestone.party

    @property
    def first(self) -> TrendPoint | None:
        return self.points[0] if self.points else None

    @property
    def last(self) -> TrendPoint | None:
        return self.points[-1] if self.points else None

    @property
    def moved_days(self) -> int:
        """How far the forecast moved from the first report date to the last."""
        if len(self.points) < 2:
            return 0
        return (self.points[-1].forecast - self.points[0].forecast).days


@dataclass
class TrendTableRow:
    series: TrendSeries
    cells: list[datetime.date | None]
    reached: datetime.date | None

    @property
    def number(self) -> int:
        return self.series.number


@dataclass
class Trend:
    """Report dates (month ends, then the day shown) and one series per chosen milestone."""

    point: PointInTime
    report_dates: list[datetime.date]
    series: list[TrendSeries]

    @property
    def ends_today(self) -> bool:
        """Whether the last report date is the day shown rather than a month end."""
        return bool(self.report_dates) and self.report_dates[-1] == self.point.today

    @property
    def table(self) -> list[TrendTableRow]:
        """The same data as the chart: one row per milestone, one cell per report date."""
        result = []
        for s in self.series:
            by_date = {p.report_date: p.forecast for p in s.points if not p.reached}
            reached = next((p.forecast for p in s.points if p.reached), None)
            result.append(
                TrendTableRow(
                    series=s,
                    cells=[by_date.get(d) for d in self.report_dates],
                    reached=reached,
                )
            )
        return result


def month_ends(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The last day of each month from start's month up to end (inclusive)."""
    result = []
    current = start.replace(day=1)
    while True:
        last = period_end(current, "month")
        if last > end:
            break
        result.append(last)
        current = add_months(current, 1)
    return result


def milestone_trend(
    *,
    milestone_ids: list[int],
    as_of: datetime.datetime | None = None,
    months: int = 12,
    start: datetime.date | None = None,
) -> Trend:
    """The forecast of each milestone as it stood at each report date (month end), from history.

    A reached milestone's line ends on the diagonal at its actual date. Eight
    queries at most, whatever the number of milestones chosen.
    """
    point = point_in_time(as_of)
    at, today = point.at, point.today
    ids = list(dict.fromkeys(milestone_ids))[:MTA_MAX_COUNT]
    last_end = today.replace(day=1) - datetime.timedelta(days=1)
    first = start or add_months(last_end.replace(day=1), -(months - 1))
    report_dates = month_ends(first, last_end)
    # Month ends are the report dates; the state at the moment shown ends each line.
    checkpoints = [
        (
            d,
            timezone.make_aware(
                datetime.datetime.combine(d + datetime.timedelta(days=1), datetime.time.min)
            ),
        )
        for d in report_dates
    ]
    if not report_dates or report_dates[-1] < today:
        checkpoints.append((today, point.moment))
        report_dates = [*report_dates, today]
    if not ids:
        return Trend(point=point, report_dates=report_dates, series=[])
    parties = snapshot.party_refs(at)
    current = {
        m.id: m
        for m in snapshot.plan_snapshot(
            at=at,
            today=today,
            activity_ids=[
                r["activity_id"] for r in snapshot.rows(Milestone, at, ("activity_id",), id__in=ids)
            ],
            parties=parties,
        ).milestones
        if m.id in ids
    }
    history = Milestone.history.filter(id__in=list(current)).order_by(
        "id", "history_date", "history_id"
    )
    if at is not None:
        history = history.filter(history_date__lte=at)
    states: dict[int, list[tuple]] = defaultdict(list)
    for h in history.values_list(
        "id",
        "history_date",
        "history_type",
        "forecast_date",
        "forecast_precision",
        "actual_date",
        "actual_precision",
        "actual_date_unknown",
        "status",
    ):
        states[h[0]].append(h[1:])
    series = []
    number = 0
    for milestone_id in ids:
        milestone = current.get(milestone_id)
        if milestone is None:
            continue
        points = _trend_points(states[milestone_id], checkpoints)
        if points:
            number += 1
        series.append(
            TrendSeries(milestone=milestone, points=points, number=number if points else 0)
        )
    return Trend(point=point, report_dates=report_dates, series=series)


def _trend_points(history: list[tuple], checkpoints: list[tuple]) -> list[TrendPoint]:
    """Walk a milestone's history rows (oldest first) along the report dates."""
    points: list[TrendPoint] = []
    index = -1
    for report_date, moment in checkpoints:
        while index + 1 < len(history) and history[index + 1][0] <= moment:
            index += 1
        if index < 0:
            continue
        _date, kind, forecast, f_prec, actual, a_prec, unknown, status = history[index]
        if kind == "-" or status == Milestone.Status.CANCELLED:
            break
        if actual or unknown or status == Milestone.Status.DONE:
            if actual:
                reached = period_end(actual, a_prec)
                points.append(TrendPoint(report_date=reached, forecast=reached, reached=True))
            break
        if forecast:
            points.append(
                TrendPoint(report_date=report_date, forecast=period_end(forecast, f_prec))
            )
    return points


def trend_candidates(
    *,
    as_of: datetime.datetime | None = None,
    party: str | None = None,
    track: str | None = None,
    limit: int = 60,
    board: Dashboard | None = None,
) -> list[MilestoneRow]:
    """Milestones to choose from on the trend page: the most slipped first, then the next due."""
    if board is None:
        board = dashboard(as_of=as_of, party=party, track=track)
    seen, result = set(), []
    for m in [*board.slipped, *board.due_soon, *board.completed]:
        if m.id not in seen:
            seen.add(m.id)
            result.append(m)
    return result[:limit]


def default_trend_milestones(
    *, as_of: datetime.datetime | None = None, party: str | None = None, track: str | None = None
) -> list[int]:
    """The milestones the trend chart shows when none are chosen: the most slipped."""
    return [m.id for m in trend_candidates(as_of=as_of, party=party, track=track)][
        :MTA_DEFAULT_COUNT
    ]


# The building blocks of `dashboard`, public for the monthly report (reports.report_data),
# so that it shows the same figures computed the same way.
REPORTED_STATUSES = _REPORTED
status_lines = _status_lines
milestone_lists = _milestone_lists
blockers = _blockers
concerns = _concerns
