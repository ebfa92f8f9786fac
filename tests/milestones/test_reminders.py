"""Reminders: due in N working days and overdue, each at most once per party,
round and kind, even when the task runs twice."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from milestones import tasks
from milestones.models import ReminderSent, RoundObligation
from milestones.services import rounds
from tests.milestones.helpers import (
    MEDCOM_ACTIVITY,
    MIDT_ACTIVITY,
    make_update,
    party,
)

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks, settings):
    """Run the periodic task as beat would on `day`; the mail tasks run on commit."""
    settings.SORPLAN_REMINDER_DAYS_BEFORE = 5
    mail.outbox.clear()

    def run_on(day: D) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.reporting_reminders_send.delay(day.isoformat()).get()

    return run_on


def pending_parties(round_):
    return set(RoundObligation.objects.filter(round=round_).values_list("party_id", flat=True))


def test_due_soon_reminder_goes_out_once(run, round_oct, reporters):
    # Due Friday 30 October 2026; five working days before is Friday the 23rd.
    make_update(round_oct, "medcom", MEDCOM_ACTIVITY, user=reporters["medcom"], submit=True)
    assert run(D(2026, 10, 22)) == 0
    assert mail.outbox == []
    expected = pending_parties(round_oct) - {party("medcom").pk}
    assert run(D(2026, 10, 23)) == len(expected)
    # One e-mail per reminder and recipient (the outbox's rows).
    assert len({m.subject for m in mail.outbox}) == len(expected)
    sent = len(mail.outbox)
    assert set(ReminderSent.objects.values_list("party_id", flat=True)) == expected
    assert set(ReminderSent.objects.values_list("kind", flat=True)) == {"due_soon"}

    to_midt = [m for m in mail.outbox if "Region Midtjylland" in m.subject]
    assert sorted(a for m in to_midt for a in m.to) == sorted(
        [reporters["midt"].email, reporters["rsi"].email]
    )
    midt = to_midt[0]
    assert midt.subject == (
        "Påmindelse: statusopdatering fra Region Midtjylland skal indsendes senest 30. oktober"
    )
    assert "- Region Midtjylland: tilpasning af infrastruktur" in midt.body
    assert "/plan/rapportering/" in midt.body
    assert midt.alternatives[0][1] == "text/html"
    assert not any("MedCom" in m.subject for m in mail.outbox)  # it has submitted

    # The task again, the same day and the next: nothing more.
    assert run(D(2026, 10, 23)) == 0
    assert run(D(2026, 10, 26)) == 0
    assert len(mail.outbox) == sent


def test_overdue_reminder_goes_out_once_on_a_working_day(run, round_oct, reporters):
    make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporters["midt"])  # draft
    assert run(D(2026, 10, 31)) == 0  # Saturday
    assert run(D(2026, 11, 1)) == 0  # Sunday
    sent = run(D(2026, 11, 2))
    assert sent == len(pending_parties(round_oct))
    kinds = set(ReminderSent.objects.values_list("kind", flat=True))
    assert kinds == {"overdue"}
    midt = next(m for m in mail.outbox if "Region Midtjylland" in m.subject)
    assert midt.subject == (
        "Fristen er overskredet: statusopdatering for oktober 2026 fra Region Midtjylland"
    )
    assert run(D(2026, 11, 2)) == 0
    assert run(D(2026, 11, 3)) == 0
    assert len({m.subject for m in mail.outbox}) == sent


def test_old_rounds_are_not_reminded(run, round_oct, reporters):
    assert run(D(2026, 12, 15)) == 0
    assert not ReminderSent.objects.exists()


def test_holidays_are_skipped_and_counted_out(run, reporters, system_user):
    # March 2027 is due Wednesday the 31st; Easter (25, 26 and 29 March) is not counted.
    round_ = rounds.reporting_round_create(period=D(2027, 3, 1), user=system_user)
    assert round_.due_on == D(2027, 3, 31)
    assert run(D(2027, 3, 18)) == 0  # six working days before
    assert run(D(2027, 3, 26)) == 0  # Langfredag: the task does nothing on a holiday
    assert run(D(2027, 3, 19)) > 0  # five working days before (calendar: twelve days)


def test_reminder_is_recorded_before_it_is_sent(run, round_oct, reporters):
    # A parallel run recorded Region Midtjylland's reminder first: no second mail.
    ReminderSent.objects.create(round=round_oct, party=party("region-midtjylland"), kind="due_soon")
    run(D(2026, 10, 23))
    assert not any("Region Midtjylland" in m.subject for m in mail.outbox)
    assert ReminderSent.objects.filter(party=party("region-midtjylland")).count() == 1


def test_the_database_refuses_a_second_reminder_of_a_kind(round_oct):
    midt = party("region-midtjylland")
    ReminderSent.objects.create(round=round_oct, party=midt, kind="overdue")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(round=round_oct, party=midt, kind="overdue")
    ReminderSent.objects.create(round=round_oct, party=midt, kind="due_soon")  # another kind


def test_no_reminder_without_anyone_to_remind(run, round_oct, reporters):
    reporters["medcom"].is_active = False
    reporters["medcom"].save()
    run(D(2026, 10, 23))
    assert not ReminderSent.objects.filter(party=party("medcom")).exists()
