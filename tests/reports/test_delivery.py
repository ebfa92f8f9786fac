"""Delivery to the steering group: one row per address, sent at most once, a
stable Message-ID, retries bounded well inside Redis's visibility timeout."""

import datetime
import smtplib
import threading

import pytest
from django.core import mail

from parties.models import Membership
from reports import services, tasks
from reports.models import ReportDelivery, ReportRecipient
from tests.reports.helpers import member, published_report_make

PERIOD = datetime.date(2020, 1, 1)


@pytest.fixture
def report(db, report_media):
    return published_report_make(PERIOD)


def test_the_distribution_list_is_steering_users_recipients_and_the_setting(db, settings):
    member("t-sg-1", "sor-styregruppe", Membership.Role.STEERING, email="Formand@Example.invalid")
    member("t-sg-2", "sor-styregruppe", Membership.Role.STEERING, email="")
    member(
        "t-sg-3",
        "sor-styregruppe",
        Membership.Role.STEERING,
        email="gone@example.invalid",
        is_active=False,
    )
    member("t-ed", "sor-team", Membership.Role.EDITOR, email="redaktoer@example.invalid")
    ReportRecipient.objects.create(email="kontor@example.invalid", name="Sekretariatet")
    ReportRecipient.objects.create(email="stop@example.invalid", is_active=False)
    settings.SORPLAN_REPORT_EXTRA_RECIPIENTS = ["formand@example.invalid", "arkiv@example.invalid"]
    assert services.distribution_list() == [
        "arkiv@example.invalid",
        "formand@example.invalid",
        "kontor@example.invalid",
    ]


def test_message_ids_are_stable_per_report_and_address(report):
    first = services.report_message_id(report, "A@example.invalid")
    assert first == services.report_message_id(report, "a@example.invalid")
    assert first.startswith("<sorplan-report-2020-01-") and first.endswith("@localhost>")
    assert first != services.report_message_id(report, "b@example.invalid")


def test_one_delivery_row_per_address_however_often_it_is_made(report, steering):
    ReportRecipient.objects.create(email="kontor@example.invalid")
    first = services.status_report_deliveries_create(report=report)
    again = services.status_report_deliveries_create(report=report)
    assert len(first) == 2 and sorted(first) == sorted(again)
    assert report.deliveries.count() == 2


def test_sending_twice_sends_once(report, steering):
    (delivery_id,) = services.status_report_deliveries_create(report=report)
    assert tasks.status_report_delivery_send.apply(args=[delivery_id]).get() == "sent"
    assert tasks.status_report_delivery_send.apply(args=[delivery_id]).get() == "sent"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [steering.email]
    assert message.attachments[0].content == b"%PDF-1.7 test\n%%EOF"
    assert message.attachments[0].mimetype == "application/pdf"
    assert "Statusrapport for januar 2020" in message.subject
    assert "Samlet status: Gul" in message.body
    html = message.alternatives[0].content
    assert "Samlet status:" in html and "Gul" in html
    delivery = ReportDelivery.objects.get(pk=delivery_id)
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.sent_at


def test_a_temporary_smtp_failure_is_recorded_and_raised_for_a_retry(report, steering, smtp_server):
    smtp_server.refuse_first = 1
    (delivery_id,) = services.status_report_deliveries_create(report=report)
    with pytest.raises(smtplib.SMTPDataError):
        services.delivery_send(delivery_id=delivery_id)
    delivery = ReportDelivery.objects.get(pk=delivery_id)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "451" in delivery.last_error
    services.delivery_send(delivery_id=delivery_id)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2 and delivery.last_error == ""
    assert len(smtp_server.to(steering.email)) == 1
    received = smtp_server.messages[0]
    assert received["Message-ID"].strip() == delivery.message_id
    assert received.get_payload()[-1].get_filename() == "statusrapport-2020-01.pdf"


def test_the_last_attempt_marks_the_delivery_failed(report, steering, smtp_server):
    smtp_server.refuse_first = 99
    (delivery_id,) = services.status_report_deliveries_create(report=report)
    with pytest.raises(smtplib.SMTPDataError):
        services.delivery_send(delivery_id=delivery_id, final_attempt=True)
    assert ReportDelivery.objects.get(pk=delivery_id).status == "failed"


def test_a_permanent_refusal_is_not_retried(report, steering, smtp_server):
    smtp_server.refuse_permanently = True
    (delivery_id,) = services.status_report_deliveries_create(report=report)
    delivery = services.delivery_send(delivery_id=delivery_id)  # no exception: no retry
    assert delivery.status == "failed" and "554" in delivery.last_error


def test_a_draft_cannot_be_delivered(db, report_media):
    from django.core.exceptions import ValidationError

    from reports.models import StatusReport

    draft = StatusReport.objects.create(period=PERIOD, as_of=services.report_as_of(PERIOD))
    with pytest.raises(ValidationError):
        services.status_report_deliveries_create(report=draft)


def test_retries_end_well_inside_the_visibility_timeout(settings):
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert tasks.SEND_RETRY_WINDOW_SECONDS < visibility / 2
    # The longest single wait for a retry is far below it too (Redis holds ETA tasks unacked).
    assert tasks.SEND_RETRY["retry_backoff_max"] < visibility / 10
    assert tasks.status_report_publish.time_limit < visibility / 10
    for n in range(10):
        assert 0 <= tasks.send_countdown(n) <= tasks.SEND_RETRY["retry_backoff_max"]


def test_the_tasks_survive_a_lost_worker_and_have_time_limits():
    for task in (
        tasks.status_report_generate_monthly,
        tasks.status_report_publish,
        tasks.status_report_deliver,
        tasks.status_report_delivery_send,
    ):
        assert task.acks_late and task.reject_on_worker_lost, task.name
    assert tasks.status_report_publish.soft_time_limit < tasks.status_report_publish.time_limit
    assert tasks.status_report_delivery_send.max_retries == tasks.SEND_RETRY["max_retries"]
    assert tasks.status_report_delivery_send.time_limit


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_send_once_because_the_row_is_locked(report_media, smtp_server):
    """The second run waits for the first's row lock, then sees "sent"."""
    report = published_report_make(PERIOD)
    delivery = ReportDelivery.objects.create(
        report=report,
        address="formand@example.invalid",
        message_id=services.report_message_id(report, "formand@example.invalid"),
    )
    smtp_server.delay = 1.0
    results, errors = [], []

    def send():
        from django.db import connection

        try:
            results.append(services.delivery_send(delivery_id=delivery.pk).status)
        except Exception as error:  # pragma: no cover - shown by the assert
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and results == ["sent", "sent"]
    assert len(smtp_server.messages) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1
