"""MedCom's section of a supplier's monthly progress update (see
milestones/services/sections.py, registered in `PROGRESS_UPDATE_SECTIONS` beside the
register's): the certification rows of the update's party (an IT supplier), where its
reporters propose a state move allowed to a supplier (`services.supplier_move_refusal`)
with the day it was reached, and a planned production date. Saved with the draft,
submitted with it; MedCom's reporters (the proposals' page, `views.proposals`) and the
SOR-team (there, or when it reviews the update) accept or return each.

The rows are listed in the party's first update of the round (by the activities'
order), so each row is reported on once per round.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from milestones.dates import format_plan_date
from milestones.models import DatePrecision, RoundObligation, period_start
from milestones.services.sections import ReviewItem
from register.forms import DateInputField

from . import services
from .models import Certification, CertificationProposal, CertState


def update_rows(*, round_, party, activity):
    """The rows a supplier's update lists: its own, in its first update of the round."""
    first = (
        RoundObligation.objects.filter(round=round_, party=party)
        .order_by("activity__sort_order", "activity__title", "activity_id")
        .values_list("activity_id", flat=True)
        .first()
    )
    if first is not None and first != activity.pk:
        return Certification.objects.none()
    return (
        Certification.objects.filter(entry__supplier=party)
        .select_related("entry", "message_type")
        .order_by("entry__name", "message_type__code", "direction")
    )


class CertificationProposalForm(forms.Form):
    """A supplier's proposal for one row. Empty or unchanged fields propose nothing."""

    state = forms.ChoiceField(label=gettext_lazy("Ny tilstand"), required=False)
    state_on = DateInputField(label=gettext_lazy("Dato for tilstanden"), required=False)
    planned_production_date = DateInputField(
        label=gettext_lazy("Planlagt i produktion"), required=False
    )
    planned_production_precision = forms.ChoiceField(
        label=gettext_lazy("Præcision, planlagt"),
        choices=DatePrecision.choices,
        initial=DatePrecision.MONTH,
        required=False,
    )

    def __init__(self, *args, row: Certification, proposal=None, **kwargs):
        self.row = row
        self.proposal = proposal
        kwargs.setdefault("prefix", f"cert{row.pk}")
        super().__init__(*args, **kwargs)
        allowed = [
            (value, label)
            for value, label in CertState.choices
            if value != row.state
            and not services.supplier_move_refusal(current=row.state, target=value)
        ]
        self.fields["state"].choices = [
            ("", _("Uændret (nu: %(state)s)") % {"state": row.get_state_display()}),
            *allowed,
        ]
        if not self.is_bound:
            self.initial.update(
                planned_production_date=row.planned_production_date,
                planned_production_precision=row.planned_production_precision,
            )
            if proposal is not None:
                if proposal.state:
                    self.initial.update(state=proposal.state, state_on=proposal.state_on)
                if proposal.planned_production_date:
                    self.initial.update(
                        planned_production_date=proposal.planned_production_date,
                        planned_production_precision=proposal.planned_production_precision,
                    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("planned_production_date"):
            cleaned["planned_production_date"] = period_start(
                cleaned["planned_production_date"],
                cleaned.get("planned_production_precision") or DatePrecision.MONTH,
            )
        for name, message in services.proposal_errors(self.proposal_input()).items():
            self.add_error(name if name in self.fields else None, message)
        return cleaned

    def proposal_input(self) -> services.ProposalInput:
        data = self.cleaned_data
        return services.ProposalInput(
            row=self.row,
            state=data.get("state") or "",
            state_on=data.get("state_on"),
            planned_production_date=data.get("planned_production_date"),
            planned_production_precision=data.get("planned_production_precision")
            or DatePrecision.MONTH,
        )


class BoundMedComSection:
    template = "medcom/_update_section.html"

    def __init__(self, *, rows, proposals, data=None):
        self.forms = [
            CertificationProposalForm(data, row=row, proposal=proposals.get(row.pk)) for row in rows
        ]
        self.row_ids = {row.pk for row in rows}

    def is_valid(self) -> bool:
        return all([form.is_valid() for form in self.forms])

    def save(self, *, update, user) -> None:
        services.proposals_save(
            update=update,
            items=[form.proposal_input() for form in self.forms],
            row_ids=self.row_ids,
            user=user,
        )


def describe(proposal: CertificationProposal) -> str:
    """A proposal's changes as one line, in Danish or English."""
    parts = []
    if proposal.state:
        text = f"{proposal.certification.get_state_display()} → {proposal.get_state_display()}"
        if proposal.state_on:
            text += f" ({format_plan_date(proposal.state_on, DatePrecision.DAY)})"
        parts.append(text)
    if proposal.planned_production_date:
        parts.append(
            _("planlagt i produktion %(when)s")
            % {
                "when": format_plan_date(
                    proposal.planned_production_date, proposal.planned_production_precision
                )
            }
        )
    return "; ".join(parts)


class MedComSection:
    """MedCom's part of a supplier's update (registered in `PROGRESS_UPDATE_SECTIONS`)."""

    key = "medcom"

    def bind(self, *, round_, party, activity, update, data=None) -> BoundMedComSection:
        rows = list(update_rows(round_=round_, party=party, activity=activity))
        proposals = (
            {p.certification_id: p for p in update.certification_proposals.all()}
            if update is not None
            else {}
        )
        return BoundMedComSection(rows=rows, proposals=proposals, data=data)

    def review_items(self, update) -> list[ReviewItem]:
        return [
            ReviewItem(
                section=self.key,
                pk=proposal.pk,
                label=_("Godkend forslaget for %(row)s: %(changes)s")
                % {"row": proposal.certification, "changes": describe(proposal)},
            )
            for proposal in proposals_of(update).filter(
                decision=CertificationProposal.Decision.PENDING
            )
        ]

    def accept(self, *, update, accepted_ids, user, reason) -> int:
        return services.proposals_accept(update=update, accepted_ids=set(accepted_ids), user=user)

    def detail(self, update) -> dict:
        return {
            "template": "medcom/_update_section_detail.html",
            "proposals": [(p, describe(p)) for p in proposals_of(update)],
        }


def proposals_of(update):
    return update.certification_proposals.select_related(
        "certification__entry", "certification__message_type"
    ).order_by("certification__entry__name", "certification__message_type__code")


MEDCOM_SECTION = MedComSection()
