"""The KOMBIT roll-out's bulk form: one row per municipality in a phase."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import (
    MunicipalityRollout,
)
from .fields import BoundedDateField


class RolloutRowForm(forms.Form):
    """One municipality's roll-out status in a phase's bulk form.

    `seen_status`/`seen_date` carry what the user was shown, so a row counts as
    changed only if the user changed it (not because someone else did meanwhile).
    """

    status = forms.ChoiceField(label=_("Status"), choices=MunicipalityRollout.Status.choices)
    status_date = BoundedDateField(label=_("Dato"))
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
