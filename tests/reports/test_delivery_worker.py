"""The whole flow through a real Redis broker and a real Celery worker:
generate -> publish -> e-mail with the PDF attached reaches every recipient
once; the send task and the sweeper run again still send once; an SMTP refusal
is retried and delivers once.

The worker runs in a thread of this process (solo pool), so the tests are
`transaction=True`: it sees only committed rows. Those tests empty the
database afterwards, so each loads the SOR plan itself.
"""

import time

import pytest
import time_machine
from celery.result import EagerResult
from celery.signals import task_postrun
from django.db import close_old_connections, connections

from core import mail as outbox
from core import tasks as core_tasks
from core.history import system_user_get
from milestones.loader import sor_roadmap_load
from milestones.rag import add_months
from parties.models import Membership
from reports import services, tasks
from reports.models import ReportRecipient, StatusReport
from tests.conftest import TEST_REDIS_URL
from tests.reports.helpers import at, member, report_day, report_period

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _close_connections(**kwargs) -> None:
    connections.close_all()


def _forget_connections(app) -> None:
    """Make the app open new broker connections (for the broker URL now configured)."""
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def clock():
    """The whole test runs at 07:00 on the first working day after the period, ticking;
    the worker thread shares the clock (retries are scheduled by it)."""
    period = report_period()
    with time_machine.travel(report_day(period), tick=True):
        yield period


@pytest.fixture
def worker(settings, clock):
    """A Celery worker on the test Redis database, consuming this app's tasks."""
    from celery.contrib.testing.worker import start_worker

    from sorplan.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.broker_url = TEST_REDIS_URL
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SORPLAN_MAIL_RETRY_BACKOFF = 0.5  # seconds, so a retry comes quickly
    settings.SORPLAN_MAIL_STALE_AFTER = 1
    _forget_connections(app)
    with app.connection_for_write() as connection:
        connection.default_channel.client.flushdb()  # nothing left from an earlier run
    # The worker thread keeps its own database connection (CONN_MAX_AGE): close it
    # after each task, so the test database can be dropped at the end.
    task_postrun.connect(_close_connections, weak=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"
        ) as started:
            yield started
    finally:
        task_postrun.disconnect(_close_connections)
        app.conf.update(saved)
        _forget_connections(app)
        close_old_connections()


@pytest.fixture
def world(report_media, clock):
    """The SOR plan, loaded a month before the report's period, and the distribution list."""
    period = clock
    with time_machine.travel(at(add_months(period, -1).replace(day=5)), tick=False):
        sor_roadmap_load(user=system_user_get())
        editor = member("t-w-redaktoer", "sor-team", Membership.Role.EDITOR)
        steering = [
            member(f"t-w-styregruppe-{n}", "sor-styregruppe", Membership.Role.STEERING)
            for n in (1, 2)
        ]
        ReportRecipient.objects.create(email="sekretariat@example.invalid", name="Sekretariatet")
    addresses = sorted([u.email for u in steering] + ["sekretariat@example.invalid"])
    return period, editor, addresses


def _wait(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError("timed out waiting for the worker")


def _published_through_the_worker(period, editor):
    report, created = services.status_report_generate(period=period, user=system_user_get())
    assert created
    result = tasks.status_report_publish.delay(report.pk, editor.pk)
    assert not isinstance(result, EagerResult)  # it went through the broker
    _wait(lambda: StatusReport.objects.get(pk=report.pk).is_published)
    return StatusReport.objects.get(pk=report.pk)


def test_generate_publish_and_every_recipient_gets_the_pdf_once(worker, world, smtp_server):
    period, editor, addresses = world
    report = _published_through_the_worker(period, editor)
    smtp_server.wait_for(len(addresses))
    _wait(lambda: all(d.status == "sent" for d in services.report_deliveries(report)))
    time.sleep(1.5)  # anything extra would arrive now
    assert sorted(m["To"] for m in smtp_server.messages) == addresses
    stored = report.pdf.read()
    for message in smtp_server.messages:
        attachment = message.get_payload()[-1]
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_payload(decode=True) == stored
        assert message["Message-ID"].strip() == services.report_message_id(report, message["To"])
    assert services.report_deliveries(report).count() == len(addresses)

    # The send task again, for every delivery, the sweeper, and publishing again:
    # nothing more goes out.
    for delivery in services.report_deliveries(report):
        core_tasks.outbox_message_send.delay(delivery.pk)
        core_tasks.outbox_message_send.delay(delivery.pk)
    core_tasks.outbox_sweep.delay()
    tasks.status_report_publish.delay(report.pk, editor.pk)
    time.sleep(4)
    assert len(smtp_server.messages) == len(addresses)
    assert {d.attempts for d in services.report_deliveries(report)} == {1}


def test_an_smtp_refusal_is_retried_and_delivers_once(worker, world, smtp_server):
    period, editor, addresses = world
    smtp_server.refuse_first = 1  # every recipient's first attempt gets 451
    report = _published_through_the_worker(period, editor)

    def sent():
        outbox.outbox_sweep()  # what beat does every SORPLAN_MAIL_SWEEP_INTERVAL
        return all(d.status == "sent" for d in services.report_deliveries(report))

    _wait(sent)
    time.sleep(1.5)
    assert sorted(m["To"] for m in smtp_server.messages) == addresses
    assert all(smtp_server.attempts[a] == 2 for a in addresses)
    for delivery in services.report_deliveries(report):
        assert delivery.status == "sent" and delivery.attempts == 2
