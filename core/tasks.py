"""The outbox's tasks. Thin: call core.mail."""

from celery import shared_task

from . import mail

# A send holds its row's lock while talking to the SMTP server; the mailer's own
# timeout (EMAIL_TIMEOUT) is far below these limits.
SEND_TIME_LIMITS = {"soft_time_limit": 120, "time_limit": 180}


@shared_task(acks_late=True, reject_on_worker_lost=True, **SEND_TIME_LIMITS)
def outbox_message_send(outbox_id: int) -> str | None:
    """Send one outbox row (SMTP failures are recorded; the sweeper retries)."""
    return mail.outbox_send(outbox_id=outbox_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def outbox_sweep() -> int:
    """Beat, every SORPLAN_MAIL_SWEEP_INTERVAL seconds: queue the rows that are due."""
    return len(mail.outbox_sweep())
