"""The status report's e-mails, all through the outbox (core.mail): the delivery of a
published report to the distribution list (one outbox row per recipient, written in
the publishing transaction), the notice to the SOR-team that a new draft is ready,
and the notice that publishing failed."""

from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.mail import Attachment, mail_enqueue, mail_retry_failed, message_id_for, messages_for
from core.models import OutboxMessage
from parties.models import Membership

from ..models import ReportRecipient, StatusReport


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


def editors_addresses() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Membership.Role.EDITOR)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted({u.strip().lower() for u in users})


def delivery_key(report: StatusReport) -> str:
    """The outbox's key of a report's delivery to the steering group."""
    return f"status-report:{report.period_key}:delivery"


def report_message_id(report: StatusReport, address: str) -> str:
    """The same Message-ID for every attempt to one address, so receivers can drop a copy."""
    return message_id_for(delivery_key(report), address)


def report_deliveries(report: StatusReport):
    """The report's delivery rows in the outbox, by address."""
    return messages_for(delivery_key(report))


def delivery_counts(reports) -> dict[int, Counter]:
    """Sent, pending and failed deliveries per report id, in one query."""
    keys = {delivery_key(r): r.pk for r in reports}
    counts: dict[int, Counter] = {pk: Counter() for pk in keys.values()}
    rows = (
        OutboxMessage.objects.filter(dedupe_key__in=keys)
        .values_list("dedupe_key", "status")
        .order_by()
    )
    for key, status in rows:
        counts[keys[key]][status] += 1
    return counts


def status_report_deliveries_create(*, report: StatusReport) -> list[int]:
    """One outbox row per address on the distribution list, with the PDF attached,
    in the caller's transaction; return the ids of those not yet sent."""
    if not report.is_published:
        raise ValidationError(_("Kun en publiceret rapport kan sendes."), code="draft")
    return mail_enqueue(
        template="report_published",
        context={"report": report, "data": report.snapshot},
        to=distribution_list(),
        dedupe_key=delivery_key(report),
        attachments=[Attachment(report.filename, report.pdf.name, "application/pdf")],
    )


def status_report_resend_failed(*, report: StatusReport) -> list[int]:
    """Put failed deliveries back to pending and queue them again (SOR-team)."""
    return mail_retry_failed(dedupe_key=delivery_key(report))


def status_report_ready_notify(*, report: StatusReport) -> list[int]:
    """Tell the SOR-team editors that a draft is ready to read and publish."""
    return mail_enqueue(
        template="report_ready",
        context={"report": report},
        to=editors_addresses(),
        dedupe_key=f"status-report:{report.period_key}:ready",
    )


def status_report_failed_notify(*, report: StatusReport, error: str) -> list[int]:
    """Tell the SOR-team editors that publishing the report failed, and why."""
    return mail_enqueue(
        template="report_failed",
        context={"report": report, "error": error},
        to=editors_addresses(),
        # Once per failure: a later failure of the same report is a new message.
        dedupe_key=f"status-report:{report.period_key}:failed:v{report.version}",
    )
