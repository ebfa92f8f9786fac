"""Input for the steering group's pages: the moment to show and the filters."""

import datetime

from django import forms

from core.forms import PointInTimeForm as BasePointInTimeForm
from milestones.models import Activity


class PointInTimeForm(BasePointInTimeForm):
    """The moment (`core.forms`) plus the party and track the dashboard narrows to."""

    part = forms.CharField(required=False, max_length=60)
    spor = forms.ChoiceField(required=False, choices=[("", ""), *Activity.Track.choices])

    def clean_spor(self):
        return self.cleaned_data.get("spor") or None

    def clean_part(self):
        return self.cleaned_data.get("part") or None


def parse_month(value: str | None) -> datetime.date | None:
    """'2026-04' or '2026-04-15' as a date (the first of the month), or None when unreadable."""
    if not value:
        return None
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            parsed = datetime.datetime.strptime(value.strip(), fmt)  # noqa: DTZ007
        except ValueError:
            continue
        return parsed.date().replace(day=1)
    return None
