"""Governance's periodic and e-mail tasks. Thin: load, call a service."""

from celery import shared_task

from core.dates import task_today

from .services import reminders


@shared_task
def action_reminders_send(today: str | None = None) -> int:
    """Daily: queue one e-mail for each newly overdue action."""
    return reminders.action_reminders_send(today=task_today(today))
