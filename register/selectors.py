"""Reads of the SHAK dependency register for its pages, the readiness page, the
burn-down and the switch-off gate: one place computes each figure.

Point in time: `at` (an aware datetime, None for now) reads the entries and
steps as they stood then, from history; "today" is that moment's day.
"""

import calendar
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from milestones.models import Activity, Milestone, period_end
from milestones.rag import BaselineDate, MilestoneRag, Rag, milestone_rag
from parties.models import Party

from .models import DEPENDING_STATES, STATE_ORDER, Entry, ShakState, Step

# The programme's milestone for the switch-off: its date ends the burn-down.
SWITCH_OFF_MILESTONE_KEY = "shak-udfaset"
BURNDOWN_MAX_MONTHS = 36
# The list's filter value for every state before "kun SOR".
DEPENDING = "depending"


# ---------------------------------------------------------------------------
# Steps and their RAG
# ---------------------------------------------------------------------------
def step_rag(step, *, today: datetime.date) -> MilestoneRag:
    """A step rated by the milestones' rule, against its own baseline date."""
    baseline = (
        BaselineDate(step.baseline_date, step.baseline_precision) if step.baseline_date else None
    )
    return milestone_rag(step, baseline_entry=baseline, today=today)


@dataclass
class StepView:
    kind: str
    label: str
    step: Step | None
    rag: MilestoneRag | None


def entry_steps(entry: Entry, *, today: datetime.date) -> list[StepView]:
    """The entry's three steps in order, a missing one as None."""
    existing = {s.kind: s for s in entry.steps.all()}
    views = []
    for kind, label in Step.Kind.choices:
        step = existing.get(kind)
        views.append(
            StepView(kind, str(label), step, step_rag(step, today=today) if step else None)
        )
    return views


# ---------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------
@dataclass
class ListFilters:
    party: Party | None = None
    kind: str | None = None
    category: str | None = None
    state: str | None = None
    search: str = ""


def entry_list(access, filters: ListFilters):
    """The entries a person may read, filtered (by owner or supplier for a party)."""
    entries = Entry.objects.visible_to(access).select_related("owner", "supplier")
    if filters.party is not None:
        entries = entries.filter(Q(owner=filters.party) | Q(supplier=filters.party))
    if filters.kind:
        entries = entries.filter(kind=filters.kind)
    if filters.category:
        entries = entries.filter(category=filters.category)
    if filters.state == DEPENDING:
        entries = entries.depending_on_shak()
    elif filters.state:
        entries = entries.filter(state=filters.state)
    if filters.search:
        entries = entries.filter(
            Q(name__icontains=filters.search)
            | Q(key__icontains=filters.search)
            | Q(description__icontains=filters.search)
        )
    return entries


# ---------------------------------------------------------------------------
# Rows as they stood
# ---------------------------------------------------------------------------
ENTRY_ROW_FIELDS = (
    "id",
    "key",
    "name",
    "kind",
    "category",
    "owner_id",
    "supplier_id",
    "state",
    "created_at",
    "is_demo",
)
STEP_ROW_FIELDS = (
    "entry_id",
    "kind",
    "baseline_date",
    "baseline_precision",
    "forecast_date",
    "forecast_precision",
    "actual_date",
    "actual_precision",
)


def _as_of(model, at: datetime.datetime | None, *, distinct_on: bool | None = None):
    """Rows of `model` as they stood at `at` (None: the live table): per object its
    latest history row at or before `at`, dropped if that row is a deletion.

    "Latest" is by date, then by history id: rows written in one instant (a frozen
    clock in tests, a bulk import) share a date, and a rule on the date alone would
    keep every one of them (simple-history's `as_of` does, counting an object twice).
    PostgreSQL picks the row with DISTINCT ON over the (id, history_date, history_id)
    index; elsewhere (or with `distinct_on=False`) a portable NOT EXISTS does.
    """
    if at is None:
        return model.objects.order_by()
    history = model.history
    if distinct_on is None:
        distinct_on = connection.vendor == "postgresql"
    upto = history.filter(history_date__lte=at)
    if distinct_on:
        latest = (
            upto.order_by("-id", "-history_date", "-history_id").distinct("id").values("history_id")
        )
        rows = history.filter(history_id__in=latest)
    else:
        later = upto.filter(id=OuterRef("id")).filter(
            Q(history_date__gt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
        )
        rows = upto.filter(~Exists(later))
    return rows.exclude(history_type="-").order_by()


def entry_rows(at: datetime.datetime | None, *, owner_ids=None, track: str | None = None):
    """Entries as plain dicts as they stood at `at`, for the owners and track given."""
    rows = list(_as_of(Entry, at).values(*ENTRY_ROW_FIELDS))
    if owner_ids is not None:
        rows = [r for r in rows if r["owner_id"] in owner_ids]
    if track:
        tracks = entry_tracks()
        rows = [r for r in rows if track in tracks.get(r["id"], ())]
    return rows


_OWNER_KIND_TRACK = {
    Party.Kind.AUTHORITY: Activity.Track.INTERNAL_IT,
    Party.Kind.PROGRAMME_TEAM: Activity.Track.INTERNAL_IT,
    Party.Kind.MINISTRY_GROUP: Activity.Track.SUM_IT,
}


def entry_tracks() -> dict[int, set[str]]:
    """Each entry's tracks: those of its activities, or, without any, its owner's side
    of the plan (SDS internal it, the ministry group's other it, or the external parties)."""
    tracks: dict[int, set[str]] = defaultdict(set)
    for entry_id, track in Entry.activities.through.objects.values_list(
        "entry_id", "activity__track"
    ):
        tracks[entry_id].add(track)
    for entry_id, owner_kind in Entry.objects.values_list("id", "owner__kind"):
        if entry_id not in tracks:
            tracks[entry_id].add(_OWNER_KIND_TRACK.get(owner_kind, Activity.Track.EXTERNAL))
    return tracks


@dataclass(slots=True)
class StepRow:
    """A step as it stood, with what the RAG rule and the burn-down read of a `Step`:
    a plain row (building 5,000 model instances cost more than rating them)."""

    entry_id: int
    kind: str
    baseline_date: datetime.date | None
    baseline_precision: str
    forecast_date: datetime.date | None
    forecast_precision: str
    actual_date: datetime.date | None
    actual_precision: str
    rag_override = ""
    rag_override_reason = ""
    actual_date_unknown = False

    status = Step.status
    forecast_period_end = Step.forecast_period_end
    actual_period_end = Step.actual_period_end
    baseline_period_end = Step.baseline_period_end


def step_rows(at: datetime.datetime | None, *, entry_ids) -> dict[int, dict[str, StepRow]]:
    """The "in production" steps as they stood, as plain rows the RAG rule reads, by entry."""
    by_entry: dict[int, dict[str, StepRow]] = defaultdict(dict)
    rows = _as_of(Step, at).filter(kind=Step.Kind.IN_PRODUCTION).values_list(*STEP_ROW_FIELDS)
    for row in rows:
        if row[0] in entry_ids:
            by_entry[row[0]][row[1]] = StepRow(*row)
    return by_entry


@dataclass
class Current:
    """The entries and their "in production" steps as they stood, read once for the
    readiness figures and the burn-down together."""

    rows: list[dict]
    steps: dict[int, dict[str, StepRow]]


def current_rows(at: datetime.datetime | None, *, owner_ids=None, track=None) -> Current:
    rows = entry_rows(at, owner_ids=owner_ids, track=track)
    return Current(rows, step_rows(at, entry_ids={r["id"] for r in rows}))


def owner_ids_for(party: Party | None) -> set[int] | None:
    """A party filter: the party and those it coordinates (RSI: the regions)."""
    if party is None:
        return None
    return {party.pk, *party.coordinated_parties.values_list("pk", flat=True)}


# ---------------------------------------------------------------------------
# Readiness
# ---------------------------------------------------------------------------
@dataclass
class CountRow:
    label: str
    total: int
    depending: int
    not_mapped: int
    done: int  # kun SOR or udfaset
    key: str = ""


@dataclass
class ProductionProblem:
    entry: dict
    owner: str
    step: "StepRow | None"
    rag: MilestoneRag | None

    @property
    def missing(self) -> bool:
        return self.step is None or self.step.forecast_date is None and not self.step.actual_date


@dataclass
class Readiness:
    today: datetime.date
    total: int
    by_state: list[tuple[str, str, int]]
    by_owner: list[CountRow]
    by_kind: list[CountRow]
    by_category: list[CountRow]
    depending: int
    not_mapped: int
    done: int
    production_problems: list[ProductionProblem] = field(default_factory=list)
    production_problem_count: int = 0
    oldest_unanswered: list[dict] = field(default_factory=list)


def _count_rows(rows, key, labels, *, order=None) -> list[CountRow]:
    grouped: dict = defaultdict(Counter)
    for r in rows:
        c = grouped[r[key]]
        c["total"] += 1
        if r["state"] in DEPENDING_STATES:
            c["depending"] += 1
        if r["state"] == ShakState.NOT_MAPPED:
            c["not_mapped"] += 1
        if r["state"] not in DEPENDING_STATES:
            c["done"] += 1
    out = [
        CountRow(
            str(labels.get(value, value)),
            c["total"],
            c["depending"],
            c["not_mapped"],
            c["done"],
            key=str(value),
        )
        for value, c in grouped.items()
    ]
    if order:
        out.sort(key=lambda row: order.get(row.key, 99))
    else:
        out.sort(key=lambda row: (-row.depending, row.label))
    return out


def readiness(
    *,
    at: datetime.datetime | None = None,
    owner_ids: set[int] | None = None,
    track: str | None = None,
    problem_limit: int = 25,
    current: "Current | None" = None,
) -> Readiness:
    """ "Kan SHAK slukkes?": the register's figures as they stood at `at`."""
    today = timezone.localdate(at) if at else timezone.localdate()
    current = current or current_rows(at, owner_ids=owner_ids, track=track)
    rows = current.rows
    states = Counter(r["state"] for r in rows)
    parties = dict(Party.objects.values_list("pk", "name"))
    party_keys = dict(Party.objects.values_list("pk", "key"))
    by_owner = _count_rows(rows, "owner_id", parties)
    for row in by_owner:
        row.key = party_keys.get(int(row.key), "")
    steps = current.steps
    problems = []
    for r in rows:
        if r["state"] not in DEPENDING_STATES:
            continue
        step = steps.get(r["id"], {}).get(Step.Kind.IN_PRODUCTION)
        if step is None or (step.forecast_date is None and step.actual_date is None):
            problems.append(ProductionProblem(r, parties.get(r["owner_id"], ""), step, None))
            continue
        rag = step_rag(step, today=today)
        if rag.rag == Rag.RED:
            problems.append(ProductionProblem(r, parties.get(r["owner_id"], ""), step, rag))
    # Red ones first (they have a plan that is late), then the missing, by name.
    problems.sort(key=lambda p: (p.rag is None, p.entry["name"]))
    unanswered = sorted(
        (r for r in rows if r["state"] == ShakState.NOT_MAPPED), key=lambda r: r["created_at"]
    )
    for r in unanswered:
        r["owner_name"] = parties.get(r["owner_id"], "")
    return Readiness(
        today=today,
        total=len(rows),
        by_state=[(value, str(label), states.get(value, 0)) for value, label in ShakState.choices],
        by_owner=by_owner,
        by_kind=_count_rows(
            rows,
            "kind",
            dict(Entry.Kind.choices),
            order={k: i for i, k in enumerate(Entry.Kind.values)},
        ),
        by_category=_count_rows(rows, "category", dict(Entry.Category.choices)),
        depending=sum(states.get(s, 0) for s in DEPENDING_STATES),
        not_mapped=states.get(ShakState.NOT_MAPPED, 0),
        done=len(rows) - sum(states.get(s, 0) for s in DEPENDING_STATES),
        production_problems=problems[:problem_limit],
        production_problem_count=len(problems),
        oldest_unanswered=unanswered[:10],
    )


# ---------------------------------------------------------------------------
# Burn-down
# ---------------------------------------------------------------------------
def month_end(date: datetime.date) -> datetime.date:
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])


def next_month_end(date: datetime.date) -> datetime.date:
    first = (date.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return month_end(first)


def _end_of_day(date: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(date + datetime.timedelta(days=1), datetime.time.min)
    )


@dataclass
class BurndownPoint:
    month_end: datetime.date
    actual: int | None = None
    forecast: int | None = None
    baseline: int | None = None


@dataclass
class Burndown:
    points: list[BurndownPoint]
    switch_off: datetime.date | None
    today: datetime.date

    @property
    def maximum(self) -> int:
        values = [
            v for p in self.points for v in (p.actual, p.forecast, p.baseline) if v is not None
        ]
        return max(values, default=0)


def switch_off_date(at: datetime.datetime | None = None) -> datetime.date | None:
    """The planned switch-off: the end of the period of the programme's milestone."""
    milestone = Milestone.objects.filter(key=SWITCH_OFF_MILESTONE_KEY).first()
    if milestone is None:
        return None
    if at is not None:
        row = (
            Milestone.history.filter(id=milestone.pk, history_date__lte=at)
            .order_by("-history_date")
            .first()
        )
        milestone = row or milestone
    if milestone.forecast_date is None:
        return None
    return period_end(milestone.forecast_date, milestone.forecast_precision)


def burndown(
    *,
    at: datetime.datetime | None = None,
    owner_ids: set[int] | None = None,
    track: str | None = None,
    current: Current | None = None,
) -> Burndown:
    """Entries still depending on SHAK at each month end, from history; then the
    forecast line from the plans' "in production" dates and the baseline's line,
    ending at the planned switch-off (queries do not grow with the months)."""
    today = timezone.localdate(at) if at else timezone.localdate()
    switch_off = switch_off_date(at)
    history = Entry.history.order_by("history_date", "history_id")
    if at is not None:
        history = history.filter(history_date__lte=at)
    events = list(history.values_list("id", "history_date", "history_type", "state", "owner_id"))
    allowed = None
    if track:
        tracks = entry_tracks()
        allowed = {pk for pk, t in tracks.items() if track in t}
    points: list[BurndownPoint] = []
    if events:
        first = timezone.localdate(events[0][1])
        start = month_end(first)
        oldest = today.replace(day=1)
        for _ in range(BURNDOWN_MAX_MONTHS - 1):
            oldest = (oldest - datetime.timedelta(days=1)).replace(day=1)
        start = max(start, month_end(oldest))
        standing: dict[int, tuple[str, int]] = {}
        # The count of depending entries, kept as events arrive (a sum over every
        # entry at each month end grew with entries times months).
        depending = 0

        def counts(pk, state, owner_id) -> bool:
            return (
                state in DEPENDING_STATES
                and (owner_ids is None or owner_id in owner_ids)
                and (allowed is None or pk in allowed)
            )

        index = 0
        month = start
        while True:
            # The last point is today (or the moment shown), not a future month end.
            cut_date = min(month, today)
            cut = _end_of_day(cut_date) if at is None or cut_date < today else at
            while index < len(events) and events[index][1] < cut:
                pk, _when, kind, state, owner_id = events[index]
                before = standing.pop(pk, None)
                if before is not None and counts(pk, *before):
                    depending -= 1
                if kind != "-":
                    standing[pk] = (state, owner_id)
                    if counts(pk, state, owner_id):
                        depending += 1
                index += 1
            points.append(BurndownPoint(cut_date, actual=depending))
            if month >= today:
                break
            month = next_month_end(month)
    # Forecast and baseline from now to the switch-off.
    current = current or current_rows(at, owner_ids=owner_ids, track=track)
    depending = [r for r in current.rows if r["state"] in DEPENDING_STATES]
    steps = current.steps
    forecast_ends, baseline_ends = [], []
    for r in depending:
        step = steps.get(r["id"], {}).get(Step.Kind.IN_PRODUCTION)
        done = step.actual_period_end if step else None
        forecast_ends.append(done or (step.forecast_period_end if step else None))
        baseline_ends.append(step.baseline_period_end if step else None)
    if points:
        points[-1].forecast = points[-1].actual
        points[-1].baseline = sum(1 for d in baseline_ends if d is None or d > today)
    end = switch_off if switch_off and switch_off > today else None
    month = month_end(today) if month_end(today) > today else next_month_end(today)
    while end is not None and month <= month_end(end):
        cut = min(month, end)
        points.append(
            BurndownPoint(
                cut,
                forecast=sum(1 for d in forecast_ends if d is None or d > cut),
                baseline=sum(1 for d in baseline_ends if d is None or d > cut),
            )
        )
        month = next_month_end(month)
    return Burndown(points=points, switch_off=switch_off, today=today)


def state_label(state: str) -> str:
    return str(ShakState(state).label)


def is_backwards(old: str, new: str) -> bool:
    return STATE_ORDER[new] < STATE_ORDER[old]
