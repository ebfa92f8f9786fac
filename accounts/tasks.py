from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services
from .audit import security_events_delete_old


@shared_task
def password_reset_send(*, email: str, domain: str, use_https: bool, ip: str | None = None) -> int:
    """Write the password-reset mail for this address into the outbox (if it has users).

    Runs in the background so that the page answers in the same time whether the
    address is known or not.
    """
    return services.password_reset_mail_enqueue(
        email=email, domain=domain, use_https=use_https, ip=ip
    )


# The floor: the log is kept at least 12 months whatever the setting says.
AUDIT_RETENTION_MIN_DAYS = 366


@shared_task
def security_events_expire() -> int:
    """Daily: delete audit-log rows older than SORPLAN_AUDIT_RETENTION_DAYS (at least a year)."""
    days = max(settings.SORPLAN_AUDIT_RETENTION_DAYS, AUDIT_RETENTION_MIN_DAYS)
    return security_events_delete_old(now=timezone.now(), days=days)
