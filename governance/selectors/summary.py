"""What the dashboard and the monthly report show of governance: top risks (band and
trend) and the heat map, decisions needed with their deadlines and options, decisions
taken since a moment, overdue actions, open exceptions and the delivery confidence.

Live or as the records stood at a past moment: the same code reads the live tables
(`at=None`) or django-simple-history's (`selectors/records.py`), so the
point-in-time dashboard and a report's frozen figures show what the live page showed
then.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from milestones.models import Activity, Milestone

from ..models import (
    Action,
    Decision,
    DecisionOption,
    DeliveryConfidence,
    ExceptionNote,
    Risk,
)
from .records import attach_owners, records_at
from .risks import HeatMap, heat_map_of, month_before

TOP = 5


@dataclass(frozen=True)
class RiskLine:
    risk: Risk
    score_month_ago: int | None  # None: the risk did not exist (or was not active) then

    @property
    def trend(self) -> str:
        if self.score_month_ago is None:
            return "new"
        if self.risk.score > self.score_month_ago:
            return "up"
        if self.risk.score < self.score_month_ago:
            return "down"
        return "same"


@dataclass(frozen=True)
class GovernanceSummary:
    top_risks: list[RiskLine]
    decisions: list[Decision]
    overdue_actions: list[Action]
    open_exceptions: list[ExceptionNote]
    confidence: DeliveryConfidence | None
    heat: HeatMap | None = None
    taken: list[Decision] = field(default_factory=list)  # since `compared_at`
    options: dict[int, list[DecisionOption]] = field(default_factory=dict)  # by decision id
    at: datetime.datetime | None = None
    compared_at: datetime.datetime | None = None


def governance_summary(
    access=None,
    *,
    today: datetime.date | None = None,
    at: datetime.datetime | None = None,
    compared_at: datetime.datetime | None = None,
) -> GovernanceSummary:
    """The summary for a reader (only the records they may see; `access=None`: all), live
    or as it stood at `at`; trends, the heat map's change and the decisions taken are
    measured from `compared_at` (default: a month before `today`)."""
    if today is None:
        today = timezone.localdate(at) if at else timezone.localdate()
    compared_at = compared_at or month_before(today)
    may_read_all = access is None or access.may_read_all_governance

    risks = [r for r in records_at(Risk, at, access) if r.is_active]
    before = {r.pk: r for r in records_at(Risk, compared_at, access) if r.is_active}
    risks.sort(key=lambda r: (-r.score, r.title))
    top = risks[:TOP]
    decisions = records_at(Decision, at, access)
    by_id = {d.pk: d for d in decisions}
    requested = sorted(
        (d for d in decisions if d.is_requested),
        key=lambda d: (d.needed_by or datetime.date.max, d.title),
    )
    was_taken = {
        d.pk for d in records_at(Decision, compared_at, access) if d.status == d.Status.TAKEN
    }
    taken = sorted(
        (d for d in decisions if d.status == d.Status.TAKEN and d.pk not in was_taken),
        key=lambda d: (d.decided_on, d.title),
    )
    options: dict[int, list[DecisionOption]] = {}
    for option in records_at(DecisionOption, at, decision_id__in=[d.pk for d in requested + taken]):
        options.setdefault(option.decision_id, []).append(option)
    for found in options.values():
        found.sort(key=lambda o: o.number)
    actions = sorted(
        (a for a in records_at(Action, at, access) if a.is_overdue(today)),
        key=lambda a: (a.due_on, a.title),
    )
    attach_owners([*top, *requested, *taken, *actions])

    exceptions = []
    if may_read_all:
        for note in records_at(ExceptionNote, at):
            if note.decision_id in by_id and by_id[note.decision_id].is_requested:
                note.decision = by_id[note.decision_id]
                exceptions.append(note)
        milestones = Milestone.objects.in_bulk({n.milestone_id for n in exceptions})
        for note in exceptions:
            note.milestone = milestones[note.milestone_id]
        exceptions.sort(key=lambda n: n.created_at, reverse=True)

    confidence = programme_confidence(at)
    return GovernanceSummary(
        top_risks=[RiskLine(r, before[r.pk].score if r.pk in before else None) for r in top],
        decisions=requested,
        overdue_actions=actions,
        open_exceptions=exceptions,
        confidence=confidence,
        heat=heat_map_of(
            Counter((r.probability, r.impact) for r in risks),
            Counter((r.probability, r.impact) for r in before.values()),
            as_of=today,
            compared_with=timezone.localdate(compared_at),
        ),
        taken=taken,
        options=options,
        at=at,
        compared_at=compared_at,
    )


def programme_confidence(at: datetime.datetime | None = None) -> DeliveryConfidence | None:
    """The programme's delivery confidence, live or as it stood at `at`."""
    return next(iter(records_at(DeliveryConfidence, at, activity__isnull=True)), None)


def activity_confidences(at: datetime.datetime | None = None) -> list[DeliveryConfidence]:
    """Each rated activity's delivery confidence, live or as it stood at `at`, with its
    activity (as it is today), by track and title."""
    ratings = records_at(DeliveryConfidence, at, activity__isnull=False)
    activities = Activity.objects.select_related("responsible_party").in_bulk(
        {c.activity_id for c in ratings}
    )
    ratings = [c for c in ratings if c.activity_id in activities]
    for c in ratings:
        c.activity = activities[c.activity_id]
    ratings.sort(key=lambda c: (c.activity.track, c.activity.sort_order, c.activity.title))
    return ratings


def confidence_with_history(activity=None, *, limit: int = 12):
    """The delivery confidence of an activity (None: the programme) and its earlier
    ratings, newest first, from its history."""
    current = DeliveryConfidence.objects.filter(
        key=activity.key if activity else "programmet"
    ).first()
    if current is None:
        return None, []
    rows = list(
        current.history.select_related("history_user").order_by("-history_date")[1 : limit + 1]
    )
    return current, rows
