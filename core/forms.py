"""Form pieces shared by the apps: saving a valid form through a service (a service's
`ValidationError` or an `EditConflict` shown on the form the person filled in), and the
`?som_den_var=` moment of the point-in-time pages."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .versioning import EditConflict

POINT_IN_TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


class MomentInput(forms.DateTimeInput):
    """The browser's date-and-time picker, except for a value it cannot show: a browser
    blanks a `datetime-local` input whose value is not ÅÅÅÅ-MM-DDTTT:MM, so a badly typed
    moment is shown as typed in a text input beside its error."""

    input_type = "datetime-local"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        shown = context["widget"]["value"]
        if shown:
            for fmt in POINT_IN_TIME_FORMATS:
                try:
                    # Wall-clock text reformatted, no zone involved.
                    moment = datetime.datetime.strptime(shown, fmt)  # noqa: DTZ007
                except ValueError:
                    continue
                context["widget"]["value"] = moment.strftime("%Y-%m-%dT%H:%M")
                break
            else:
                context["widget"]["type"] = "text"
        return context


class PointInTimeForm(forms.Form):
    """`?som_den_var=2026-10-01T00:00` (or a date): show a page as it stood then (read
    through `core.history.as_of_queryset`); empty: live. A moment in the future is
    refused with a Danish message."""

    som_den_var = forms.DateTimeField(
        label=_("Som den så ud den"),
        required=False,
        input_formats=POINT_IN_TIME_FORMATS,
        widget=MomentInput(format="%Y-%m-%dT%H:%M"),
        help_text=_("Tom: status lige nu."),
        error_messages={
            "invalid": _(
                "Skriv tidspunktet som ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DDTTT:MM, fx 2026-10-01T08:00."
            )
        },
    )

    def clean_som_den_var(self):
        value = self.cleaned_data.get("som_den_var")
        if value is not None and value > timezone.now():
            raise forms.ValidationError(
                _("Tidspunktet ligger i fremtiden. Vælg et tidspunkt, der er passeret.")
            )
        return value

    @property
    def moment(self):
        """The valid moment, or None (live) when empty or not valid."""
        return self.cleaned_data.get("som_den_var") if self.is_valid() else None


def add_service_errors(form, error: ValidationError, rename: dict | None = None) -> None:
    """Show a service's ValidationError on the form, by field where the form has it
    (on the form as a whole otherwise), so the page shows it beside what was typed.
    `rename` maps a model field's name to the form field that shows it."""
    rename = rename or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = rename.get(name, name)
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)


@dataclass(frozen=True)
class FormSave:
    """What `form_save` did: `saved` is what the service returned; `status` is None when
    it saved, else the status to answer with (400 bad input, 409 a conflict)."""

    saved: Any = None
    status: int | None = None

    @property
    def ok(self) -> bool:
        return self.status is None


def form_save(form, save: Callable[[Any], Any], *, conflict: str) -> FormSave:
    """Validate `form` and, when valid, call `save(form)` (a service call).

    Nothing the person typed is lost: a service's `ValidationError` goes onto the form by
    field (`add_service_errors`, 400); an `EditConflict` puts `conflict` (the app's words
    for it) on the form and the version now saved into the form's data (409), so saving
    again deliberately goes over the other person's change."""
    if not form.is_valid():
        return FormSave(status=400)
    try:
        saved = save(form)
    except EditConflict as error:
        if error.current is not None and "version" in form.fields:
            form.data = form.data.copy()
            form.data[form.add_prefix("version")] = error.current.version
        form.add_error(None, conflict)
        return FormSave(status=409)
    except ValidationError as error:
        add_service_errors(form, error)
        return FormSave(status=400)
    return FormSave(saved=saved)
