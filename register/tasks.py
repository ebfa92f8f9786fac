"""The register's periodic task. Thin: take the day, call the service."""

from celery import shared_task

from core.dates import task_today

from . import readiness


@shared_task
def readiness_rerate(today: str | None = None) -> int | None:
    """Re-rate the materialised readiness for what the date alone changes; once a day
    (a second run on the same day does nothing)."""
    return readiness.readiness_rerate(today=task_today(today))
