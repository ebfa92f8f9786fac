"""Tasks of the monthly status report. Thin: load by id, call a service.

Its e-mails (the delivery to the steering group, the notices to the SOR-team)
are outbox rows written by the services in their own transactions, and sent by
core.tasks (see core.mail).

Rendering runs in a child process with a memory cap and a timeout
(core.pdf), inside the task's own soft and hard time limits. A render that is
killed or times out is tried once more in the same task; if that fails too, the error is recorded
on the report and the editors are told by e-mail. With the prefork pool, also
consider `worker_max_memory_per_child` (e.g. 1 GB) so a worker that grew is
replaced after its task.
"""

import datetime
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model

from core.dates import task_today
from core.history import system_user_get
from core.pdf import RenderError

from . import moment_store, services

# Room for two renders (each stopped after SORPLAN_REPORT_RENDER_TIMEOUT, 240 s) and the figures.
RENDER_TIME_LIMITS = {"soft_time_limit": 600, "time_limit": 660}
# A failed render is tried once more, after this many seconds (a setting, short in tests).
RENDER_RETRY_DELAY = 10


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
    """Freeze and store the report (renders the PDF); its deliveries go to the outbox.

    A render killed or timed out is tried once more, in this task (the time limits
    leave room for two renders); then the error is recorded on the report."""
    user = (
        get_user_model().objects.filter(pk=user_id).first() if user_id else None
    ) or system_user_get()
    error: Exception | None = None
    for attempt in range(2):
        if attempt:
            time.sleep(getattr(settings, "SORPLAN_REPORT_RENDER_RETRY_DELAY", RENDER_RETRY_DELAY))
        try:
            report, _published_now = services.status_report_publish(report_id=report_id, user=user)
        except RenderError as failed:
            error = failed
        except SoftTimeLimitExceeded as failed:
            error = failed
            break  # no time left for another render
        else:
            return report.pk
    report = services.status_report_publish_failed(
        report_id=report_id, user=user, error=str(error) or type(error).__name__
    )
    return report.pk


def _moment_languages() -> list[str]:
    """Every language the site offers: a past moment's rows are per language (the figures
    hold words translated while built), and a reader of either is served from them."""
    return [code for code, _name in settings.LANGUAGES]


@shared_task
def moment_snapshots_store(today: str | None = None) -> int:
    """Daily: the past moments' figures and pages of the day just ended, stored ahead
    (`reports.moment_store.store_days`: every state it held) in every language offered;
    a second run stores nothing again. Returns the rows of figures written."""
    day = task_today(today) - datetime.timedelta(days=1)
    return moment_store.store_days(day, day, languages=_moment_languages())["written"]


@shared_task
def moment_snapshots_today(today: str | None = None) -> int:
    """Hourly: the states today held so far, stored ahead as the daily task stores a day
    (the minutes not yet passed are left: `store_moment` stores only a past moment), so
    a moment since the daily run is read, not computed, from the next hour on. Only the
    states new since the last run are written. Returns the rows of figures written."""
    day = task_today(today)
    return moment_store.store_days(day, day, languages=_moment_languages())["written"]
