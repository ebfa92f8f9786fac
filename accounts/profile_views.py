"""The person's own page /profil/, the invitation's link and the privacy note."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import add_service_errors

from . import people
from .oidc import providers
from .people_forms import SetPasswordForm
from .people_views import personal_data_response

# The person's own pages in other apps: two-factor, API tokens (api), calendar links (feeds).
PROFILE_LINKS = [
    ("accounts:two_factor_setup", gettext_lazy("To-faktor-godkendelse")),
    ("tokens:list", gettext_lazy("API-nøgler")),
    ("feeds:profile_calendar", gettext_lazy("Kalenderlinks")),
]


def _links() -> list[tuple[str, str]]:
    return [(reverse(name), label) for name, label in PROFILE_LINKS]


def profile(request):
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "memberships": user.memberships.select_related("party"),
            "sessions": people.sessions_open(user),
            "current_session": request.session.session_key,
            "links": _links(),
            "has_password": user.has_usable_password(),
        },
    )


@require_POST
def sessions_end_all(request):
    """Log ud overalt: every session of the person ends, this one too."""
    count = people.sessions_end_all(user=request.user)
    request.session.flush()
    messages.success(
        request, _("Du er logget ud overalt (%(count)s sessioner).") % {"count": count}
    )
    return redirect("login")


def own_data(request, fmt: str):
    """The person's own export."""
    return personal_data_response(request.user, fmt)


@login_not_required
def invitation_accept(request, token: str):
    """The invitation's one-time link: choose a password, then you are logged in."""
    invitation = people.invitation_open(token)
    if invitation is None:
        expired = people.invitation_expired_at(token)
        return render(request, "accounts/invitation_invalid.html", {"expired": expired})
    form = SetPasswordForm(request.POST or None, user=invitation.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = people.invitation_accept(
                    token=token, password=form.cleaned_data["password1"], request=request
                )
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Velkommen til sorplan. Din adgangskode er gemt."))
                return redirect("accounts:profile")
        else:
            status = 400
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation, "oidc_providers": providers()},
        status=status,
    )


@login_not_required
def privacy(request):
    """Privatlivserklæring: who is the data controller, what is kept and for how long."""
    return render(request, "accounts/privacy.html")
