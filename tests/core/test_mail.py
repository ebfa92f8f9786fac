"""The e-mail outbox (core.mail) in one process: rows written with the caller's
transaction, once per message and recipient, sent once, SMTP failures retried on a
schedule that outlasts a 4-hour outage, and the sweeper picking up what is due."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from core import mail as outbox
from core.models import OutboxMessage
from reports.models import StatusReport

pytestmark = pytest.mark.django_db

ADDRESSES = ["b@example.invalid", "A@example.invalid", "a@example.invalid", ""]


def _enqueue(key: str = "test:ready", to=ADDRESSES) -> list[int]:
    report = StatusReport(period=datetime.date(2026, 10, 1))
    return outbox.mail_enqueue(
        template="report_ready", context={"report": report}, to=to, dedupe_key=key
    )


def _due_now() -> None:
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def test_one_row_per_recipient_rendered_in_danish_and_never_written_twice(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = _enqueue()
        again = _enqueue()
    assert len(first) == 2 and sorted(first) == sorted(again)
    rows = list(OutboxMessage.objects.order_by("address"))
    assert [r.address for r in rows] == ["a@example.invalid", "b@example.invalid"]
    assert rows[0].subject == "Kladde til statusrapport for oktober 2026 er klar"
    assert "Til SOR-teamet" in rows[0].body_text and "<p>" in rows[0].body_html
    assert rows[0].message_id == outbox.message_id_for("test:ready", "A@example.invalid ")
    assert rows[0].message_id != rows[1].message_id
    assert all(r.status == "pending" and r.attempts == 0 for r in rows)
    assert len(callbacks) == 4  # a send queued per row and call; the lock makes it one


def test_nothing_is_written_when_the_callers_transaction_rolls_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        _enqueue()
        raise RuntimeError
    assert not OutboxMessage.objects.exists()


def test_sent_once_with_its_message_id_however_often_the_send_runs(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = _enqueue(to=["a@example.invalid"])
    assert outbox.outbox_send(outbox_id=pk) is None  # already sent: skipped
    _due_now()
    outbox.outbox_sweep()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == outbox.message_id_for(
        "test:ready", "a@example.invalid"
    )
    row = OutboxMessage.objects.get()
    assert row.status == "sent" and row.attempts == 1 and row.sent_at


def test_an_smtp_refusal_waits_for_its_retry_and_then_delivers_once(smtp_server, settings):
    settings.SORPLAN_MAIL_RETRY_BACKOFF = 600
    smtp_server.refuse_first = 1
    (pk,) = _enqueue(to=["a@example.invalid"])
    assert outbox.outbox_send(outbox_id=pk) == "pending"
    row = OutboxMessage.objects.get()
    assert row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at > timezone.now() + datetime.timedelta(seconds=590)
    assert outbox.outbox_sweep() == []  # not due yet
    _due_now()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert outbox.outbox_sweep() == [pk]
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and row.last_error == ""
    (received,) = smtp_server.messages
    assert received["Message-ID"].strip() == row.message_id


def test_a_permanent_refusal_and_the_last_attempt_mark_the_row_failed(smtp_server, settings):
    smtp_server.refuse_permanently = True
    (pk,) = _enqueue(to=["a@example.invalid"])
    assert outbox.outbox_send(outbox_id=pk) == "failed"
    assert "554" in OutboxMessage.objects.get().last_error

    smtp_server.refuse_permanently = False
    smtp_server.refuse_first = 99
    settings.SORPLAN_MAIL_MAX_ATTEMPTS = 2
    (pk,) = _enqueue(key="test:other", to=["b@example.invalid"])
    assert outbox.outbox_send(outbox_id=pk) == "pending"
    _due_now()
    assert outbox.outbox_send(outbox_id=pk) == "failed"
    assert smtp_server.messages == []


def test_failed_rows_can_be_queued_again(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse_permanently = True
    (pk,) = _enqueue(to=["a@example.invalid"])
    outbox.outbox_send(outbox_id=pk)
    smtp_server.refuse_permanently = False
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.mail_retry_failed(dedupe_key="test:ready") == [pk]
    assert OutboxMessage.objects.get().status == "sent"
    assert len(smtp_server.messages) == 1


def test_the_retry_schedule_outlasts_a_four_hour_outage_and_the_visibility_timeout(settings):
    delays = [outbox.retry_delay(n).total_seconds() / 60 for n in range(1, 8)]
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    window = outbox.retry_window_seconds()
    assert 4 * 3600 < window < 6 * 3600
    # A queued send is re-queued long before Redis would redeliver it.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert outbox.stale_after().total_seconds() * 10 < visibility
    assert "mail-outbox-sweep" in settings.CELERY_BEAT_SCHEDULE
