"""The monthly report is drafted at 07:00 Copenhagen time on the first working
day of the month (Danish holidays count), across daylight-saving changes."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from reports import tasks
from reports.models import StatusReport

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
ENTRY = settings.CELERY_BEAT_SCHEDULE["status-report-monthly"]


def cph(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CPH)


def test_the_beat_entry_runs_the_task_daily_at_seven():
    schedule = ENTRY["schedule"]
    assert ENTRY["task"] == "reports.tasks.status_report_generate_monthly"
    assert ENTRY["task"] in tasks.status_report_generate_monthly.app.tasks
    assert schedule.hour == {7} and schedule.minute == {0}
    assert len(schedule.day_of_month) == 31 and len(schedule.day_of_week) == 7
    assert tasks.status_report_generate_monthly.app.conf.timezone == "Europe/Copenhagen"


def _next_run(now: datetime.datetime) -> datetime.datetime:
    """When beat would next run the entry, asked at `now` (it last ran at 07:00 today)."""
    schedule = ENTRY["schedule"]
    with time_machine.travel(now, tick=False):
        last = now.replace(hour=7, minute=0)
        remaining = schedule.remaining_estimate(last)
        # Add in UTC: aware local datetimes add by wall clock across a change.
        return (schedule.now().astimezone(datetime.UTC) + remaining).astimezone(CPH)


@pytest.mark.parametrize(
    ("now", "expected_utc_hour"),
    [
        # Spring forward: Sunday 28 March 2027 at 02:00 CET -> 03:00 CEST.
        (cph(2027, 3, 27, 7, 30), 5),  # next run Sunday 28 March 07:00 CEST = 05:00 UTC
        (cph(2027, 3, 26, 8, 0), 6),  # next run Saturday 27 March 07:00 CET = 06:00 UTC
        # Fall back: Sunday 25 October 2026 at 03:00 CEST -> 02:00 CET.
        (cph(2026, 10, 24, 9, 0), 6),  # next run Sunday 25 October 07:00 CET = 06:00 UTC
        (cph(2026, 10, 23, 9, 0), 5),  # next run Saturday 24 October 07:00 CEST = 05:00 UTC
    ],
)
def test_the_next_run_is_seven_local_time_across_a_daylight_saving_change(now, expected_utc_hour):
    run = _next_run(now)
    assert (run.hour, run.minute) == (7, 0)
    assert run.date() == (now + datetime.timedelta(days=1)).date()
    assert run.astimezone(datetime.UTC).hour == expected_utc_hour


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moment", "period"),
    [
        (cph(2026, 11, 2, 7, 0), datetime.date(2026, 10, 1)),  # Monday 2 November (1st a Sunday)
        (cph(2027, 1, 4, 7, 0), datetime.date(2026, 12, 1)),  # 1 Jan a holiday, 2-3 a weekend
        (
            cph(2027, 4, 1, 7, 0),
            datetime.date(2027, 3, 1),
        ),  # first CEST month start (Easter before)
        (cph(2026, 12, 1, 7, 0), datetime.date(2026, 11, 1)),  # an ordinary Tuesday
    ],
)
def test_the_task_drafts_last_months_report_on_the_first_working_day(
    moment, period, editor, django_capture_on_commit_callbacks
):
    with time_machine.travel(moment, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            report_id = tasks.status_report_generate_monthly()
        report = StatusReport.objects.get(pk=report_id)
        assert report.period == period and not report.is_published
        # As of the first moment of the month in Copenhagen, summer or winter time.
        first = moment.date().replace(day=1)
        assert report.as_of == datetime.datetime.combine(first, datetime.time.min, tzinfo=CPH)
        assert report.as_of.astimezone(CPH).utcoffset() == moment.utcoffset()
        # The SOR-team's editors hear that it is ready, once.
        assert [m.to for m in mail.outbox] == [[editor.email]]
        assert "Kladde til statusrapport" in mail.outbox[0].subject
        assert f"/statusrapporter/{report.period_key}/" in mail.outbox[0].body
        # A second run that day (a retry, a second beat) makes nothing new.
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.status_report_generate_monthly() == report_id
        assert len(mail.outbox) == 1
        assert StatusReport.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        cph(2026, 11, 1, 7, 0),  # Sunday 1 November
        cph(2026, 11, 3, 7, 0),  # the second working day
        cph(2027, 1, 1, 7, 0),  # New Year's Day, a Friday
        cph(2027, 1, 2, 7, 0),  # Saturday
        cph(2027, 1, 5, 7, 0),  # the day after the first working day
        cph(2027, 3, 31, 7, 0),  # the last day of March (summer time already)
        cph(2027, 4, 2, 7, 0),
    ],
)
def test_the_task_does_nothing_on_other_days(moment):
    with time_machine.travel(moment, tick=False):
        assert tasks.status_report_generate_monthly() is None
    assert not StatusReport.objects.exists()


@pytest.mark.django_db
def test_auto_publish_publishes_straight_away(
    settings, steering, report_media, django_capture_on_commit_callbacks
):
    settings.SORPLAN_REPORT_AUTO_PUBLISH = True
    with time_machine.travel(cph(2026, 11, 2, 7, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            report_id = tasks.status_report_generate_monthly()
    report = StatusReport.objects.get(pk=report_id)
    assert report.is_published and report.pdf_sha256
    assert [m.to for m in mail.outbox if m.attachments] == [[steering.email]]
