"""The forms of `milestones`, one module per topic: the plan (`plan`), baselines
(`baselines`), the list filters (`filters`), the monthly reporting (`reporting`) and the
KOMBIT roll-out (`rollout`); shared fields in `fields`."""

from .baselines import BaselineActivateForm, BaselineForm
from .filters import (
    ActivityFilterForm,
    AuditTrailForm,
    ChangeFeedFilterForm,
    GoalFilterForm,
    MilestoneFilterForm,
)
from .plan import (
    ActivityDeleteForm,
    ActivityForm,
    DeleteForm,
    DependencyForm,
    GoalForm,
    MilestoneForm,
    MilestoneQuickForm,
    PlanForm,
    merged_after_conflict,
)
from .reporting import (
    ObligationAddForm,
    ProgressUpdateForm,
    ProposalForm,
    ReviewForm,
    RoundCreateForm,
)
from .rollout import RolloutRowForm

__all__ = [
    "AuditTrailForm",
    "ActivityDeleteForm",
    "merged_after_conflict",
    "ActivityFilterForm",
    "ActivityForm",
    "BaselineActivateForm",
    "BaselineForm",
    "ChangeFeedFilterForm",
    "DeleteForm",
    "DependencyForm",
    "GoalFilterForm",
    "GoalForm",
    "MilestoneFilterForm",
    "MilestoneForm",
    "MilestoneQuickForm",
    "ObligationAddForm",
    "PlanForm",
    "ProgressUpdateForm",
    "ProposalForm",
    "ReviewForm",
    "RolloutRowForm",
    "RoundCreateForm",
]
