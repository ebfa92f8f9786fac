"""Filters on the list pages and the change feed (GET; an unknown value is ignored, not an error page)."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import CharField, Q, Value
from django.db.models.functions import Concat, Trim
from django.utils.translation import gettext_lazy as _

from parties.models import Party

from ..models import (
    Activity,
    Baseline,
    Goal,
    Milestone,
)
from .fields import PlanDateField


class _FilterForm(forms.Form):
    SORTS: list[tuple[str, str]] = []

    q = forms.CharField(label=_("Søg"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sorter"] = forms.ChoiceField(
            label=_("Sortér efter"), choices=self.SORTS, required=False
        )

    def values(self) -> dict:
        """The valid filters (invalid ones are dropped)."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}


def _key_field(label, queryset, empty_label):
    """An optional choice of a record by its key, so the filter reads well in the URL."""
    return forms.ModelChoiceField(
        label=label, queryset=queryset, to_field_name="key", required=False, empty_label=empty_label
    )


class KeyTextField(forms.CharField):
    """An optional record typed as text, not picked from a list of thousands: its key
    (what links put in the URL), its name, or a part of the name that only one record
    has. Cleans to the record or None; several or no matches are a Danish error."""

    def __init__(
        self, *, label, queryset, name_field: str, noun_plural, key_field: str = "key", **kwargs
    ):
        self.queryset = queryset
        self.name_field = name_field
        self.key_field = key_field
        self.noun_plural = noun_plural
        kwargs.setdefault("help_text", _("Skriv navnet, en del af det, eller nøglen."))
        super().__init__(label=label, required=False, max_length=200, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, self.queryset.model):
            return getattr(value, self.name_field, "") or getattr(value, self.key_field)
        return value

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        records = self.queryset.order_by()
        found = (
            records.filter(**{self.key_field: text}).first()
            or records.filter(**{f"{self.name_field}__iexact": text}).first()
        )
        if found is not None:
            return found
        matches = list(records.filter(**{f"{self.name_field}__icontains": text})[:2])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(
                _("Ingen %(things)s matcher “%(text)s”.")
                % {"things": self.noun_plural, "text": text},
                code="no_match",
            )
        raise forms.ValidationError(
            _("Flere %(things)s matcher “%(text)s”: skriv mere af navnet.")
            % {"things": self.noun_plural, "text": text},
            code="several",
        )


class UserTextField(KeyTextField):
    """A user typed as text (a filter on who did something): the username, the full name
    or a part of it that only one of `queryset`'s users has."""

    def __init__(self, *, label, queryset=None, **kwargs):
        super().__init__(
            label=label,
            queryset=named_users(queryset if queryset is not None else get_user_model().objects),
            name_field="full_name",
            key_field="username",
            noun_plural=_("brugere"),
            help_text=kwargs.pop(
                "help_text", _("Skriv navnet, en del af det, eller brugernavnet.")
            ),
            **kwargs,
        )


def named_users(queryset):
    """Users with their `full_name` (first and last name) to find them by."""
    return queryset.annotate(
        full_name=Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField()))
    )


class _PlanFilterForm(_FilterForm):
    """Milestones and activities filter alike: by track, party, status, goal, plan
    version and baseline; only their statuses and sort orders differ."""

    STATUS_CHOICES: list[tuple[str, str]] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spor"] = forms.ChoiceField(
            label=_("Spor"), choices=[("", _("Alle spor")), *Activity.Track.choices], required=False
        )
        self.fields["part"] = KeyTextField(
            label=_("Ansvarlig part"),
            queryset=Party.objects.filter(responsible_activities__isnull=False).distinct(),
            name_field="name",
            noun_plural=_("parter"),
        )
        self.fields["status"] = forms.ChoiceField(
            label=_("Status"),
            choices=[("", _("Alle statusser")), *self.STATUS_CHOICES],
            required=False,
        )
        self.fields["maal"] = _key_field(
            _("Mål"), Goal.objects.order_by("kind", "number", "title"), _("Alle mål")
        )
        self.fields["plan"] = _key_field(
            _("Planversion"),
            Baseline.objects.filter(is_plan_version=True),
            _("Alle planversioner"),
        )
        self.fields["baseline"] = _key_field(
            _("Sammenlign med baseline"), Baseline.objects.all(), _("Den aktive baseline")
        )
        self.order_fields(["q", "spor", "part", "status", "maal", "plan", "baseline", "sorter"])


class MilestoneFilterForm(_PlanFilterForm):
    SORTS = [
        ("forventet", _("Forventet dato, tidligste først")),
        ("-forventet", _("Forventet dato, seneste først")),
        ("titel", _("Titel")),
        ("aktivitet", _("Aktivitet")),
        ("part", _("Ansvarlig part")),
        ("status", _("Status")),
    ]
    STATUS_CHOICES = Milestone.Status.choices


class ActivityFilterForm(_PlanFilterForm):
    SORTS = [
        ("spor", _("Spor og rækkefølge")),
        ("titel", _("Titel")),
        ("part", _("Ansvarlig part")),
        ("status", _("Status")),
        ("slut", _("Planlagt slut")),
    ]
    STATUS_CHOICES = Activity.Status.choices


class GoalFilterForm(_FilterForm):
    SORTS = [("nummer", _("Type og nummer")), ("titel", _("Titel"))]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"] = forms.ChoiceField(
            label=_("Type"), choices=[("", _("Alle typer")), *Goal.Kind.choices], required=False
        )
        self.order_fields(["q", "type", "sorter"])


class ChangeFeedFilterForm(forms.Form):
    # Typed, not chosen from a list: a large programme has thousands of activities.
    part = KeyTextField(
        label=_("Part"),
        queryset=Party.objects.exclude(kind=Party.Kind.MUNICIPALITY),
        name_field="name",
        noun_plural=_("parter"),
    )
    aktivitet = KeyTextField(
        label=_("Aktivitet"),
        queryset=Activity.objects.all(),
        name_field="title",
        noun_plural=_("aktiviteter"),
    )
    bruger = UserTextField(label=_("Bruger"))
    siden = PlanDateField(label=_("Fra og med"), required=False)
    til = PlanDateField(label=_("Til og med"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Members, administrators and the system user (imports): who can have changed the plan.
        self.fields["bruger"].queryset = named_users(
            get_user_model()
            .objects.filter(
                Q(memberships__isnull=False)
                | Q(is_superuser=True)
                | Q(username=settings.SORPLAN_SYSTEM_USERNAME)
            )
            .distinct()
        )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("siden"), cleaned.get("til")
        if since and until and until < since:
            self.add_error("til", _("“Til og med” skal ligge efter “Fra og med”."))
        return cleaned


class AuditTrailForm(forms.Form):
    """The audit trail's period: both ends, inclusive."""

    siden = PlanDateField(label=_("Fra og med"))
    til = PlanDateField(label=_("Til og med"))

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("siden"), cleaned.get("til")
        if since and until and until < since:
            self.add_error("til", _("“Til og med” skal ligge efter “Fra og med”."))
        return cleaned
