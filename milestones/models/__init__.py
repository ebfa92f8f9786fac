"""What and when, one module per topic: plan dates (`dates`), the plan (`plan`), baselines
(`baselines`), where a status or a demo value comes from (`provenance`), the KOMBIT roll-out (`rollout`) and the monthly reporting rounds (`reporting`).
Every model is importable from `milestones.models`."""

from .baselines import Baseline, BaselineEntry
from .dates import DatePrecision, is_period_start, period_end, period_start, plan_date_error
from .plan import (
    Activity,
    ActivityParticipant,
    ActivityPlanVersion,
    ActivityQuerySet,
    Dependency,
    Goal,
    Milestone,
    MilestoneQuerySet,
    Programme,
)
from .provenance import Provenance, StatusSource
from .reporting import (
    ForecastProposal,
    ProgressUpdate,
    ReminderSent,
    ReportingRound,
    RoundObligation,
)
from .rollout import MunicipalityRollout, RolloutPhase
from .status import MilestoneStatus, StatusHistoryMark, StatusRollup

__all__ = [
    "Activity",
    "ActivityParticipant",
    "ActivityPlanVersion",
    "ActivityQuerySet",
    "Baseline",
    "BaselineEntry",
    "DatePrecision",
    "Dependency",
    "ForecastProposal",
    "Goal",
    "Milestone",
    "MilestoneStatus",
    "MilestoneQuerySet",
    "MunicipalityRollout",
    "Programme",
    "Provenance",
    "ProgressUpdate",
    "ReminderSent",
    "ReportingRound",
    "RolloutPhase",
    "StatusHistoryMark",
    "StatusRollup",
    "RoundObligation",
    "StatusSource",
    "is_period_start",
    "period_end",
    "period_start",
    "plan_date_error",
]
