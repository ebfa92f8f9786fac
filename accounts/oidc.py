"""Single sign-on through OpenID Connect (authorization code flow with PKCE), on
mozilla-django-oidc.

mozilla-django-oidc is a Django authentication backend plus two small views, so an
SSO log-in runs through `django.contrib.auth.authenticate` like the password form:
django-axes' backend refuses a locked-out client address first, a refused SSO log-in
is a `user_login_failed` that axes counts, and `user_logged_in` writes the audit log.
Its settings are read per provider here (`ProviderSettings.get_settings`), so several
providers can be configured (SORPLAN_OIDC_PROVIDERS, from the environment).

A signed-in identity is matched to an existing, active person: by the subject stored
at an earlier log-in (`OidcIdentity`), else by a verified e-mail. No account is ever
created by a log-in.
"""

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from .models import OidcIdentity

logger = logging.getLogger(__name__)

DISCOVERY_SECONDS = 3600
# Session keys: which provider the person logged in through, and its ID token (for the
# provider's log-out).
SESSION_PROVIDER = "sorplan_oidc_provider"
SESSION_ID_TOKEN = "oidc_id_token"
# Request attributes set by the callback for the backend and read back by the views.
REQUEST_PROVIDER = "sorplan_oidc_provider"
REQUEST_FAILURE = "sorplan_oidc_failure"


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read."""


@dataclass(frozen=True)
class Provider:
    key: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"
    email_claim: str = "email"
    sign_algo: str = "RS256"
    # If set, the ID token's `acr` must be one of these (and they are asked for).
    acr: tuple[str, ...] = ()
    # If set, the ID token's `amr` must contain one of these.
    amr: tuple[str, ...] = ()

    def discovery(self) -> dict:
        """The provider's /.well-known/openid-configuration, cached for an hour."""
        key = f"sorplan:oidc:discovery:{self.issuer}"
        document = cache.get(key)
        if document is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                response = requests.get(url, timeout=settings.SORPLAN_OIDC_TIMEOUT)
                response.raise_for_status()
                document = response.json()
            except (requests.RequestException, ValueError) as exc:
                raise ProviderUnavailable(str(exc)) from exc
            cache.set(key, document, DISCOVERY_SECONDS)
        return document


def providers() -> list[Provider]:
    """The configured providers, in the order of SORPLAN_OIDC_PROVIDERS."""
    return [
        Provider(
            key=key,
            label=conf.get("label") or key,
            issuer=conf["issuer"],
            client_id=conf["client_id"],
            client_secret=conf.get("client_secret", ""),
            scopes=conf.get("scopes") or Provider.scopes,
            email_claim=conf.get("email_claim") or Provider.email_claim,
            sign_algo=conf.get("sign_algo") or Provider.sign_algo,
            acr=tuple(conf.get("acr") or ()),
            amr=tuple(conf.get("amr") or ()),
        )
        for key, conf in settings.SORPLAN_OIDC_PROVIDERS.items()
    ]


def provider_get(key: str | None) -> Provider | None:
    return next((p for p in providers() if p.key == key), None)


class ProviderSettings:
    """mozilla-django-oidc's settings for the provider in `self.provider`."""

    provider: Provider | None = None

    def get_settings(self, attr, *args):
        p = self.provider
        if p is not None:
            fixed = {
                "OIDC_RP_CLIENT_ID": p.client_id,
                "OIDC_RP_CLIENT_SECRET": p.client_secret,
                "OIDC_RP_SCOPES": p.scopes,
                "OIDC_RP_SIGN_ALGO": p.sign_algo,
                "OIDC_USE_PKCE": True,
                "OIDC_USE_NONCE": True,
                "OIDC_STORE_ID_TOKEN": True,
                "OIDC_CREATE_USER": False,
                "OIDC_TIMEOUT": settings.SORPLAN_OIDC_TIMEOUT,
                "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:oidc_callback",
                "OIDC_AUTH_REQUEST_EXTRA_PARAMS": {"acr_values": " ".join(p.acr)} if p.acr else {},
            }
            if attr in fixed:
                return fixed[attr]
            endpoints = {
                "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
                "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
                "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
                "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
            }
            if attr in endpoints:
                return p.discovery().get(endpoints[attr], *args)
        return import_from_settings(attr, *args)


def claims_strong_enough(provider: Provider, id_claims: dict) -> bool:
    """The provider's required `acr` / `amr`, if any, are in the ID token."""
    if provider.acr and id_claims.get("acr") not in provider.acr:
        return False
    if provider.amr:
        amr = id_claims.get("amr") or []
        if not set(amr if isinstance(amr, list) else [amr]) & set(provider.amr):
            return False
    return True


def _fail(request, reason: str):
    setattr(request, REQUEST_FAILURE, reason)
    return None


class SorplanOIDCBackend(ProviderSettings, OIDCAuthenticationBackend):
    """Matches the provider's identity to an existing, active person; creates nobody.

    Acts only on the callback of a log-in this site started (the request names the
    provider); any other authenticate() call passes it by.
    """

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        provider = provider_get(getattr(request, REQUEST_PROVIDER, None)) if request else None
        if provider is None:
            return None
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = self.get_settings("OIDC_OP_TOKEN_ENDPOINT")
        self.OIDC_OP_USER_ENDPOINT = self.get_settings("OIDC_OP_USER_ENDPOINT")
        self.OIDC_OP_JWKS_ENDPOINT = self.get_settings("OIDC_OP_JWKS_ENDPOINT", None)
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = provider.sign_algo
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token, id_token, payload):
        from .people import invitation_expired_only  # people imports this module

        request, provider = self.request, self.provider
        if not claims_strong_enough(provider, payload):
            return _fail(request, "acr")
        subject = payload.get("sub") or ""
        identity = (
            OidcIdentity.objects.filter(provider=provider.key, subject=subject)
            .select_related("user")
            .first()
        )
        if identity is not None:
            user = identity.user
        else:
            claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
            email = (claims.get(provider.email_claim) or "").strip()
            if not email or claims.get("email_verified") is not True:
                return _fail(request, "unknown")
            matches = list(self.UserModel.objects.filter(email__iexact=email)[:2])
            if len(matches) != 1:
                return _fail(request, "unknown")
            user = matches[0]
            if user.is_active and invitation_expired_only(user):
                return _fail(request, "expired")
            if user.is_active:
                OidcIdentity.objects.get_or_create(
                    provider=provider.key, subject=subject, defaults={"user": user}
                )
        if not user.is_active:
            return _fail(request, "inactive")
        return user

    def store_tokens(self, access_token, id_token):
        self.request.session[SESSION_ID_TOKEN] = id_token
        self.request.session[SESSION_PROVIDER] = self.provider.key


def end_session_url(request, provider: Provider, id_token: str | None) -> str | None:
    """The provider's log-out address (RP-initiated log-out), back to our log-in page;
    None if the provider has none."""
    try:
        endpoint = provider.discovery().get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    params = {
        "client_id": provider.client_id,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(params)}"
