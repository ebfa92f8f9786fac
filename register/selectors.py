"""Reads of the SHAK dependency register for its pages, the readiness page, the
burn-down and the switch-off gate: one place computes each figure.

Point in time: `at` (an aware datetime, None for now) reads the entries and
steps as they stood then, from history; "today" is that moment's day.
"""

import calendar
import dataclasses
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from core.cache import cached
from core.history import as_of_queryset
from core.sql import among
from milestones.models import Activity, Milestone, period_end
from milestones.rag import BaselineDate, MilestoneRag, Rag, milestone_rag, pickled_as_fields
from milestones.selectors.materialised import RAG_FIELDS, rating_from
from parties.models import Party

from .models import DEPENDING_STATES, STATE_ORDER, Entry, ShakState, Step

# The programme's milestone for the switch-off: its date ends the burn-down.
SWITCH_OFF_MILESTONE_KEY = "shak-udfaset"
BURNDOWN_MAX_MONTHS = 36
# The list's filter value for every state before "kun SOR".
DEPENDING = "depending"
# The burn-down's points of past months, cached (they change only with their history).
BURNDOWN_CACHE_SECONDS = 24 * 3600


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


def entry_rows(at: datetime.datetime | None, *, owner_ids=None, track: str | None = None):
    """Entries as plain dicts as they stood at `at`, for the owners and track given."""
    rows = list(as_of_queryset(Entry, at).values(*ENTRY_ROW_FIELDS))
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


@pickled_as_fields
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


# The "in production" step's columns its rating and the burn-down's lines read.
_STEP_DATES = STEP_ROW_FIELDS[2:]


@dataclass
class Standing:
    """The register as it stood at `at` (None: now) for a party and track filter, read
    by SQL over the entries' and steps' rows as they stood (`core.history.as_of_queryset`:
    one range index scan each where the history keeps each row's end): the entries'
    counts by owner, kind, category and state (one aggregate) and the entries that
    depend on SHAK with their "in production" step (one join, plain tuples; the entries
    not mapped among them). The readiness figures and the burn-down's lines are made of
    it; the few entries a page names are read whole by their ids."""

    entries: QuerySet  # the entries as they stood, filtered: the few rows a page names
    counts: dict[str, dict]  # by owner_id, kind, category and state: value -> Counter
    depending: list[tuple]  # (entry id, name, StepRow | None)
    unanswered: list[int]  # the oldest ten not mapped (by when they were created)


_COUNTED = ("owner_id", "kind", "category", "state")


def _counts(entries: QuerySet) -> dict[str, dict]:
    """The entries' counts by each of `_COUNTED` (value -> total, depending, not mapped,
    done), by one aggregate (PostgreSQL's GROUPING SETS: some 180 rows of 5,000 entries,
    not one per combination)."""
    counts: dict[str, dict] = {name: defaultdict(Counter) for name in _COUNTED}
    if connection.vendor != "postgresql":
        for values in entries.values_list(*_COUNTED).order_by():
            state = values[-1]
            for name, value in zip(_COUNTED, values, strict=True):
                c = counts[name][value]
                c["total"] += 1
                c["depending"] += state in DEPENDING_STATES
                c["not_mapped"] += state == ShakState.NOT_MAPPED
                c["done"] += state not in DEPENDING_STATES
        return counts
    sql, params = entries.values(*_COUNTED).query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in _COUNTED)
    depending = ", ".join(["%s"] * len(DEPENDING_STATES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT GROUPING({names}), {names}, COUNT(*), "
            f"COUNT(*) FILTER (WHERE {quote('state')} IN ({depending})), "
            f"COUNT(*) FILTER (WHERE {quote('state')} = %s) "
            f"FROM ({sql}) AS e GROUP BY GROUPING SETS ({names})",
            (*DEPENDING_STATES, ShakState.NOT_MAPPED, *params),
        )
        found = cursor.fetchall()
    # GROUPING(...) sets the bit of each column a row is not grouped by (the first the
    # highest): each row is one of the four groupings.
    width = len(_COUNTED)
    for grouping, *values, total, depending, not_mapped in found:
        for i, name in enumerate(_COUNTED):
            if not grouping & (1 << (width - 1 - i)):
                counts[name][values[i]].update(
                    total=total, depending=depending, not_mapped=not_mapped, done=total - depending
                )
    return counts


def standing_at(at: datetime.datetime | None, *, owner_ids=None, track=None) -> Standing:
    """The register as it stood at `at` (see `Standing`): two queries, and the tracks'
    (`entry_tracks`) with a track."""
    entries = as_of_queryset(Entry, at)
    if owner_ids is not None:
        entries = among(entries, "owner_id", owner_ids)
    if track:
        entries = among(entries, "id", _on_track(track))
    counts = _counts(entries)
    steps = as_of_queryset(Step, at).filter(kind=Step.Kind.IN_PRODUCTION)
    entry_sql, entry_params = (
        entries.filter(state__in=DEPENDING_STATES)
        .values("id", "name", "state", "created_at")
        .query.sql_with_params()
    )
    step_sql, step_params = steps.values("entry_id", *_STEP_DATES).query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(f"e.{quote(name)}" for name in ("id", "name", "state", "created_at"))
    dates = ", ".join(f"s.{quote(name)}" for name in _STEP_DATES)
    sql = (
        f"SELECT {columns}, s.{quote('entry_id')}, {dates} "
        f"FROM ({entry_sql}) AS e LEFT JOIN ({step_sql}) AS s "
        f"ON s.{quote('entry_id')} = e.{quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*entry_params, *step_params))
        found = cursor.fetchall()
    # Steps with the same dates are one StepRow (5,000 steps have some 1,700 sets of dates
    # at the large scale): rated once, their period ends worked out once.
    rows: dict[tuple, StepRow] = {}
    depending, unanswered = [], []
    kind = Step.Kind.IN_PRODUCTION
    convert = connection.vendor != "postgresql"  # SQLite gives dates as text
    for pk, name, state, created_at, has_step, *values in found:
        if state == ShakState.NOT_MAPPED:
            unanswered.append((_as_datetime(created_at) if convert else created_at, pk))
        step = None
        if has_step is not None:
            if convert:
                values = [
                    _as_date(v) if n.endswith("_date") else v
                    for n, v in zip(_STEP_DATES, values, strict=True)
                ]
            key = tuple(values)
            step = rows.get(key)
            if step is None:
                step = rows[key] = StepRow(pk, kind, *values)
        depending.append((pk, name, step))
    unanswered.sort()
    return Standing(entries, counts, depending, [pk for _created, pk in unanswered[:10]])


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
        """No "in production" date (a red plan has its rating)."""
        return self.rag is None


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


def _count_rows_of(grouped: dict, labels, *, order=None) -> list[CountRow]:
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
    standing: "Standing | None" = None,
    materialised: bool | None = None,
) -> Readiness:
    """ "Kan SHAK slukkes?": the register's figures as they stood at `at`. Now, while
    every entry's readiness is rated today (`readiness_current`), counted by SQL
    aggregates over the entries and their materialised readiness; otherwise (a past
    moment, a rating not of today) by SQL over the entries and steps as they stood
    (`standing_at`), each distinct set of a step's dates rated by the rule once."""
    today = timezone.localdate(at) if at else timezone.localdate()
    if standing is None and at is None:
        if materialised is None:
            materialised = readiness_current(today)
        if materialised:
            return _readiness_materialised(
                today, owner_ids=owner_ids, track=track, problem_limit=problem_limit
            )
    standing = standing or standing_at(at, owner_ids=owner_ids, track=track)
    return _readiness_of(standing, today, problem_limit=problem_limit)


def _readiness_of(standing: Standing, today: datetime.date, *, problem_limit: int) -> Readiness:
    names, keys = {}, {}
    for pk, name, key in Party.objects.values_list("pk", "name", "key"):
        names[pk], keys[pk] = name, key
    grouped = standing.counts
    states = Counter({state: c["total"] for state, c in grouped["state"].items()})
    by_owner = _count_rows_of(grouped["owner_id"], names)
    for row in by_owner:
        row.key = keys.get(int(row.key), "")
    # (no plan, name, id, step, rating) of each entry without an "in production" date or
    # with a red one; a step's rating reads its dates alone (and today): rated once a set.
    rated: dict[int, MilestoneRag] = {}
    problems = []
    for pk, name, step in standing.depending:
        if step is None or (step.forecast_date is None and step.actual_date is None):
            problems.append((True, name, pk, step, None))
            continue
        rag = rated.get(id(step))
        if rag is None:
            rag = rated[id(step)] = step_rag(step, today=today)
        if rag.rag == Rag.RED:
            problems.append((False, name, pk, step, rag))
    # Red ones first (they have a plan that is late), then the missing, by name.
    problems.sort(key=lambda p: p[:3])
    listed = problems[:problem_limit]
    # The entries named, whole (one query by their ids); those not mapped with their
    # owner's name, as the oldest unanswered show them.
    entries = {
        r["id"]: r
        for r in standing.entries.filter(
            id__in=[*(p[2] for p in listed), *standing.unanswered]
        ).values(*ENTRY_ROW_FIELDS)
    }
    for r in entries.values():
        if r["state"] == ShakState.NOT_MAPPED:
            r["owner_name"] = names.get(r["owner_id"], "")
    unanswered = [entries[pk] for pk in standing.unanswered]
    depending = sum(n for state, n in states.items() if state in DEPENDING_STATES)
    total = sum(states.values())
    return Readiness(
        today=today,
        total=total,
        by_state=[(value, str(label), states.get(value, 0)) for value, label in ShakState.choices],
        by_owner=by_owner,
        by_kind=_count_rows_of(
            grouped["kind"],
            dict(Entry.Kind.choices),
            order={k: i for i, k in enumerate(Entry.Kind.values)},
        ),
        by_category=_count_rows_of(grouped["category"], dict(Entry.Category.choices)),
        depending=depending,
        not_mapped=states.get(ShakState.NOT_MAPPED, 0),
        done=total - depending,
        production_problems=[
            ProductionProblem(
                entries[pk],
                names.get(entries[pk]["owner_id"], ""),
                dataclasses.replace(step, entry_id=pk) if step is not None else None,
                rag,
            )
            for _missing, _name, pk, step, rag in listed
        ],
        production_problem_count=len(problems),
        oldest_unanswered=unanswered,
    )


# ---------------------------------------------------------------------------
# Readiness from the materialised rows (register.readiness keeps them)
# ---------------------------------------------------------------------------
def readiness_current(today: datetime.date) -> bool:
    """Whether every entry has a readiness rated on `today` (one query)."""
    return not Entry.objects.exclude(readiness__rated_on=today).order_by().exists()


def readiness_mark(today: datetime.date) -> tuple | None:
    """The stamp of the materialised readiness while every entry has a row rated on
    `today` (None otherwise): its row count, the sum of its entries' ids and its
    newest change, which moves on every change (`register.readiness`). One query; the
    figures are cached under it."""
    from .models import EntryReadiness

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {quote(Entry._meta.db_table)}), COUNT(*), "
            f"SUM(entry_id), MIN(rated_on), MAX(changed_at) "
            f"FROM {quote(EntryReadiness._meta.db_table)}"
        )
        entries, rows, ids, oldest, newest = cursor.fetchone()
    if entries != rows or (rows and _as_date(oldest) != today):
        return None
    return (rows, ids, str(newest))


def _as_date(value) -> datetime.date | None:
    """A date column read by raw SQL (SQLite gives text)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _as_datetime(value) -> datetime.datetime:
    """A moment read by raw SQL (SQLite gives text, in UTC)."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)


def _live_rows(*, owner_ids=None, track=None):
    """The materialised readiness of the live entries of the owners and track given."""
    from .models import EntryReadiness

    rows = EntryReadiness.objects.order_by()
    if owner_ids is not None:
        rows = rows.filter(owner_id__in=owner_ids)
    if track:
        rows = rows.filter(entry_id__in=_on_track(track))
    return rows


def _on_track(track: str) -> set[int]:
    return {pk for pk, tracks in entry_tracks().items() if track in tracks}


_PROBLEM_Q = Q(depends_on_shak=True) & (Q(has_plan=False) | Q(rag=Rag.RED))


def _grouped(rows, key: str) -> dict:
    """Counts by `key` as `_readiness_of` makes them, by one aggregate."""
    found = (
        rows.values(key)
        .annotate(
            total=Count("pk"),
            depending=Count("pk", filter=Q(depends_on_shak=True)),
            not_mapped=Count("pk", filter=Q(state=ShakState.NOT_MAPPED)),
        )
        .order_by()
    )
    return {
        r[key]: Counter(
            total=r["total"],
            depending=r["depending"],
            not_mapped=r["not_mapped"],
            done=r["total"] - r["depending"],
        )
        for r in found
    }


def _entry_values(rows, *extra):
    """Rows as the plain dicts of `entry_rows` (`ENTRY_ROW_FIELDS`), and `extra`."""
    return rows.values(*(f for f in ENTRY_ROW_FIELDS if f != "id"), *extra, id=F("entry_id"))


def _readiness_materialised(
    today: datetime.date, *, owner_ids, track, problem_limit: int
) -> Readiness:
    rows = _live_rows(owner_ids=owner_ids, track=track)
    names, keys = {}, {}
    for pk, name, key in Party.objects.values_list("pk", "name", "key"):
        names[pk], keys[pk] = name, key
    by_owner = _count_rows_of(_grouped(rows, "owner_id"), names)
    for row in by_owner:
        row.key = keys.get(int(row.key), "")
    states = _grouped(rows, "state")
    problems = []
    listed = rows.filter(_PROBLEM_Q).order_by("-has_plan", "name", "entry_id")
    for row in _entry_values(listed, "has_plan", *RAG_FIELDS)[:problem_limit]:
        rag = rating_from(row) if row["has_plan"] else None
        entry = {name: row[name] for name in ENTRY_ROW_FIELDS}
        problems.append(ProductionProblem(entry, names.get(row["owner_id"], ""), None, rag))
    unanswered = [
        {name: row[name] for name in ENTRY_ROW_FIELDS}
        for row in _entry_values(
            rows.filter(state=ShakState.NOT_MAPPED).order_by("created_at", "entry_id")
        )[:10]
    ]
    for r in unanswered:
        r["owner_name"] = names.get(r["owner_id"], "")
    depending = sum(c["depending"] for c in states.values())
    total = sum(c["total"] for c in states.values())
    return Readiness(
        today=today,
        total=total,
        by_state=[
            (value, str(label), states[value]["total"] if value in states else 0)
            for value, label in ShakState.choices
        ],
        by_owner=by_owner,
        by_kind=_count_rows_of(
            _grouped(rows, "kind"),
            dict(Entry.Kind.choices),
            order={k: i for i, k in enumerate(Entry.Kind.values)},
        ),
        by_category=_count_rows_of(_grouped(rows, "category"), dict(Entry.Category.choices)),
        depending=depending,
        not_mapped=states[ShakState.NOT_MAPPED]["total"] if ShakState.NOT_MAPPED in states else 0,
        done=total - depending,
        production_problems=problems,
        production_problem_count=rows.filter(_PROBLEM_Q).count(),
        oldest_unanswered=unanswered,
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


class _Walk:
    """The count of depending entries, kept as history events arrive (a sum over every
    entry at each month end grew with entries times months): `counted` holds the
    entries counted now."""

    def __init__(self, owner_ids, allowed):
        self.owner_ids, self.allowed = owner_ids, allowed
        self.counted: set[int] = set()

    def counts(self, pk, state, owner_id) -> bool:
        return (
            state in DEPENDING_STATES
            and (self.owner_ids is None or owner_id in self.owner_ids)
            and (self.allowed is None or pk in self.allowed)
        )

    def take(self, events, index: int, cut) -> int:
        """Apply the events from `index` on that come before `cut`; returns the next index."""
        while index < len(events) and events[index][1] < cut:
            pk, _when, kind, state, owner_id = events[index]
            self.counted.discard(pk)
            if kind != "-" and self.counts(pk, state, owner_id):
                self.counted.add(pk)
            index += 1
        return index


_EVENT_FIELDS = ("id", "history_date", "history_type", "state", "owner_id")


def _window_start(first: datetime.date, today: datetime.date) -> datetime.date:
    oldest = today.replace(day=1)
    for _ in range(BURNDOWN_MAX_MONTHS - 1):
        oldest = (oldest - datetime.timedelta(days=1)).replace(day=1)
    return max(month_end(first), month_end(oldest))


def _past_months(today: datetime.date, boundary, owner_ids, allowed):
    """The points of the month ends before this month, and the entries counted at its
    start: (first event's day or None, points, counted). They depend only on history
    written before this month, so they are cached under that history's size and newest
    row: only this month's events are read on each build."""

    def build():
        events = list(
            Entry.history.filter(history_date__lt=boundary)
            .order_by("history_date", "history_id")
            .values_list(*_EVENT_FIELDS)
        )
        walk = _Walk(owner_ids, allowed)
        if not events:
            return None, [], walk.counted
        first = timezone.localdate(events[0][1])
        points, index, month = [], 0, _window_start(first, today)
        while month < today.replace(day=1):
            index = walk.take(events, index, _end_of_day(month))
            points.append(BurndownPoint(month, actual=len(walk.counted)))
            month = next_month_end(month)
        walk.take(events, index, boundary)
        return first, points, walk.counted

    mark = Entry.history.filter(history_date__lt=boundary).aggregate(
        n=Count("history_id"), top=Max("history_id")
    )
    parts = (
        today.replace(day=1),
        mark["n"],
        mark["top"],
        None if owner_ids is None else tuple(sorted(owner_ids)),
        None if allowed is None else tuple(sorted(allowed)),
    )
    return cached("register-burndown", parts, build, seconds=BURNDOWN_CACHE_SECONDS)


def burndown(
    *,
    at: datetime.datetime | None = None,
    owner_ids: set[int] | None = None,
    track: str | None = None,
    standing: Standing | None = None,
    materialised: bool | None = None,
) -> Burndown:
    """Entries still depending on SHAK at each month end, from history; then the
    forecast line from the plans' "in production" dates and the baseline's line,
    ending at the planned switch-off (queries do not grow with the months).

    The past months' points are cached (`_past_months`); this month's events are read
    each time. The lines read the materialised readiness now while it is of today, the
    steps as they stood otherwise (`standing_at`)."""
    today = timezone.localdate(at) if at else timezone.localdate()
    switch_off = switch_off_date(at)
    allowed = _on_track(track) if track else None
    boundary = timezone.make_aware(
        datetime.datetime.combine(today.replace(day=1), datetime.time.min)
    )
    first, past, counted = _past_months(today, boundary, owner_ids, allowed)
    history = Entry.history.filter(history_date__gte=boundary).order_by(
        "history_date", "history_id"
    )
    if at is not None:
        history = history.filter(history_date__lte=at)
    events = list(history.values_list(*_EVENT_FIELDS))
    points: list[BurndownPoint] = []
    if first is not None or events:
        walk = _Walk(owner_ids, allowed)
        walk.counted = set(counted)
        points = [BurndownPoint(p.month_end, actual=p.actual) for p in past]
        # The last point is today (or the moment shown), not a future month end.
        walk.take(events, 0, _end_of_day(today) if at is None else at)
        points.append(BurndownPoint(today, actual=len(walk.counted)))
    # Forecast and baseline from now to the switch-off: (end, how many) pairs.
    if standing is None and at is None:
        materialised = readiness_current(today) if materialised is None else materialised
    if standing is None and at is None and materialised:
        depending = _live_rows(owner_ids=owner_ids).filter(depends_on_shak=True)
        if allowed is not None:
            depending = depending.filter(entry_id__in=allowed)
        ends = list(depending.values_list("forecast_end", "baseline_end").annotate(n=Count("pk")))
        forecast, baseline = Counter(), Counter()
        for forecast_end, baseline_end, n in ends:
            forecast[forecast_end] += n
            baseline[baseline_end] += n
        forecast_ends, baseline_ends = list(forecast.items()), list(baseline.items())
    else:
        standing = standing or standing_at(at, owner_ids=owner_ids, track=track)
        # Entries whose steps have the same dates share one StepRow: its ends worked out once.
        shared = Counter(id(step) for _pk, _name, step in standing.depending)
        steps = {id(step): step for _pk, _name, step in standing.depending}
        forecast, baseline = Counter(), Counter()
        for key, n in shared.items():
            step = steps[key]
            done = step.actual_period_end if step else None
            forecast[done or (step.forecast_period_end if step else None)] += n
            baseline[step.baseline_period_end if step else None] += n
        forecast_ends, baseline_ends = list(forecast.items()), list(baseline.items())

    def left(ends, cut) -> int:
        return sum(n for d, n in ends if d is None or d > cut)

    if points:
        points[-1].forecast = points[-1].actual
        points[-1].baseline = left(baseline_ends, today)
    end = switch_off if switch_off and switch_off > today else None
    month = month_end(today) if month_end(today) > today else next_month_end(today)
    while end is not None and month <= month_end(end):
        cut = min(month, end)
        points.append(
            BurndownPoint(cut, forecast=left(forecast_ends, cut), baseline=left(baseline_ends, cut))
        )
        month = next_month_end(month)
    return Burndown(points=points, switch_off=switch_off, today=today)


def state_label(state: str) -> str:
    return str(ShakState(state).label)


def is_backwards(old: str, new: str) -> bool:
    return STATE_ORDER[new] < STATE_ORDER[old]
