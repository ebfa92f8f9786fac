"""The agenda of a steering-group meeting, drafted from the records."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from milestones.models import Milestone
from milestones.rag import Rag, rags_for

from ..models import TOP_BAND, Action, Decision, ExceptionNote, Meeting, Risk


@dataclass
class AgendaSection:
    title: str
    lines: list[str] = field(default_factory=list)


@dataclass
class AgendaDraft:
    since: datetime.date | None
    decisions: list[Decision]
    new_risks: list[Risk]
    top_risks: list[Risk]
    red_milestones: list[Milestone]
    exceptions: list[ExceptionNote]
    overdue_actions: list[Action]

    def sections(self) -> list[AgendaSection]:
        def date(d):
            return d.strftime("%d.%m.%Y") if d else _("ingen frist")

        def by(d):
            return f"{_('senest')} {date(d)}" if d else date(d)

        return [
            AgendaSection(
                _("Beslutninger"),
                [f"{d.title} ({by(d.needed_by)})" for d in self.decisions],
            ),
            AgendaSection(
                _("Nye risici"),
                [f"{r.title} ({r.band.label}, {r.score})" for r in self.new_risks],
            ),
            AgendaSection(
                _("Risici i det højeste bånd"),
                [f"{r.title} ({r.owner_party.label})" for r in self.top_risks],
            ),
            AgendaSection(
                _("Røde milepæle"),
                [f"{m.title} ({m.activity.responsible_party.label})" for m in self.red_milestones],
            ),
            AgendaSection(_("Afvigelser"), [str(e.milestone) for e in self.exceptions]),
            AgendaSection(
                _("Handlinger over frist"),
                [
                    f"{a.title} ({a.owner_party.label}, {date(a.due_on)})"
                    for a in self.overdue_actions
                ],
            ),
        ]

    def as_text(self) -> str:
        parts = []
        for number, section in enumerate(self.sections(), start=1):
            parts.append(f"{number}. {section.title}")
            parts.extend(f"   - {line}" for line in section.lines or [_("Intet at behandle.")])
        return "\n".join(parts)


def agenda_draft(meeting: Meeting) -> AgendaDraft:
    """What the meeting must treat: decisions requested and due by its date (or without a
    date), risks raised since the previous meeting and active risks in the top band, red
    milestones, exception notes since the previous meeting, and actions overdue on its date."""
    previous = meeting.previous()
    since = previous.held_on if previous else None
    day = meeting.held_on
    decisions = list(
        Decision.objects.requested()
        .filter(Q(needed_by__lte=day) | Q(needed_by__isnull=True))
        .order_by("needed_by", "title")
    )
    active = Risk.objects.active().select_related("owner_party")
    new_risks = active.filter(created_at__date__lte=day)
    if since:
        new_risks = new_risks.filter(created_at__date__gt=since)
    top = (
        active.with_score().filter(score_value__gte=TOP_BAND.low).order_by("-score_value", "title")
    )
    open_milestones = list(
        Milestone.objects.exclude(status__in=[Milestone.Status.DONE, Milestone.Status.CANCELLED])
        .select_related("activity__responsible_party")
        .order_by("forecast_date", "title")
    )
    rags = rags_for(open_milestones, today=day)
    red = [m for m in open_milestones if rags[m.pk].rag == Rag.RED]
    exceptions = ExceptionNote.objects.select_related("milestone")
    if since:
        exceptions = exceptions.filter(created_at__date__gt=since)
    return AgendaDraft(
        since=since,
        decisions=decisions,
        new_risks=list(new_risks.order_by("title")),
        top_risks=list(top),
        red_milestones=red,
        exceptions=list(exceptions),
        overdue_actions=list(
            Action.objects.overdue(day).select_related("owner_party").order_by("due_on", "title")
        ),
    )
