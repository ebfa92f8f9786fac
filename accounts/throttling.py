"""Limits on actions that send e-mail to an address chosen by an anonymous person."""

import hashlib

from django.conf import settings
from django.core.cache import cache

HOUR = 3600


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
    return f"sorplan:throttle:{kind}:{digest}"


def _allow(key: str, limit: int) -> bool:
    """Count one more use in the current hour; True while the count is within the limit."""
    cache.add(key, 0, timeout=HOUR)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=HOUR)
        count = 1
    return count <= limit


def password_reset_allowed(*, email: str, ip: str | None) -> bool:
    """True if a password-reset mail may be sent to `email` asked for from `ip`.

    At most SORPLAN_PASSWORD_RESET_PER_EMAIL_HOUR mails per e-mail address and
    SORPLAN_PASSWORD_RESET_PER_IP_HOUR requests per client address in an hour.
    """
    email_ok = _allow(_key("reset-email", email), settings.SORPLAN_PASSWORD_RESET_PER_EMAIL_HOUR)
    ip_ok = _allow(_key("reset-ip", ip or "unknown"), settings.SORPLAN_PASSWORD_RESET_PER_IP_HOUR)
    return email_ok and ip_ok
