"""Forms of the access administration and the person's own page, in Danish."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from parties.access import Access
from parties.models import Membership, Party

REASON_HELP = _("Står i historikken ved ændringen.")


def role_choices(access: Access):
    """The roles this person may grant at all: only editors grant editor or steering."""
    # A blank first choice, as the party's: no role is picked for the editor by default.
    if access.can_edit_plan:
        return [("", ""), *Membership.Role.choices]
    return [("", ""), (Membership.Role.REPORTER, Membership.Role.REPORTER.label)]


def party_queryset(access: Access):
    ids = access.grantable_party_ids()
    parties = Party.objects.order_by("name")
    return parties if ids is None else parties.filter(pk__in=ids)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrundelse"), widget=forms.Textarea(attrs={"rows": 3}), help_text=REASON_HELP
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class MembershipForm(ReasonForm):
    """One membership to give: party and role."""

    field_order = ["party", "role", "reason", "version"]

    party = forms.ModelChoiceField(label=_("Part"), queryset=Party.objects.none())
    role = forms.ChoiceField(label=_("Rolle"))

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = party_queryset(access)
        self.fields["role"].choices = role_choices(access)


class InviteForm(MembershipForm):
    """A new person and their first membership."""

    field_order = ["first_name", "last_name", "email", "party", "role", "reason"]

    first_name = forms.CharField(label=_("Fornavn"), max_length=150)
    last_name = forms.CharField(label=_("Efternavn"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("Invitationen sendes hertil; den er også brugernavnet.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        self.fields["reason"].help_text = _(
            "Står i invitationen og i historikken, fx “Ny rapportør for Region Midtjylland”."
        )


class SetPasswordForm(forms.Form):
    """The invited person's first password."""

    password1 = forms.CharField(
        label=_("Adgangskode"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=" ".join(password_validation.password_validators_help_texts()),
    )
    password2 = forms.CharField(
        label=_("Gentag adgangskoden"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("De to adgangskoder er ikke ens."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
