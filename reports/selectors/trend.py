"""Milestone trend analysis (MTA): each forecast as it stood at each report date."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from core.cache import cached, stamp
from milestones.models import Activity, Baseline, BaselineEntry, Milestone, period_end
from milestones.rag import add_months
from parties.models import Party

from . import snapshot
from .current import FIGURES_MODELS
from .moments import PointInTime, point_in_time
from .snapshot import MilestoneRow, PartyRef, PlanSnapshot
from .status import CACHE_SECONDS, Dashboard, dashboard

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
    plan: PlanSnapshot | None = None,
) -> Trend:
    """The forecast of each milestone as it stood at each report date (month end), from history.

    A reached milestone's line ends on the diagonal at its actual date. Eight
    queries at most, whatever the number of milestones chosen; one with `plan`, the
    whole plan already read and rated at the same moment (the monthly report's).
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
    if plan is None:
        plan = snapshot.plan_snapshot(
            at=at,
            today=today,
            activity_ids=[
                r["activity_id"] for r in snapshot.rows(Milestone, at, ("activity_id",), id__in=ids)
            ],
            parties=snapshot.party_refs(at),
        )
    chosen = set(ids)
    current = {m.id: m for m in plan.milestones if m.id in chosen}
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
        points = trend_points(states[milestone_id], checkpoints)
        if points:
            number += 1
        series.append(
            TrendSeries(milestone=milestone, points=points, number=number if points else 0)
        )
    return Trend(point=point, report_dates=report_dates, series=series)


def milestone_trend_cached(
    *, milestone_ids: list[int], as_of: datetime.datetime | None = None, months: int = 12
) -> Trend:
    """`milestone_trend`, cached under the newest history of the chosen milestones (as it
    stood at the moment shown: one query), the stamps of what their rows are rated and
    named by (activities, parties, baselines) and the day: an edit of another milestone
    leaves it (the trend page's; the monthly report's is computed once)."""
    point = point_in_time(as_of)
    ids = list(dict.fromkeys(milestone_ids))[:MTA_MAX_COUNT]
    history = Milestone.history.filter(id__in=ids or [0])
    if point.at is not None:
        history = history.filter(history_date__lte=point.at)
    newest = history.order_by().aggregate(newest=Max("history_id"))["newest"]
    found = cached(
        "reports",
        (
            "trend",
            1,
            tuple(ids),
            newest,
            stamp(models=(Activity, Baseline, Party), rows=(BaselineEntry,), at=point.at),
            point.today.isoformat(),
            point.at.isoformat() if point.at else "",
            months,
        ),
        lambda: milestone_trend(milestone_ids=ids, as_of=as_of, months=months),
        seconds=CACHE_SECONDS,
    )
    found.point = point  # the moment asked for (its figures hold for that data and day)
    return found


# What the trend page reads: the dashboard's lists (its candidates: `dashboard_lists`,
# from the figures' piece, `current.FIGURES_MODELS`) and the chosen milestones' history,
# rated and named by activities, parties and the baseline (`milestone_trend_cached`).
TREND_MODELS = tuple(dict.fromkeys((*FIGURES_MODELS, Milestone, Activity, Baseline, Party)))


def trend_version(at: datetime.datetime | None = None) -> tuple:
    """The stamp the trend page is cached under: what it reads as it stood at `at` (no
    query inside the page's stamps). A progress update, a register entry, the roll-out or
    governance saved leaves it warm; the whole dashboard's data version did not."""
    return stamp(models=TREND_MODELS, rows=(BaselineEntry,), at=at)


def trend_points(history: list[tuple], checkpoints: list[tuple]) -> list[TrendPoint]:
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
