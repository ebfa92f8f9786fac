"""The one way to write the security audit log (accounts.models.SecurityEvent)."""

from .client_ip import client_ip
from .models import SecurityEvent

Kind = SecurityEvent.Kind
Method = SecurityEvent.Method

DETAIL_MAX = SecurityEvent._meta.get_field("detail").max_length


def _user_or_none(user):
    return user if user is not None and getattr(user, "pk", None) else None


def security_event_record(
    kind: str,
    *,
    request=None,
    actor=None,
    subject=None,
    method: str = "",
    detail: str = "",
) -> SecurityEvent:
    """Write one security event. `kind` is a SecurityEvent.Kind; with a request the
    client's address (behind the proxy, accounts.client_ip) is kept, and the actor
    defaults to the signed-in user. `detail` is cut to the column's length.

    Written in the caller's transaction: an event of a change that rolls back is gone
    with it.
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown security event kind: {kind!r}")
    ip = client_ip(request) if request is not None else None
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    return SecurityEvent.objects.create(
        kind=kind,
        actor=_user_or_none(actor),
        subject=_user_or_none(subject),
        method=method or "",
        ip=ip or None,
        detail=(detail or "")[:DETAIL_MAX],
    )
