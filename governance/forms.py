"""Forms of the steering group's records. Rules that always hold are in the models and
services; the forms add Danish parsing, the version the person saw and a reason."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.forms import PointInTimeForm
from milestones.forms.fields import PlanDateField, no_markup
from milestones.forms.filters import KeyTextField, UserTextField
from milestones.models import Activity, Milestone
from parties.models import Party
from register.models import Entry

from .models import Action, Decision, DeliveryConfidence, ExceptionNote, Issue, Meeting, Risk

TEXTAREA = {"rows": 3}


def members():
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__isnull=False)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class RecordForm(forms.ModelForm):
    """A governance record's form: the version the person saw (on edit), a change reason,
    Danish dates, plain text only."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    change_reason = forms.CharField(
        label=_("Begrundelse for ændringen"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Gemmes i historikken (valgfri)."),
    )

    def __init__(self, *args, parties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["version"]
        elif not self.is_bound:
            self.initial["version"] = self.instance.version
        for name, field in list(self.fields.items()):
            model_field = (
                self._meta.model._meta.get_field(name) if name in self._meta.fields else None
            )
            if model_field is not None and model_field.get_internal_type() == "DateField":
                self.fields[name] = PlanDateField(
                    required=field.required, label=field.label, help_text=field.help_text
                )
            elif isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("rows", 3)
                field.validators.append(no_markup)
            elif isinstance(field, forms.CharField):
                field.validators.append(no_markup)
        if "owner_party" in self.fields and parties is not None:
            self.fields["owner_party"].queryset = parties
        if "owner_person" in self.fields:
            self.fields["owner_person"].queryset = members()
            self.fields["owner_person"].label_from_instance = lambda u: (
                u.get_full_name() or u.username
            )
        if "activities" in self.fields:
            self.fields["activities"].queryset = Activity.objects.order_by("title")
            self.fields["activities"].required = False
        if "milestones" in self.fields:
            self.fields["milestones"].queryset = Milestone.objects.order_by("title")
            self.fields["milestones"].required = False
        if "register_entries" in self.fields:
            self.fields["register_entries"].queryset = Entry.objects.order_by("name")
            self.fields["register_entries"].required = False

    def changes(self) -> dict:
        return {n: self.cleaned_data[n] for n in self._meta.fields if n in self.cleaned_data}


LINKS = ["activities", "milestones", "register_entries"]


class RiskForm(RecordForm):
    class Meta:
        model = Risk
        fields = [
            "title",
            "description",
            "cause",
            "consequence",
            "probability",
            "impact",
            "proximity",
            "response",
            "mitigation",
            "status",
            "review_on",
            "owner_party",
            "owner_person",
            *LINKS,
        ]

    def __init__(self, *args, proposing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if proposing:
            del self.fields["status"]
        else:
            allowed = [self.instance.status, *Risk.MOVES.get(self.instance.status, ())]
            if self.instance.pk is None:
                allowed = [Risk.Status.OPEN, Risk.Status.OBSERVED]
            self.fields["status"].choices = [c for c in Risk.Status.choices if c[0] in allowed]


class IssueForm(RecordForm):
    class Meta:
        model = Issue
        fields = [
            "title",
            "description",
            "severity",
            "blocks",
            "due_on",
            "status",
            "owner_party",
            "owner_person",
            *LINKS,
        ]

    def __init__(self, *args, proposing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if proposing:
            del self.fields["status"]
        else:
            allowed = [self.instance.status, *Issue.MOVES.get(self.instance.status, ())]
            if self.instance.pk is None:
                allowed = [Issue.Status.OPEN, Issue.Status.IN_PROGRESS]
            self.fields["status"].choices = [c for c in Issue.Status.choices if c[0] in allowed]


OPTION_COUNT = 3


class DecisionForm(RecordForm):
    """A decision request, with up to three options and their consequences."""

    class Meta:
        model = Decision
        fields = [
            "title",
            "question",
            "background",
            "recommendation",
            "needed_by",
            "owner_party",
            "owner_person",
            "requested_by_party",
            *LINKS,
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        existing = list(self.instance.options.all()) if self.instance.pk else []
        for n in range(1, OPTION_COUNT + 1):
            option = existing[n - 1] if len(existing) >= n else None
            self.fields[f"option_{n}"] = forms.CharField(
                label=_("Mulighed %(n)s") % {"n": n},
                required=False,
                max_length=300,
                validators=[no_markup],
                initial=option.title if option else "",
            )
            self.fields[f"consequences_{n}"] = forms.CharField(
                label=_("Konsekvenser af mulighed %(n)s") % {"n": n},
                required=False,
                widget=forms.Textarea(attrs=TEXTAREA),
                validators=[no_markup],
                initial=option.consequences if option else "",
            )

    def clean(self):
        cleaned = super().clean()
        for n in range(1, OPTION_COUNT + 1):
            if cleaned.get(f"consequences_{n}") and not cleaned.get(f"option_{n}"):
                self.add_error(f"option_{n}", _("Beskriv muligheden, når du skriver konsekvenser."))
        return cleaned

    def options(self) -> list[tuple[str, str]]:
        return [
            (self.cleaned_data[f"option_{n}"], self.cleaned_data[f"consequences_{n}"])
            for n in range(1, OPTION_COUNT + 1)
        ]


class DecisionTakeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    outcome = forms.CharField(
        label=_("Beslutning"), widget=forms.Textarea(attrs=TEXTAREA), validators=[no_markup]
    )
    decided_on = PlanDateField(label=_("Besluttet den"))
    meeting = forms.ModelChoiceField(
        label=_("Møde"), queryset=Meeting.objects.all(), required=False
    )
    conditions = forms.CharField(
        label=_("Betingelser"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        validators=[no_markup],
    )


class MeetingDecisionForm(forms.Form):
    """A decision taken at a meeting, on its page."""

    decision = forms.ModelChoiceField(
        label=_("Beslutningsanmodning"), queryset=Decision.objects.requested()
    )
    outcome = forms.CharField(
        label=_("Beslutning"), widget=forms.Textarea(attrs=TEXTAREA), validators=[no_markup]
    )
    conditions = forms.CharField(
        label=_("Betingelser"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        validators=[no_markup],
    )


class ActionForm(RecordForm):
    class Meta:
        model = Action
        fields = [
            "title",
            "description",
            "owner_party",
            "owner_person",
            "due_on",
            "status",
            "origin",
            "meeting",
            "decision",
            "risk",
            *LINKS,
        ]


class MeetingActionForm(RecordForm):
    class Meta:
        model = Action
        fields = ["title", "owner_party", "owner_person", "due_on"]


class ActionProgressForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    progress_note = forms.CharField(
        label=_("Status i ord"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        validators=[no_markup],
    )


class MeetingForm(RecordForm):
    class Meta:
        model = Meeting
        fields = ["title", "held_on", "starts_at", "place", "agenda"]
        widgets = {
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "agenda": forms.Textarea(attrs={"rows": 14}),
        }

    participants = forms.ModelMultipleChoiceField(
        label=_("Deltagere"), queryset=get_user_model().objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda"].help_text = _(
            "Lad den stå tom for at danne dagsordenen ud fra posterne."
        )
        self.fields["participants"].queryset = members()
        self.fields["participants"].label_from_instance = lambda u: u.get_full_name() or u.username
        if self.instance.pk and not self.is_bound:
            self.initial["participants"] = list(
                self.instance.participants.filter(user__isnull=False).values_list(
                    "user_id", flat=True
                )
            )

    def changes(self) -> dict:
        return {n: self.cleaned_data[n] for n in self._meta.fields}


class MinutesForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    minutes = forms.CharField(
        label=_("Referat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        validators=[no_markup],
    )
    held = forms.BooleanField(label=_("Mødet er afholdt"), required=False)


class ExceptionForm(forms.ModelForm):
    needed_by = PlanDateField(label=_("Skal besluttes senest"), required=False)

    class Meta:
        model = ExceptionNote
        fields = ["cause", "consequences", "options", "recommendation"]
        widgets = {f: forms.Textarea(attrs=TEXTAREA) for f in fields}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self._meta.fields:
            self.fields[name].validators.append(no_markup)


class ConfidenceForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    activity = forms.ModelChoiceField(
        label=_("Aktivitet"),
        queryset=Activity.objects.order_by("title"),
        required=False,
        empty_label=_("Hele programmet"),
    )
    level = forms.ChoiceField(
        label=_("Leveringssikkerhed"), choices=DeliveryConfidence.Level.choices
    )
    justification = forms.CharField(
        label=_("Begrundelse"), widget=forms.Textarea(attrs=TEXTAREA), validators=[no_markup]
    )


class RiskFilterForm(PointInTimeForm):
    """The register's filters and the moment it shows (`?som_den_var=`, empty: live)."""

    # Typed, not chosen from a list of every party and member (as the lists' party filter).
    party = KeyTextField(
        label=_("Part"),
        queryset=Party.objects.filter(pk__in=Risk.objects.values("owner_party")),
        name_field="name",
        noun_plural=_("parter"),
    )
    track = forms.ChoiceField(
        label=_("Spor"), choices=[("", _("Alle"))] + list(Activity.Track.choices), required=False
    )
    band = forms.ChoiceField(label=_("Bånd"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Aktive")), ("all", _("Alle"))] + list(Risk.Status.choices),
        required=False,
    )
    owner = UserTextField(label=_("Ansvarlig"), queryset=members())

    field_order = ["party", "track", "band", "status", "owner", "som_den_var"]

    def __init__(self, *args, **kwargs):
        from .models import BANDS

        super().__init__(*args, **kwargs)
        self.fields["band"].choices = [("", _("Alle"))] + [(b.key, b.label) for b in BANDS]


class HelpNeededForm(forms.Form):
    """Turn an update's help needed into a decision request or a risk."""

    TO_DECISION, TO_RISK = "decision", "risk"
    kind = forms.ChoiceField(
        choices=[(TO_DECISION, _("Beslutningsanmodning")), (TO_RISK, _("Risiko"))]
    )
