"""Forms of the monthly reporting and the KOMBIT roll-out.

None of them has a field for the party, the status or the round: those come
from the URL and the user's rights, so posting them does nothing."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from parties.models import Party

from ..models import (
    Activity,
    DatePrecision,
    ForecastProposal,
    Milestone,
    ReportingRound,
    period_start,
)
from .fields import SHORT_TEXT, BoundedDateField, MonthField, PlainTextField


class ProgressUpdateForm(forms.Form):
    """A party's update on one activity. Required fields are checked only on submit."""

    narrative = PlainTextField(label=_("Status i ord"), rows=5)
    self_rag = forms.ChoiceField(
        label=_("Jeres egen vurdering (RAG)"),
        choices=[("", _("Vælg…")), *Milestone.Rag.choices],
        required=False,
    )
    self_rag_reason = PlainTextField(
        label=_("Begrundelse for vurderingen"), max_length=SHORT_TEXT, rows=2
    )
    percent_complete = forms.IntegerField(
        label=_("Procent færdig"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}),
        error_messages={
            "invalid": _("Skriv et helt tal mellem 0 og 100."),
            "min_value": _("Procent færdig skal være mellem 0 og 100."),
            "max_value": _("Procent færdig skal være mellem 0 og 100."),
        },
        help_text=_("Et helt tal fra 0 til 100."),
    )
    achievements = PlainTextField(label=_("Opnået i perioden"))
    next_steps = PlainTextField(label=_("Næste skridt"))
    risks = PlainTextField(label=_("Risici og forhindringer"))
    help_needed = PlainTextField(label=_("Behov for hjælp fra styregruppen"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, submit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submit = submit
        from ..services.updates import REQUIRED_ON_SUBMIT

        for name in REQUIRED_ON_SUBMIT:
            self.fields[name].label_suffix = ""
            self.fields[name].widget.attrs["aria-required"] = "true"
            self.fields[name].required_on_submit = True

    def clean(self):
        cleaned = super().clean()
        if self.submit:
            from ..services.updates import missing_for_submit

            for name in missing_for_submit(cleaned):
                if name not in self.errors:
                    self.add_error(name, _("Udfyld feltet, før du indsender opdateringen."))
        return cleaned


class ProposalForm(forms.Form):
    """A proposed new forecast date for one open milestone (leave the date empty for none)."""

    proposed_date = BoundedDateField(label=_("Ny forventet dato"))
    proposed_precision = forms.ChoiceField(
        label=_("Præcision"),
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
        required=False,
    )
    reason = PlainTextField(label=_("Begrundelse"), max_length=SHORT_TEXT, rows=2)

    def __init__(
        self, *args, milestone: Milestone, proposal: ForecastProposal | None = None, **kwargs
    ):
        self.milestone = milestone
        self.proposal = proposal
        if proposal is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "proposed_date": proposal.proposed_date,
                "proposed_precision": proposal.proposed_precision,
                "reason": proposal.reason,
            }
        kwargs.setdefault("prefix", f"ms{milestone.pk}")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        date, reason = cleaned.get("proposed_date"), cleaned.get("reason")
        if date and not reason and "reason" not in self.errors:
            self.add_error("reason", _("Skriv en begrundelse for den nye dato."))
        if reason and not date and "proposed_date" not in self.errors:
            self.add_error("proposed_date", _("Angiv den nye dato, eller slet begrundelsen."))
        return cleaned

    @property
    def normalised_date(self) -> datetime.date | None:
        date = self.cleaned_data.get("proposed_date")
        precision = self.cleaned_data.get("proposed_precision") or DatePrecision.DAY
        return period_start(date, precision) if date else None


class ReviewForm(forms.Form):
    """The SOR-team's decision on a submitted update, with a box per date proposal and
    per pending proposal of the update's sections (`items`, see services/sections.py)."""

    ACCEPT, RETURN = "accept", "return"

    action = forms.ChoiceField(choices=[(ACCEPT, _("Godkend")), (RETURN, _("Send retur"))])
    comment = PlainTextField(
        label=_("Kommentar til parten"),
        help_text=_("Skal udfyldes, når opdateringen sendes retur."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, proposals=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[item.field_name] = forms.BooleanField(
                label=item.label, required=False, initial=not item.disabled, disabled=item.disabled
            )
        self.proposal_fields = []
        for proposal in proposals:
            if proposal.decision != ForecastProposal.Decision.PENDING:
                continue
            name = f"proposal_{proposal.pk}"
            closed = proposal.milestone.status in (
                Milestone.Status.DONE,
                Milestone.Status.CANCELLED,
            )
            self.fields[name] = forms.BooleanField(
                label=_("Godkend den nye dato for %(title)s") % {"title": proposal.milestone.title},
                required=False,
                initial=not closed,
                disabled=closed,
            )
            self.proposal_fields.append((proposal, name))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.RETURN and not cleaned.get("comment"):
            self.add_error("comment", _("Skriv en kommentar, så parten ved, hvad der mangler."))
        return cleaned

    @property
    def proposal_bound_fields(self):
        return [(proposal, self[name]) for proposal, name in self.proposal_fields]

    @property
    def item_bound_fields(self):
        return [(item, self[item.field_name]) for item in self.items]

    @property
    def accepted_section_ids(self) -> dict[str, set[int]]:
        accepted: dict[str, set[int]] = {}
        for item in self.items:
            if self.cleaned_data.get(item.field_name) and not item.disabled:
                accepted.setdefault(item.section, set()).add(item.pk)
        return accepted

    @property
    def accepted_proposal_ids(self) -> set[int]:
        return {
            proposal.pk
            for proposal, name in self.proposal_fields
            if self.cleaned_data.get(name) and not self.fields[name].disabled
        }


class RoundCreateForm(forms.Form):
    period = MonthField(label=_("Måned"))
    opens_on = BoundedDateField(label=_("Åbner"), help_text=_("Tom: månedens første arbejdsdag."))
    due_on = BoundedDateField(label=_("Frist"), help_text=_("Tom: månedens sidste arbejdsdag."))

    def clean_period(self):
        period = self.cleaned_data["period"]
        if ReportingRound.objects.filter(period=period).exists():
            raise ValidationError(_("Der findes allerede en runde for den måned."))
        return period

    def clean(self):
        cleaned = super().clean()
        opens_on, due_on = cleaned.get("opens_on"), cleaned.get("due_on")
        if opens_on and due_on and due_on < opens_on:
            self.add_error("due_on", _("Fristen kan ikke ligge før runden åbner."))
        return cleaned


class ObligationAddForm(forms.Form):
    party = forms.ModelChoiceField(
        label=_("Part"),
        queryset=Party.objects.exclude(kind=Party.Kind.MUNICIPALITY).order_by("name"),
        empty_label=_("Vælg part…"),
        error_messages={"invalid_choice": _("Vælg en part fra listen.")},
    )
    activity = forms.ModelChoiceField(
        label=_("Aktivitet"),
        queryset=Activity.objects.order_by("title"),
        empty_label=_("Vælg aktivitet…"),
        error_messages={"invalid_choice": _("Vælg en aktivitet fra listen.")},
    )
