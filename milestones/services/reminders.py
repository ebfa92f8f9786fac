"""Reminders to the parties whose progress update is due soon or overdue: the
`ReminderSent` marker and the e-mail's outbox rows are written in one transaction,
so a reminder is recorded exactly when its mail is certain to go out."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from core.mail import mail_enqueue, site_url

from ..dates import format_plan_date
from ..models import (
    DatePrecision,
    ProgressUpdate,
    ReminderSent,
    ReportingRound,
    RoundObligation,
)
from ..workdays import (
    is_working_day,
    working_days_between,
)
from .rounds import reporters_of
from .updates import DONE_STATUSES

# Overdue reminders only for rounds due this recently (not for every old round).
OVERDUE_REMINDER_WINDOW = datetime.timedelta(days=31)


# ---------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------
def _pending_obligations(round_: ReportingRound) -> dict[int, list[RoundObligation]]:
    """Obligations in a round with no submitted or accepted update, by party id."""
    done = set(
        ProgressUpdate.objects.filter(round=round_, status__in=DONE_STATUSES).values_list(
            "party_id", "activity_id"
        )
    )
    pending: dict[int, list[RoundObligation]] = {}
    for obligation in RoundObligation.objects.filter(round=round_).select_related(
        "party", "activity"
    ):
        if (obligation.party_id, obligation.activity_id) not in done:
            pending.setdefault(obligation.party_id, []).append(obligation)
    return pending


def reporting_reminders_send(*, today: datetime.date, days_before: int | None = None) -> int:
    """Remind the reporters of parties whose update is due within N working days,
    or overdue. Each reminder is recorded (ReminderSent, unique per round, party
    and kind) together with its e-mail in the outbox, so a second run sends nothing
    and a run with the broker down loses nothing.
    Runs on working days only. Returns the number of reminders queued."""
    if not is_working_day(today):
        return 0
    if days_before is None:
        days_before = settings.SORPLAN_REMINDER_DAYS_BEFORE
    queued = 0
    rounds = ReportingRound.objects.filter(
        Q(opens_on__lte=today), due_on__gte=today - OVERDUE_REMINDER_WINDOW
    )
    for round_ in rounds:
        if today <= round_.due_on:
            if working_days_between(today, round_.due_on) > days_before:
                continue
            kind = ReminderSent.Kind.DUE_SOON
        else:
            kind = ReminderSent.Kind.OVERDUE
        already = set(
            ReminderSent.objects.filter(round=round_, kind=kind).values_list("party_id", flat=True)
        )
        for party_id, obligations in _pending_obligations(round_).items():
            if party_id in already or not reporters_of(obligations[0].party):
                continue
            try:
                with transaction.atomic():
                    reminder = ReminderSent.objects.create(
                        round=round_, party_id=party_id, kind=kind
                    )
                    _reminder_mail_enqueue(reminder, obligations)
            except IntegrityError:
                continue  # a parallel run recorded it first
            queued += 1
    return queued


def _reminder_mail_enqueue(reminder: ReminderSent, pending: list[RoundObligation]) -> None:
    """The reminder e-mail for one recorded reminder, into the outbox."""
    context = {
        "reminder": reminder,
        "round": reminder.round,
        "party": reminder.party,
        "period": format_plan_date(reminder.round.period, DatePrecision.MONTH),
        "obligations": pending,
        "overdue": reminder.kind == ReminderSent.Kind.OVERDUE,
        "reporting_url": site_url(reverse("milestones:reporting_home")),
    }
    mail_enqueue(
        template=f"reminder_{reminder.kind}",
        context=context,
        to=[u.email for u in reporters_of(reminder.party)],
        dedupe_key=f"reminder:{reminder.round_id}:{reminder.party_id}:{reminder.kind}",
    )
