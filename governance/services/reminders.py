"""Overdue actions e-mail their owner once: a marker row (ActionReminderSent, one per
action) and the e-mail's outbox row are written in one transaction, so a second run
sends nothing and a dead broker or worker only delays the mail (core.mail)."""

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse

from core.mail import mail_enqueue, site_url

from ..models import Action, ActionReminderSent


def action_reminders_send(*, today: datetime.date) -> int:
    """Record and queue one reminder for each overdue action with an owner who has an
    e-mail address and has not been reminded. Returns the number queued."""
    queued = 0
    overdue = (
        Action.objects.overdue(today)
        .filter(owner_person__isnull=False, reminder__isnull=True)
        .exclude(owner_person__email="")
    )
    for action in overdue.select_related("owner_person", "owner_party"):
        try:
            with transaction.atomic():
                ActionReminderSent.objects.create(action_id=action.pk)
                _reminder_mail_enqueue(action)
        except IntegrityError:
            continue  # a parallel run recorded it first
        queued += 1
    return queued


def _reminder_mail_enqueue(action: Action) -> None:
    """The e-mail to an overdue action's owner, into the outbox."""
    mail_enqueue(
        template="action_overdue",
        context={
            "action": action,
            "action_url": site_url(reverse("governance:action_detail", args=[action.key])),
        },
        to=[action.owner_person.email],
        dedupe_key=f"action-overdue:{action.pk}",
    )
