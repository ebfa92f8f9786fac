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
    ip: str | None = None,
) -> SecurityEvent:
    """Write one security event. `kind` is a SecurityEvent.Kind; with a request the
    client's address (behind the proxy, accounts.client_ip) is kept (or `ip` given), and the actor
    defaults to the signed-in user. `detail` is cut to the column's length.

    Written in the caller's transaction: an event of a change that rolls back is gone
    with it.
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown security event kind: {kind!r}")
    if request is not None and ip is None:
        ip = client_ip(request)
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


def security_events_filtered(*, kind: str = "", person: str = "", since=None, until=None):
    """The log newest first, filtered by kind, by a person (username, name or e-mail
    containing the text, as actor or as subject) and by dates (inclusive, local days)."""
    from django.db.models import Q

    events = SecurityEvent.objects.select_related("actor", "subject")
    if kind:
        events = events.filter(kind=kind)
    if person:
        match = Q()
        for side in ("actor", "subject"):
            for field in ("username", "first_name", "last_name", "email"):
                match |= Q(**{f"{side}__{field}__icontains": person})
        events = events.filter(match)
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events


def security_events_delete_old(*, now, days: int) -> int:
    """Delete the events older than `days` days before `now`. Returns how many."""
    import datetime

    deleted, _ = SecurityEvent.objects.filter(at__lt=now - datetime.timedelta(days=days)).delete()
    return deleted
