"""The outbox against real faults: a real Celery worker on a real Redis broker, a
local SMTP server (aiosmtpd) that refuses and drops, and a broker of our own
(`redis-server` on a free port) that is not there when mail is written.

- broker down at publish: the delivery rows exist, and the sweeper sends them,
  once each, when the broker is back;
- worker killed after the SMTP server's 250: the resend carries the same Message-ID;
- SMTP refusing for a while: delivered once;
- a progress update submitted with the broker down: 302, not 500, and the notice
  arrives later.

transaction=True: the worker must see committed rows. Intervals are settings,
short here, so each test takes seconds.
"""

import datetime
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import time_machine
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connection, connections, transaction
from kombu import pools as kombu_pools

from core import mail as outbox
from core.history import system_user_get
from core.models import OutboxMessage
from milestones.models import ProgressUpdate
from reports import services
from reports.models import ReportRecipient, StatusReport
from sorplan.celery import app
from tests.conftest import TEST_REDIS_URL
from tests.milestones.helpers import IN_ROUND, MIDT_ACTIVITY, edit_path, form_data
from tests.smtp import RecordingSmtp, free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


# ---------------------------------------------------------------------------
# Broker, worker, SMTP
# ---------------------------------------------------------------------------
def _forget_connections() -> None:
    kombu_pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None


@contextmanager
def broker_at(url: str):
    """Tasks are sent to `url` (not run in-process) while the block runs."""
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    _forget_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_connections()


def _close_connections(**kwargs) -> None:
    connections.close_all()


@contextmanager
def worker_thread():
    """A worker thread of this process on the broker configured now."""
    task_postrun.connect(_close_connections)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=20, loglevel="WARNING"
        ):
            yield
    finally:
        task_postrun.disconnect(_close_connections)


@contextmanager
def redis_server(port: int):
    """A Redis of our own on a free port (killing it kills nobody else's)."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed for the broker fault tests"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        assert wait_for(_answers(client), 10), "redis-server did not start"
        yield process
    finally:
        process.kill()
        process.wait(10)


def _answers(client):
    def ping():
        try:
            return client.ping()
        except redis.exceptions.ConnectionError:
            return False

    return ping


def wait_for(condition, timeout: float = 30.0, every: float = 0.1, then=None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if then:
            then()
        time.sleep(every)
    return bool(condition())


def sweep():
    outbox.outbox_sweep()


class KillingSmtp(RecordingSmtp):
    """Accepts the message, then kills the worker before it hears the 250."""

    kill_pid: int | None = None

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if self.kill_pid and answer.startswith("250"):
            os.kill(self.kill_pid, signal.SIGKILL)
            self.kill_pid = None
        return answer


@pytest.fixture
def smtp(settings):
    from aiosmtpd.controller import Controller

    handler = KillingSmtp()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    handler.port = port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def fast_outbox(settings):
    settings.SORPLAN_MAIL_RETRY_BACKOFF = 0.2
    settings.SORPLAN_MAIL_RETRY_BACKOFF_MAX = 0.5
    settings.SORPLAN_MAIL_STALE_AFTER = 0.5
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    yield
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()


def _enqueue(to: list[str], key: str = "worker-test:ready") -> list[int]:
    report = StatusReport(period=datetime.date(2026, 10, 1))
    with transaction.atomic():
        return outbox.mail_enqueue(
            template="report_ready", context={"report": report}, to=to, dedupe_key=key
        )


# ---------------------------------------------------------------------------
# The faults
# ---------------------------------------------------------------------------
def test_broker_down_at_publish_the_rows_exist_and_the_sweeper_sends_them_once(
    report_media, smtp, fast_outbox
):
    addresses = ["a@example.invalid", "b@example.invalid"]
    for address in addresses:
        ReportRecipient.objects.create(email=address)
    period = datetime.date(2020, 2, 1)
    port = free_port()
    with broker_at(f"redis://127.0.0.1:{port}/0"):
        report, _ = services.status_report_generate(period=period, user=system_user_get())
        # What the publishing task does; its on_commit send finds no broker.
        report, published_now = services.status_report_publish(
            report_id=report.pk, user=system_user_get()
        )
        assert published_now
        rows = services.report_deliveries(report)
        assert [r.address for r in rows] == addresses
        assert {r.status for r in rows} == {"pending"} and smtp.messages == []

        with redis_server(port), worker_thread():
            assert wait_for(lambda: len(smtp.messages) == 2, then=sweep, every=0.3)
            time.sleep(1.5)
            sweep()  # nothing left to send
            time.sleep(1)
    assert sorted(m["To"] for m in smtp.messages) == addresses
    assert {r.status for r in services.report_deliveries(report)} == {"sent"}
    for message in smtp.messages:
        assert message["Message-ID"].strip() == services.report_message_id(report, message["To"])
        assert message.get_payload()[-1].get_content_type() == "application/pdf"


def test_a_worker_killed_after_the_250_resends_with_the_same_message_id(smtp, fast_outbox):
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "CELERY_BROKER_URL": TEST_REDIS_URL,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "SORPLAN_ENV_FILE": "/nonexistent/.env",
    }
    celery = [sys.executable, "-m", "celery", "-A", "sorplan", "worker", "-P", "solo"]
    flags = ["-l", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    worker = subprocess.Popen(celery + flags, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        smtp.kill_pid = worker.pid
        with broker_at(TEST_REDIS_URL):
            (pk,) = _enqueue(["a@example.invalid"])
            assert wait_for(lambda: worker.poll() is not None, timeout=60), "worker not killed"
            assert len(smtp.messages) == 1
            # The dead worker's transaction is rolled back: the row is still pending.
            assert wait_for(lambda: OutboxMessage.objects.get(pk=pk).status == "pending")
            with worker_thread():
                assert wait_for(lambda: len(smtp.messages) == 2, then=sweep, every=0.3)
                assert wait_for(lambda: OutboxMessage.objects.get(pk=pk).status == "sent")
                time.sleep(1)
                sweep()
                time.sleep(1)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(10)
    row = OutboxMessage.objects.get(pk=pk)
    first, second = smtp.messages
    assert first["Message-ID"] == second["Message-ID"] == row.message_id
    assert row.attempts == 1  # the killed attempt left no trace but the copy


def test_an_smtp_server_refusing_for_a_while_delivers_once(smtp, fast_outbox):
    smtp.refuse_first = 3
    addresses = ["a@example.invalid", "b@example.invalid"]
    with broker_at(TEST_REDIS_URL), worker_thread():
        ids = _enqueue(addresses)
        sent = lambda: OutboxMessage.objects.filter(pk__in=ids, status="sent").count() == 2  # noqa: E731
        assert wait_for(sent, then=sweep, every=0.3)
        time.sleep(1)
        sweep()
        time.sleep(1)
    assert sorted(m["To"] for m in smtp.messages) == addresses
    assert all(smtp.attempts[a] == 4 for a in addresses)
    assert {r.attempts for r in OutboxMessage.objects.all()} == {4}


def test_an_update_submitted_with_the_broker_down_is_saved_and_notified_later(
    loaded_plan,  # noqa: F811
    reporters,
    round_oct,
    client_for,
    fast_outbox,
):
    midt, editor = reporters["midt"], reporters["editor"]
    path = edit_path("region-midtjylland", MIDT_ACTIVITY)
    mail.outbox = []
    with time_machine.travel(IN_ROUND, tick=True):
        with broker_at(f"redis://127.0.0.1:{free_port()}/0"):
            response = client_for(midt).post(path, form_data(action="submit"))
        assert response.status_code == 302
        update = ProgressUpdate.objects.get(party__key="region-midtjylland")
        assert update.status == ProgressUpdate.Status.SUBMITTED
        (row,) = OutboxMessage.objects.filter(template="reporting_submitted")
        assert row.address == editor.email and row.status == "pending" and mail.outbox == []

        with broker_at(TEST_REDIS_URL), worker_thread():
            assert wait_for(lambda: len(mail.outbox) == 1, then=sweep, every=0.3)
    assert mail.outbox[0].to == [editor.email]
    assert "har indsendt statusopdatering" in mail.outbox[0].subject
