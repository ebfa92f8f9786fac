"""What the dashboard shows of governance: top risks (band and trend), decisions needed
with their deadlines, overdue actions, open exceptions and the delivery confidence."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from milestones.rag import add_months

from ..models import Action, Decision, DeliveryConfidence, ExceptionNote, Risk

TOP = 5


@dataclass(frozen=True)
class RiskLine:
    risk: Risk
    score_month_ago: int | None  # None: the risk did not exist a month ago

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


def governance_summary(access, *, today: datetime.date | None = None) -> GovernanceSummary:
    """The live summary for a reader (only the records they may see)."""
    today = today or timezone.localdate()
    moment = datetime.datetime.combine(
        add_months(today, -1), datetime.time.max, tzinfo=timezone.get_current_timezone()
    )
    risks = list(
        Risk.objects.visible_to(access)
        .active()
        .with_score()
        .select_related("owner_party", "owner_person")
        .order_by("-score_value", "title")[:TOP]
    )
    lines = []
    for risk in risks:
        old = Risk.history.filter(id=risk.pk, history_date__lte=moment).order_by("-history_date")
        row = old.first()
        lines.append(RiskLine(risk, row.probability * row.impact if row else None))
    return GovernanceSummary(
        top_risks=lines,
        decisions=list(
            Decision.objects.visible_to(access).requested().order_by("needed_by", "title")
        ),
        overdue_actions=list(
            Action.objects.visible_to(access).overdue(today).select_related("owner_party")
        ),
        open_exceptions=list(
            ExceptionNote.objects.filter(decision__status=Decision.Status.REQUESTED).select_related(
                "milestone", "decision"
            )
            if access.may_read_all_governance
            else []
        ),
        confidence=DeliveryConfidence.objects.filter(activity__isnull=True).first(),
    )
