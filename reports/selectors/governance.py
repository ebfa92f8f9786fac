"""The dashboard's governance section, cached under what it depends on.

`governance.selectors.summary.governance_summary` reads six kinds of record with
their history on every request (about 50 ms at the synthetic scale, warm or cold).
Here it is cached under the stamp of the governance records alone (and the
activities and parties its reading rule and owners go by), the reader's rights and,
live, the day: a plan edit leaves it warm. A past moment's is keyed without the day
(`governance_key`): the load test's readers ask days over a year, which mostly show the
same records. The exception notes' milestones are read fresh (one query when there are
any), so a renamed milestone shows at once.
"""

import dataclasses
import datetime

from core.cache import cached, stamp
from governance import models as records
from governance.selectors.risks import month_before
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
# What a reader who reads every record (the SOR-team, the steering group) is shown is
# read from: not the activities, which only the others' reading rule follows.
ALL_RECORDS_MODELS = tuple(m for m in GOVERNANCE_MODELS if m is not Activity)
CACHE_SECONDS = 600


def governance_key(access, point: PointInTime) -> tuple:
    """What the section's records at `point` are keyed by, with the reader's rights.

    Live: the records' stamp and the day. At a past moment not the day: the stamp of
    what the reader's records are read from (`ALL_RECORDS_MODELS` for one who reads them
    all) at the moment and at the moment compared with (a month before its day: the
    risks' trends); the overdue actions go by the day, and are told from the open ones'
    due dates after the cache (`governance_at`, `shown_overdue`). Every minute and every
    day with the same records then shares one summary. The stamp compared with is the
    moment's own when nothing of them was written between (no query), else one query."""
    if point.at is None:
        return ("live", stamp(models=GOVERNANCE_MODELS), point.today.isoformat())
    models = ALL_RECORDS_MODELS if access.may_read_all_governance else GOVERNANCE_MODELS
    here = stamp(models=models, at=point.at)
    compared_at = month_before(point.today)
    return ("past", here, _stamp_then(models, here, compared_at))


def _stamp_then(models, newer: tuple, then: datetime.datetime) -> tuple:
    """The stamp of `models` at `then`, given `newer`, their stamp at a later moment:
    `newer` itself when each model's newest row then was dated at or before `then`."""
    if all(d == "None" or _aware(d) <= then for d in newer[1::2]):
        return newer
    return stamp(models=models, at=then)


def _aware(text: str) -> datetime.datetime:
    """A stamp's date as an aware datetime (a naive one, as SQLite's, as the latest)."""
    value = datetime.datetime.fromisoformat(text)
    return value if value.tzinfo else datetime.datetime.max.replace(tzinfo=datetime.UTC)


def governance_at(
    access, point: PointInTime, key: tuple | None = None, *, all_open: bool = False
) -> GovernanceSummary:
    """`governance_summary` for `access` at the moment shown, cached under
    `governance_key` (`key`, when the caller has it) and the reader's rights, its `at`
    the moment asked for and its overdue actions those of the day (with `all_open`, at
    a past moment, every open action). A past moment's summary is of every open action
    and without the heat map (the dashboard shows none), so that days share it."""
    rights = dataclasses.astuple(access)
    key = key or governance_key(access, point)

    def build():
        if point.at is None:
            return governance_summary(access, at=None, today=point.today)
        # Every open action: `is_overdue(date.max)`; the risks compared a month before.
        summary = governance_summary(
            access,
            at=point.at,
            today=datetime.date.max,
            compared_at=month_before(point.today),
        )
        return dataclasses.replace(summary, heat=None, at=None)

    summary = cached("reports", ("governance", 3, key, rights), build, seconds=CACHE_SECONDS)
    summary = dataclasses.replace(
        summary,
        at=point.at,
        overdue_actions=[a for a in summary.overdue_actions if all_open or a.due_on < point.today],
    )
    notes = summary.open_exceptions
    if notes:
        milestones = Milestone.objects.in_bulk({n.milestone_id for n in notes})
        for note in notes:
            note.milestone = milestones.get(note.milestone_id, note.milestone)
    return summary


def governance_shape(access, point: PointInTime, key: tuple) -> tuple:
    """What the section's HTML needs to know of the summary before it is read: whether
    open exception notes (which name milestones) are shown, and the open actions' due
    dates (the overdue ones by the day), from the summary under `key`, cached apart
    (no record is unpickled for a warm page)."""
    return cached(
        "reports",
        ("governance-shape", 1, key, dataclasses.astuple(access)),
        lambda: _shape(governance_at(access, point, key, all_open=True)),
        seconds=CACHE_SECONDS,
    )


def _shape(summary) -> tuple:
    return (bool(summary.open_exceptions), tuple((a.pk, a.due_on) for a in summary.overdue_actions))


def shown_overdue(shape: tuple, today: datetime.date) -> tuple:
    """The overdue actions the section shows on `today`, from `governance_shape`."""
    return tuple(pk for pk, due_on in shape[1] if due_on < today)
