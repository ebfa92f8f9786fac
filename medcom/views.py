"""MedCom's matrix under /medcom/.

Who may (parties.access.Access): every member reads the matrix and the message
types, the rows they see being all (MedCom, the SOR-team, the steering group) or
their own supplier's; MedCom and the SOR-team edit message types, record test
results and import; a supplier's reporters move their own rows. 404 for what the
person may not see, 403 for what they may see but not change.
"""

import dataclasses
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.cache import page_html
from core.forms import add_service_errors
from core.imports import pages as import_pages
from core.spreadsheets import XLSX_CONTENT_TYPE
from core.versioning import EditConflict
from milestones.models import ProgressUpdate
from milestones.views.plan import cached_rows
from parties.access import request_access
from register import history

from . import reporting, selectors, services
from .forms import CertificationForm, FilterForm, MessageTypeForm
from .imports import export_xlsx, medcom_import, template_xlsx
from .models import Certification, CertificationProposal, MessageType, supplier_parties


def _require_member(request):
    if not request_access(request).may_read_medcom:
        raise PermissionDenied


def _require_certifier(request):
    if not request_access(request).may_certify:
        raise PermissionDenied(_("Kun MedCom og SOR-teamet kan gøre dette."))


def get_row_for_user(request, pk: int, *, write: bool = False) -> Certification:
    row = get_object_or_404(
        Certification.objects.select_related("entry", "entry__supplier", "message_type"), pk=pk
    )
    access = request_access(request)
    if not access.may_read_certifications_of(row.entry.supplier_id):
        raise Http404
    if write and not access.may_update_certification(row.entry.supplier_id):
        raise PermissionDenied(
            _("Kun MedCom, SOR-teamet og leverandørens rapportører kan ændre rækken.")
        )
    return row


def _filters(request):
    form = FilterForm(request.GET or None, access=request_access(request))
    filters = selectors.MatrixFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.MatrixFilters(
            state=data.get("tilstand") or None,
            family=data.get("familie") or None,
            supplier=data.get("leverandoer"),
        )
    return form, filters


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
def _rights(access) -> tuple:
    """What of the reader's rights changes a cached page: the rows read, the links to
    suppliers' pages, the edit links and the nav's actions."""
    return (
        access.may_certify,
        access.may_read_all_certifications,
        tuple(sorted(access.certification_supplier_ids)),
    )


def _cached_page(
    request, kind: str, template: str, build, context: dict | None = None, *, version=None
):
    """The page's main content as HTML under MedCom's data version (or the page's own
    `version`: the matrix's, `selectors.matrix_version`) and the reader's rights
    (`core.cache.page_html`: also the day, the path with its query string and the
    language), so any save through the services shows on the next request."""
    version = version or selectors.data_version()
    body, _context = page_html(
        request,
        namespace="medcom",
        parts=(kind, version, *_rights(request_access(request))),
        build=build,
        seconds=selectors.PAGE_CACHE_SECONDS,
    )
    return render(request, template, {**(context or {}), "body": body})


def _matrix_row_shows(row) -> tuple:
    """Everything a supplier's row of the matrix shows."""
    return (
        row.supplier.key,
        row.supplier.label,
        row.may_open,
        row.certified,
        row.total,
        tuple(
            (c.message_type.pk, tuple(dataclasses.astuple(b) for b in c.badges)) for c in row.cells
        ),
    )


def _rows_cached(request, rows, *, next_url: str, with_supplier: bool = False) -> None:
    """`r.row_html` on each of the rated certification rows (`_row.html`), each cached on
    its own under what it shows (its version, names, state, dates, rating and whether
    the reader may update it): after an edit only the edited row renders again."""
    access = request_access(request)

    def shows(rated) -> tuple:
        row = rated.row
        return (
            row.version,
            row.entry.key,
            row.entry.name,
            row.is_demo,
            row.message_type.key,
            row.message_type.code,
            row.direction,
            row.state,
            row.rejection_reason,
            row.planned_production_date,
            row.planned_production_precision,
            row.reference,
            repr(rated.rag),
            access.may_update_certification(row.entry.supplier_id),
            row.entry.supplier.label if with_supplier else None,
        )

    cached_rows(
        request,
        rows,
        template="medcom/_row.html",
        name="r",
        shows=shows,
        context={"next": next_url, "with_supplier": with_supplier},
        ident=lambda rated: rated.row.pk,
    )


@require_safe
def matrix(request):
    """Suppliers × message types, a page of each, with the filters in the URL."""
    _require_member(request)

    def build():
        form, filters = _filters(request)
        access = request_access(request)
        data = selectors.matrix(
            access,
            filters,
            supplier_page=request.GET.get("side"),
            type_page=request.GET.get("typer"),
        )
        for row in data.rows:
            row.may_open = access.may_read_certifications_of(row.supplier.pk)
        # After an edit only the suppliers' rows whose cells changed render again (a
        # row's note, which the matrix does not show, renders none).
        cached_rows(
            request,
            data.rows,
            template="medcom/_matrix_row.html",
            name="row",
            shows=_matrix_row_shows,
            context={},
            ident=lambda row: row.supplier.pk,
        )
        return "medcom/_matrix_main.html", {"form": form, "matrix": data}

    # Keyed by what the matrix reads of the rows: a note edited leaves it warm.
    return _cached_page(
        request, "matrix", "medcom/matrix.html", build, version=selectors.matrix_version()
    )


@require_safe
def message_type_detail(request, key):
    _require_member(request)
    message_type = get_object_or_404(MessageType, key=key)

    def build():
        access = request_access(request)
        status = selectors.message_type_status(message_type, access, today=timezone.localdate())
        view = request.GET.get("vis", "")
        view = view if view in status.VIEWS else ""
        page = Paginator(status.listed(view), selectors.ROWS_PER_PAGE).get_page(
            request.GET.get("side")
        )
        _rows_cached(
            request, page.object_list, next_url=request.get_full_path(), with_supplier=True
        )
        return "medcom/_message_type_main.html", {
            "message_type": message_type,
            "status": status,
            "view": view,
            "page": page,
            "entries": history.history_of(message_type, limit=30),
        }

    # Keyed by what the page reads of the rows: a note edited leaves it warm.
    return _cached_page(
        request,
        "message-type",
        "medcom/message_type_detail.html",
        build,
        {"message_type": message_type},
        version=selectors.row_pages_version(),
    )


@require_safe
def supplier_detail(request, key):
    """A supplier's systems and rows, its overdue rows and contacts: its own reporters,
    MedCom, the SOR-team and the steering group."""
    supplier = get_object_or_404(supplier_parties(), key=key)
    if not request_access(request).may_read_certifications_of(supplier.pk):
        raise Http404

    def build():
        status = selectors.supplier_status(supplier, today=timezone.localdate())
        _rows_cached(request, status.overdue, next_url=request.path)
        _rows_cached(
            request, [r for _entry, rows in status.systems for r in rows], next_url=request.path
        )
        return "medcom/_supplier_main.html", {"status": status}

    return _cached_page(
        request,
        "supplier",
        "medcom/supplier_detail.html",
        build,
        {"supplier": supplier},
        version=selectors.row_pages_version(),
    )


@require_safe
def work_list(request):
    """MedCom's rows to test: "klar til test" and "i test"."""
    _require_certifier(request)
    return render(
        request, "medcom/work_list.html", {"rows": selectors.work_list(request_access(request))}
    )


def _require_proposal_reviewer(request):
    access = request_access(request)
    if not access.may_review_certification_proposals:
        raise PermissionDenied(_("Kun MedCom og SOR-teamet behandler leverandørernes forslag."))
    return access


@require_safe
def proposals(request):
    """The suppliers' pending proposals from their submitted progress updates (the
    MedCom section only): MedCom's reporters and the SOR-team accept or return each."""
    _require_proposal_reviewer(request)
    pending = (
        CertificationProposal.objects.filter(
            decision=CertificationProposal.Decision.PENDING,
            update__status=ProgressUpdate.Status.SUBMITTED,
        )
        .select_related(
            "certification__entry__supplier",
            "certification__message_type",
            "update__round",
            "update__party",
            "update__activity",
        )
        .order_by("update__party__name", "certification__entry__name", "pk")
    )
    return render(
        request,
        "medcom/proposals.html",
        {"proposals": [(p, reporting.describe(p)) for p in pending]},
    )


@require_POST
def proposal_decide(request, proposal_id):
    """Accept or return one proposal (the button pressed: `decision`)."""
    access = _require_proposal_reviewer(request)
    get_object_or_404(CertificationProposal, pk=proposal_id)
    accept = request.POST.get("decision") == "accept"
    try:
        services.proposal_decide(
            access=access, user=request.user, proposal_id=proposal_id, accept=accept
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except EditConflict:
        messages.error(request, _("Rækken er ændret imens; se den og prøv igen."))
    else:
        messages.success(
            request, _("Forslaget er godkendt.") if accept else _("Forslaget er returneret.")
        )
    return redirect("medcom:proposals")


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def message_type_create(request):
    _require_certifier(request)
    form = MessageTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message_type = services.message_type_create(
                access=request_access(request),
                user=request.user,
                data=form.changes(),
                reason=form.cleaned_data["change_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Meddelelsestypen er oprettet."))
            return redirect("medcom:message_type_detail", message_type.key)
    return render(
        request,
        "medcom/form.html",
        {
            "form": form,
            "creating": True,
            "title": _("Ny meddelelsestype"),
            "cancel_url": reverse("medcom:matrix"),
        },
    )


@require_http_methods(["GET", "POST"])
def message_type_edit(request, key):
    _require_certifier(request)
    message_type = get_object_or_404(MessageType, key=key)
    form = MessageTypeForm(
        request.POST or None, instance=MessageType.objects.get(pk=message_type.pk)
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            _type, changed = services.message_type_update(
                access=request_access(request),
                message_type_id=message_type.pk,
                version=form.cleaned_data["version"],
                user=request.user,
                data=form.changes(),
                reason=form.cleaned_data["change_reason"],
            )
        except EditConflict as error:
            conflict = error
            data = request.POST.copy()
            data["version"] = error.current.version
            form = MessageTypeForm(data, instance=MessageType.objects.get(pk=message_type.pk))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _saved(request, form, changed)
            return redirect("medcom:message_type_detail", message_type.key)
    return render(
        request,
        "medcom/form.html",
        {
            "form": form,
            "conflict": conflict,
            "title": _("Redigér %(code)s") % {"code": message_type.code},
            "cancel_url": reverse("medcom:message_type_detail", args=[message_type.key]),
        },
    )


def _saved(request, form, changed: bool) -> None:
    if changed:
        messages.success(request, _("Ændringerne er gemt."))
    else:
        messages.info(request, _("Der var ingen ændringer at gemme."))
    for note in getattr(form, "notes", ()):
        messages.info(request, note)


@require_http_methods(["GET", "POST"])
def certification_edit(request, certification_id):
    """Move a row (and write its dates and notes). With htmx (from the work list or a
    supplier's page), a saved row answers with its table row."""
    row = get_row_for_user(request, certification_id, write=True)
    access = request_access(request)
    form = CertificationForm(request.POST or None, row=row, may_certify=access.may_certify)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row, changed = services.certification_set(
                access=access,
                certification_id=row.pk,
                version=data["version"],
                user=request.user,
                state=data["state"],
                on=data["on"],
                data=form.changes(),
                reason=data["change_reason"],
            )
        except EditConflict as error:
            conflict = error
            post = request.POST.copy()
            post["version"] = error.current.version
            row = get_row_for_user(request, certification_id, write=True)
            form = CertificationForm(post, row=row, may_certify=access.may_certify)
        except ValidationError as error:
            add_service_errors(form, error, rename={"certified_on": "on", "rejected_on": "on"})
        else:
            if request.headers.get("HX-Request"):
                return render(
                    request,
                    "medcom/_row.html",
                    {
                        "r": selectors.RatedRow(
                            row, selectors.row_rag(row, today=timezone.localdate())
                        ),
                        "saved": True,
                    },
                )
            _saved(request, form, changed)
            return redirect(request.POST.get("next") or _row_home(row))
    return render(
        request,
        "medcom/certification_form.html",
        {
            "form": form,
            "row": row,
            "conflict": conflict,
            "next": _safe_next(request),
            "cancel_url": _safe_next(request) or _row_home(row),
        },
    )


def _row_home(row) -> str:
    return reverse("medcom:supplier_detail", args=[row.entry.supplier.key])


def _safe_next(request) -> str:
    value = request.POST.get("next") or request.GET.get("next") or ""
    return value if value.startswith("/medcom/") else ""


# ---------------------------------------------------------------------------
# Import and export
# ---------------------------------------------------------------------------
def _require_importer(request):
    access = request_access(request)
    if not (access.may_certify or access.certification_supplier_ids):
        raise PermissionDenied(
            _("Kun MedCom, SOR-teamet og leverandørernes rapportører kan importere.")
        )
    return access


def _import_context() -> dict:
    """The shared import body's preview names a row by its three key columns."""
    return {"key_columns": [_("System"), _("Meddelelsestype"), _("Retning")]}


def _run_import(access):
    """The matrix's import with the uploader's rights (the shared pages pass the rest)."""
    return partial(medcom_import, access=access)


@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload the matrix: its preview (a dry run) or every error; nothing written yet."""
    access = _require_importer(request)
    return import_pages.upload_page(
        request,
        run=_run_import(access),
        prefix="medcom",
        template="medcom/import.html",
        context=_import_context(),
    )


@require_POST
def import_confirm(request):
    access = _require_importer(request)
    return import_pages.confirm(
        request,
        run=_run_import(access),
        prefix="medcom",
        template="medcom/import.html",
        again="medcom:import",
        done="medcom:matrix",
        context=_import_context(),
    )


@require_safe
def import_template(request):
    _require_importer(request)
    response = HttpResponse(template_xlsx(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="medcom-matrix-skabelon.xlsx"'
    return response


@require_safe
def export(request):
    """The rows the person reads, with the filters of the matrix, as the import's file."""
    _require_member(request)
    _form, filters = _filters(request)
    response = HttpResponse(
        export_xlsx(request_access(request), filters), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = 'attachment; filename="medcom-matrix.xlsx"'
    return response
