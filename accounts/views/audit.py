"""The security audit log for the SOR-team: read, filter, export."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, Sheet, csv_bytes, xlsx_bytes
from parties.access import request_access

from ..audit import security_events_filtered
from ..forms import SecurityEventFilterForm

PAGE_SIZE = 100


def _person(user) -> str:
    if user is None:
        return ""
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username


def _sheet(events) -> Sheet:
    return Sheet(
        title=_("Sikkerhedslog"),
        notes=[_("Udtrukket %(when)s") % {"when": f"{timezone.localtime():%d-%m-%Y %H:%M}"}],
        name=_("Sikkerhedslog"),
        headers=[
            _("Tidspunkt"),
            _("Hændelse"),
            _("Udført af"),
            _("Berørt person"),
            _("Metode"),
            _("IP-adresse"),
            _("Detaljer"),
        ],
        rows=(
            [
                timezone.localtime(e.at).replace(tzinfo=None),
                e.get_kind_display(),
                _person(e.actor),
                _person(e.subject),
                e.method_label,
                e.ip or "",
                e.detail,
            ]
            for e in events.iterator(chunk_size=2000)
        ),
        autofilter=True,
    )


def security_log(request):
    """The log, newest first, filtered in the URL; `?format=csv` or `xlsx` exports the
    filtered rows."""
    if not request_access(request).may_read_security_log:
        raise PermissionDenied(_("Kun SOR-teamet kan se sikkerhedsloggen."))
    form = SecurityEventFilterForm(request.GET or None)
    events = security_events_filtered(**form.filters())
    export = request.GET.get("format")
    if export in {"csv", "xlsx"}:
        sheet = _sheet(events)
        stamp = timezone.localdate().isoformat()
        if export == "csv":
            response = HttpResponse(csv_bytes(sheet), content_type=CSV_CONTENT_TYPE)
        else:
            response = HttpResponse(xlsx_bytes(sheet), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="sikkerhedslog-{stamp}.{export}"'
        return response
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "accounts/security_log.html",
        {
            "form": form,
            "page": page,
            "retention_days": settings.SORPLAN_AUDIT_RETENTION_DAYS,
        },
    )
