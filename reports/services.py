"""Writes for the monthly status report: generate the draft, edit its texts,
publish (freeze figures and PDF), and deliver it by e-mail once per recipient.

The figures come from `reports.report_data` (built on the dashboard's
selectors); the document is rendered by `reports.pdf`.
"""

import datetime
import hashlib
import json
import logging
import smtplib
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from milestones.demo import DEMO_NOTICE, demo_data_loaded
from milestones.rag import add_months
from milestones.workdays import first_working_day
from parties.models import Membership
from parties.services import record_save

from . import report_data
from .models import ReportDelivery, ReportRecipient, StatusReport

logger = logging.getLogger(__name__)

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")
# Above this many milestones, the appendix keeps red and yellow ones and the
# full list goes along as a spreadsheet embedded in the PDF.
APPENDIX_FULL_LIST_MAX = 300
XLSX_NAME = "milepaele-{period}.xlsx"


class ReportConflict(Exception):
    """Someone else saved the report's texts since the version the user saw."""


# ---------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------
def report_period_parse(text: str) -> datetime.date:
    """'2026-10' -> 1 October 2026; a clear Danish message for anything else."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return datetime.date(year, month, 1)
    except (ValueError, TypeError) as error:
        raise ValidationError(
            _("Perioden skal skrives som år-måned, fx 2026-10."), code="period"
        ) from error


def report_as_of(period: datetime.date) -> datetime.datetime:
    """The first moment of the following month in Copenhagen: the report's 'now'."""
    return datetime.datetime.combine(add_months(period, 1), datetime.time.min, tzinfo=COPENHAGEN)


def previous_month(day: datetime.date) -> datetime.date:
    return add_months(day.replace(day=1), -1)


def monthly_report_period(today: datetime.date) -> datetime.date | None:
    """The month to report on when `today` is the first working day of a month, else None.

    Crontab cannot say "first working day"; the daily task asks this.
    """
    if today != first_working_day(today):
        return None
    return previous_month(today)


def _previous_report(period: datetime.date) -> StatusReport | None:
    """The last report the steering group received before this period."""
    return StatusReport.objects.published().filter(period__lt=period).order_by("-period").first()


# ---------------------------------------------------------------------------
# Draft
# ---------------------------------------------------------------------------
def status_report_generate(
    *, period: datetime.date, user, notify: bool = False
) -> tuple[StatusReport, bool]:
    """Create the draft report for a month; return the existing one if there is one.

    Returns (report, created). Safe to call twice at once: the database allows
    one report per period. With `notify`, a new draft is announced to the
    SOR-team's editors by e-mail.
    """
    period = period.replace(day=1)
    if period >= timezone.localdate().replace(day=1):
        raise ValidationError(
            _("Der kan kun laves rapport for en afsluttet måned."), code="period_open"
        )
    existing = StatusReport.objects.filter(period=period).first()
    if existing is not None:
        return existing, False
    report = StatusReport(
        period=period, as_of=report_as_of(period), previous=_previous_report(period)
    )
    try:
        with transaction.atomic():
            record_save(report, user=user, reason=_("Kladde oprettet"))
    except (IntegrityError, ValidationError):
        # Created by someone else a moment ago.
        found = StatusReport.objects.filter(period=period).first()
        if found is None:
            raise
        return found, False
    if notify:
        from . import tasks

        transaction.on_commit(lambda: tasks.status_report_ready_notify.delay(report.pk))
    return report, True


@transaction.atomic
def status_report_texts_update(
    *, report: StatusReport, user, leader_summary: str, decisions_needed: str, version: int
) -> StatusReport:
    """Save the SOR-team's leader summary and the decisions needed (drafts only)."""
    locked = StatusReport.objects.select_for_update().get(pk=report.pk)
    if locked.is_published:
        raise ValidationError(_("Rapporten er publiceret og kan ikke ændres."), code="published")
    if locked.version != version:
        raise ReportConflict
    locked.leader_summary = leader_summary.strip()
    locked.decisions_needed = decisions_needed.strip()
    locked.version += 1
    record_save(locked, user=user, reason=_("Ledelsesresumé og beslutninger redigeret"))
    return locked


# ---------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------
def status_report_data(report: StatusReport) -> dict:
    """The report's figures: frozen for a published report, computed for a draft.

    A draft's figures go through the same JSON round trip as a snapshot, so the
    preview, the draft PDF and the published PDF render the same kind of data.
    """
    if report.is_published:
        return report.snapshot
    data = report_data.build(
        period=report.period,
        as_of=report.as_of,
        # A draft compares with the last published report, also one published after it was made.
        previous=_previous_report(report.period),
        appendix_limit=APPENDIX_FULL_LIST_MAX,
    )
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def document_context(report: StatusReport, data: dict) -> dict:
    """What the document's templates need besides the figures."""
    return {
        "report": report,
        "data": data,
        "programme_name": settings.SORPLAN_PROGRAMME_NAME,
        "demo_data": bool(data.get("demo")) or demo_data_loaded(),
        "demo_notice": DEMO_NOTICE,
        "xlsx_name": XLSX_NAME.format(period=report.period_key)
        if data.get("appendix", {}).get("spreadsheet")
        else "",
    }


def status_report_html(report: StatusReport, data: dict) -> str:
    """The document as HTML for WeasyPrint (the preview page includes the same body)."""
    with translation.override("da"):
        return render_to_string("reports/pdf/report.html", document_context(report, data))


def _attachments(report: StatusReport, data: dict) -> tuple:
    from . import pdf as pdf_render

    if not data.get("appendix", {}).get("spreadsheet"):
        return ()
    return (
        pdf_render.PdfAttachment(
            name=XLSX_NAME.format(period=report.period_key),
            content=report_data.milestones_xlsx(data),
            description=_("Alle milepæle"),
        ),
    )


def status_report_render(
    report: StatusReport, data: dict | None = None, *, stats: dict | None = None
) -> bytes:
    """Render the report's PDF (for a draft, or once when publishing)."""
    from . import pdf as pdf_render

    data = status_report_data(report) if data is None else data
    return pdf_render.render_pdf(
        status_report_html(report, data),
        static_root=settings.BASE_DIR / "static",
        attachments=_attachments(report, data),
        created=report.as_of,
        timeout=getattr(
            settings, "SORPLAN_REPORT_RENDER_TIMEOUT", pdf_render.DEFAULT_TIMEOUT_SECONDS
        ),
        memory_mb=getattr(
            settings, "SORPLAN_REPORT_RENDER_MEMORY_MB", pdf_render.DEFAULT_MEMORY_MB
        ),
        stats=stats,
    )


def status_report_pdf(report: StatusReport) -> bytes:
    """The PDF: the stored file of a published report (byte for byte), else a fresh render."""
    if report.is_published:
        with report.pdf.open("rb") as handle:
            return handle.read()
    return status_report_render(report)


# ---------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------
@transaction.atomic
def status_report_publish(*, report_id: int, user) -> tuple[StatusReport, bool]:
    """Freeze a draft: store its figures and its PDF, then send it to the steering group.

    Returns (report, published_now). Publishing an already published report
    does nothing, so a repeated task or a double click is harmless.
    """
    report = StatusReport.objects.select_for_update().get(pk=report_id)
    if report.is_published:
        return report, False
    report.previous = _previous_report(report.period)
    data = status_report_data(report)
    # The document says it is published, and when: set before it is rendered.
    report.status = StatusReport.Status.PUBLISHED
    report.published_at = timezone.now()
    report.published_by = user
    content = status_report_render(report, data)
    report.snapshot = data
    report.pdf.save(report.filename, ContentFile(content), save=False)
    report.pdf_sha256 = hashlib.sha256(content).hexdigest()
    report.version += 1
    record_save(report, user=user, reason=_("Publiceret"))

    from . import tasks

    transaction.on_commit(lambda: tasks.status_report_deliver.delay(report.pk))
    return report, True


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
    from . import tasks

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
