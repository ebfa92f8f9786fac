"""The monthly status reports: archive, preview, PDF, the SOR-team's texts and publishing.

Every member reads published reports; drafts, the texts form, publishing and
the delivery log are the SOR-team's.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.spreadsheets import XLSX_CONTENT_TYPE
from core.versioning import EditConflict
from parties.access import request_access

from .. import services
from ..forms import StatusReportCreateForm, StatusReportTextsForm
from ..models import StatusReport


def get_report_for_user(request, period: str, *, write: bool = False) -> StatusReport:
    """The report for a period: 404 if the user may not see it, 403 if they may not change it."""
    try:
        day = services.report_period_parse(period)
    except ValidationError as error:
        raise Http404 from error
    access = request_access(request)
    report = StatusReport.objects.visible_to(access).filter(period=day).first()
    if report is None:
        raise Http404
    if write and not access.can_edit_plan:
        raise PermissionDenied
    return report


def archive(request):
    """Every report with its period, status, publishing time and (SOR-team) delivery log."""
    access = request_access(request)
    reports = list(
        StatusReport.objects.visible_to(access).select_related("published_by").order_by("-period")
    )
    counts = services.delivery_counts(reports)
    for report in reports:
        report.sent = counts[report.pk]["sent"]
        report.pending = counts[report.pk]["pending"]
        report.failed = counts[report.pk]["failed"]
    context = {"reports": reports}
    if access.can_edit_plan:
        context["create_form"] = StatusReportCreateForm(today=timezone.localdate())
    return render(request, "reports/archive.html", context)


@require_POST
def report_create(request):
    """Make the draft for a finished month (SOR-team)."""
    if not request_access(request).can_edit_plan:
        raise PermissionDenied
    form = StatusReportCreateForm(request.POST, today=timezone.localdate())
    if form.is_valid():
        try:
            report, _created = services.status_report_generate(
                period=form.cleaned_data["period"], user=request.user
            )
        except ValidationError as error:
            form.add_error("period", error)
        else:
            messages.success(request, _("Kladden er lavet."))
            return redirect("reports:status_report_detail", period=report.period_key)
    access = request_access(request)
    reports = StatusReport.objects.visible_to(access).order_by("-period")
    return render(
        request,
        "reports/archive.html",
        {"reports": reports, "create_form": form},
        status=400,
    )


def report_detail(request, period: str):
    """The report as HTML, from the same figures as its PDF; the SOR-team's tools beside it."""
    report = get_report_for_user(request, period)
    access = request_access(request)
    data = services.status_report_data(report)
    context = {
        "report": report,
        "data": data,
        "preview": True,
        **services.document_context(report, data),
    }
    if access.can_edit_plan:
        if not report.is_published:
            context["texts_form"] = StatusReportTextsForm(
                initial={
                    "leader_summary": report.leader_summary,
                    "decisions_needed": report.decisions_needed,
                    "version": report.version,
                }
            )
        context["deliveries"] = list(services.report_deliveries(report))
    return render(request, "reports/report_detail.html", context)


def report_pdf(request, period: str):
    """The PDF: the stored file of a published report, byte for byte; a draft is rendered now."""
    report = get_report_for_user(request, period)
    content = services.status_report_pdf(report)
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if request.GET.get("vis") else "attachment"
    name = report.filename if report.is_published else f"kladde-{report.filename}"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    if report.is_published:
        response["ETag"] = f'"{report.pdf_sha256}"'
    response["Cache-Control"] = "private, no-store" if not report.is_published else "private"
    return response


def report_xlsx(request, period: str):
    """The report's spreadsheet appendix (every milestone), the workbook embedded in its
    PDF: from the frozen figures of a published report (the same bytes each time), from
    the live figures for a draft. The same readers as the PDF."""
    report = get_report_for_user(request, period)
    content = services.status_report_xlsx(report)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    name = services.XLSX_NAME.format(period=report.period_key)
    if not report.is_published:
        name = f"kladde-{name}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store" if not report.is_published else "private"
    return response


@require_POST
def report_texts(request, period: str):
    """Save the leader summary and decisions (SOR-team, drafts only)."""
    report = get_report_for_user(request, period, write=True)
    form = StatusReportTextsForm(request.POST)
    if report.is_published:
        raise PermissionDenied
    if form.is_valid():
        try:
            services.status_report_texts_update(
                report=report,
                user=request.user,
                leader_summary=form.cleaned_data["leader_summary"],
                decisions_needed=form.cleaned_data["decisions_needed"],
                version=form.cleaned_data["version"],
            )
        except EditConflict:
            # Keep what the user typed; take the version now saved, so saving again works.
            report.refresh_from_db()
            data = form.data.copy()
            data["version"] = report.version
            form = StatusReportTextsForm(data)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "En anden har gemt teksterne, mens du skrev. Din tekst står herunder; "
                    "sammenlign med den gemte udgave i forhåndsvisningen, og gem igen."
                ),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Teksterne er gemt."))
            return redirect("reports:status_report_detail", period=report.period_key)
    data = services.status_report_data(report)
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "data": data,
            "preview": True,
            "texts_form": form,
            "deliveries": list(services.report_deliveries(report)),
            **services.document_context(report, data),
        },
        status=409 if form.non_field_errors() else 400,
    )


@require_POST
def report_publish(request, period: str):
    """Freeze the report and send it to the steering group (SOR-team)."""
    report = get_report_for_user(request, period, write=True)
    if report.is_published:
        messages.info(request, _("Rapporten er allerede publiceret."))
        return redirect("reports:status_report_detail", period=report.period_key)
    try:
        report = services.status_report_publish_request(report=report, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("reports:status_report_detail", period=report.period_key)
    if report.is_published:
        messages.success(request, _("Rapporten er publiceret og sendes nu til styregruppen."))
    else:
        messages.info(
            request,
            _("Rapporten publiceres nu i baggrunden. Genindlæs siden om lidt."),
        )
    return redirect("reports:status_report_detail", period=report.period_key)


@require_POST
def report_resend(request, period: str):
    """Queue the failed deliveries of a published report again (SOR-team)."""
    report = get_report_for_user(request, period, write=True)
    if not report.is_published:
        raise PermissionDenied
    ids = services.status_report_resend_failed(report=report)
    messages.success(
        request,
        _("%(n)s udsendelser er sat i kø igen.") % {"n": len(ids)},
    )
    return redirect("reports:status_report_detail", period=report.period_key)
