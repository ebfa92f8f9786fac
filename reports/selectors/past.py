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
(`current.Scoped.at`, `current.moment_lists`; the roll-ups `rollups_of_ratings`).

Only within the history's mark (`StatusHistoryMark`: complete from a moment, and
re-rated up to a day): a moment before it, or on a day not re-rated yet, is
replayed by the rule. The two agree (`tests/reports/test_past_materialised.py`).
"""

import datetime

from django.db.models import Count, F, Q, QuerySet, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from core.history import as_of_queryset, as_of_values
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
        ratings = ratings.filter(activity_id__in=list(activity_ids))
    return ratings


def rollups_at(at: datetime.datetime, activities: dict, *, narrowed: bool = False):
    """The roll-ups (`status.Rollups`: overall, per track, per party) of the ratings as they
    stood at `at` (within the mark: `covers`) of `activities` (as they stood, by id), as
    `status.plan_rollups` gives them for `plan_at`'s plan.

    One query over the ratings as they stood (one range index scan): per activity its
    counts per colour and its worst open milestone (by severity, then slip, then the
    lowest id, as `milestones.rag.rollup` walks a plan in id order), ranked in SQL; then
    combined per track, party and programme over the at most one row per activity.
    `narrowed`: the activities are a filter's (a track, a party), read only theirs."""
    from .status import Rollups

    ratings = ratings_at(at, activities if narrowed else None)
    counts = {
        colour: Window(Count("pk", filter=Q(rag=colour)), partition_by=[F("activity_id")])
        for colour in COLOURS
    }
    first = Window(
        RowNumber(),
        partition_by=[F("activity_id")],
        order_by=[
            F("severity").desc(),
            Coalesce("slip_days", Value(0)).desc(),
            F("milestone_id").asc(),
        ],
    )
    # The windows over the ranked columns alone (their sorts carry every column selected:
    # with the worst rows' ratings they spilled to disk), then the worst rows' ratings by
    # their history row's key (at most one an activity).
    ranked = list(
        ratings.annotate(**{f"n_{c}": w for c, w in counts.items()}, first=first)
        .filter(first=1)
        .values("pk", *(f"n_{c}" for c in COLOURS))
    )
    worst = {
        row["pk"]: row
        for row in MilestoneStatus.history.model.objects.filter(
            pk__in=[r["pk"] for r in ranked] or [0]
        ).values("pk", "activity_id", "milestone_id", "milestone_title", "severity", *RAG_FIELDS)
    }
    rows = [{**worst[r["pk"]], **r} for r in ranked]
    groups: dict = {}

    def add(key, row):
        found = groups.get(key)
        if found is None:
            found = groups[key] = [dict.fromkeys(COLOURS, 0), None]
        for colour in COLOURS:
            found[0][colour] += row[f"n_{colour}"]
        if row["severity"] >= 0:
            rank = (row["severity"], row["slip_days"] or 0, -row["milestone_id"])
            if found[1] is None or rank > found[1][0]:
                found[1] = (rank, row)

    for row in rows:
        activity = activities.get(row["activity_id"])
        if activity is None:
            continue
        add(("overall",), row)
        add(("track", activity.track), row)
        add(("party", activity.party.id), row)

    def rolled(entry) -> RagRollup:
        counts, worst = entry
        if worst is None:
            return rollup_from(counts, None)
        row = worst[1]
        return rollup_from(counts, row, row["milestone_title"])

    found = {key: rolled(entry) for key, entry in groups.items()}
    return Rollups(
        overall=found.get(("overall",)),
        tracks={key[1]: r for key, r in found.items() if key[0] == "track"},
        parties={key[1]: r for key, r in found.items() if key[0] == "party"},
    )


def rollups_of_ratings(ratings, activities: dict):
    """The roll-ups (`status.Rollups`) of every rating at a moment, narrow, as
    `current.moment_lists` reads them with the lists (`current.MomentRating`: a second
    scan of the ratings as they stood in SQL, `rollups_at`, cost 0.2-0.4 s at large
    scale, combining 20,000 narrow tuples here ~20 ms), of `activities` (as they stood, by
    id); the worst rating of each roll-up by severity, then slip, then the lowest id, as
    `milestones.rag.rollup` walks a plan in id order; its rating read by its history
    row's key (one query)."""
    from .status import Rollups

    groups: dict = {}
    for pk, milestone_id, activity_id, rag, severity, slip, _end in ratings:
        activity = activities.get(activity_id)
        if activity is None:
            continue
        rank = (severity, slip or 0, -milestone_id) if severity >= 0 else None
        for key in (("overall",), ("track", activity.track), ("party", activity.party.id)):
            found = groups.get(key)
            if found is None:
                found = groups[key] = [dict.fromkeys(COLOURS, 0), None]
            found[0][rag] += 1
            if rank is not None and (found[1] is None or rank > found[1][0]):
                found[1] = (rank, pk)
    keys = sorted({entry[1][1] for entry in groups.values() if entry[1] is not None})
    worst = {
        row["pk"]: row
        for row in MilestoneStatus.history.model.objects.filter(pk__in=keys or [0]).values(
            "pk", "milestone_id", "milestone_title", *RAG_FIELDS
        )
    }

    def rolled(entry) -> RagRollup:
        counts, found = entry
        if found is None:
            return rollup_from(counts, None)
        row = worst[found[1]]
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
