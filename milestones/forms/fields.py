"""Form fields shared by the plan's and the reporting's forms: dates, months, plain text."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%y"]


class PlanDateField(forms.DateField):
    """A date typed as 15.03.2027 (or 2027-03-15) in a text input. Not the browser's date
    control: Chromium sends an empty value for a date it cannot read (31.02.2027), so an
    invalid date vanished without an error; typed text comes back with its error."""

    default_error_messages = {
        "invalid": _("Skriv en gyldig dato, fx 15.03.2027."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.pop("widget", None)
        super().__init__(
            widget=forms.DateInput(attrs={"autocomplete": "off"}, format="%d.%m.%Y"), **kwargs
        )


LONG_TEXT = 5000
SHORT_TEXT = 1000
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


class BoundedDateField(forms.DateField):
    """A date typed as dd.mm.åååå in a text input, between 2000 and 2100 (not the browser's
    date control, which sends an empty value for a date it cannot read, so the typed text
    was lost)."""

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
