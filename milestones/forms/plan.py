"""Forms for editing the plan. Validation that must always hold lives in the models'
clean() (it runs here through ModelForm); the forms add what belongs to a person
typing: date parsing, normalising an imprecise date (and saying so), the
version they saw and the reason for the change."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from parties.models import Party

from ..dates import format_plan_date
from ..history import PRECISION_OF
from ..models import (
    Activity,
    DatePrecision,
    Dependency,
    Goal,
    Milestone,
    is_period_start,
    period_start,
)
from ..services.plan import unchanged_fields
from .fields import PlanDateField

REASON_HELP = _("Gemmes i historikken. Skal udfyldes, når den forventede dato flyttes.")


class PlanForm(forms.ModelForm):
    """A ModelForm for a versioned plan record: carries the version the person saw
    and an optional change reason, and normalises imprecise dates."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    change_reason = forms.CharField(
        label=_("Begrundelse for ændringen"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=REASON_HELP,
    )
    # Fields only a new record gets (its stable key).
    create_only: tuple[str, ...] = ("key",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []
        if self.instance.pk is None:
            del self.fields["version"]
            self.fields["change_reason"].help_text = _("Gemmes i historikken (valgfri).")
            if "key" in self.fields:
                self.fields["key"].required = False
                self.fields["key"].help_text = _(
                    "Stabil nøgle i adressen. Lad den stå tom for at danne den ud fra titlen."
                )
        else:
            for name in self.create_only:
                self.fields.pop(name, None)
            if not self.is_bound:
                self.initial.setdefault("version", self.instance.version)
        for name in self.fields:
            if name in PRECISION_OF and not isinstance(self.fields[name], PlanDateField):
                old = self.fields[name]
                self.fields[name] = PlanDateField(
                    required=old.required, label=old.label, help_text=old.help_text
                )

    def validate_constraints(self):
        """An existing record's constraints (unique and check) for what the person
        changed, as its save checks them (`services.plan.clean_changed`): Django checks
        each check constraint with a query, and the unchanged ones held when it was last
        saved."""
        if self.instance.pk is None:
            return super().validate_constraints()
        exclude = self._get_validation_exclusions()
        exclude |= set(unchanged_fields(self.instance, self.changed_data))
        try:
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)

    @property
    def data_fields(self) -> list[str]:
        return [n for n in self.fields if n not in ("version", "change_reason")]

    def changes(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.data_fields
            if name != "key" or self.cleaned_data.get("key")
        }

    def clean(self):
        cleaned = super().clean()
        for date_name, precision_name in PRECISION_OF.items():
            if date_name not in self.fields or precision_name not in self.fields:
                continue
            date, precision = cleaned.get(date_name), cleaned.get(precision_name)
            if date and precision in DatePrecision.values and not is_period_start(date, precision):
                start = period_start(date, precision)
                cleaned[date_name] = start
                self.notes.append(
                    _(
                        "%(field)s er gemt som %(period)s (periodens første dag, %(start)s), "
                        "fordi præcisionen er “%(precision)s”."
                    )
                    % {
                        "field": self.fields[date_name].label,
                        "period": format_plan_date(start, precision),
                        "start": formats.date_format(start, "SHORT_DATE_FORMAT"),
                        "precision": DatePrecision(precision).label.lower(),
                    }
                )
        return cleaned


class GoalForm(PlanForm):
    class Meta:
        model = Goal
        fields = ["title", "key", "kind", "parent", "number", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Goal.objects.filter(kind=Goal.Kind.STRATEGIC)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].help_text = _("Kun for delmål.")


class ActivityForm(PlanForm):
    class Meta:
        model = Activity
        fields = [
            "title",
            "key",
            "description",
            "goal",
            "track",
            "responsible_party",
            "status",
            "planned_start",
            "planned_start_precision",
            "planned_end",
            "planned_end_precision",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parties = Party.objects.exclude(kind=Party.Kind.MUNICIPALITY)
        if self.instance.pk and self.instance.responsible_party.kind == Party.Kind.MUNICIPALITY:
            parties = Party.objects.filter(pk=self.instance.responsible_party_id) | parties
        self.fields["responsible_party"].queryset = parties.order_by("name")


RAG_OVERRIDE_CHOICES = [("", _("Nej – brug den beregnede")), *Milestone.Rag.choices]

MILESTONE_DATE_FIELDS = [
    "forecast_date",
    "forecast_precision",
    "actual_date",
    "actual_precision",
    "actual_date_unknown",
    "status",
    "rag_override",
    "rag_override_reason",
]


class MilestoneForm(PlanForm):
    class Meta:
        model = Milestone
        fields = [
            "activity",
            "title",
            "key",
            "description",
            "source_text",
            *MILESTONE_DATE_FIELDS,
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "rag_override_reason": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "forecast_precision": _(
                "En upræcis dato (måned, kvartal, år) gemmes som periodens første dag."
            ),
            "rag_override": _(
                "Lad feltet stå tomt for at bruge den beregnede status. "
                "En tilsidesættelse kræver en begrundelse."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = Activity.objects.select_related(
            "responsible_party"
        ).order_by("title")
        self.fields["rag_override"].label = _("Tilsidesæt RAG-status")
        self.fields["rag_override"].choices = RAG_OVERRIDE_CHOICES


class MilestoneQuickForm(PlanForm):
    """The in-place edit of a milestone's dates, status and RAG override."""

    class Meta:
        model = Milestone
        fields = MILESTONE_DATE_FIELDS
        widgets = {"rag_override_reason": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rag_override"].label = _("Tilsidesæt RAG")
        self.fields["rag_override"].choices = RAG_OVERRIDE_CHOICES
        self.fields["change_reason"].widget = forms.TextInput()
        self.fields["change_reason"].label = _("Begrundelse for ændringen")
        self.fields["change_reason"].help_text = _("Skal udfyldes, når forventet dato flyttes.")
        self.fields["forecast_precision"].help_text = ""
        self.fields["actual_date_unknown"].help_text = ""


class DeleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    change_reason = forms.CharField(
        label=_("Begrundelse for sletningen"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Gemmes i historikken."),
    )


class ActivityDeleteForm(DeleteForm):
    MOVE, DELETE = "move", "delete"
    milestones = forms.ChoiceField(
        label=_("Aktivitetens milepæle"),
        choices=[
            (MOVE, _("Flyt dem til en anden aktivitet")),
            (DELETE, _("Slet dem sammen med aktiviteten")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    move_to = forms.ModelChoiceField(
        label=_("Flyt milepælene til"),
        queryset=Activity.objects.none(),
        required=False,
        empty_label=_("Vælg aktivitet"),
    )

    def __init__(self, *args, activity: Activity, has_milestones: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_milestones = has_milestones
        if has_milestones:
            self.fields["milestones"].required = True
            self.fields["move_to"].queryset = Activity.objects.exclude(pk=activity.pk).order_by(
                "title"
            )
            self.fields["move_to"].help_text = _("Kun når milepælene skal flyttes.")
            self.order_fields(["version", "milestones", "move_to", "change_reason"])
        else:
            del self.fields["milestones"]
            del self.fields["move_to"]

    def clean(self):
        cleaned = super().clean()
        if (
            self.has_milestones
            and cleaned.get("milestones") == self.MOVE
            and not cleaned.get("move_to")
        ):
            self.add_error("move_to", _("Vælg den aktivitet, milepælene skal flyttes til."))
        return cleaned


class DependencyForm(forms.ModelForm):
    """Add a predecessor to a milestone (the model refuses cycles, naming them)."""

    change_reason = forms.CharField(
        label=_("Begrundelse"), required=False, max_length=2000, widget=forms.TextInput()
    )

    class Meta:
        model = Dependency
        fields = ["predecessor", "note"]
        labels = {"predecessor": _("Afhænger af milepælen")}

    def __init__(self, *args, successor: Milestone, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.successor = successor
        self.fields["predecessor"].queryset = (
            Milestone.objects.exclude(pk=successor.pk)
            .select_related("activity")
            .order_by("activity__title", "sort_order", "title")
        )
        self.fields["predecessor"].label_from_instance = lambda m: f"{m.activity.title}: {m.title}"


def merged_after_conflict(form_class, *, submitted, current, seen_version, changes, **kwargs):
    """After an edit conflict: an unbound form on the current version holding what the
    person changed (compared with the version they saw), so they can re-apply it.

    Returns (form, clashes) where clashes are the labels of fields both people changed.
    """
    seen_row = (
        type(current)
        .history.filter(id=current.pk, version=seen_version)
        .order_by("-history_id")
        .first()
    )
    seen_form = form_class(instance=seen_row.instance, **kwargs) if seen_row else None
    theirs = {c.field for e in changes for c in e.changes}
    partner = {precision: date for date, precision in PRECISION_OF.items()}
    initial = {}
    clashes = []
    for name in submitted.data_fields:
        bound = submitted[name]
        if seen_form is not None and name in seen_form.fields:
            mine = bound.field.has_changed(seen_form[name].initial, bound.data)
        else:
            mine = True
        if not mine:
            continue
        initial[name] = submitted.cleaned_data.get(name, bound.data)
        if partner.get(name, name) in theirs:
            clashes.append(str(bound.label))
    initial["version"] = current.version
    initial["change_reason"] = submitted.cleaned_data.get("change_reason", "")
    form = form_class(instance=current, initial=initial, **kwargs)
    form.notes = []
    return form, sorted(set(clashes))


# ---------------------------------------------------------------------------
# Filters on the list pages (GET; an unknown value is ignored, not an error page)
