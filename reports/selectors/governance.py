"""The dashboard's governance section, cached under what it depends on.

`governance.selectors.summary.governance_summary` reads six kinds of record with
their history on every request (about 50 ms at the synthetic scale, warm or cold).
Here it is cached under the stamp of the governance records alone (and the
activities and parties its reading rule and owners go by), the reader's rights and
the day: a plan edit leaves it warm. The exception notes' milestones are read fresh
(one query when there are any), so a renamed milestone shows at once.
"""

import dataclasses

from core.cache import cached, stamp
from governance import models as records
from governance.selectors.summary import GovernanceSummary, governance_summary
from milestones.models import Activity, Milestone
from parties.models import Party

from .moments import PointInTime

GOVERNANCE_MODELS = (
    records.Risk,
    records.Decision,
    records.DecisionOption,
    records.Action,
    records.ExceptionNote,
    records.DeliveryConfidence,
    Activity,  # the reading rule follows the records' activities' parties
    Party,  # owners
)
CACHE_SECONDS = 600


def governance_at(access, point: PointInTime) -> GovernanceSummary:
    """`governance_summary` for `access` at the moment shown, cached under the
    governance records' stamp (as they stood then, for a past moment; one query) and the
    day (the month it compares with and the actions overdue go by the day): not the
    minute asked for, as every minute of a day between two changes has the same records
    (the stamp at each is the newest row then), so they share one summary, its `at`
    the moment asked for."""
    rights = dataclasses.astuple(access)
    summary = cached(
        "reports",
        (
            "governance",
            2,
            stamp(models=GOVERNANCE_MODELS, at=point.at),
            point.today.isoformat(),
            point.at is not None,
            rights,
        ),
        lambda: governance_summary(access, at=point.at, today=point.today),
        seconds=CACHE_SECONDS,
    )
    if summary.at != point.at:
        summary = dataclasses.replace(summary, at=point.at)
    notes = summary.open_exceptions
    if notes:
        milestones = Milestone.objects.in_bulk({n.milestone_id for n in notes})
        for note in notes:
            note.milestone = milestones.get(note.milestone_id, note.milestone)
    return summary
