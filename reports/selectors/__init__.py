"""What the steering group reads, as plain data: one source for the dashboard,
the timeline, the trend chart and the monthly PDF.

By topic:
- `moments`: the moment a page shows (`point_in_time`);
- `snapshot`: the plan as it stood at a moment, in bulk (live tables or history);
- `status`: the dashboard, its status lines and milestone lists;
- `blockers`: slipped milestones and who they hold up;
- `rounds`: the current reporting round and the concerns raised in it;
- `rollout`: KOMBIT's roll-out per phase and region;
- `timeline`: the roadmap timeline (Gantt);
- `trend`: the milestone trend analysis (MTA).

The public names are importable from here as well as from their module.
"""

from milestones.rag import add_months

from .blockers import BlockerRow, DependantRow, blockers, delay_days
from .moments import PointInTime, point_in_time
from .rollout import RolloutPhaseRow, RolloutRegionRow, RolloutStatus, rollout_status
from .rounds import (
    REPORTED_STATUSES,
    ConcernRow,
    RoundPartyRow,
    RoundStatus,
    concerns,
    current_round,
    reporting_round_status,
)
from .snapshot import ActivityRow, MilestoneRow, PartyRef, PlanSnapshot
from .status import (
    BLOCKER_LIMIT,
    CACHE_SECONDS,
    CHANGE_LABELS,
    CONCERN_LIMIT,
    DUE_SOON_DAYS,
    LIST_LIMIT,
    RECENT_DAYS,
    Dashboard,
    Rollups,
    StatusLine,
    changes_since,
    dashboard,
    milestone_lists,
    status_lines,
)
from .timeline import (
    TIMELINE_PAGE_SIZE,
    Timeline,
    TimelineActivity,
    TimelineParty,
    TimelineTrack,
    default_period,
    quarter_start,
    roadmap_timeline,
)
from .trend import (
    MTA_DEFAULT_COUNT,
    MTA_MAX_COUNT,
    Trend,
    TrendPoint,
    TrendSeries,
    TrendTableRow,
    default_trend_milestones,
    milestone_trend,
    month_ends,
    trend_candidates,
)

__all__ = [
    "BLOCKER_LIMIT",
    "CACHE_SECONDS",
    "CHANGE_LABELS",
    "CONCERN_LIMIT",
    "DUE_SOON_DAYS",
    "LIST_LIMIT",
    "MTA_DEFAULT_COUNT",
    "MTA_MAX_COUNT",
    "RECENT_DAYS",
    "REPORTED_STATUSES",
    "TIMELINE_PAGE_SIZE",
    "ActivityRow",
    "BlockerRow",
    "ConcernRow",
    "Dashboard",
    "DependantRow",
    "MilestoneRow",
    "PartyRef",
    "PlanSnapshot",
    "PointInTime",
    "RolloutPhaseRow",
    "RolloutRegionRow",
    "RolloutStatus",
    "Rollups",
    "RoundPartyRow",
    "RoundStatus",
    "StatusLine",
    "Timeline",
    "TimelineActivity",
    "TimelineParty",
    "TimelineTrack",
    "Trend",
    "TrendPoint",
    "TrendSeries",
    "TrendTableRow",
    "add_months",
    "blockers",
    "changes_since",
    "concerns",
    "current_round",
    "dashboard",
    "default_period",
    "default_trend_milestones",
    "delay_days",
    "milestone_lists",
    "milestone_trend",
    "month_ends",
    "point_in_time",
    "quarter_start",
    "reporting_round_status",
    "roadmap_timeline",
    "rollout_status",
    "status_lines",
    "trend_candidates",
]
