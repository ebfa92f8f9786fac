"""Forms for setting and activating a baseline."""

from django import forms
from django.utils.translation import gettext_lazy as _


class BaselineForm(forms.Form):
    name = forms.CharField(label=_("Navn"), max_length=300)
    short_name = forms.CharField(label=_("Kort navn"), max_length=60, required=False)
    description = forms.CharField(
        label=_("Beskrivelse"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    activate = forms.BooleanField(
        label=_("Gør den til aktiv baseline"),
        required=False,
        help_text=_("Forsinkelse og RAG måles mod den aktive baseline."),
    )
    change_reason = forms.CharField(
        label=_("Begrundelse"), required=False, max_length=2000, widget=forms.TextInput()
    )


class BaselineActivateForm(forms.Form):
    change_reason = forms.CharField(
        label=_("Begrundelse"), required=False, max_length=2000, widget=forms.TextInput()
    )
