"""Forms of the monthly reporting and the KOMBIT roll-out.

None of them has a field for the party, the status or the round: those come
from the URL and the user's rights, so posting them does nothing.
"""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parties.models import Party

from .models import (
    Activity,
    DatePrecision,
    ForecastProposal,
    Milestone,
    MunicipalityRollout,
    ReportingRound,
    period_start,
)

LONG_TEXT = 5000
SHORT_TEXT = 1000
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%y"]
# "<b>", "</p>", "<!--", "<script": markup. A lone "<" ("< 5 %") is fine.
_MARKUP = re.compile(r"<\s*[/!?]?\s*[a-zA-Z!]")
_EARLIEST = datetime.date(2000, 1, 1)
_LATEST = datetime.date(2100, 12, 31)


def no_markup(value: str) -> None:
    if value and _MARKUP.search(value):
        raise ValidationError(
            _(
                "Skriv almindelig tekst uden HTML-koder som <b> eller <script>. "
                "Tegnet < må gerne stå alene, fx “< 5 %”."
            ),
            code="markup",
        )


class PlainTextField(forms.CharField):
    """Multi-line plain text with a maximum length; markup is refused, not stripped."""

    def __init__(self, *, max_length=LONG_TEXT, rows=4, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(
            max_length=max_length,
            widget=forms.Textarea(attrs={"rows": rows}),
            validators=[no_markup],
            error_messages={
                "max_length": _(
                    "Teksten er for lang: højst %(limit_value)d tegn (du har skrevet %(show_value)d)."
                ),
            },
            **kwargs,
        )


class PlanDateField(forms.DateField):
    """A date typed as dd.mm.åååå in a text input (not the browser's date control,
    which sends an empty value for a date it cannot read, so the typed text was lost)."""

    widget = forms.DateInput(attrs={"autocomplete": "off"}, format="%d.%m.%Y")

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(
            input_formats=DATE_INPUT_FORMATS,
            error_messages={
                "invalid": _("Skriv datoen som dd.mm.åååå, fx 31.10.2026."),
            },
            **kwargs,
        )

    def validate(self, value):
        super().validate(value)
        if value and not (_EARLIEST <= value <= _LATEST):
            raise ValidationError(
                _("Datoen skal ligge mellem år 2000 og 2100."), code="out_of_range"
            )


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
        from .services.reporting import REQUIRED_ON_SUBMIT

        for name in REQUIRED_ON_SUBMIT:
            self.fields[name].label_suffix = ""
            self.fields[name].widget.attrs["aria-required"] = "true"
            self.fields[name].required_on_submit = True

    def clean(self):
        cleaned = super().clean()
        if self.submit:
            from .services.reporting import missing_for_submit

            for name in missing_for_submit(cleaned):
                if name not in self.errors:
                    self.add_error(name, _("Udfyld feltet, før du indsender opdateringen."))
        return cleaned


class ProposalForm(forms.Form):
    """A proposed new forecast date for one open milestone (leave the date empty for none)."""

    proposed_date = PlanDateField(label=_("Ny forventet dato"))
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
    """The SOR-team's decision on a submitted update, with a box per date proposal."""

    ACCEPT, RETURN = "accept", "return"

    action = forms.ChoiceField(choices=[(ACCEPT, _("Godkend")), (RETURN, _("Send retur"))])
    comment = PlainTextField(
        label=_("Kommentar til parten"),
        help_text=_("Skal udfyldes, når opdateringen sendes retur."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
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
    def accepted_proposal_ids(self) -> set[int]:
        return {
            proposal.pk
            for proposal, name in self.proposal_fields
            if self.cleaned_data.get(name) and not self.fields[name].disabled
        }


class MonthField(forms.DateField):
    """A month typed as åååå-mm (the browser's month field) or mm.åååå; the first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")

    def __init__(self, **kwargs):
        super().__init__(
            input_formats=["%Y-%m", "%m.%Y", "%m-%Y", "%m/%Y", "%Y-%m-%d"],
            error_messages={"invalid": _("Skriv måneden som åååå-mm, fx 2026-10.")},
            **kwargs,
        )

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if value else value


class RoundCreateForm(forms.Form):
    period = MonthField(label=_("Måned"))
    opens_on = PlanDateField(label=_("Åbner"), help_text=_("Tom: månedens første arbejdsdag."))
    due_on = PlanDateField(label=_("Frist"), help_text=_("Tom: månedens sidste arbejdsdag."))

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


class RolloutRowForm(forms.Form):
    """One municipality's roll-out status in a phase's bulk form.

    `seen_status`/`seen_date` carry what the user was shown, so a row counts as
    changed only if the user changed it (not because someone else did meanwhile).
    """

    status = forms.ChoiceField(label=_("Status"), choices=MunicipalityRollout.Status.choices)
    status_date = PlanDateField(label=_("Dato"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    seen_status = forms.CharField(widget=forms.HiddenInput, required=False)
    seen_date = forms.DateField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, rollout: MunicipalityRollout, **kwargs):
        self.rollout = rollout
        kwargs.setdefault("prefix", f"r{rollout.pk}")
        kwargs.setdefault(
            "initial",
            {
                "status": rollout.status,
                "status_date": rollout.status_date,
                "version": rollout.version,
                "seen_status": rollout.status,
                "seen_date": rollout.status_date,
            },
        )
        super().__init__(*args, **kwargs)
        name = rollout.municipality.name
        self.fields["status"].label = _("Status for %(name)s") % {"name": name}
        self.fields["status_date"].label = _("Dato for %(name)s") % {"name": name}

    def clean(self):
        cleaned = super().clean()
        status, date = cleaned.get("status"), cleaned.get("status_date")
        if status == MunicipalityRollout.Status.NOT_STARTED:
            cleaned["status_date"] = None  # a date means nothing without a status
        elif status and not date and "status_date" not in self.errors:
            self.add_error("status_date", _("Angiv datoen for status."))
        if date and date > timezone.localdate() and "status_date" not in self.errors:
            self.add_error("status_date", _("Datoen kan ikke ligge i fremtiden."))
        return cleaned

    @property
    def user_changed(self) -> bool:
        cleaned = self.cleaned_data
        return (cleaned.get("status"), cleaned.get("status_date")) != (
            cleaned.get("seen_status"),
            cleaned.get("seen_date"),
        )
