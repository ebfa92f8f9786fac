"""Periodic and e-mail tasks of the reporting rounds. Thin: load, call a service.

The beat schedule (settings.CELERY_BEAT_SCHEDULE) runs the periodic ones daily;
they decide themselves whether today is the day (working days, Danish holidays).
"""

from celery import shared_task

from core.dates import task_today
from core.history import system_user_get

from .services import reminders, rounds, status


@shared_task
def reporting_round_open_for_month(today: str | None = None) -> int | None:
    """Create this month's reporting round on its first working day (or later), once."""
    round_ = rounds.reporting_round_open_for_month(today=task_today(today), user=system_user_get())
    return round_.pk if round_ else None


@shared_task
def reporting_reminders_send(today: str | None = None) -> int:
    """Queue reminders for updates due soon and overdue (each at most once)."""
    return reminders.reporting_reminders_send(today=task_today(today))


@shared_task
def status_rerate(today: str | None = None) -> dict | None:
    """Re-rate the materialised status for what the date alone changes; once a day
    (a second run on the same day does nothing)."""
    return status.status_rerate(today=task_today(today), user=system_user_get())
