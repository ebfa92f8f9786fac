"""Tasks of the monthly status report. Thin: load by id, call a service.

Delivery is at-least-once from the broker's side (acks_late: a task whose
worker dies is run again) and at-most-once per recipient from ours: the send
task locks the delivery row and never sends one recorded as sent. Redis
redelivers an unacknowledged task after `visibility_timeout`
(settings.CELERY_BROKER_TRANSPORT_OPTIONS, 6 h); every retry window below is
far shorter (see `SEND_RETRY_WINDOW_SECONDS`), so a waiting retry is never
redelivered as a duplicate.

Rendering runs in a child process with a memory cap and a timeout
(core.pdf), inside the task's own soft and hard time limits. With the
prefork pool, also consider `worker_max_memory_per_child` (e.g. 1 GB) so a
worker that grew is replaced after its task.
"""

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.contrib.auth import get_user_model

from core.dates import task_today
from core.history import system_user_get

from . import services
from .models import StatusReport

# SMTP errors are OSErrors: retried with exponential backoff and full jitter,
# 60 s doubling to at most 30 min, 8 retries. The base can be lowered for tests
# (settings.SORPLAN_REPORT_RETRY_BACKOFF, read when a retry is scheduled).
SEND_RETRY = {"retry_backoff": 60, "retry_backoff_max": 1800, "max_retries": 8}
SEND_TIME_LIMITS = {"soft_time_limit": 120, "time_limit": 180}
RENDER_TIME_LIMITS = {"soft_time_limit": 300, "time_limit": 360}


def retry_window_seconds(retry: dict, time_limit: int) -> int:
    """The longest time from the first attempt to the last: all backoffs plus all runs."""
    backoffs = sum(
        min(retry["retry_backoff"] * 2**n, retry["retry_backoff_max"])
        for n in range(retry["max_retries"])
    )
    return backoffs + (retry["max_retries"] + 1) * time_limit


SEND_RETRY_WINDOW_SECONDS = retry_window_seconds(SEND_RETRY, SEND_TIME_LIMITS["time_limit"])


def send_countdown(retries: int) -> int:
    """Seconds before the next attempt: exponential, capped, with full jitter."""
    base = getattr(settings, "SORPLAN_REPORT_RETRY_BACKOFF", SEND_RETRY["retry_backoff"])
    return get_exponential_backoff_interval(
        factor=base,
        retries=retries,
        maximum=SEND_RETRY["retry_backoff_max"],
        full_jitter=True,
    )


@shared_task(acks_late=True, reject_on_worker_lost=True)
def status_report_generate_monthly(today: str | None = None) -> int | None:
    """Daily at 07:00: on the month's first working day, draft last month's report (once)."""
    period = services.monthly_report_period(task_today(today))
    if period is None:
        return None
    system = system_user_get()
    report, _created = services.status_report_generate(period=period, user=system, notify=True)
    if settings.SORPLAN_REPORT_AUTO_PUBLISH and not report.is_published:
        status_report_publish.delay(report.pk, system.pk)
    return report.pk


@shared_task(acks_late=True, reject_on_worker_lost=True, **RENDER_TIME_LIMITS)
def status_report_publish(report_id: int, user_id: int | None = None) -> int:
    """Freeze and store the report (renders the PDF), then queue its delivery."""
    user = (
        get_user_model().objects.filter(pk=user_id).first() if user_id else None
    ) or system_user_get()
    report, _published_now = services.status_report_publish(report_id=report_id, user=user)
    return report.pk


@shared_task(acks_late=True, reject_on_worker_lost=True)
def status_report_deliver(report_id: int) -> int:
    """One delivery row per recipient, and one send task for each not yet sent."""
    report = StatusReport.objects.get(pk=report_id)
    pending = services.status_report_deliveries_create(report=report)
    for delivery_id in pending:
        status_report_delivery_send.delay(delivery_id)
    return len(pending)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=SEND_RETRY["max_retries"],
    **SEND_TIME_LIMITS,
)
def status_report_delivery_send(self, delivery_id: int) -> str:
    """E-mail the report to one recipient, unless that was done already; retry on SMTP errors."""
    try:
        delivery = services.delivery_send(
            delivery_id=delivery_id, final_attempt=self.request.retries >= self.max_retries
        )
    except OSError as error:
        raise self.retry(exc=error, countdown=send_countdown(self.request.retries)) from error
    return delivery.status


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=6,
)
def status_report_ready_notify(report_id: int) -> int:
    """Tell the SOR-team's editors that a draft is ready."""
    return services.status_report_ready_notify(report_id=report_id)
