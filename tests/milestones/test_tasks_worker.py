"""The reminder task through a real Redis broker and a real Celery worker: run twice,
it e-mails each party once. (transaction=True: the worker thread must see committed
rows; the database is flushed, so the plan is loaded here.)"""

import time
from contextlib import contextmanager

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connections
from kombu import pools as kombu_pools

from core.history import system_user_get
from milestones import tasks
from milestones.loader import sor_roadmap_load
from milestones.models import ReminderSent, RoundObligation
from milestones.services import rounds
from sorplan.celery import app
from tests.conftest import TEST_REDIS_URL
from tests.milestones.helpers import (
    PERIOD,
)

CONFIG_KEYS = (
    "broker_url",
    "result_backend",
    "task_always_eager",
    "task_ignore_result",
    "broker_connection_retry_on_startup",
)


@pytest.fixture
def loaded_plan(transactional_db):
    """Request it before the role fixtures: an earlier transaction=True test may have
    flushed the database (loading is idempotent)."""
    sor_roadmap_load(user=system_user_get())


@contextmanager
def redis_worker():
    """A worker thread on TEST_REDIS_URL (its own database number); config restored after."""
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    saved = {key: app.conf[key] for key in CONFIG_KEYS}
    app.conf.update(
        broker_url=TEST_REDIS_URL,
        result_backend=TEST_REDIS_URL,
        task_always_eager=False,
        task_ignore_result=False,
    )
    _forget_backend()
    # The worker thread opens its own database connection: close it after each task,
    # or PostgreSQL cannot drop the test database at the end.
    task_postrun.connect(_close_connections)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield
    finally:
        task_postrun.disconnect(_close_connections)
        app.conf.update(saved)
        _forget_backend()
        redis.Redis.from_url(TEST_REDIS_URL).flushdb()


def _close_connections(**kwargs):
    connections.close_all()


def _forget_backend():
    """The app and kombu cache connection and producer pools (kombu keyed by broker
    URL, shared by the eager tests) and, per thread, the result backend: drop them
    all so the next use reads the config again."""
    kombu_pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None
    if hasattr(app._local, "backend"):
        del app._local.backend


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _reminded(outbox) -> int:
    return len({m.subject for m in outbox})


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_reminders_through_a_real_worker_are_sent_once(
    loaded_plan, reporter, rsi_reporter, medcom_reporter, kombit_reporter, settings
):
    settings.SORPLAN_REMINDER_DAYS_BEFORE = 5
    round_ = rounds.reporting_round_create(period=PERIOD, user=system_user_get())
    parties = set(RoundObligation.objects.filter(round=round_).values_list("party_id", flat=True))
    assert len(parties) >= 5
    mail.outbox = []

    with redis_worker():
        # ignore_result per call: the task's default was bound from settings already.
        first = tasks.reporting_reminders_send.apply_async(["2026-10-23"], ignore_result=False)
        assert first.get(timeout=30) == len(parties)
        # One e-mail per reminder and recipient.
        assert wait_for(lambda: _reminded(mail.outbox) == len(parties)), len(mail.outbox)
        count = len(mail.outbox)
        second = tasks.reporting_reminders_send.apply_async(["2026-10-23"], ignore_result=False)
        assert second.get(timeout=30) == 0
        time.sleep(1)  # nothing queued by the second run; give a stray task time to show

    assert len(mail.outbox) == count
    assert ReminderSent.objects.filter(round=round_).count() == len(parties)
    addressed = sorted((m.subject, m.to[0]) for m in mail.outbox)
    assert len(set(addressed)) == len(addressed)  # nobody got a reminder twice
    subjects = {m.subject for m in mail.outbox}
    assert any("Region Midtjylland" in s for s in subjects)
