"""Making and revoking a person's secret calendar link (history user and reason)."""

import secrets

from django.db import transaction
from django.utils import timezone

from core.history import record_delete, record_save

from .models import FeedToken, secret_hash


@transaction.atomic
def feed_token_create(*, user) -> str:
    """A new secret link for `user` (the old one stops working); returns the secret,
    which is not stored and so is shown only now."""
    secret = secrets.token_urlsafe(32)
    token = FeedToken.objects.select_for_update().filter(user=user).first()
    if token is None:
        token = FeedToken(user=user, secret_sha256=secret_hash(secret))
        record_save(token, user=user, reason="Kalenderlink oprettet")
    else:
        token.secret_sha256 = secret_hash(secret)
        token.last_used_at = None
        token.created_at = timezone.now()
        record_save(token, user=user, reason="Kalenderlink fornyet")
    return secret


@transaction.atomic
def feed_token_revoke(*, user) -> bool:
    """Revoke `user`'s link; False when there was none."""
    token = FeedToken.objects.select_for_update().filter(user=user).first()
    if token is None:
        return False
    record_delete(token, user=user, reason="Kalenderlink tilbagekaldt")
    return True


def feed_token_user(secret: str):
    """The active user a secret link belongs to, or None; notes when it was last used
    (at most once a minute, so a calendar's polling does not write on every call)."""
    token = (
        FeedToken.objects.select_related("user").filter(secret_sha256=secret_hash(secret)).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
