"""Every e-mail the product sends, through one durable outbox.

A caller enqueues a message inside its own transaction with `mail_enqueue`: the
message is rendered in Danish from templates/emails/<name>_subject.txt, <name>.txt
and <name>.html and written as one `OutboxMessage` row per recipient, with a
stable Message-ID and a dedupe key (the same logical message is never written
twice). The send is scheduled `on_commit`; if the broker is unreachable then,
the error is logged and the row waits for the sweeper.

`outbox_send` locks the row (skip_locked: a second task for the same row skips
it), sends with the stored Message-ID and records success. An SMTP failure is
recorded with the next attempt time (`retry_delay`); a 5xx answer or the last
attempt marks the row failed. `outbox_sweep` (beat, every
SORPLAN_MAIL_SWEEP_INTERVAL seconds) queues every pending row whose next attempt
is due: rows whose first send was never queued (broker down), whose worker died,
or that wait for a retry. So a dead broker, worker or SMTP server only delays
mail. The one window that stays: a worker dying after the server's 250 and
before our commit; the resend carries the same Message-ID, so receivers can
drop the copy.

The retry schedule (docs/operations.md): SORPLAN_MAIL_RETRY_BACKOFF seconds
(60) doubling to at most SORPLAN_MAIL_RETRY_BACKOFF_MAX (30 min), for
SORPLAN_MAIL_MAX_ATTEMPTS attempts (16): 1, 2, 4, 8, 16, then 30 minutes, so
the last attempt comes about 5.5 hours after the first (`retry_window_seconds`):
a 4-hour SMTP outage delays mail and loses none.
"""

import dataclasses
import datetime
import hashlib
import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import OutboxMessage

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status


@dataclasses.dataclass(frozen=True)
class Attachment:
    """A file in the default storage sent along (e.g. the status report's PDF)."""

    filename: str
    storage_name: str
    mimetype: str = "application/octet-stream"


# ---------------------------------------------------------------------------
# Settings and the retry schedule
# ---------------------------------------------------------------------------
def _setting(name: str, default: float) -> float:
    return getattr(settings, name, default)


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failed attempt: exponential, capped."""
    base = _setting("SORPLAN_MAIL_RETRY_BACKOFF", 60)
    cap = _setting("SORPLAN_MAIL_RETRY_BACKOFF_MAX", 1800)
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def max_attempts() -> int:
    return int(_setting("SORPLAN_MAIL_MAX_ATTEMPTS", 16))


def stale_after() -> datetime.timedelta:
    """How long a queued send may take before the sweeper queues it again."""
    return datetime.timedelta(seconds=_setting("SORPLAN_MAIL_STALE_AFTER", 300))


def retry_window_seconds() -> float:
    """From the first attempt to the last: the sum of the waits between them."""
    return sum(retry_delay(n).total_seconds() for n in range(1, max_attempts()))


# ---------------------------------------------------------------------------
# Enqueue
# ---------------------------------------------------------------------------
def _mail_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    domain = sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else ""
    return domain or "sorplan.invalid"


def message_id_for(dedupe_key: str, address: str) -> str:
    """The same Message-ID for every attempt of one message to one address."""
    key = hashlib.sha1(dedupe_key.encode("utf-8")).hexdigest()[:20]  # noqa: S324
    rcpt = hashlib.sha1(address.strip().lower().encode("utf-8")).hexdigest()[:16]  # noqa: S324
    return f"<sorplan.{key}.{rcpt}@{_mail_domain()}>"


def mail_render(template: str, context: dict) -> tuple[str, str, str]:
    """Subject on one line, text and HTML bodies of templates/emails/<template>*, in Danish."""
    context = {
        "site_url": settings.SITE_URL,
        "programme_name": getattr(settings, "SORPLAN_PROGRAMME_NAME", ""),
        **context,
    }
    for hook in getattr(settings, "MAIL_CONTEXT_HOOKS", ()):
        # Facts of the apps above core for every e-mail (the demo notice: a mail with
        # illustrative figures says so in its subject, at its top and in its footer).
        context = {**import_string(hook)(), **context}
    with translation.override("da"):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        if context.get("demo_notice"):
            subject = f"[{_('Demodata')}] {subject}"
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    return subject, text, html


def mail_enqueue(
    *,
    template: str,
    context: dict,
    to: Iterable[str],
    dedupe_key: str,
    attachments: Iterable[Attachment] = (),
) -> list[int]:
    """Write one outbox row per recipient (once per dedupe key and address) in the
    caller's transaction, and schedule their send after it commits.

    Returns the ids of the message's rows not yet sent. Blank and repeated
    addresses are dropped; with no recipient nothing is written."""
    addresses = sorted({a.strip().lower() for a in to if a and a.strip()})
    if not addresses:
        return []
    subject, text, html = mail_render(template, context)
    files = [dataclasses.asdict(a) for a in attachments]
    now = timezone.now()
    rows = [
        OutboxMessage(
            dedupe_key=dedupe_key,
            template=template,
            address=address,
            subject=subject[:500],
            body_text=text,
            body_html=html,
            attachments=files,
            message_id=message_id_for(dedupe_key, address),
            # If the send queued on commit never runs, the sweeper takes it then.
            next_attempt_at=now + stale_after(),
        )
        for address in addresses
    ]
    with transaction.atomic():
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
        pending = list(
            OutboxMessage.objects.filter(
                dedupe_key=dedupe_key, address__in=addresses, status=Status.PENDING
            ).values_list("pk", flat=True)
        )
    for pk in pending:
        transaction.on_commit(lambda pk=pk: mail_queue(pk))
    return pending


def mail_queue(outbox_id: int) -> None:
    """Queue the send task for one row; a broker error is logged, never raised:
    the row is durable and the sweeper queues it again."""
    from . import tasks

    try:
        tasks.outbox_message_send.delay(outbox_id)
    except Exception:  # kombu raises many kinds (OperationalError, OSError, ...)
        logger.warning("E-mail %s not queued (broker?); the sweeper will send it", outbox_id)


def messages_for(dedupe_key: str):
    """The outbox rows of one logical message (e.g. a report's deliveries)."""
    return OutboxMessage.objects.filter(dedupe_key=dedupe_key).order_by("address")


def mail_retry_failed(*, dedupe_key: str) -> list[int]:
    """Put a message's failed rows back to pending and queue them after commit."""
    now = timezone.now()
    ids = list(
        OutboxMessage.objects.filter(dedupe_key=dedupe_key, status=Status.FAILED).values_list(
            "pk", flat=True
        )
    )
    OutboxMessage.objects.filter(pk__in=ids).update(
        status=Status.PENDING, attempts=0, next_attempt_at=now + stale_after(), updated_at=now
    )
    for pk in ids:
        transaction.on_commit(lambda pk=pk: mail_queue(pk))
    return ids


# ---------------------------------------------------------------------------
# Send and sweep
# ---------------------------------------------------------------------------
def _email(row: OutboxMessage) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.address],
        headers={"Message-ID": row.message_id},
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    for item in row.attachments:
        with default_storage.open(item["storage_name"], "rb") as handle:
            message.attach(item["filename"], handle.read(), item["mimetype"])
    return message


def _permanent(error: Exception) -> bool:
    """A 5xx answer about the address or message: retrying will not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def outbox_send(*, outbox_id: int) -> str | None:
    """Send one pending row unless another run holds it or it is done.

    The row stays locked while the message goes out, so a second task for it
    skips it; returns the row's status afterwards, or None when skipped."""
    with transaction.atomic():
        row = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=outbox_id, status=Status.PENDING)
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        now = timezone.now()
        try:
            mailers.default.send_messages([_email(row)])
        except OSError as error:  # smtplib's errors are OSErrors
            permanent = _permanent(error)
            if permanent or row.attempts >= max_attempts():
                row.status = Status.FAILED
            row.next_attempt_at = now + retry_delay(row.attempts)
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            logger.warning("E-mail %s to %s failed: %s", row.pk, row.address, error)
        else:
            row.status = Status.SENT
            row.sent_at = now
            row.last_error = ""
        row.save(
            update_fields=[
                "status",
                "attempts",
                "last_error",
                "next_attempt_at",
                "sent_at",
                "updated_at",
            ]
        )
        return row.status


def outbox_sweep(*, limit: int = 500) -> list[int]:
    """Queue every pending row whose next attempt is due (never queued, worker lost,
    or waiting for a retry); each is then left alone for SORPLAN_MAIL_STALE_AFTER."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        OutboxMessage.objects.filter(pk__in=due).update(
            next_attempt_at=now + stale_after(), updated_at=now
        )
    for pk in due:
        mail_queue(pk)
    return due


def site_url(path: str) -> str:
    """An absolute link for an e-mail."""
    return f"{settings.SITE_URL}{path}"
