"""Overdue actions e-mail their owner once: through the service, the beat entry, and a
real Celery worker on Redis."""

import datetime
import time

import pytest
from django.conf import settings
from django.core import mail

from core.history import system_user_get
from governance import tasks
from governance.models import ActionReminderSent
from governance.services.reminders import action_reminders_send
from tests.governance.helpers import make_action
from tests.worker import redis_worker, wait_for

TODAY = datetime.date(2026, 12, 2)


def _actions(owner, editor):
    overdue = make_action(
        editor, title="Over frist", owner_person=owner, due_on=datetime.date(2026, 12, 1)
    )
    make_action(
        editor, title="Ikke forfalden", owner_person=owner, due_on=datetime.date(2026, 12, 2)
    )
    make_action(
        editor, title="Udført", owner_person=owner, due_on=datetime.date(2026, 11, 1), status="done"
    )
    make_action(editor, title="Uden ejer", due_on=datetime.date(2026, 11, 1))
    return overdue


@pytest.mark.django_db
def test_an_overdue_action_is_reminded_once(
    reporter, editor, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    overdue = _actions(reporter, editor)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        assert action_reminders_send(today=TODAY) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert action_reminders_send(today=TODAY) == 0
    assert ActionReminderSent.objects.get().action == overdue
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [reporter.email]
    assert message.subject == "Handling over frist: Over frist"
    assert f"/styring/handlinger/{overdue.key}/" in message.body


def test_the_beat_runs_the_reminders_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["governance-action-reminders"]
    assert entry["task"] == "governance.tasks.action_reminders_send"
    assert entry["task"] in tasks.action_reminders_send.app.tasks
    assert entry["schedule"].hour == {8} and entry["schedule"].minute == {30}
    assert len(entry["schedule"].day_of_month) == 31


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_reminders_through_a_real_worker_are_sent_once(loaded_plan, reporter):
    editor = system_user_get()
    _actions(reporter, editor)
    mail.outbox = []
    with redis_worker():
        first = tasks.action_reminders_send.apply_async([TODAY.isoformat()], ignore_result=False)
        assert first.get(timeout=30) == 1
        assert wait_for(lambda: len(mail.outbox) == 1), len(mail.outbox)
        second = tasks.action_reminders_send.apply_async([TODAY.isoformat()], ignore_result=False)
        assert second.get(timeout=30) == 0
        time.sleep(1)
    assert len(mail.outbox) == 1
    assert ActionReminderSent.objects.count() == 1
