"""Forms of the status report pages (SOR-team)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from milestones.rag import add_months

from .models import StatusReport


class StatusReportTextsForm(forms.Form):
    """The leader summary and the decisions the steering group is asked to take."""

    leader_summary = forms.CharField(
        label=_("Ledelsesresumé"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Almindelig tekst. En tom linje starter et nyt afsnit."),
    )
    decisions_needed = forms.CharField(
        label=_("Beslutninger, styregruppen skal træffe"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Skriv »Ingen« eller lad feltet stå tomt, hvis der ikke er nogen."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def finished_months(today: datetime.date, count: int = 12) -> list[datetime.date]:
    """The last `count` finished months, newest first."""
    first = today.replace(day=1)
    return [add_months(first, -n) for n in range(1, count + 1)]


class StatusReportCreateForm(forms.Form):
    """Make the draft for a finished month by hand (the beat task does it on its own)."""

    period = forms.ChoiceField(label=_("Måned"))

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        taken = set(StatusReport.objects.values_list("period", flat=True))
        self.fields["period"].choices = [
            (f"{month:%Y-%m}", formats.date_format(month, "YEAR_MONTH_FORMAT").capitalize())
            for month in finished_months(today)
            if month not in taken
        ]

    def clean_period(self):
        value = self.cleaned_data["period"]
        year, month = (int(part) for part in value.split("-"))
        period = datetime.date(year, month, 1)
        if StatusReport.objects.filter(period=period).exists():
            raise ValidationError(_("Der findes allerede en rapport for den måned."))
        return period
