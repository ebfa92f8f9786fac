"""Delivery of a published status report by e-mail, once per recipient, and the
notice to the SOR-team that a new draft is ready."""

import hashlib
import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parties.models import Membership

from ..models import ReportDelivery, ReportRecipient, StatusReport

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------
def distribution_list() -> list[str]:
    """The steering group's addresses: its users, the recipients kept in admin, and the setting."""
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role=Membership.Role.STEERING,
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )
    extra = ReportRecipient.objects.filter(is_active=True).values_list("email", flat=True)
    addresses = {
        a.strip().lower() for a in [*users, *extra, *settings.SORPLAN_REPORT_EXTRA_RECIPIENTS]
    }
    return sorted(a for a in addresses if a)


def _mail_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    domain = sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else "sorplan.invalid"
    return domain or "sorplan.invalid"


def report_message_id(report: StatusReport, address: str) -> str:
    """The same Message-ID for every attempt to one address, so receivers can drop a copy."""
    digest = hashlib.sha1(address.strip().lower().encode("utf-8")).hexdigest()  # noqa: S324
    return f"<sorplan-report-{report.period_key}-{digest}@{_mail_domain()}>"


def status_report_deliveries_create(*, report: StatusReport) -> list[int]:
    """One delivery row per address on the distribution list; return those not yet sent."""
    if not report.is_published:
        raise ValidationError(_("Kun en publiceret rapport kan sendes."), code="draft")
    for address in distribution_list():
        ReportDelivery.objects.get_or_create(
            report=report,
            address=address,
            defaults={"message_id": report_message_id(report, address)},
        )
    return list(
        report.deliveries.exclude(status=ReportDelivery.Status.SENT).values_list("pk", flat=True)
    )


def _mail_parts(name: str, report: StatusReport, **context) -> tuple[str, str, str]:
    """A report e-mail in Danish: subject on one line, text and HTML bodies
    (templates/emails/<name>_subject.txt, <name>_body.txt, <name>_body.html)."""
    context = {
        "report": report,
        **context,
        "programme_name": settings.SORPLAN_PROGRAMME_NAME,
        "site_url": settings.SITE_URL,
    }
    with translation.override("da"):
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
        text = render_to_string(f"emails/{name}_body.txt", context)
        html = render_to_string(f"emails/{name}_body.html", context)
    return subject, text, html


def _report_message(delivery: ReportDelivery) -> EmailMultiAlternatives:
    report = delivery.report
    subject, text, html = _mail_parts("report_published", report, data=report.snapshot)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
        headers={"Message-ID": delivery.message_id},
    )
    message.attach_alternative(html, "text/html")
    with report.pdf.open("rb") as handle:
        message.attach(report.filename, handle.read(), "application/pdf")
    return message


def _permanent(error: Exception) -> bool:
    """A 5xx answer about the address or message: retrying will not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def delivery_send(*, delivery_id: int, final_attempt: bool = False) -> ReportDelivery:
    """Send one delivery unless it is recorded as sent.

    The row stays locked while the message goes out, so a second run of the
    same task waits and then sees "sent". A temporary failure is recorded and
    re-raised for the task to retry; a permanent one (5xx) is recorded as failed.
    """
    failure: Exception | None = None
    with transaction.atomic():
        delivery = (
            ReportDelivery.objects.select_for_update().select_related("report").get(pk=delivery_id)
        )
        if delivery.status == ReportDelivery.Status.SENT:
            return delivery
        delivery.attempts += 1
        try:
            mailers.default.send_messages([_report_message(delivery)])
        except OSError as error:  # smtplib's errors are OSErrors
            permanent = _permanent(error)
            delivery.status = (
                ReportDelivery.Status.FAILED
                if permanent or final_attempt
                else ReportDelivery.Status.PENDING
            )
            delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
            delivery.save(update_fields=["status", "attempts", "last_error", "updated_at"])
            logger.warning("Status report to %s failed: %s", delivery.address, error)
            if not permanent:
                failure = error
        else:
            delivery.status = ReportDelivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.save(
                update_fields=["status", "attempts", "last_error", "sent_at", "updated_at"]
            )
    if failure is not None:
        raise failure
    return delivery


def status_report_resend_failed(*, report: StatusReport) -> list[int]:
    """Put failed deliveries back to pending and queue them again (SOR-team)."""
    ids = list(
        report.deliveries.filter(status=ReportDelivery.Status.FAILED).values_list("pk", flat=True)
    )
    for delivery in ReportDelivery.objects.filter(pk__in=ids):
        delivery.status = ReportDelivery.Status.PENDING
        delivery.save(update_fields=["status", "updated_at"])
    from .. import tasks

    for pk in ids:
        transaction.on_commit(lambda pk=pk: tasks.status_report_delivery_send.delay(pk))
    return ids


def editors_addresses() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Membership.Role.EDITOR)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted({u.strip().lower() for u in users})


def status_report_ready_notify(*, report_id: int) -> int:
    """Tell the SOR-team editors that a draft is ready to read and publish."""
    report = StatusReport.objects.get(pk=report_id)
    addresses = editors_addresses()
    if not addresses:
        return 0
    subject, text, html = _mail_parts("report_ready", report)
    messages = []
    for address in addresses:
        message = EmailMultiAlternatives(
            subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[address]
        )
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return mailers.default.send_messages(messages) or 0
