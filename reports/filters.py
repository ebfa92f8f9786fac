"""Input for the steering group's pages: the moment to show and the filters."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from milestones.models import Activity

POINT_IN_TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


class PointInTimeForm(forms.Form):
    """`?som_den_var=2026-10-01T00:00` (or a date): show a page as it stood then."""

    som_den_var = forms.DateTimeField(
        label=_("Som den så ud den"),
        required=False,
        input_formats=POINT_IN_TIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Tom: status lige nu."),
        error_messages={
            "invalid": _(
                "Skriv tidspunktet som ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DDTTT:MM, fx 2026-10-01T08:00."
            )
        },
    )
    part = forms.CharField(required=False, max_length=60)
    spor = forms.ChoiceField(required=False, choices=[("", ""), *Activity.Track.choices])

    def clean_som_den_var(self):
        value = self.cleaned_data.get("som_den_var")
        if value is not None and value > timezone.now():
            raise forms.ValidationError(
                _("Tidspunktet ligger i fremtiden. Vælg et tidspunkt, der er passeret.")
            )
        return value

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
