"""Two-factor pages: the code step of a password log-in, set-up (QR code, secret,
recovery codes) and an editor's reset of a person's two-factor."""

import time

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from parties.access import request_access

from .. import two_factor
from ..signals import login_method_set
from .login import locked_out

# The password step's result while the code is asked for: whose, which backend, where to.
SESSION_PENDING = "sorplan_two_factor_pending"
PENDING_SECONDS = 300


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Kode"),
        max_length=20,
        help_text=gettext_lazy(
            "De 6 cifre fra din godkendelsesapp – eller en af dine gendannelseskoder."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        error_messages={"required": gettext_lazy("Skriv koden.")},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Begrundelse"),
        max_length=300,
        error_messages={"required": gettext_lazy("Skriv hvorfor – det kommer i sikkerhedsloggen.")},
    )


def two_factor_pending_start(request, user, next_url: str):
    """After a right password for someone with two-factor: remember them and ask the code."""
    request.session[SESSION_PENDING] = {
        "user_id": user.pk,
        "backend": user.backend,
        "next": next_url,
        "at": time.time(),
    }
    return redirect("accounts:two_factor_verify")


def _pending_user(request):
    pending = request.session.get(SESSION_PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None, None
    user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()
    return user, pending


@login_not_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The log-in's second step. A wrong code counts as a failed log-in in django-axes
    (the same throttle as wrong passwords) and in the audit log."""
    user, pending = _pending_user(request)
    if user is None:  # no password step, or more than 5 minutes ago
        return render(request, "accounts/two_factor_verify.html", {"expired": True})
    credentials = {"username": user.username}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return locked_out(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, method = two_factor.two_factor_check(user, form.cleaned_data["code"])
        if device is not None:
            del request.session[SESSION_PENDING]
            login_method_set(request, method)
            user.otp_device = device  # django-otp marks the session verified on log-in
            login(request, user, backend=pending["backend"])
            next_url = pending["next"]
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                next_url = "/"
            return redirect(next_url)
        login_method_set(request, two_factor.Method.PASSWORD_TOTP)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        form.add_error("code", _("Koden passer ikke. Prøv igen med den nyeste kode fra appen."))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Set up two-factor (QR code and the secret as text, then a code to confirm), or,
    with it set up already, confirm this session with a code."""
    user = request.user
    if two_factor.has_two_factor(user):
        if user.is_verified():
            return render(request, "accounts/two_factor_setup.html", {"done": True})
        form = CodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            device, _method = two_factor.two_factor_check(user, form.cleaned_data["code"])
            if device is not None:
                otp_login(request, device)
                return redirect(request.GET.get("next") or "/")
            form.add_error("code", _("Koden passer ikke. Prøv igen med den nyeste kode fra appen."))
        return render(request, "accounts/two_factor_setup.html", {"form": form, "confirm": True})
    device = two_factor.totp_device_pending(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.two_factor_confirm(
            user=user, code=form.cleaned_data["code"], request=request
        )
        if codes is not None:
            otp_login(request, user.otp_device)
            return render(request, "accounts/two_factor_codes.html", {"codes": codes})
        form.add_error("code", _("Koden passer ikke. Tjek at appen viser sorplan, og prøv igen."))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "required": two_factor.two_factor_required(user),
            "qr_svg": two_factor.totp_qr_svg(device),
            "secret": two_factor.totp_secret_text(device),
        },
    )


@require_http_methods(["GET", "POST"])
def two_factor_reset(request, user_id):
    """An editor resets a person's two-factor (lost phone), with a reason; audited."""
    if not request_access(request).may_reset_two_factor:
        raise PermissionDenied(_("Kun SOR-teamet kan nulstille totrinsbekræftelse."))
    person = get_object_or_404(get_user_model(), pk=user_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        two_factor.two_factor_reset(
            user=person, by=request.user, reason=form.cleaned_data["reason"], request=request
        )
        messages.success(
            request,
            _(
                "Totrinsbekræftelsen for %(name)s er nulstillet. De opretter den igen ved næste log-ind."
            )
            % {"name": person.get_full_name() or person.username},
        )
        return redirect("accounts:security_log")
    return render(
        request,
        "accounts/two_factor_reset.html",
        {"form": form, "person": person, "has_two_factor": two_factor.has_two_factor(person)},
    )
