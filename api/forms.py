from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AccessToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Navn"),
        max_length=100,
        help_text=_("Hvad nøglen bruges til, fx 'Regionens planværktøj'."),
        error_messages={"required": _("Giv nøglen et navn, så du kan kende den igen.")},
    )
    scope = forms.ChoiceField(
        label=_("Rettighed"),
        choices=AccessToken.Scope.choices,
        initial=AccessToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_("Nøglen kan aldrig mere end du selv."),
    )
    days = forms.TypedChoiceField(
        label=_("Udløber om"),
        coerce=int,
        choices=[(30, _("30 dage")), (90, _("90 dage")), (365, _("1 år"))],
        initial=90,
    )
