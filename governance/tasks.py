"""Governance's periodic and e-mail tasks. Thin: load, call a service."""

import datetime

from celery import shared_task
from django.utils import timezone

from .services import reminders

MAIL_RETRY = {
    "autoretry_for": (OSError,),
    "retry_backoff": 60,
    "retry_backoff_max": 1800,
    "max_retries": 6,
}


@shared_task
def action_reminders_send(today: str | None = None) -> int:
    """Daily: queue one e-mail for each newly overdue action."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    return reminders.action_reminders_send(today=day)


@shared_task(**MAIL_RETRY)
def action_reminder_mail_send(action_id: int) -> int:
    return reminders.action_reminder_mail(action_id=action_id)
