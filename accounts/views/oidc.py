"""Single sign-on pages: start the log-in at a provider, its callback, the refusals."""

import logging
from urllib.parse import parse_qs, urlparse

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from ..audit import Kind, Method, security_event_record
from ..oidc import (
    REQUEST_FAILURE,
    REQUEST_PROVIDER,
    ProviderSettings,
    ProviderUnavailable,
    provider_get,
)
from ..people import invitation_accept_by_sso
from ..signals import login_method_set

logger = logging.getLogger(__name__)

# Why an SSO log-in was refused -> HTTP status of the page that says so.
FAILURE_STATUS = {
    "expired": 403,
    "unknown": 403,
    "inactive": 403,
    "acr": 403,
    "state": 400,
    "provider": 503,
}


def oidc_failure(request, reason: str):
    """The Danish page for a refused SSO log-in (templates/accounts/oidc_failure.html)."""
    return render(
        request,
        "accounts/oidc_failure.html",
        {"reason": reason},
        status=FAILURE_STATUS.get(reason, 400),
    )


@method_decorator(login_not_required, name="dispatch")
class OidcLoginView(ProviderSettings, OIDCAuthenticationRequestView):
    """Sends the browser to the provider with state, nonce and a PKCE challenge."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)

    def get(self, request, provider):
        self.provider = provider_get(provider)
        if self.provider is None:
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable:
            logger.exception("OIDC provider %s did not answer", provider)
            return oidc_failure(request, "provider")
        self.OIDC_RP_CLIENT_ID = self.provider.client_id
        response = super().get(request)
        # Which provider this state belongs to, for the callback.
        state = parse_qs(urlparse(response.url).query)["state"][0]
        request.session["oidc_states"][state]["provider"] = self.provider.key
        request.session.modified = True
        return response


@method_decorator(login_not_required, name="dispatch")
class OidcCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here with a code; the backend
    (accounts.oidc.SorplanOIDCBackend) exchanges it and matches the person."""

    def get(self, request):
        login_method_set(request, Method.OIDC)
        state = request.GET.get("state")
        entry = (request.session.get("oidc_states") or {}).get(state) if state else None
        if entry is None:
            return self._refused("state")
        setattr(request, REQUEST_PROVIDER, entry.get("provider"))
        try:
            return super().get(request)
        except SuspiciousOperation as exc:  # a wrong nonce or signature
            logger.warning("OIDC callback refused: %s", exc)
            return self._refused("state")
        except ProviderUnavailable:
            logger.exception("OIDC provider did not answer")
            return oidc_failure(request, "provider")

    def _refused(self, reason):
        setattr(self.request, REQUEST_FAILURE, reason)
        security_event_record(
            Kind.LOGIN_FAILURE, request=self.request, actor=None, method=Method.OIDC, detail=reason
        )
        return oidc_failure(self.request, reason)

    def login_success(self):
        response = super().login_success()
        invitation_accept_by_sso(user=self.user, request=self.request)
        return response

    def login_failure(self):
        # authenticate() refused: Django's user_login_failed wrote the audit log already.
        return oidc_failure(self.request, getattr(self.request, REQUEST_FAILURE, "unknown"))
