"""A real Celery worker on a real Redis broker for the tests that need one (a thread in
this process, its own Redis database number: TEST_REDIS_URL)."""

import time
from contextlib import contextmanager

import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections
from kombu import pools as kombu_pools

from sorplan.celery import app
from tests.conftest import TEST_REDIS_URL

CONFIG_KEYS = (
    "broker_url",
    "result_backend",
    "task_always_eager",
    "task_ignore_result",
    "broker_connection_retry_on_startup",
)


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
