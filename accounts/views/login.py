import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .. import services
from ..client_ip import client_ip
from ..oidc import SESSION_ID_TOKEN, SESSION_PROVIDER, end_session_url, provider_get, providers
from ..tasks import password_reset_send
from ..throttling import password_reset_allowed

logger = logging.getLogger(__name__)


class LoginView(auth_views.LoginView):
    """The log-in page: the password form (unless SORPLAN_PASSWORD_LOGIN is off) and a
    "Log ind med <udbyder>" button for each single sign-on provider."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_providers"] = providers()
        context["password_login"] = settings.SORPLAN_PASSWORD_LOGIN
        return context

    def post(self, request, *args, **kwargs):
        if not settings.SORPLAN_PASSWORD_LOGIN:
            return HttpResponseNotAllowed(["GET"])
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        """A right password; with two-factor set up, the code is asked before log-in."""
        from ..two_factor import has_two_factor
        from .two_factor import two_factor_pending_start

        user = form.get_user()
        if has_two_factor(user):
            return two_factor_pending_start(self.request, user, self.get_success_url())
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """Ends the local session and, after a single sign-on log-in at a provider that
    offers it, the provider's session too (RP-initiated log-out)."""

    def post(self, request, *args, **kwargs):
        provider = provider_get(request.session.get(SESSION_PROVIDER))
        id_token = request.session.get(SESSION_ID_TOKEN)
        response = super().post(request, *args, **kwargs)
        if provider is not None:
            url = end_session_url(request, provider, id_token)
            if url:
                return HttpResponseRedirect(url)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, with the mail sent in the background and limited per hour.

    Known, unknown and throttled addresses get the same answer (the "sent" page),
    so the page tells nobody whether an address has a user.
    """

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        ip = client_ip(self.request)
        if password_reset_allowed(email=email, ip=ip):
            request = {
                "email": email,
                "domain": self.request.get_host(),
                "use_https": self.request.is_secure(),
                "ip": ip,
            }
            try:
                password_reset_send.delay(**request)
            except Exception:  # the broker is down: write the mail here instead of losing it
                logger.exception("Could not queue the password reset; written in the request")
                services.password_reset_mail_enqueue(**request)
        else:
            logger.warning("Password reset limit reached for an address; no mail sent")
        return HttpResponseRedirect(self.get_success_url())


@require_POST
def session_keepalive(request):
    """The session-timeout warning's "stay logged in": any request refreshes the session."""
    request.session.modified = True
    return HttpResponse(status=204)


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the Danish lock-out page (429), with the limit and the wait."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)
