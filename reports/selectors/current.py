"""The live dashboard's figures from the materialised status (`milestones.selectors.materialised`).

The replay (`snapshot.plan_snapshot`) rates every milestone by the rule on each
cold request; here the roll-ups are SQL aggregates over the stored ratings (or the
stored roll-ups themselves) and each capped list reads only the rows it shows,
with its total counted in SQL. The figures are the replay's: the same filters and
orders, in SQL (tested against the replay in `tests/reports/test_dashboard_materialised.py`).
Used only while `status_current(today)` holds; otherwise the dashboard replays.
"""

import dataclasses
import datetime
import functools
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest, Rank

from core.cache import cached_many, kept, stamp
from core.history import as_of_queryset, keys_since
from core.sql import compiled, compiled_once
from milestones.models import (
    Activity,
    Baseline,
    BaselineEntry,
    Dependency,
    Milestone,
    MilestoneStatus,
    MunicipalityRollout,
    ProgressUpdate,
    ReportingRound,
    RolloutPhase,
    RoundObligation,
    StatusRollup,
)
from milestones.rag import Rag
from milestones.selectors.materialised import (
    RAG_FIELDS,
    DaysSince,
    grouped_rollups,
    rating_from,
    stored_rollups,
)
from parties.models import Party

from . import past
from .blockers import (
    BLOCKER_CANDIDATES,
    DEPENDANTS_SHOWN,
    BlockerRow,
    DependantRow,
    delay_days,
    dependants_walk,
)
from .snapshot import (
    ACTIVITY_FIELDS,
    ActivityRow,
    MilestoneRow,
    PartyRef,
    activity_labels,
    activity_row,
    dependency_pairs,
    milestone_row,
)

_TRACK = "milestone__activity__track"
_PARTY = "milestone__activity__responsible_party_id"
_PARTY_NAME = "milestone__activity__responsible_party__name"

# A rating with its milestone's fields under the names the replay reads them by
# (`snapshot.milestone_row`), and its activity's under "milestone__activity__".
_ROW_FIELDS = (
    "milestone__activity__id",
    "milestone__activity__key",
    "milestone__activity__title",
    "milestone__activity__track",
    "milestone__activity__responsible_party_id",
    "milestone__activity__status",
    "milestone__activity__planned_start",
    "milestone__activity__planned_start_precision",
    "milestone__activity__planned_end",
    "milestone__activity__planned_end_precision",
    "milestone__activity__sort_order",
    "forecast_end",
    "actual_date",  # the milestone's, kept with its rating
    *RAG_FIELDS,
)
_ROW_ALIASES = {
    "id": F("milestone_id"),
    **{
        name: F(f"milestone__{name}")
        for name in (
            "key",
            "title",
            "actual_precision",
            "actual_date_unknown",
            "status",
            "sort_order",
        )
    },
}


# What a rating's history row shows of its milestone (`MilestoneStatus`'s own columns, as
# they stood), under the names `snapshot.milestone_row` reads.
_MOMENT_SHOWN = {
    "id": "milestone_id",
    "key": "milestone_key",
    "title": "milestone_title",
    "actual_date": "actual_date",
    "actual_precision": "milestone_actual_precision",
    "actual_date_unknown": "milestone_actual_date_unknown",
    "status": "milestone_status",
    "sort_order": "milestone_sort_order",
}


def _in_ids(field_name: str, ids: list[int]) -> Q:
    """`field_name` among `ids`: on PostgreSQL one array (`= ANY(%s)`; thousands of
    placeholders cost more to send and plan than the query), elsewhere `__in`."""
    if connection.vendor != "postgresql":
        return Q(**{f"{field_name}__in": ids})
    column = connection.ops.quote_name(field_name)
    # As the array's text: psycopg's adaptation of a list of 15,000 ints took 40 ms.
    array = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
    return Q(RawSQL(f"{column} = ANY(%s::bigint[])", (array,), output_field=BooleanField()))


@dataclass
class Scoped:
    """The dashboard's filter (track, responsible party id) and what it reads by.

    With `at` (a past moment, within the ratings' history's mark: `past.covers`) the
    ratings are those as they stood (`core.history.as_of_queryset`: one range scan),
    narrowed to `activities_at`, the activities as they stood within the filter (read by
    the caller, `snapshot.activity_rows`), and the dependencies those as they stood: the
    same selectors below then answer for the moment (`moment_lists`, `blockers`,
    `rows_by_id`)."""

    today: datetime.date
    parties: dict[int, PartyRef]
    track: str | None = None
    party_id: int | None = None
    at: datetime.datetime | None = None
    activities_at: dict[int, ActivityRow] | None = None

    @property
    def narrowed(self) -> bool:
        return bool(self.track or self.party_id)

    def statuses(self) -> QuerySet:
        if self.at is not None:
            # Every rating whose activity stood then (within the filter): a rating of a
            # milestone whose activity had gone is left out, as the replay leaves it.
            return as_of_queryset(MilestoneStatus, self.at).filter(
                _in_ids("activity_id", list(self.activities_at or ()))
            )
        qs = MilestoneStatus.objects.all()
        if self.track:
            qs = qs.filter(**{_TRACK: self.track})
        if self.party_id:
            qs = qs.filter(**{_PARTY: self.party_id})
        return qs

    def is_predecessor(self) -> Q:
        """A rating of a milestone with successors: live a hashed subplan of the
        dependencies' predecessors (a correlated EXISTS per rating cost more); at a moment
        those of the dependencies as they stood (`snapshot.dependency_pairs`, cached)."""
        if self.at is None:
            return Q(milestone_id__in=Dependency.objects.order_by().values("predecessor_id"))
        pairs = dependency_pairs(self.at, version=self.dependencies_version)
        return _in_ids("milestone_id", sorted({p for p, _s in pairs}))

    @functools.cached_property
    def dependencies_version(self) -> tuple:
        """The dependencies' stamp at the moment (one query, once), which their pairs and
        walks as they stood are cached under."""
        return stamp(models=(Dependency,), at=self.at)

    def walks(self, milestone_ids: list[int]) -> dict[int, tuple[list, bool]]:
        """Each milestone's dependants (`dependant_walks`), at a moment over the
        dependencies as they stood."""
        if self.at is None:
            return dependant_walks(milestone_ids)
        return dependant_walks(milestone_ids, at=self.at, version=self.dependencies_version)

    def activities(self) -> QuerySet:
        qs = Activity.objects.order_by()
        if self.track:
            qs = qs.filter(track=self.track)
        if self.party_id:
            qs = qs.filter(responsible_party_id=self.party_id)
        return qs


# ---------------------------------------------------------------------------
# What each piece of the live dashboard depends on
# ---------------------------------------------------------------------------
# The status lines, lists and blockers: the ratings and what they are rated and shown
# by (the roll-ups' history moves with every rating that changes them; a baseline's
# entries have no history, their newest id stands in).
FIGURES_MODELS = (Milestone, Activity, Baseline, Party, Dependency, StatusRollup)
# What the whole programme's status lines are read from: the stored roll-ups, whose
# history moves when one changes, and the parties, activities and baselines they name
# (`status._figures_piece`).
LINES_MODELS = (StatusRollup, Party, Activity, Baseline)
# The reporting round and the concerns raised in it (activities and parties named).
ROUND_MODELS = (ReportingRound, RoundObligation, ProgressUpdate, Activity, Party)
# KOMBIT's roll-out (with the ratings of its phases' milestones, by the figures' stamp).
ROLLOUT_MODELS = (RolloutPhase, MunicipalityRollout)
_PIECE_MODELS = tuple(dict.fromkeys((*FIGURES_MODELS, *ROUND_MODELS, *ROLLOUT_MODELS)))


@dataclass
class PieceStamps:
    """The stamps of the dashboard's pieces, read at once (`piece_stamps`)."""

    values: dict
    # The milestones edited since a watermark, asked by every piece kept across edits
    # (`edited_since`): read once per request and watermark; their ratings now, which the
    # lists and the blockers check (`edited_ratings`), likewise.
    _edited: dict = field(default_factory=dict)
    _ratings: dict = field(default_factory=dict)

    def of(self, models) -> tuple:
        """The stamp of `models` (of `_PIECE_MODELS`; the baseline entries' with them)."""
        return (*(self.values[m] for m in models), self.values[BaselineEntry])

    @property
    def watermark(self) -> int:
        """The newest milestone history (its id): what the pieces kept across milestone
        edits compare with."""
        return _int(self.values[Milestone][0])

    @property
    def but_milestones(self) -> tuple:
        """The stamp of what the ratings are rated and shown by apart from the milestones
        (activities, parties, baselines and their entries, dependencies)."""
        return self.of(tuple(m for m in FIGURES_MODELS if m not in (Milestone, StatusRollup)))

    def edited_apart_from(self, watermark: int, shown) -> set[int] | None:
        """The milestones edited since `watermark` (none when it is the newest), or None
        when one of `shown` (a set, or `IdBits`) is among them."""
        if watermark == self.watermark:
            return set()
        edited = self.edited_since(watermark)
        return None if any(pk in shown for pk in edited) else edited

    def edited_since(self, watermark: int) -> set[int]:
        """The milestones with history after `watermark` (one query per watermark; none
        within the page's read of their history, `core.history.history_since_read_once`)."""
        if watermark not in self._edited:
            known = keys_since(Milestone, watermark)
            self._edited[watermark] = (
                known
                if known is not None
                else set(
                    Milestone.history.model.objects.filter(history_id__gt=watermark)
                    .order_by()
                    .values_list("id", flat=True)
                    .distinct()
                )
            )
        return self._edited[watermark]

    def edited_ratings(
        self, scoped: "Scoped", watermark: int, *, due_days: int, recent_days: int
    ) -> dict[int, dict]:
        """The ratings now, within the filter, of the milestones edited since `watermark`,
        by milestone id: what each counts in (the lists' totals and the blocker
        candidates', `_membership`), its forecast end, delay and actual date. Read by the
        lists' check and the blockers'; once per watermark and filter. Live on PostgreSQL
        one query with the milestones edited (`edited_since`, which it answers too) by
        SQL compiled once a day per filter (`_edited_ratings_sql`: building and compiling
        the ORM's query of four filtered booleans took longer than running it); else two,
        `_edited_ratings_orm`."""
        key = (watermark, scoped.track, scoped.party_id, scoped.today, due_days, recent_days)
        if key in self._ratings:
            return self._ratings[key]
        if watermark == self.watermark:  # nothing edited since
            self._edited.setdefault(watermark, set())
            ratings = {}
        elif scoped.at is None and connection.vendor == "postgresql":
            # The milestones edited from the request's read of their history, when the
            # page reads it once (`core.history.history_since_read_once`): their ratings
            # by key; else with them.
            known = keys_since(Milestone, watermark)
            if known is not None:
                self._edited[watermark] = known
            if known is not None and not known:
                found = []
            else:
                sql, params = _edited_ratings_sql(
                    scoped.track,
                    scoped.party_id,
                    scoped.today,
                    due_days,
                    recent_days,
                    by_keys=known is not None,
                )
                with connection.cursor() as cursor:
                    first = sorted(known) if known is not None else watermark
                    cursor.execute(sql, [first, *params])
                    names = [c.name for c in cursor.description][1:]
                    found = cursor.fetchall()
            edited = self._edited.setdefault(watermark, {row[0] for row in found})
            ratings = {
                row[0]: dict(zip(names, row[1:], strict=True))
                for row in found
                if row[1] is not None and row[0] in edited  # a rating within the filter
            }
        else:
            ratings = _edited_ratings_orm(
                scoped, self.edited_since(watermark), due_days=due_days, recent_days=recent_days
            )
        self._ratings[key] = ratings
        return ratings


_EDITED_READS = ("milestone_id", "in_due", "in_slipped", "in_completed", "in_candidates")


def _edited_ratings_query(
    scoped: "Scoped", due_days: int, recent_days: int, milestone_ids=None
) -> QuerySet:
    """The ratings within the filter (of `milestone_ids`, if given) with what each counts
    in, its forecast end, delay and actual date (`PieceStamps.edited_ratings`)."""
    filters = _list_filters(scoped.today, due_days, recent_days)
    statuses = scoped.statuses()
    if milestone_ids is not None:
        statuses = statuses.filter(milestone_id__in=milestone_ids or [0])
    # For a few ratings, a probe of the dependencies each (a slipped one edited hashed all
    # 20,000 predecessors, 6-13 ms at the large scale).
    has_successors = Q(
        Exists(Dependency.objects.filter(predecessor_id=OuterRef("milestone_id")).order_by())
    )
    membership = _membership(scoped, filters, has_successors)
    return statuses.annotate(delay=_delay(scoped.today), **membership).values(
        *_EDITED_READS, "forecast_end", "delay", "actual_date"
    )


def _edited_ratings_orm(
    scoped: "Scoped", edited: set[int], *, due_days: int, recent_days: int
) -> dict[int, dict]:
    """`PieceStamps.edited_ratings` through the ORM, of the milestones `edited` (one query;
    at a past moment and off PostgreSQL)."""
    return {
        row["milestone_id"]: row
        for row in _edited_ratings_query(scoped, due_days, recent_days, edited)
    }


@compiled_once
def _edited_ratings_sql(
    track: str | None,
    party_id: int | None,
    today: datetime.date,
    due_days: int,
    recent_days: int,
    *,
    by_keys: bool = False,
) -> tuple[str, tuple]:
    """The SQL of the milestones edited since a watermark (its one parameter, first) with
    their ratings now within the filter (`_edited_ratings_query`, compiled once per filter
    and day, `core.sql.compiled_once`): each milestone edited, left-joined to its rating (none: deleted, or outside
    the filter), the rating's columns named as `_edited_ratings_orm`'s keys. `by_keys`:
    of the milestones whose keys are its first parameter (a list), instead."""
    scoped = Scoped(today=today, parties={}, track=track, party_id=party_id)
    quote = connection.ops.quote_name
    # Each edited milestone's rating by its key (a lateral join: a plain one hashed every
    # rating, working out each one's booleans, 70 ms at the large scale).
    of_edited = RawSQL(
        f"{quote(MilestoneStatus._meta.db_table)}.{quote('milestone_id')} = e.{quote('id')}",
        (),
        output_field=BooleanField(),
    )
    ratings, params = compiled(
        _edited_ratings_query(scoped, due_days, recent_days).filter(Q(of_edited))
    )
    history = Milestone.history.model._meta.db_table
    columns = ", ".join(
        f"r.{quote(name)}" for name in (*_EDITED_READS, "forecast_end", "delay", "actual_date")
    )
    edited = (
        f"unnest(%s::bigint[]) AS e({quote('id')}) "
        if by_keys
        else f"(SELECT DISTINCT {quote('id')} FROM "
        f"{quote(history)} WHERE {quote('history_id')} > %s) AS e "
    )
    sql = (
        f"SELECT e.{quote('id')}, {columns} FROM {edited}"
        # OFFSET 0: kept a subquery, which the planner would otherwise flatten and hash.
        f"LEFT JOIN LATERAL ({ratings} OFFSET 0) AS r ON TRUE"
    )
    return sql, params


@dataclass
class KeptValue:
    """A piece kept across the milestone edits that leave it (`kept_unless_edited`)."""

    value: object
    watermark: int
    milestones: frozenset[int]


def kept_unless_edited(parts: tuple, build, *, stamps: "PieceStamps", seconds: int):
    """`build()` -> (value, the milestones it shows), kept under `parts` and the stamps of
    all it reads but the milestones (`PieceStamps.but_milestones`) while no milestone it
    shows was edited since it was built."""
    watermark = stamps.watermark

    def build_kept() -> KeptValue:
        value, milestones = build()
        return KeptValue(value, watermark, frozenset(milestones))

    return kept(
        "reports",
        (*parts, stamps.but_milestones),
        build_kept,
        still_holds=lambda found: (
            stamps.edited_apart_from(found.watermark, found.milestones) is not None
        ),
        seconds=seconds,
    ).value


def piece_stamps() -> PieceStamps:
    """Every piece's stamp in one query (`core.cache.stamp` over all their models)."""
    found = stamp(models=_PIECE_MODELS, rows=(BaselineEntry,))
    values = {m: found[2 * i : 2 * i + 2] for i, m in enumerate(_PIECE_MODELS)}
    values[BaselineEntry] = found[-1]
    return PieceStamps(values)


# ---------------------------------------------------------------------------
# Rows as the replay builds them
# ---------------------------------------------------------------------------
def milestone_rows(statuses: QuerySet, scoped: Scoped) -> list[MilestoneRow]:
    """MilestoneRows of `statuses` (ordered and sliced by the caller), as the replay
    builds them (one query)."""
    if scoped.at is not None:
        return _moment_rows(
            statuses.values(*_MOMENT_SHOWN.values(), "activity_id", "forecast_end", *RAG_FIELDS),
            scoped,
        )
    result = []
    activities: dict[int, ActivityRow] = {}
    labels = activity_labels()
    for v in statuses.values(*_ROW_FIELDS, **_ROW_ALIASES):
        activity_id = v["milestone__activity__id"]
        activity = activities.get(activity_id)
        if activity is None:
            activity = activities[activity_id] = activity_row(
                v, scoped.parties, labels, prefix="milestone__activity__"
            )
        result.append(
            milestone_row(
                v,
                activity=activity,
                rag=rating_from(v),
                forecast_end=v["forecast_end"],
                today=scoped.today,
            )
        )
    return result


def _moment_rows(values, scoped: Scoped, *, keys: bool = False) -> list:
    """MilestoneRows of ratings' history rows (`values` of `_MOMENT_SHOWN`, the forecast
    end and the rating), with the activities as they stood (`Scoped.activities_at`), as
    `past.plan_at` and the replay build them; with `keys` (history row's pk, row)."""
    activities = scoped.activities_at or {}
    result = []
    for v in values:
        activity = activities.get(v["activity_id"])
        if activity is None:
            continue
        shown = {name: v[field_name] for name, field_name in _MOMENT_SHOWN.items()}
        rag = rating_from(v)
        shown["forecast_date"] = rag.forecast_date
        shown["forecast_precision"] = rag.forecast_precision
        row = milestone_row(
            shown, activity=activity, rag=rag, forecast_end=v["forecast_end"], today=scoped.today
        )
        result.append((v["pk"], row) if keys else row)
    return result


# ---------------------------------------------------------------------------
# Roll-ups
# ---------------------------------------------------------------------------
def current_rollups(scoped: Scoped):
    """Overall, per track and per party roll-ups now (`status.Rollups`): the stored
    roll-ups for the whole programme (one query), SQL aggregates over the ratings
    for a track or a party (six queries)."""
    from .status import Rollups

    if not scoped.narrowed:
        stored = stored_rollups(["programme", "track", "party"])
        return Rollups(
            overall=stored.get(("programme", "")),
            tracks={key: r for (scope, key), r in stored.items() if scope == "track"},
            parties={int(key): r for (scope, key), r in stored.items() if scope == "party"},
        )
    statuses = scoped.statuses()
    return Rollups(
        overall=grouped_rollups(statuses, None).get(""),
        tracks=grouped_rollups(statuses, _TRACK),
        parties=grouped_rollups(statuses, _PARTY),
    )


# ---------------------------------------------------------------------------
# The capped lists
# ---------------------------------------------------------------------------
def _first(
    statuses: QuerySet, lead: str, limit: int, order: tuple, *, then: dict | None = None
) -> QuerySet:
    """The first `limit` of `statuses` in `order`, whose first key is `lead`: the rows
    ranked within the first `limit` by `lead` (ties at the last place included) are
    found on the ratings alone, and only those are joined to their milestone, activity
    and party to be put in order (sorting thousands of joined rows to show twenty took
    most of a list's time). `then` annotates only the rows found (an annotation that
    joins would join every row ranked too)."""
    field = lead.lstrip("-")
    by = F(field).desc() if lead.startswith("-") else F(field).asc()
    # Their ids first: guessing thousands, the planner would hash-join every milestone,
    # activity and party to the few found. An empty list still asks (for id 0, which no
    # milestone has), so the number of queries does not depend on the data.
    ids = list(
        statuses.annotate(place=Window(Rank(), order_by=[by]))
        .filter(place__lte=limit)
        .values_list("pk", flat=True)
    )
    found = statuses.filter(pk__in=ids or [0])
    if then:
        found = found.annotate(**then)
    return found.order_by(*order)[:limit]


@dataclass
class Lists:
    due_soon: list[MilestoneRow]
    due_soon_total: int
    slipped: list[MilestoneRow]
    slipped_total: int
    completed: list[MilestoneRow]
    completed_total: int
    blockers_total: int


_IS_OPEN = Q(severity__gte=0)


def _slipped(today: datetime.date) -> Q:
    return _IS_OPEN & (Q(slip_days__gt=0) | Q(forecast_end__lt=today))


def _delay(today: datetime.date):
    """The replay's `delay_days`: the slip or the days overdue, whichever is larger."""
    return Greatest(
        Coalesce("slip_days", Value(0)),
        Case(When(forecast_end__lt=today, then=DaysSince(today, "forecast_end")), default=0),
    )


def _candidate(today: datetime.date, is_predecessor: Q | None = None) -> Q:
    """A blocker candidate: slipped or red, open, with successors (`Scoped.is_predecessor`;
    live by default)."""
    if is_predecessor is None:
        is_predecessor = Q(milestone_id__in=Dependency.objects.order_by().values("predecessor_id"))
    return (_slipped(today) | (_IS_OPEN & Q(rag=Rag.RED))) & is_predecessor


def _list_filters(today: datetime.date, due_days: int, recent_days: int) -> tuple[Q, Q, Q]:
    """Which ratings each list holds: due soon, slipped, recently completed."""
    horizon = today + datetime.timedelta(days=due_days)
    recent = today - datetime.timedelta(days=recent_days)
    due = _IS_OPEN & Q(forecast_end__gte=today, forecast_end__lte=horizon)
    completed = Q(rag=Rag.DONE, actual_date__isnull=False) & (
        Q(actual_end__gte=recent, actual_end__lte=today)
        | Q(actual_date__gte=recent, actual_date__lte=today)
    )
    return due, _slipped(today), completed


def _list_totals(scoped: Scoped, filters) -> dict:
    due, slipped, completed = filters
    return scoped.statuses().aggregate(
        due=Count("pk", filter=due),
        slipped=Count("pk", filter=slipped),
        completed=Count("pk", filter=completed),
        candidates=Count("pk", filter=_candidate(scoped.today)),
    )


# What a rating counts in, as bits of a mask: the lists' totals and the blocker candidates'.
_IN_DUE, _IN_SLIPPED, _IN_COMPLETED, _IN_CANDIDATES = 1, 2, 4, 8
_TOTALS = (
    ("due", _IN_DUE),
    ("slipped", _IN_SLIPPED),
    ("completed", _IN_COMPLETED),
    ("candidates", _IN_CANDIDATES),
)


def _membership(scoped: Scoped, filters, is_predecessor: Q | None = None) -> dict:
    """What each list's total counts: the lists and the candidates as booleans (a
    candidate's successors by `is_predecessor`, `_candidate`'s by default)."""
    due, slipped, completed = filters
    candidate = _candidate(scoped.today, is_predecessor)
    return {
        "in_due": ExpressionWrapper(due, output_field=BooleanField()),
        "in_slipped": ExpressionWrapper(slipped, output_field=BooleanField()),
        "in_completed": ExpressionWrapper(completed, output_field=BooleanField()),
        "in_candidates": ExpressionWrapper(candidate, output_field=BooleanField()),
    }


def _mask(row: dict) -> int:
    return (
        (_IN_DUE if row["in_due"] else 0)
        | (_IN_SLIPPED if row["in_slipped"] else 0)
        | (_IN_COMPLETED if row["in_completed"] else 0)
        | (_IN_CANDIDATES if row["in_candidates"] else 0)
    )


def _list_members(scoped: Scoped, filters) -> tuple[dict, bytes]:
    """The lists' totals and what each rating in the filter counts in (its mask by
    milestone id, 0 for none), read in one query of the ratings counted anywhere: an edit
    since moves the totals by its milestones' masks then and now (`milestone_lists_kept`)."""
    due, slipped, completed = filters
    members = bytearray()
    totals = dict.fromkeys((name for name, _bit in _TOTALS), 0)
    for row in (
        scoped.statuses()
        .order_by()
        .filter(due | slipped | completed | _candidate(scoped.today))
        .annotate(**_membership(scoped, filters))
        .values("milestone_id", *_membership(scoped, filters))
    ):
        mask, pk = _mask(row), row["milestone_id"]
        if pk >= len(members):
            members.extend(bytes(pk + 1 - len(members)))
        members[pk] = mask
        for name, bit in _TOTALS:
            totals[name] += bool(mask & bit)
    return totals, bytes(members)


@dataclass
class ListsFound:
    """The lists and what `milestone_lists_kept` checks an edit against."""

    lists: Lists
    watermark: int
    # The last row shown of each list by what it is ordered by (None: not full).
    last_due: datetime.date | None
    last_delay: int | None
    last_completed: datetime.date | None
    # What each rating counted in when built (`_list_members`): its mask by milestone id.
    members: bytes = b""

    def counted(self, pk: int) -> int:
        return self.members[pk] if pk < len(self.members) else 0

    @property
    def shown(self) -> set[int]:
        lists = self.lists
        return {m.id for m in (*lists.due_soon, *lists.slipped, *lists.completed)}


def milestone_lists_kept(
    scoped: Scoped,
    *,
    limit: int,
    due_days: int,
    recent_days: int,
    stamps: PieceStamps,
    totals: bool = True,
) -> Lists:
    """The lists (`milestone_lists`), their rows kept across the milestone edits that
    cannot change them, as the blockers are (`blockers_kept`): reused when no milestone
    edited since is shown and none edited now falls within a list's rows shown (one
    query for the edited milestones, one for their ratings). Their totals then move by
    what the edited milestones counted in when the lists were built (`ListsFound.members`)
    and count in now (read with their ratings): no count over every rating. Any other
    edit reads them again. Without `totals` (the trend page shows the rows alone) the
    totals are as they were built."""
    today = scoped.today
    watermark = stamps.watermark
    filters = _list_filters(today, due_days, recent_days)
    others = stamps.but_milestones

    def ratings_now(found: ListsFound) -> dict[int, dict]:
        return stamps.edited_ratings(
            scoped, found.watermark, due_days=due_days, recent_days=recent_days
        )

    def build() -> ListsFound:
        counts, members = _list_members(scoped, filters)
        lists = milestone_lists(
            scoped, limit=limit, due_days=due_days, recent_days=recent_days, totals=counts
        )

        def last(rows, value):
            return value(rows[-1]) if len(rows) >= limit else None

        return ListsFound(
            lists,
            watermark,
            last(lists.due_soon, lambda m: m.forecast_end),
            last(lists.slipped, lambda m: delay_days(m, today)),
            last(lists.completed, lambda m: m.actual_date),
            members,
        )

    def still_holds(found: ListsFound) -> bool:
        now = ratings_now(found)  # with the milestones edited since (`edited_since`)
        edited = stamps.edited_apart_from(found.watermark, found.shown)
        if edited is None:
            return False
        if not edited:
            return True
        for row in now.values():
            if row["in_due"] and (found.last_due is None or row["forecast_end"] <= found.last_due):
                return False
            if row["in_slipped"] and (found.last_delay is None or row["delay"] >= found.last_delay):
                return False
            if row["in_completed"] and (
                found.last_completed is None or row["actual_date"] >= found.last_completed
            ):
                return False
        return True

    found = kept(
        "reports",
        ("dashboard-lists", 2, others, today.isoformat(), scoped.party_id or 0, scoped.track or ""),
        build,
        still_holds=still_holds,
        seconds=WALK_CACHE_SECONDS,
    )
    if found.watermark == watermark or not totals:
        return found.lists
    edited = stamps.edited_since(found.watermark)
    now = ratings_now(found)
    lists = found.lists
    moved = {
        "due": lists.due_soon_total,
        "slipped": lists.slipped_total,
        "completed": lists.completed_total,
        "candidates": lists.blockers_total,
    }
    for pk in edited:
        before, after = found.counted(pk), _mask(now[pk]) if pk in now else 0
        for name, bit in _TOTALS:
            moved[name] += bool(after & bit) - bool(before & bit)
    return dataclasses.replace(
        lists,
        due_soon_total=moved["due"],
        slipped_total=moved["slipped"],
        completed_total=moved["completed"],
        blockers_total=moved["candidates"],
    )


def milestone_lists(
    scoped: Scoped, *, limit: int, due_days: int, recent_days: int, totals: dict | None = None
) -> Lists:
    """Due soon, slipped and recently completed (each its first `limit` rows and its
    total) and the blocker candidates' total, as `status.milestone_lists` and
    `blockers.blockers` select and order them (four queries; three given the `totals`,
    as `_list_totals` counts them)."""
    today = scoped.today
    statuses = scoped.statuses()
    filters = _list_filters(today, due_days, recent_days)
    due, slipped, completed = filters
    if totals is None:
        totals = _list_totals(scoped, filters)
    due_rows = milestone_rows(
        _first(
            statuses.filter(due),
            "forecast_end",
            limit,
            ("forecast_end", _PARTY_NAME, "milestone__title", "pk"),
        ),
        scoped,
    )
    slipped_rows = milestone_rows(
        _first(
            statuses.filter(slipped).annotate(delay=_delay(today)),
            "-delay",
            limit,
            ("-delay", _PARTY_NAME, "milestone__title", "pk"),
        ),
        scoped,
    )
    completed_rows = milestone_rows(
        _first(
            statuses.filter(completed),
            "-actual_date",
            limit,
            ("-actual_date", "-milestone__title", "pk"),
        ),
        scoped,
    )
    return Lists(
        due_soon=due_rows,
        due_soon_total=totals["due"],
        slipped=slipped_rows,
        slipped_total=totals["slipped"],
        completed=completed_rows,
        completed_total=totals["completed"],
        blockers_total=totals["candidates"],
    )


@dataclass
class MomentFound:
    """What `moment_lists` reads at a past moment in its one query over the ratings as they
    stood."""

    lists: "Lists"
    # The most delayed blocker candidates, in the order the replay walks them.
    candidates: list[MilestoneRow]
    # Every rating's facts the blockers' walks read: milestone id -> (open, forecast end).
    facts: dict[int, tuple[bool, datetime.date | None]]
    # Every activity's ratings rolled up (`past.per_activity_columns`' rows), which the
    # moment's roll-ups combine (`past.rollups_of_activities`).
    activities: list[tuple]


def moment_lists(scoped: Scoped, *, limit: int, due_days: int, recent_days: int) -> MomentFound:
    """At a past moment (`Scoped.at`): the lists (`milestone_lists`) with their totals,
    the most delayed blocker candidates (`blocker_candidates`), every rating's facts for
    the blockers' walks and every activity's roll-up, in one query (and one for the rows
    shown) over the ratings as they stood (one index-only scan of their range, milestones
    migration 0012: each further scan of them cost 35-80 ms at large scale). Each row is
    ranked within every list it is in by what the list is ordered by first (ties at the
    last place kept) and only those within a list's first `limit` are read; their tie keys
    (the party's name and the title as they stood, which the live path joins for) order
    them here, as the replay does."""
    today = scoped.today
    due, slipped, completed = _list_filters(today, due_days, recent_days)
    kinds = {
        "due": (due, F("forecast_end").asc(), limit),
        "slipped": (slipped, F("delay").desc(), limit),
        "completed": (completed, F("actual_date").desc(), limit),
        "candidates": (
            _candidate(today, scoped.is_predecessor()),
            F("delay").desc(),
            BLOCKER_CANDIDATES,
        ),
    }
    members_of, totals, facts, per_activity = _moment_places(
        scoped.statuses().annotate(delay=_delay(today)), kinds
    )
    rows = _moment_rows(
        MilestoneStatus.history.model.objects.filter(
            pk__in=sorted(set().union(*members_of.values())) or [0]
        )
        .order_by("milestone_id")
        .values("pk", *_MOMENT_SHOWN.values(), "activity_id", "forecast_end", *RAG_FIELDS),
        scoped,
        keys=True,
    )
    members: dict[str, list[MilestoneRow]] = {kind: [] for kind in kinds}
    for key, row in rows:
        for kind, keys in members_of.items():
            if key in keys:
                members[kind].append(row)

    def delay(m: MilestoneRow) -> int:
        return delay_days(m, today)

    # The replay's orders (`status.milestone_lists`, `blockers.blockers`): its sorts are
    # stable over the plan in id order.
    due_rows = sorted(members["due"], key=lambda m: (m.forecast_end, m.party.name, m.title, m.id))
    slipped_rows = sorted(
        members["slipped"], key=lambda m: (-delay(m), m.party.name, m.title, m.id)
    )
    completed_rows = sorted(
        sorted(members["completed"], key=lambda m: m.id),
        key=lambda m: (m.actual_date, m.title),
        reverse=True,
    )
    is_slipped = {m.id for m in members["slipped"]} | {
        m.id for m in members["candidates"] if (m.rag.slip_days or 0) > 0 or m.overdue_days > 0
    }
    candidates = sorted(
        members["candidates"],
        key=lambda m: (
            -delay(m),
            m.title,
            m.id not in is_slipped,
            m.party.name if m.id in is_slipped else "",
            m.id,
        ),
    )
    lists = Lists(
        due_soon=due_rows[:limit],
        due_soon_total=totals["due"],
        slipped=slipped_rows[:limit],
        slipped_total=totals["slipped"],
        completed=completed_rows[:limit],
        completed_total=totals["completed"],
        blockers_total=totals["candidates"],
    )
    return MomentFound(lists, candidates[:BLOCKER_CANDIDATES], facts, per_activity)


# What `_moment_places` reads of each rating as it stood, narrow.
_MOMENT_READS = (
    "pk",
    "milestone_id",
    "activity_id",
    "rag",
    "severity",
    "slip_days",
    "delay",
    "forecast_end",
    "actual_date",
)


def _moment_places(statuses: QuerySet, kinds: dict) -> tuple[dict[str, set], dict, dict, list]:
    """For each of `kinds` (name: (filter, order, cap)) the history rows of `statuses`
    within its first `cap` by `order` (ties at the last place kept) and its total, every
    rating's facts (milestone id: open, forecast end) and every activity's roll-up
    (`past.per_activity_columns`), in one query. On PostgreSQL the ratings as they stood
    are read once into a CTE, each list is its top rows (`FETCH FIRST … WITH TIES`, a
    top-N sort of its members) and the activities' roll-ups one hash aggregate over it;
    elsewhere each row is ranked by a window per list (four full sorts of 20,000 rows:
    0.25 s at large scale on PostgreSQL against ~0.1 s) and rolled up in Python."""
    flags = {
        f"in_{kind}": ExpressionWrapper(w, output_field=BooleanField())
        for kind, (w, _o, _c) in kinds.items()
    }
    members: dict[str, set] = {kind: set() for kind in kinds}
    totals = dict.fromkeys(kinds, 0)
    facts: dict[int, tuple[bool, datetime.date | None]] = {}
    if connection.vendor == "postgresql":
        inner = statuses.annotate(**flags).values(*_MOMENT_READS, *flags)
        sql, params = inner.query.sql_with_params()
        quote = connection.ops.quote_name
        parts, names = [], list(kinds)
        # Every part's columns: kind, pk, n, d, m, a, c, w (NULL where a part has none).
        for kind, (_w, order, cap) in kinds.items():
            by = quote(order.expression.name) + (" DESC" if order.descending else " ASC")
            parts.append(
                f"(SELECT {names.index(kind)} AS kind, {quote('pk')} AS pk, NULL::bigint AS n, "
                "NULL::date AS d, NULL::bigint AS m, NULL::bigint AS a, NULL::bigint[] AS c, "
                f"NULL::bigint[] AS w FROM r WHERE {quote('in_' + kind)} "
                f"ORDER BY {by} FETCH FIRST {int(cap)} ROWS WITH TIES)"
            )
        counts = ", ".join(
            f"COUNT(*) FILTER (WHERE {quote('in_' + k)}) AS n_{i}" for i, k in enumerate(kinds)
        )
        facts_kind, activities_kind = len(kinds), len(kinds) + 1
        query = (
            f"WITH r AS MATERIALIZED ({sql}), t AS (SELECT {counts} FROM r) "
            + " UNION ALL ".join(parts)
            + "".join(
                f" UNION ALL SELECT {-1 - i}, NULL, n_{i}, NULL, NULL, NULL, NULL, NULL FROM t"
                for i in range(len(kinds))
            )
            # Every rating's facts, narrow (a second scan filtered by the ~10,000 ids the
            # walks reach cost as much as this one).
            + f" UNION ALL SELECT {facts_kind}, NULL, {quote('severity')}, "
            + f"{quote('forecast_end')}, {quote('milestone_id')}, NULL, NULL, NULL FROM r"
            # Every activity's roll-up (counts per colour, its worst open rating).
            + f" UNION ALL SELECT {activities_kind}, NULL, NULL, NULL, NULL, "
            + f"{past.per_activity_columns('r')} FROM r GROUP BY r.{quote('activity_id')}"
        )
        per_activity = []
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            for kind, pk, n, end, milestone_id, activity_id, c, w in cursor.fetchall():
                if kind == facts_kind:
                    facts[milestone_id] = (n >= 0, end)
                elif kind == activities_kind:
                    per_activity.append((activity_id, c, w))
                elif kind >= 0:
                    members[names[kind]].add(pk)
                else:
                    totals[names[-1 - kind]] = n
        return members, totals, facts, per_activity
    annotations = {}
    for kind, (within, order, _cap) in kinds.items():
        annotations[f"total_{kind}"] = Window(Count("pk", filter=within))
        annotations[f"place_{kind}"] = Window(
            Rank(), partition_by=[flags[f"in_{kind}"]], order_by=[order]
        )
    found = (
        statuses.annotate(**flags, **annotations)
        .filter(
            reduce(
                operator.or_,
                (
                    Q(**{f"in_{kind}": True, f"place_{kind}__lte": cap})
                    for kind, (_w, _o, cap) in kinds.items()
                ),
            )
        )
        .values_list(
            "pk", *(f"{name}_{kind}" for kind in kinds for name in ("in", "total", "place"))
        )
    )
    for pk, *values in found:
        for i, (kind, (_w, _o, cap)) in enumerate(kinds.items()):
            member, total, place = values[3 * i : 3 * i + 3]
            totals[kind] = total
            if member and place <= cap:
                members[kind].add(pk)
    ratings = list(
        statuses.values_list(
            "pk", "milestone_id", "activity_id", "rag", "severity", "slip_days", "forecast_end"
        )
    )
    facts = {r[1]: (r[4] >= 0, r[6]) for r in ratings}
    return members, totals, facts, past.per_activity(r[:6] for r in ratings)


def moment_blockers(scoped: Scoped, *, shown: int, found: MomentFound) -> list[BlockerRow]:
    """The blockers at a past moment from the candidates and facts `moment_lists` found,
    as `blockers` finds them live, walked over the dependencies as they stood (two small
    queries more: the titles that order the dependants, the rows shown)."""
    return _blockers_found(
        scoped, shown=shown, watermark=0, candidates=found.candidates, facts=found.facts
    ).rows


def blocker_candidates(scoped: Scoped) -> QuerySet:
    """The most delayed blocker candidates, in the order the replay walks them: slipped
    ones in their list's order before red ones in id order (its sort by delay and title
    is stable)."""
    today = scoped.today
    slipped = _slipped(today)
    is_slipped = Case(When(slipped, then=Value(0)), default=Value(1))
    return _first(
        scoped.statuses()
        .annotate(delay=_delay(today), slipped_first=is_slipped)
        .filter(_candidate(today)),
        "-delay",
        BLOCKER_CANDIDATES,
        ("-delay", "milestone__title", "slipped_first", "slipped_party", "pk"),
        then={"slipped_party": Case(When(slipped, then=F(_PARTY_NAME)), default=Value(""))},
    )


@dataclass(frozen=True)
class IdBits:
    """A set of ids as a bitmap (bit `id` set), for asking whether an id is among them:
    the thousands of milestones the blockers' walks reach pickle as a few kilobytes of
    bytes, where a frozenset of them took about a millisecond to unpickle on every cold
    dashboard. Ids past `MAX_BITS` (a key sequence far ahead) are kept as a frozenset."""

    bits: bytes = b""
    beyond: frozenset = frozenset()

    MAX_BITS = 8 << 20  # a bitmap of at most 1 MiB

    @classmethod
    def of(cls, ids) -> "IdBits":
        ids = set(ids)
        beyond = frozenset(pk for pk in ids if not 0 <= pk < cls.MAX_BITS)
        ids -= beyond
        bits = bytearray((max(ids) >> 3) + 1 if ids else 0)
        for pk in ids:
            bits[pk >> 3] |= 1 << (pk & 7)
        return cls(bytes(bits), beyond)

    def __contains__(self, pk) -> bool:
        index = pk >> 3
        if 0 <= index < len(self.bits):
            return bool(self.bits[index] >> (pk & 7) & 1)
        return pk in self.beyond

    def __iter__(self):
        yield from (
            index << 3 | bit
            for index, byte in enumerate(self.bits)
            if byte
            for bit in range(8)
            if byte >> bit & 1
        )
        yield from self.beyond


@dataclass
class BlockersFound:
    """The blockers shown and what they were found from (`blockers_kept` reuses them)."""

    rows: list[BlockerRow]
    # The newest milestone history when they were found (history ids only grow).
    watermark: int
    # The candidates walked and every milestone their walks reached.
    looked_at: IdBits
    # How many candidates were walked, and the delay of the least delayed of them.
    candidates: int
    last_delay: int


def _int(value: str) -> int:
    """A stamp's id (`core.cache.stamp` gives text; "None" for an empty table)."""
    return int(value) if value not in ("None", "") else 0


def blockers_kept(
    scoped: Scoped, *, shown: int, stamps: PieceStamps, due_days: int, recent_days: int
) -> list[BlockerRow]:
    """The blockers (`blockers`), kept across the milestone edits that cannot change them.

    Cached under the stamps of what they are found by apart from the milestones (their
    activities, parties, baselines and dependencies: an edit of any finds them again),
    the day and the filter. After milestone edits (their history after the watermark
    kept with the blockers; the materialised ratings move only with them, the day and
    the stamps above) they are reused when no milestone edited is a candidate or was
    reached by one, and none edited is now a candidate as delayed as the least delayed
    walked (the edited milestones and their ratings now, the queries the lists' check
    reads too: `PieceStamps.edited_ratings`, with the lists' `due_days` and
    `recent_days`). Any other edit finds them again."""
    today = scoped.today
    watermark = stamps.watermark
    others = stamps.but_milestones

    def still_holds(found: BlockersFound) -> bool:
        # With the milestones edited since (`edited_since`), in one query.
        now = stamps.edited_ratings(
            scoped, found.watermark, due_days=due_days, recent_days=recent_days
        )
        edited = stamps.edited_apart_from(found.watermark, found.looked_at)
        if edited is None:
            return False
        if not edited:
            return True
        delays = [row["delay"] for row in now.values() if row["in_candidates"]]
        if found.candidates < BLOCKER_CANDIDATES:
            return not delays
        return all(d < found.last_delay for d in delays)

    return kept(
        "reports",
        (
            "dashboard-blockers",
            2,
            others,
            today.isoformat(),
            scoped.party_id or 0,
            scoped.track or "",
        ),
        lambda: _blockers_found(scoped, shown=shown, watermark=watermark),
        still_holds=still_holds,
        seconds=WALK_CACHE_SECONDS,
    ).rows


def blockers(scoped: Scoped, *, shown: int) -> list[BlockerRow]:
    """The blockers as `blockers.blockers` finds them, from the most delayed candidates
    (five queries: the candidates, the dependencies' stamp (and, for walks not cached,
    the dependency pairs), the dependants' dates, the titles that order them, the rows
    shown)."""
    return _blockers_found(scoped, shown=shown, watermark=0).rows


def _blockers_found(
    scoped: Scoped,
    *,
    shown: int,
    watermark: int,
    candidates: list[MilestoneRow] | None = None,
    facts: dict | None = None,
) -> BlockersFound:
    """The blockers from the most delayed candidates (`blocker_candidates`, or those
    given with every rating's facts: at a moment `moment_lists` finds them with the
    lists)."""
    today = scoped.today
    if candidates is None:
        candidates = milestone_rows(blocker_candidates(scoped), scoped)
    if not candidates and scoped.at is None:
        return BlockersFound([], watermark, IdBits(), 0, 0)
    # At a moment the same queries however many candidates (none asks for id 0 alone).
    walked = scoped.walks([m.id for m in candidates])
    walks = [(m, *walked[m.id]) for m in candidates]
    reached = {pk for _m, found, _capped in walks for pk, _depth in found}
    # Open and forecast end of each milestone reached, within the filter: read from the
    # ratings alone (every rating in the filter, when many are reached, rather than a long
    # list of ids).
    facts_qs = scoped.statuses().order_by()
    if facts is None:
        if len(reached) <= 500:
            facts_qs = facts_qs.filter(milestone_id__in=reached)
        facts = {
            pk: (severity >= 0, end)
            for pk, severity, end in facts_qs.values_list(
                "milestone_id", "severity", "forecast_end"
            )
            if pk in reached
        }
    rows = []
    for m, found, capped in walks:
        expected = max(m.forecast_end, today) if m.forecast_end else None
        dependants = []
        for pk, depth in found:
            fact = facts.get(pk)
            if fact is None:  # outside the filter: its chain still counts
                continue
            is_open, end = fact
            threatened = bool(is_open and expected and end and end < expected)
            dependants.append((not threatened, depth, pk))
        if dependants:
            dependants.sort(key=lambda d: (d[0], d[1]))
            rows.append((m, expected, dependants, capped))

    def delay(m: MilestoneRow) -> int:
        return max(m.rag.slip_days or 0, m.overdue_days)

    found_from = BlockersFound(
        [],
        watermark,
        IdBits.of({m.id for m in candidates} | reached),
        len(candidates),
        min((delay_days(m, today) for m in candidates), default=0),
    )
    rows.sort(key=lambda r: (-sum(1 for d in r[2] if not d[0]), -delay(r[0]), r[0].title))
    rows = rows[:shown]
    # Dependants are shown threatened first, nearest first, then by title: only the
    # titles of those that may be among the first few are needed.
    candidates_shown = set()
    for _m, _expected, dependants, _capped in rows:
        if len(dependants) > DEPENDANTS_SHOWN:
            last = dependants[DEPENDANTS_SHOWN - 1][:2]
            dependants_in = [d for d in dependants if d[:2] <= last]
        else:
            dependants_in = dependants
        candidates_shown.update(d[2] for d in dependants_in)
    if scoped.at is not None:  # the titles as they stood
        titles = dict(
            facts_qs.filter(milestone_id__in=candidates_shown or [0]).values_list(
                "milestone_id", "milestone_title"
            )
        )
    else:
        titles = dict(Milestone.objects.filter(pk__in=candidates_shown).values_list("pk", "title"))
    shown_rows = []
    for m, expected, dependants, capped in rows:
        ordered = sorted(
            (d for d in dependants if d[2] in titles),
            key=lambda d: (d[0], d[1], titles[d[2]]),
        )[:DEPENDANTS_SHOWN]
        shown_rows.append((m, expected, dependants, ordered, capped))
    shown_ids = {d[2] for r in shown_rows for d in r[3]}
    by_id = {
        m.id: m
        for m in milestone_rows(scoped.statuses().filter(milestone_id__in=shown_ids or [0]), scoped)
    }
    found_from.rows = [
        BlockerRow(
            milestone=m,
            expected=expected,
            dependants=[
                DependantRow(milestone=by_id[pk], threatened=not safe, depth=depth)
                for safe, depth, pk in ordered
            ],
            dependant_count=len(dependants),
            threatened_count=sum(1 for d in dependants if not d[0]),
            walk_capped=capped,
        )
        for m, expected, dependants, ordered, capped in shown_rows
    ]
    return found_from


WALK_CACHE_SECONDS = 3600


def dependant_walks(
    milestone_ids: list[int], *, at: datetime.datetime | None = None, version: tuple | None = None
) -> dict[int, tuple[list, bool]]:
    """Each milestone's dependants, transitively, as `blockers.blockers` walks them:
    [(id, depth)] in the order found, at most DEPENDANTS_WALK steps, and whether the walk
    was capped. They depend on the dependencies alone, so each walk is cached under the
    dependencies' stamp (one query): an edit of a date leaves them valid. With `at`, over
    the dependencies as they stood (`snapshot.dependency_pairs`), under their stamp then
    (`version`, when read already)."""
    if version is None:
        version = stamp(models=(Dependency,), at=at)

    def build(missing: list[int]) -> dict[int, tuple[list, bool]]:
        if at is None:
            pairs = Dependency.objects.order_by().values_list("predecessor_id", "successor_id")
        else:
            pairs = dependency_pairs(at, version=version)
        return _walks(pairs, missing)

    return cached_many(
        "reports",
        {pk: ("dependant-walk", 1, version, at is not None, pk) for pk in milestone_ids},
        build,
        seconds=WALK_CACHE_SECONDS,
    )


def _walks(pairs, starts) -> dict[int, tuple[list, bool]]:
    """Each start's dependants over the (predecessor, successor) `pairs`, breadth first:
    [(id, depth)] in the order found, at most DEPENDANTS_WALK steps, and whether capped."""
    successors: dict[int, list[int]] = defaultdict(list)
    for predecessor, successor in pairs:
        successors[predecessor].append(successor)
    return {start: dependants_walk(successors, start) for start in starts}


def rows_by_id(scoped: Scoped, ids) -> dict[int, MilestoneRow]:
    """MilestoneRows of the given milestones within the filter, by id (one query)."""
    return {m.id: m for m in milestone_rows(scoped.statuses().filter(milestone_id__in=ids), scoped)}


def activities_by_id(scoped: Scoped, ids) -> dict[int, ActivityRow]:
    """ActivityRows of the given activities within the filter, by id (one query)."""
    labels = activity_labels()
    return {
        v["id"]: activity_row(v, scoped.parties, labels)
        for v in scoped.activities().filter(id__in=list(ids)).values(*ACTIVITY_FIELDS)
    }
