"""Forms for the SHAK dependency register. Rules that must always hold are in the
models' clean() and the services; the forms parse what a person types, keep it
on an error, and carry the version they saw and the reason for the change."""

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from milestones.dates import format_plan_date
from milestones.forms.filters import KeyTextField
from milestones.models import Activity, DatePrecision, Milestone, is_period_start, period_start
from parties.models import Party

from .models import Entry, ShakState, Step
from .selectors import DEPENDING
from .services import ENTRY_FIELDS, PLAN_FIELDS

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%y"]


class DateInputField(forms.DateField):
    """A date typed as 2027-03-15 (the browser's date picker) or 15.03.2027."""

    default_error_messages = {"invalid": _("Skriv en gyldig dato, fx 15.03.2027.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.pop("widget", None)
        super().__init__(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs
        )


def _normalise_dates(form, pairs) -> None:
    """An imprecise date is stored as its period's first day; say so."""
    for date_name, precision_name in pairs:
        date = form.cleaned_data.get(date_name)
        precision = form.cleaned_data.get(precision_name)
        if date and precision in DatePrecision.values and not is_period_start(date, precision):
            start = period_start(date, precision)
            form.cleaned_data[date_name] = start
            form.notes.append(
                _(
                    "%(field)s er gemt som %(period)s (periodens første dag, %(start)s), "
                    "fordi præcisionen er “%(precision)s”."
                )
                % {
                    "field": form.fields[date_name].label,
                    "period": format_plan_date(start, precision),
                    "start": formats.date_format(start, "SHORT_DATE_FORMAT"),
                    "precision": DatePrecision(precision).label.lower(),
                }
            )


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    change_reason = forms.CharField(
        label=_("Begrundelse for ændringen"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Gemmes i historikken."),
    )


class EntryForm(forms.ModelForm):
    """An entry's facts and plan texts (SOR-team editors)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    change_reason = _Versioned.base_fields["change_reason"]
    date_pairs = (("release_date", "release_precision"),)

    class Meta:
        model = Entry
        fields = ["key", *ENTRY_FIELDS, "activities", "milestones"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "solution_description": forms.Textarea(attrs={"rows": 4}),
            "resources_internal": forms.Textarea(attrs={"rows": 2}),
            "resources_external": forms.Textarea(attrs={"rows": 2}),
            "support_note": forms.Textarea(attrs={"rows": 2}),
            "activities": forms.SelectMultiple(attrs={"size": 6}),
            "milestones": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []
        self.fields["owner"].queryset = Party.objects.exclude(kind=Party.Kind.MUNICIPALITY)
        self.fields["supplier"].queryset = Party.objects.filter(kind=Party.Kind.IT_SUPPLIER)
        self.fields["activities"].queryset = Activity.objects.order_by("title")
        self.fields["milestones"].queryset = Milestone.objects.order_by("title")
        self.fields["release_date"] = DateInputField(
            required=False, label=self.fields["release_date"].label
        )
        if self.instance.pk is None:
            del self.fields["version"]
            self.fields["key"].required = False
            self.fields["key"].help_text = _(
                "Stabil nøgle i adressen og ved import. Lad den stå tom for at danne den ud fra navnet."
            )
        else:
            del self.fields["key"]
            self.fields["version"].required = True
            if not self.is_bound:
                self.initial["version"] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        _normalise_dates(self, self.date_pairs)
        return cleaned

    def changes(self) -> dict:
        data = {name: self.cleaned_data[name] for name in ENTRY_FIELDS}
        if self.cleaned_data.get("key"):
            data["key"] = self.cleaned_data["key"]
        return data


class PlanForm(forms.ModelForm):
    """The transition plan's texts, budget, support needs and release slot (a party's
    reporter for its own entries, and the SOR-team)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    change_reason = _Versioned.base_fields["change_reason"]
    date_pairs = (("release_date", "release_precision"),)

    class Meta:
        model = Entry
        fields = list(PLAN_FIELDS)
        widgets = EntryForm.Meta.widgets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []
        self.fields["release_date"] = DateInputField(
            required=False, label=self.fields["release_date"].label
        )
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        _normalise_dates(self, self.date_pairs)
        return cleaned

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in PLAN_FIELDS}


class StateForm(_Versioned):
    """Move an entry's SHAK use. The rules (date and confirmation for "kun SOR" and
    "udfaset", a reason for a move backwards) are the service's; shown by field."""

    state = forms.ChoiceField(label=_("Ny SHAK-anvendelse"), choices=ShakState.choices)
    state_date = DateInputField(
        label=_("Dato"),
        required=False,
        help_text=_("Skal udfyldes for “Kun SOR” og “Udfaset”: hvornår det skete."),
    )
    state_date_precision = forms.ChoiceField(
        label=_("Præcision, dato"), choices=DatePrecision.choices, initial=DatePrecision.DAY
    )
    state_confirmed_by = forms.CharField(
        label=_("Bekræftet af"),
        required=False,
        max_length=200,
        help_text=_("Skal udfyldes for “Kun SOR” og “Udfaset”: navn og rolle, fx systemejeren."),
    )
    date_pairs = (("state_date", "state_date_precision"),)

    def __init__(self, *args, entry: Entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []
        self.fields["version"].required = True
        self.fields["change_reason"].label = _("Begrundelse")
        self.fields["change_reason"].help_text = _(
            "Gemmes i historikken. Skal udfyldes, når tilstanden går et skridt tilbage."
        )
        # The reason first in the service's error names: map it to this form's field.
        if not self.is_bound:
            self.initial.update(
                version=entry.version,
                state=entry.state,
                state_date=entry.state_date,
                state_date_precision=entry.state_date_precision,
                state_confirmed_by=entry.state_confirmed_by,
            )
        self.order_fields(
            ["state", "state_date", "state_date_precision", "state_confirmed_by", "change_reason"]
        )

    def clean(self):
        cleaned = super().clean()
        _normalise_dates(self, self.date_pairs)
        return cleaned


class StepForm(_Versioned):
    """One step's dates. The baseline is the SOR-team's (hidden for reporters)."""

    baseline_date = DateInputField(label=_("Baselinedato"), required=False)
    baseline_precision = forms.ChoiceField(
        label=_("Præcision, baseline"), choices=DatePrecision.choices
    )
    forecast_date = DateInputField(label=_("Forventet dato"), required=False)
    forecast_precision = forms.ChoiceField(
        label=_("Præcision, forventet"), choices=DatePrecision.choices
    )
    actual_date = DateInputField(label=_("Faktisk dato"), required=False)
    actual_precision = forms.ChoiceField(
        label=_("Præcision, faktisk"), choices=DatePrecision.choices
    )
    date_pairs = (
        ("baseline_date", "baseline_precision"),
        ("forecast_date", "forecast_precision"),
        ("actual_date", "actual_precision"),
    )

    def __init__(self, *args, step: Step | None, may_set_baseline: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []
        if not may_set_baseline:
            del self.fields["baseline_date"], self.fields["baseline_precision"]
        if not self.is_bound:
            if step is not None:
                self.initial.update(
                    {
                        name: getattr(step, name)
                        for name in self.fields
                        if name not in ("change_reason", "version")
                    }
                )
                self.initial["version"] = step.version
            else:
                for name in self.fields:
                    if name.endswith("_precision"):
                        self.initial[name] = DatePrecision.DAY

    def clean(self):
        cleaned = super().clean()
        _normalise_dates(self, [p for p in self.date_pairs if p[0] in self.fields])
        return cleaned

    def changes(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name not in ("change_reason", "version")
        }


class FilterForm(forms.Form):
    """The list's filters, kept in the URL."""

    q = forms.CharField(label=_("Søg"), required=False, max_length=100)
    # Typed, not a <select> of every party: rendering 160 options a request was half
    # the large register's list page.
    part = KeyTextField(
        label=_("Part"),
        queryset=Party.objects.exclude(kind=Party.Kind.MUNICIPALITY),
        name_field="name",
        noun_plural=_("parter"),
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Alle typer")), *Entry.Kind.choices]
    )
    kategori = forms.ChoiceField(
        label=_("Kategori"),
        required=False,
        choices=[("", _("Alle kategorier")), *Entry.Category.choices],
    )
    tilstand = forms.ChoiceField(
        label=_("SHAK-anvendelse"),
        required=False,
        choices=[
            ("", _("Alle tilstande")),
            (DEPENDING, _("Bruger stadig SHAK (alt før “Kun SOR”)")),
            *ShakState.choices,
        ],
    )
