"""The reminder task through a real Redis broker and a real Celery worker: run twice,
it e-mails each party once. (transaction=True: the worker thread must see committed
rows; the database is flushed, so the plan is loaded here.)"""

import time

import pytest
from django.core import mail

from core.history import system_user_get
from milestones import tasks
from milestones.models import ReminderSent, RoundObligation
from milestones.services import rounds
from tests.milestones.helpers import PERIOD
from tests.worker import redis_worker, wait_for


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
