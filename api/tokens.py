"""Personal access tokens: made, stored as a digest, found and checked.

A token is `sorplan_<prefix>_<secret>`: 32 random bytes of secret (`secrets`), so a
plain SHA-256 digest is the right hasher (a slow password hasher guards guessable
secrets; these are not), compared with `hmac.compare_digest` in constant time."""

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.history import record_save

from .models import AccessToken

PREFIX = "sorplan"
# How long a token may live: the person picks one of these (days).
LIFETIMES = (30, 90, 365)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _parts(token: str) -> tuple[str, str] | None:
    head, _sep, rest = token.partition("_")
    prefix, _sep2, secret = rest.partition("_")
    if head != PREFIX or not prefix or not secret or len(prefix) > 16:
        return None
    return prefix, secret


@transaction.atomic
def token_create(*, user, name: str, scope: str, days: int) -> tuple[AccessToken, str]:
    """A new token for `user`; returns the row and the token text (shown once, never stored)."""
    prefix = secrets.token_hex(6)
    text = f"{PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = AccessToken(
        user=user,
        name=name.strip(),
        prefix=prefix,
        digest=digest_of(text),
        scope=scope,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    record_save(token, user=user, reason=_("Adgangsnøgle oprettet"))
    return token, text


@transaction.atomic
def token_revoke(*, token: AccessToken, user) -> bool:
    """Revoke a token (the row stays, for the list and the history). False if already revoked."""
    token = AccessToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    record_save(token, user=user, reason=_("Adgangsnøgle tilbagekaldt"))
    return True


def token_find(text: str) -> AccessToken | None:
    """The usable token `text` names, of an active person; None otherwise. Marks its use."""
    parts = _parts(text.strip())
    if parts is None:
        return None
    token = AccessToken.objects.select_related("user").filter(prefix=parts[0]).first()
    # Compared even when no row was found, so a wrong prefix costs the same time.
    stored = token.digest if token is not None else digest_of("")
    if not hmac.compare_digest(stored, digest_of(text.strip())) or token is None:
        return None
    if not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
