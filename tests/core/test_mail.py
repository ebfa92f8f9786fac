"""The e-mail outbox (core.mail) in one process: rows written with the caller's
transaction, once per message and recipient, sent once, SMTP failures retried on a
schedule that outlasts a 4-hour outage, and the sweeper picking up what is due."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from core import mail as outbox
from core import tasks
from core.models import OutboxMessage
from reports.models import StatusReport

pytestmark = pytest.mark.django_db

ADDRESSES = ["b@example.invalid", "A@example.invalid", "a@example.invalid", ""]


def _enqueue(key: str = "test:ready", to=ADDRESSES, attachments=()) -> list[int]:
    report = StatusReport(period=datetime.date(2026, 10, 1))
    return outbox.mail_enqueue(
        template="report_ready",
        context={"report": report},
        to=to,
        dedupe_key=key,
        attachments=attachments,
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


def test_an_attachment_arrives_with_its_name_type_and_content(smtp_server, report_media):
    stored = default_storage.save("reports/test.pdf", ContentFile(b"%PDF-1.7 test\n%%EOF"))
    pdf = outbox.Attachment("statusrapport-2026-10.pdf", stored, "application/pdf")
    (pk,) = _enqueue(to=["a@example.invalid"], attachments=[pdf])
    assert outbox.outbox_send(outbox_id=pk) == "sent"
    (received,) = smtp_server.messages
    part = received.get_payload()[-1]
    assert part.get_filename() == "statusrapport-2026-10.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_payload(decode=True) == b"%PDF-1.7 test\n%%EOF"


def test_the_tasks_survive_a_lost_worker_and_have_time_limits(settings):
    for task in (tasks.outbox_message_send, tasks.outbox_sweep):
        assert task.acks_late and task.reject_on_worker_lost, task.name
    send = tasks.outbox_message_send
    assert send.soft_time_limit < send.time_limit
    # A send holding its row's lock ends long before the sweeper would queue it again,
    # and long before Redis would redeliver it.
    assert send.time_limit < outbox.stale_after().total_seconds()
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert send.time_limit < visibility / 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_send_once_because_the_row_is_locked(smtp_server):
    """While the first send holds the row's lock (the SMTP server takes its time over
    the message), the second skips the row instead of sending it again."""
    address = "formand@example.invalid"
    pk = OutboxMessage.objects.create(  # written directly: no send queued on commit
        dedupe_key="test:locked",
        template="report_ready",
        address=address,
        subject="Statusrapport",
        body_text="Samlet status: Gul",
        message_id=outbox.message_id_for("test:locked", address),
        next_attempt_at=timezone.now(),
    ).pk
    smtp_server.delay = 1.5
    results, errors = {}, []

    def send(name):
        try:
            results[name] = outbox.outbox_send(outbox_id=pk)
        except Exception as error:  # pragma: no cover - shown by the assert
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=send, args=["first"])
    first.start()
    # The second starts once the first is delivering, i.e. holds the lock.
    deadline = timezone.now() + datetime.timedelta(seconds=20)
    while not smtp_server.attempts and timezone.now() < deadline:
        threading.Event().wait(0.02)
    assert smtp_server.attempts, "the first send never reached the SMTP server"
    second = threading.Thread(target=send, args=["second"])
    second.start()
    second.join(30)
    assert first.is_alive(), "the second send did not skip the row the first held"
    first.join(30)
    assert errors == [] and results == {"first": "sent", "second": None}
    assert len(smtp_server.messages) == 1
    assert smtp_server.attempts == {address: 1}
    row = OutboxMessage.objects.get(pk=pk)
    assert row.status == "sent" and row.attempts == 1 and row.sent_at
    # Once sent, a later send skips it too.
    assert outbox.outbox_send(outbox_id=pk) is None
    assert len(smtp_server.messages) == 1
