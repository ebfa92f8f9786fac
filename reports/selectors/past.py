"""A past moment's plan from the ratings as they stood (`MilestoneStatus.history`).

The replay (`snapshot.plan_snapshot`) reads every milestone's history as of the
moment and rates each by the rule; the ratings' history already holds each
milestone's rating and what its row shows, as they stood (written with every
change of a rating and by the daily re-rating at the start of its day,
`milestones.services.status`; filled from the plan's history by
`status_history_backfill`). So a past moment reads them (one query,
`core.history.as_of_values`) with the activities and parties as they stood, and
the report's figures are built from that plan exactly as from the replay's
(`status.status_lines`, `milestone_lists`, `blockers.blockers`, ...). The dashboard at
a moment builds no plan: the live path's selectors read the ratings as they stood
(`current.Scoped.at`, `current.moment_lists`; the roll-ups per activity with them,
`rollups_of_activities`).

Only within the history's mark (`StatusHistoryMark`: complete from a moment, and
re-rated up to a day): a moment before it, or on a day not re-rated yet, is
replayed by the rule. The two agree (`tests/reports/test_past_materialised.py`).
"""

import datetime
from collections import defaultdict

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from core.history import as_of_queryset, as_of_values
from core.sql import among
from milestones.models import MilestoneStatus, StatusHistoryMark
from milestones.rag import MilestoneRag, RagRollup
from milestones.selectors.materialised import COLOURS, RAG_FIELDS, rollup_from

from . import snapshot
from .snapshot import PartyRef, PlanSnapshot, milestone_row

# What a row reads of a rating (stored names, as `snapshot.milestone_row` names them),
# in this order, a MilestoneRag's fields last.
_SHOWN = {
    "key": "milestone_key",
    "title": "milestone_title",
    "activity_id": "activity_id",
    "actual_date": "actual_date",
    "actual_precision": "milestone_actual_precision",
    "actual_date_unknown": "milestone_actual_date_unknown",
    "status": "milestone_status",
    "sort_order": "milestone_sort_order",
    "forecast_end": "forecast_end",
}
_FIELDS = ("milestone_id", *_SHOWN.values(), *RAG_FIELDS)
_RAG_AT = len(_FIELDS) - len(RAG_FIELDS)


def covers(at: datetime.datetime | None, today: datetime.date) -> bool:
    """Whether the ratings as they stood at `at` are those of the rule on `today` (one
    query): a past moment of that day, within the ratings' history's mark."""
    if at is None or timezone.localdate(at) != today or at > timezone.now():
        return False
    mark = StatusHistoryMark.objects.order_by().values_list("complete_from", "rerated_on").first()
    return mark is not None and mark[0] <= at and today <= mark[1]


def activity_filters(track: str | None, party_id: int | None) -> dict:
    filters = {}
    if track:
        filters["track"] = track
    if party_id:
        filters["responsible_party_id"] = party_id
    return filters


def plan_at(
    *,
    at: datetime.datetime | None,
    today: datetime.date,
    track: str | None = None,
    party_id: int | None = None,
    parties: dict[int, PartyRef] | None = None,
    materialised: bool = True,
) -> PlanSnapshot:
    """The plan at `at` with RAG as of `today`, as `snapshot.plan_snapshot` gives it: from
    the ratings as they stood when they cover the moment (`covers`; four queries), else
    by the replay."""
    if not (materialised and covers(at, today)):
        return snapshot.plan_snapshot(
            at=at, today=today, track=track, party_id=party_id, parties=parties
        )
    baseline = snapshot.active_baseline(at)
    if parties is None:
        parties = snapshot.party_refs(at)
    filters = activity_filters(track, party_id)
    activities = snapshot.activity_rows(at, parties, filters)
    # The ratings as they stood, as plain tuples (`core.history.as_of_values`: Django's
    # per-row iteration of 20,000 rows of twenty columns took longer than the query).
    found = as_of_values(
        MilestoneStatus,
        at,
        _FIELDS,
        within=("activity_id", list(activities)) if filters else None,
    )
    milestones = []
    # In id order, as the replay: ties in a roll-up are broken the same way.
    for row in found:
        activity = activities.get(row[3])
        if activity is None:
            continue
        values = dict(zip(_SHOWN, row[1:_RAG_AT], strict=True))
        rag = MilestoneRag(*row[_RAG_AT:])
        values["id"] = row[0]
        values["forecast_date"] = rag.forecast_date
        values["forecast_precision"] = rag.forecast_precision
        milestones.append(
            milestone_row(
                values, activity=activity, rag=rag, forecast_end=values["forecast_end"], today=today
            )
        )
    return PlanSnapshot(
        at=at,
        today=today,
        baseline=baseline,
        parties=parties,
        activities=activities,
        milestones=milestones,
    )


def month_end_plan(
    at: datetime.datetime,
    *,
    track: str | None = None,
    party_id: int | None = None,
    parties: dict[int, PartyRef] | None = None,
    materialised: bool = True,
) -> PlanSnapshot:
    """The plan at the end of the day before `at` (a month's end, midnight starting the
    next): the ratings as they stood the moment before it, rated on that last day."""
    last_day = timezone.localdate(at) - datetime.timedelta(days=1)
    moment = at - datetime.timedelta(microseconds=1)
    if materialised and covers(moment, last_day):
        return plan_at(at=moment, today=last_day, track=track, party_id=party_id, parties=parties)
    return snapshot.plan_snapshot(
        at=at, today=last_day, track=track, party_id=party_id, parties=parties
    )


def ratings_at(at: datetime.datetime, activity_ids=None) -> QuerySet:
    """The ratings as they stood at `at` (their history rows, `core.history.as_of_queryset`:
    one range index scan on PostgreSQL), of the given activities' milestones."""
    ratings = as_of_queryset(MilestoneStatus, at)
    if activity_ids is not None:
        ratings = among(ratings, "activity_id", activity_ids)
    return ratings


def rollups_at(at: datetime.datetime, activities: dict, *, narrowed: bool = False):
    """The roll-ups (`status.Rollups`: overall, per track, per party) of the ratings as they
    stood at `at` (within the mark: `covers`) of `activities` (as they stood, by id), as
    `status.plan_rollups` gives them for `plan_at`'s plan.

    One query over the ratings as they stood (one index-only scan of their range, milestones
    migration 0012), grouped per activity (`per_activity`), then combined per track, party
    and programme over the at most one row per activity (`rollups_of_activities`).
    `narrowed`: the activities are a filter's (a track, a party), read only theirs."""
    ratings = ratings_at(at, activities if narrowed else None).values(*_PER_ACTIVITY_READS)
    if connection.vendor != "postgresql":
        return rollups_of_activities(
            per_activity(ratings.values_list(*_PER_ACTIVITY_READS)), activities
        )
    sql, params = ratings.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {per_activity_columns()} FROM ({sql}) AS r GROUP BY r.activity_id", params
        )
        return rollups_of_activities(cursor.fetchall(), activities)


# What `per_activity` reads of each rating, in this order (the columns `per_activity_columns`
# names).
_PER_ACTIVITY_READS = ("pk", "milestone_id", "activity_id", "rag", "severity", "slip_days")


def per_activity_columns(relation: str = "r") -> str:
    """The select list of one activity's ratings' roll-up, grouped by `relation`'s
    `activity_id` (a relation of `_PER_ACTIVITY_READS`' columns): the activity, its counts
    per colour (in `COLOURS`' order) and its worst open rating (by severity, then slip,
    then the lowest id, as `milestones.rag.rollup` walks a plan in id order) as
    [severity, slip days, -milestone id, history row's key], NULL with none open. Grouped
    by hash (20,000 ratings into 2,000 activities): the rank windows' sorts took 3-5 times
    as long."""
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return f"{relation}.{quote(name)}"

    counts = ", ".join(
        f"COUNT(*) FILTER (WHERE {column('rag')} = '{colour}')" for colour in COLOURS
    )
    worst = (
        f"MAX(ARRAY[{column('severity')}, COALESCE({column('slip_days')}, 0), "
        f"-{column('milestone_id')}, {column('pk')}]::bigint[]) "
        f"FILTER (WHERE {column('severity')} >= 0)"
    )
    return f"{column('activity_id')}, ARRAY[{counts}]::bigint[], {worst}"


def per_activity(ratings) -> list[tuple]:
    """`per_activity_columns`' rows in Python, from (`_PER_ACTIVITY_READS`) tuples: where the
    database has no arrays (SQLite)."""
    found: dict = {}
    for pk, milestone_id, activity_id, rag, severity, slip in ratings:
        entry = found.get(activity_id)
        if entry is None:
            entry = found[activity_id] = [activity_id, [0] * len(COLOURS), None]
        entry[1][COLOURS.index(rag)] += 1
        if severity >= 0:
            rank = [severity, slip or 0, -milestone_id, pk]
            if entry[2] is None or rank > entry[2]:
                entry[2] = rank
    return [tuple(entry) for entry in found.values()]


def rollups_of_activities(rows, activities: dict):
    """The roll-ups (`status.Rollups`) of the ratings at a moment from their roll-up per
    activity (`per_activity_columns`' rows: activity id, counts per colour, worst open
    rating's rank and key), of `activities` (as they stood, by id): combined per track,
    party and programme, each group's worst the greatest rank of its activities'; the worst
    ratings read by their history row's key (one query, at most one a group)."""
    from .status import Rollups

    members: dict = defaultdict(list)
    for activity_id, counts, worst in rows:
        activity = activities.get(activity_id)
        if activity is None:
            continue
        entry = (counts, worst)
        members[("overall",)].append(entry)
        members[("track", activity.track)].append(entry)
        members[("party", activity.party.id)].append(entry)
    # Each group's counts summed per colour, its worst the greatest rank (milestone ids
    # differ, so the key never decides).
    groups = {
        key: (
            [sum(column) for column in zip(*(counts for counts, _w in entries), strict=True)],
            max((worst for _c, worst in entries if worst is not None), default=None),
        )
        for key, entries in members.items()
    }
    keys = sorted({worst[3] for _c, worst in groups.values() if worst is not None})
    worst_rows = {
        row["pk"]: row
        for row in MilestoneStatus.history.model.objects.filter(pk__in=keys or [0]).values(
            "pk", "milestone_id", "milestone_title", *RAG_FIELDS
        )
    }

    def rolled(entry) -> RagRollup:
        counts = dict(zip(COLOURS, entry[0], strict=True))
        if entry[1] is None:
            return rollup_from(counts, None)
        row = worst_rows[entry[1][3]]
        return rollup_from(counts, row, row["milestone_title"])

    rolled_up = {key: rolled(entry) for key, entry in groups.items()}
    return Rollups(
        overall=rolled_up.get(("overall",)),
        tracks={key[1]: r for key, r in rolled_up.items() if key[0] == "track"},
        parties={key[1]: r for key, r in rolled_up.items() if key[0] == "party"},
    )


def month_end_rollups(
    at: datetime.datetime,
    *,
    track: str | None = None,
    party_id: int | None = None,
    parties: dict[int, PartyRef],
    materialised: bool = True,
):
    """The roll-ups of `month_end_plan(at, ...)` ("since last month end"): in SQL over the
    ratings as they stood a moment before `at` where they cover it (`rollups_at`, with
    the activities as they stood then), else those of the replayed plan."""
    from .status import plan_rollups as rows_rollups

    last_day = timezone.localdate(at) - datetime.timedelta(days=1)
    moment = at - datetime.timedelta(microseconds=1)
    if materialised and covers(moment, last_day):
        filters = activity_filters(track, party_id)
        activities = snapshot.activity_rows(moment, parties, filters)
        return rollups_at(moment, activities, narrowed=bool(filters))
    return rows_rollups(
        month_end_plan(at, track=track, party_id=party_id, parties=parties, materialised=False)
    )
