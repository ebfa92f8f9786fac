"""Overdue actions e-mail their owner once: a marker row (ActionReminderSent, one per
action) is recorded before the e-mail is queued, so a second run sends nothing."""

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse

from milestones.services.mail import mail_send, site_url

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
    for action_id in overdue.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                ActionReminderSent.objects.create(action_id=action_id)
        except IntegrityError:
            continue  # a parallel run recorded it first
        _queue(action_id)
        queued += 1
    return queued


def _queue(action_id: int) -> None:
    from .. import tasks

    transaction.on_commit(lambda: tasks.action_reminder_mail_send.delay(action_id))


def action_reminder_mail(*, action_id: int) -> int:
    """The e-mail to an overdue action's owner."""
    action = Action.objects.select_related("owner_person", "owner_party").get(pk=action_id)
    return mail_send(
        template="action_overdue",
        context={
            "action": action,
            "action_url": site_url(reverse("governance:action_detail", args=[action.key])),
        },
        to=[action.owner_person.email],
    )
