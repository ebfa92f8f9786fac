"""Reads of the materialised status (`MilestoneStatus`, `StatusRollup`).

The rule is `milestones.rag`; these rows are its cache, kept by
`milestones.services.status`. A reader first asks `status_current(today)` whether
the rows hold for the day (every milestone rated, on that day); when they do not
(before the daily re-rate, or data written around history), the caller rates by
the rule instead. Roll-ups are SQL aggregates over the ratings, computed as
`milestones.rag.rollup` would: counts per colour and the worst open milestone by
severity, then slip, then a tie order (the lowest id unless the caller gives its
own, e.g. the roadmap's).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from core.cache import kept, stamp
from core.history import added_or_deleted_since, history_model

from ..models import Milestone, MilestoneStatus, StatusRollup
from ..rag import MilestoneRag, Rag, RagRollup

COLOURS = (Rag.RED, Rag.YELLOW, Rag.GREEN, Rag.GREY, Rag.DONE, Rag.CANCELLED)
RAG_FIELDS = (
    "rag",
    "computed",
    "reason_code",
    "overridden",
    "override_reason",
    "baseline_date",
    "baseline_precision",
    "slip_days",
    "slip_months",
    "forecast_date",
    "forecast_precision",
)
_DATE_FIELDS = ("baseline_date", "forecast_date")
TRACK = "milestone__activity__track"
PARTY = "milestone__activity__responsible_party_id"


def within_party_tie_order() -> list:
    """The roadmap's order of a party's milestones within a track (activity by sort order,
    title and id, then the milestone's sort order and forecast): ties in the stored
    (track, party) roll-ups name the milestone the roadmap shows first."""
    return [
        F("milestone__activity__sort_order").asc(),
        F("milestone__activity__title").asc(),
        F("milestone__activity_id").asc(),
        F("milestone__sort_order").asc(),
        F("forecast_date").asc(nulls_last=True),
    ]


def track_party_key(track: str, party_id) -> str:
    """The `StatusRollup` key of a party's milestones within a track."""
    return f"{track}:{party_id}"


# How long `status_current(milestones_newest=)` keeps a true answer: as the plan's pages.
STATUS_CURRENT_SECONDS = 600


@dataclass(frozen=True)
class _Current:
    """Every milestone was rated today when the milestones' newest history was this."""

    watermark: int


def status_current(today: datetime.date, *, milestones_newest: int | None = None) -> bool:
    """Whether every milestone has a rating made on `today` (one query). A rating belongs
    to an existing milestone (its primary key, deleted with it), so the counts tell: two
    index counts, where an anti-join of 20,000 milestones took 9-17 ms.

    `milestones_newest`: the milestones' newest history id, from a stamp the caller read
    already. A true answer is then kept for the day across the edits that add or delete
    no milestone (one small query: a history row since that is not a change): a write
    through the services rates its milestones today, so only a milestone added or
    deleted can make the answer false; a false one is counted again every time (the
    daily re-rate makes it true without a milestone's history)."""
    if milestones_newest is None:
        return _status_counted(today)
    found = kept(
        "milestones",
        ("status-current", 1, today.isoformat()),
        lambda: _Current(milestones_newest) if _status_counted(today) else None,
        still_holds=lambda found: _none_added_or_deleted(found.watermark, milestones_newest),
        seconds=STATUS_CURRENT_SECONDS,
    )
    return found is not None


def _none_added_or_deleted(watermark: int, milestones_newest: int) -> bool:
    """Whether no milestone was added or deleted between the milestones' history rows
    `watermark` and `milestones_newest` (no query when they are the same)."""
    return watermark == milestones_newest or (
        watermark < milestones_newest and not _milestone_added_or_deleted_since(watermark)
    )


def _milestone_added_or_deleted_since(watermark: int) -> bool:
    """Whether a milestone's history since the history row `watermark` is not a change (an
    addition or a deletion): from the page's read of the milestones' history where it
    reads it once (`core.history.history_since_read_once`), else one small query, as SQL
    (the ORM's building and compiling of it took longer than running it, on every cold
    dashboard)."""
    known = added_or_deleted_since(Milestone, watermark)
    if known is not None:
        return known
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {quote(history_model(Milestone)._meta.db_table)}"
            f" WHERE {quote('history_id')} > %s AND {quote('history_type')} <> %s)",
            [watermark, "~"],
        )
        return bool(cursor.fetchone()[0])


@dataclass(frozen=True)
class _Counted:
    """The number of milestones when their newest history was `watermark`."""

    count: int
    watermark: int


def milestones_count(milestones_newest: int) -> int:
    """The number of milestones, kept across the edits that add or delete none, as
    `status_current` keeps its answer (`milestones_newest`: the milestones' newest history
    id, from a stamp the caller read already; after an edit one small query,
    `_milestone_added_or_deleted_since`, instead of counting every milestone again). The
    unfiltered milestone list's count."""
    found = kept(
        "milestones",
        ("milestones-count", 1),
        lambda: _Counted(Milestone.objects.count(), milestones_newest),
        still_holds=lambda found: _none_added_or_deleted(found.watermark, milestones_newest),
        seconds=STATUS_CURRENT_SECONDS,
    )
    return found.count


def history_id(value: str) -> int:
    """A stamp's history id (`core.cache.stamp` gives text; "None" for an empty table)."""
    return int(value) if value not in ("None", "") else 0


def status_current_kept(today: datetime.date) -> bool:
    """`status_current(today)` kept across the edits that add or delete no milestone, by
    the milestones' newest history from their stamp (inside a page's `stamps_read_once`
    no query): the dashboard's answer, as the roadmap's (which passes its own stamp)."""
    return status_current(today, milestones_newest=history_id(stamp(models=(Milestone,))[0]))


def _status_counted(today: datetime.date) -> bool:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {quote(Milestone._meta.db_table)}),"
            f" (SELECT COUNT(*) FROM {quote(MilestoneStatus._meta.db_table)}"
            f" WHERE {quote('rated_on')} = %s)",
            [today],
        )
        milestones, rated = cursor.fetchone()
    return milestones == rated


def rating_from(values: dict, prefix: str = "") -> MilestoneRag:
    """A MilestoneRag from stored fields (a MilestoneStatus's values or a roll-up's `worst`)."""
    data = {name: values[prefix + name] for name in RAG_FIELDS}
    for name in _DATE_FIELDS:
        if isinstance(data[name], str):
            data[name] = datetime.date.fromisoformat(data[name])
    return MilestoneRag(**data)


def rollup_from(counts: dict, worst: dict | None, worst_title: str = "") -> RagRollup:
    """The RagRollup of stored counts and the worst open milestone's rating (or None)."""
    ordered = {colour: counts.get(colour, 0) for colour in COLOURS}
    if worst is None:
        return RagRollup(rag=Rag.DONE if ordered[Rag.DONE] else Rag.GREY, counts=ordered)
    rating = rating_from(worst)
    return RagRollup(
        rag=rating.rag,
        counts=ordered,
        worst_milestone_id=worst.get("milestone_id"),
        worst_title=worst_title,
        worst=rating,
    )


def stored_rollups(scopes: Sequence[str]) -> dict[tuple[str, str], RagRollup]:
    """The stored roll-ups of `scopes`, by (scope, key) (one query)."""
    return _rollups_of(StatusRollup.objects.filter(scope__in=list(scopes)))


def _rollups_of(rows) -> dict[tuple[str, str], RagRollup]:
    """The roll-ups of the stored rows `rows` (a query set of `StatusRollup`), by (scope, key)."""
    result = {}
    for row in rows.order_by().values():
        worst = row["worst"]
        if worst is not None:
            worst = {**worst, "milestone_id": row["worst_milestone_id"]}
        result[(row["scope"], row["scope_key"])] = rollup_from(
            {c: row[c] for c in COLOURS}, worst, row["worst_title"]
        )
    return result


def stored_track_party_rollups() -> dict[tuple[str, int], RagRollup] | None:
    """The stored roll-up of each party's milestones within each track, by (track, party
    id) (one query); None unless they count every milestone the programme's roll-up
    counts (a database rated before they were kept has none, or only those an edit wrote
    since: `manage.py status_rebuild` writes them all, as the daily re-rating does)."""
    Scope = StatusRollup.Scope
    stored = stored_rollups([Scope.TRACK_PARTY, Scope.PROGRAMME])
    programme = stored.pop((Scope.PROGRAMME, ""), None)
    if programme is None or sum(r.total for r in stored.values()) != programme.total:
        return None
    result = {}
    for (_scope, key), value in stored.items():
        track, _sep, party_id = key.rpartition(":")
        result[(track, int(party_id))] = value
    return result


def stored_track_rollups(track: str) -> dict[tuple[str, int], RagRollup] | None:
    """`stored_track_party_rollups` of one track's parties (one query, with the track's own
    roll-up to check them against): None unless they count every milestone the track's
    counts. A track's page of the roadmap reads these, not every track's."""
    Scope = StatusRollup.Scope
    rows = StatusRollup.objects.filter(
        Q(scope=Scope.TRACK_PARTY, scope_key__startswith=f"{track}:")
        | Q(scope=Scope.TRACK, scope_key=track)
    )
    stored = _rollups_of(rows)
    whole = stored.pop((Scope.TRACK, track), None)
    if whole is None or sum(r.total for r in stored.values()) != whole.total:
        return None
    return {(track, int(key.rpartition(":")[2])): value for (_scope, key), value in stored.items()}


def combined_rollup(parts: Sequence[RagRollup]) -> RagRollup:
    """The roll-up of several disjoint groups' roll-ups: counts added, the worst open
    milestone by severity, then slip, the first of `parts` on a tie (give them in the
    order ties are named in)."""
    counts = {colour: sum(p.counts.get(colour, 0) for p in parts) for colour in COLOURS}
    worst = None
    for part in parts:
        if part.worst is None:
            continue
        key = (Rag.SEVERITY[part.worst.rag], part.worst.slip_days or 0)
        if worst is None or key > worst[0]:
            worst = (key, part)
    if worst is None:
        return RagRollup(rag=Rag.DONE if counts[Rag.DONE] else Rag.GREY, counts=counts)
    part = worst[1]
    return RagRollup(
        rag=part.rag,
        counts=counts,
        worst_milestone_id=part.worst_milestone_id,
        worst_title=part.worst_title,
        worst=part.worst,
    )


def rollup_rows(
    statuses: QuerySet[MilestoneStatus],
    group: str | Sequence[str] | None,
    *,
    tie_order: Sequence = (),
) -> dict:
    """Each group's counts per colour and its worst open milestone's stored values, by the
    group's key (a value, a tuple for several fields, "" for no group); two queries.

    Returns {key: {"counts": {colour: n}, "worst": values or None}}."""
    fields = [] if group is None else [group] if isinstance(group, str) else list(group)
    statuses = statuses.order_by()
    counts = {colour: Count("milestone_id", filter=Q(rag=colour)) for colour in COLOURS}

    def key_of(row):
        if not fields:
            return ""
        if len(fields) == 1:
            return row[fields[0]]
        return tuple(row[f] for f in fields)

    if fields:
        grouped = statuses.values(*fields).annotate(**counts)
    else:
        grouped = [statuses.aggregate(**counts)]
    result = {}
    for row in grouped:
        if any(row[c] for c in COLOURS):
            result[key_of(row)] = {"counts": {c: row[c] for c in COLOURS}, "worst": None}
    order = [
        F("severity").desc(),
        Coalesce("slip_days", Value(0)).desc(),
        *tie_order,
        F("milestone_id").asc(),
    ]
    window = Window(RowNumber(), partition_by=[F(f) for f in fields], order_by=order)
    # The window ranks narrow rows (the sort keys); the winners' fields are read after.
    winners = (
        statuses.filter(severity__gte=0)
        .annotate(number=window)
        .filter(number=1)
        .values_list("milestone_id", flat=True)
    )
    worst = (
        MilestoneStatus.objects.filter(milestone_id__in=winners)
        .order_by()
        .values("milestone_id", "milestone__title", *RAG_FIELDS, *fields)
    )
    for row in worst:
        entry = result.get(key_of(row))
        if entry is not None:
            entry["worst"] = row
    return result


def grouped_rollups(
    statuses: QuerySet[MilestoneStatus],
    group: str | Sequence[str] | None,
    *,
    tie_order: Sequence = (),
) -> dict:
    """`rollup_rows` as RagRollups, by the group's key (two queries)."""
    return {
        key: rollup_from(
            entry["counts"],
            entry["worst"],
            entry["worst"]["milestone__title"] if entry["worst"] else "",
        )
        for key, entry in rollup_rows(statuses, group, tie_order=tie_order).items()
    }


class DaysSince(Func):
    """Whole days from a date column to a given day (an integer; negative if after it)."""

    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def __init__(self, day: datetime.date, column: str):
        super().__init__(Value(day, output_field=DateField()), F(column))

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST((julianday(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )
