from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SecurityEvent

DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d"]


class SecurityEventFilterForm(forms.Form):
    haendelse = forms.ChoiceField(label=_("Hændelse"), required=False)
    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=100,
        help_text=_("Brugernavn, navn eller e-mail – som udfører eller berørt."),
    )
    fra = forms.DateField(
        label=_("Fra og med"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"invalid": _("Skriv en gyldig dato, fx 15.03.2027.")},
    )
    til = forms.DateField(
        label=_("Til og med"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"invalid": _("Skriv en gyldig dato, fx 15.03.2027.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["haendelse"].choices = [("", _("Alle hændelser")), *SecurityEvent.Kind.choices]

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "kind": data.get("haendelse") or "",
            "person": (data.get("person") or "").strip(),
            "since": data.get("fra"),
            "until": data.get("til"),
        }
