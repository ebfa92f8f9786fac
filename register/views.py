"""The SHAK dependency register's pages under /register/.

Who may (parties.access.Access): the SOR-team and the steering group read every
entry, a party's reporters the entries their party owns (RSI also the regions')
and a supplier's reporters the entries it maintains. The SOR-team creates,
edits and imports; a party's reporters move the state, and write the plan and
its dates, of the entries their party owns. 404 for an entry the person may not
see, 403 for one they may see but not change.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.forms import add_service_errors
from core.imports import pages as import_pages
from core.spreadsheets import XLSX_CONTENT_TYPE
from core.versioning import EditConflict
from milestones.exports import list_export, requested_format
from parties.access import request_access

from . import history, selectors, services
from .exports import ENTRY_COLUMNS
from .forms import EntryForm, FilterForm, PlanForm, StateForm, StepForm
from .imports import register_import, template_xlsx
from .models import Entry, Step

PAGE_SIZE = 50


# ---------------------------------------------------------------------------
# Fetch and authorise
# ---------------------------------------------------------------------------
def require_register_editor(request) -> None:
    if not request_access(request).can_edit_register:
        raise PermissionDenied(_("Kun SOR-teamets redaktører kan ændre registeret."))


def get_entry_for_user(request, key: str, *, write: str | None = None) -> Entry:
    """The entry if the person may read it (else 404); `write` "edit" (the SOR-team)
    or "update" (also the owning party's reporters) checks that right (else 403)."""
    entry = get_object_or_404(Entry.objects.select_related("owner", "supplier"), key=key)
    access = request_access(request)
    if not access.may_read_register_entry(owner_id=entry.owner_id, supplier_id=entry.supplier_id):
        raise Http404
    if write == "edit":
        require_register_editor(request)
    elif write == "update" and not access.may_update_register_entry(owner_id=entry.owner_id):
        raise PermissionDenied(
            _("Kun SOR-teamet og den ejende parts rapportører kan opdatere posten.")
        )
    return entry


def _saved(request, form, changed: bool) -> None:
    if changed:
        messages.success(request, _("Ændringerne er gemt."))
    else:
        messages.info(request, _("Der var ingen ændringer at gemme."))
    for note in getattr(form, "notes", ()):
        messages.info(request, note)


def _rebound(form_class, request, conflict: EditConflict, **kwargs):
    """The person's input again, on the version now saved (after a conflict)."""
    data = request.POST.copy()
    data["version"] = conflict.current.version
    return form_class(data, **kwargs)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
@require_safe
def entry_list(request):
    """The entries the person may read, with filters kept in the URL, 50 a page."""
    access = request_access(request)
    form = FilterForm(request.GET or None)
    filters = selectors.ListFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.ListFilters(
            party=data.get("part"),
            kind=data.get("type") or None,
            category=data.get("kategori") or None,
            state=data.get("tilstand") or None,
            search=(data.get("q") or "").strip(),
        )
    entries = selectors.entry_list(access, filters)
    if requested_format(request):
        return list_export(
            request,
            name="shak-register",
            title=_("SHAK-afhængigheder"),
            columns=ENTRY_COLUMNS,
            rows=entries.order_by("name", "pk"),
            form=form,
        )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "register/entry_list.html",
        {"form": form, "page": page, "entries": page.object_list},
    )


@require_safe
def entry_detail(request, key):
    """An entry: its facts, SHAK state, plan, steps with RAG, and history."""
    entry = get_entry_for_user(request, key)
    access = request_access(request)
    return render(
        request,
        "register/entry_detail.html",
        {
            "entry": entry,
            "steps": selectors.entry_steps(entry, today=timezone.localdate()),
            "activities": entry.activities.all(),
            "milestones": entry.milestones.select_related("activity"),
            "entries": history.entry_history(entry, limit=30),
            "may_edit": access.can_edit_register,
            "may_update": access.may_update_register_entry(owner_id=entry.owner_id),
        },
    )


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def entry_create(request):
    require_register_editor(request)
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(
                user=request.user,
                data=form.changes(),
                activities=form.cleaned_data["activities"],
                milestones=form.cleaned_data["milestones"],
                reason=form.cleaned_data["change_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Posten er oprettet."))
            return redirect("register:entry_detail", entry.key)
    return render(
        request,
        "register/entry_form.html",
        {"form": form, "creating": True, "cancel_url": reverse("register:entry_list")},
    )


@require_http_methods(["GET", "POST"])
def entry_edit(request, key):
    """The SOR-team's edit of an entry's facts and plan."""
    entry = get_entry_for_user(request, key, write="edit")
    form = EntryForm(request.POST or None, instance=Entry.objects.get(pk=entry.pk))
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            _entry, changed = services.entry_update(
                entry_id=entry.pk,
                version=form.cleaned_data["version"],
                user=request.user,
                data=form.changes(),
                activities=form.cleaned_data["activities"],
                milestones=form.cleaned_data["milestones"],
                reason=form.cleaned_data["change_reason"],
            )
        except EditConflict as error:
            conflict = error
            form = _rebound(EntryForm, request, error, instance=Entry.objects.get(pk=entry.pk))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _saved(request, form, changed)
            return redirect("register:entry_detail", entry.key)
    return render(
        request,
        "register/entry_form.html",
        {
            "form": form,
            "entry": entry,
            "conflict": conflict,
            "cancel_url": reverse("register:entry_detail", args=[entry.key]),
        },
    )


@require_http_methods(["GET", "POST"])
def plan_edit(request, key):
    """The transition plan (texts, budget, support, release): the owner's reporters too."""
    entry = get_entry_for_user(request, key, write="update")
    form = PlanForm(request.POST or None, instance=Entry.objects.get(pk=entry.pk))
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            _entry, changed = services.entry_update(
                entry_id=entry.pk,
                version=form.cleaned_data["version"],
                user=request.user,
                data=form.changes(),
                reason=form.cleaned_data["change_reason"],
                fields=services.PLAN_FIELDS,
            )
        except EditConflict as error:
            conflict = error
            form = _rebound(PlanForm, request, error, instance=Entry.objects.get(pk=entry.pk))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _saved(request, form, changed)
            return redirect("register:entry_detail", entry.key)
    return render(
        request,
        "register/plan_form.html",
        {
            "form": form,
            "entry": entry,
            "conflict": conflict,
            "cancel_url": reverse("register:entry_detail", args=[entry.key]),
        },
    )


@require_http_methods(["GET", "POST"])
def state_set(request, key):
    """Move the entry's SHAK use, with the rules for dates, confirmation and reasons."""
    entry = get_entry_for_user(request, key, write="update")
    form = StateForm(request.POST or None, entry=entry)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _entry, changed = services.entry_state_set(
                entry_id=entry.pk,
                version=data["version"],
                user=request.user,
                state=data["state"],
                date=data["state_date"],
                precision=data["state_date_precision"],
                confirmed_by=data["state_confirmed_by"],
                reason=data["change_reason"],
            )
        except EditConflict as error:
            conflict = error
            form = _rebound(StateForm, request, error, entry=error.current)
        except ValidationError as error:
            add_service_errors(form, error, rename={"reason": "change_reason"})
        else:
            _saved(request, form, changed)
            return redirect("register:entry_detail", entry.key)
    return render(
        request,
        "register/state_form.html",
        {
            "form": form,
            "entry": entry,
            "conflict": conflict,
            "cancel_url": reverse("register:entry_detail", args=[entry.key]),
        },
    )


@require_http_methods(["GET", "POST"])
def step_edit(request, key, kind):
    """One step's dates; the baseline only for the SOR-team."""
    entry = get_entry_for_user(request, key, write="update")
    if kind not in Step.Kind.values:
        raise Http404
    step = Step.objects.filter(entry=entry, kind=kind).first()
    may_set_baseline = request_access(request).can_edit_register
    form = StepForm(request.POST or None, step=step, may_set_baseline=may_set_baseline)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            _step, changed = services.step_set(
                entry_id=entry.pk,
                kind=kind,
                version=form.cleaned_data["version"],
                user=request.user,
                data=form.changes(),
                reason=form.cleaned_data["change_reason"],
            )
        except EditConflict as error:
            conflict = error
            form = _rebound(
                StepForm, request, error, step=error.current, may_set_baseline=may_set_baseline
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _saved(request, form, changed)
            return redirect("register:entry_detail", entry.key)
    return render(
        request,
        "register/step_form.html",
        {
            "form": form,
            "entry": entry,
            "kind_label": Step.Kind(kind).label,
            "conflict": conflict,
            "cancel_url": reverse("register:entry_detail", args=[entry.key]),
        },
    )


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload a file: its preview (a dry run) or every error; nothing is written yet."""
    require_register_editor(request)
    return import_pages.upload_page(
        request, run=register_import, prefix="register", template="register/import.html"
    )


@require_POST
def import_confirm(request):
    """Import the previewed file for real (all or nothing)."""
    require_register_editor(request)
    return import_pages.confirm(
        request,
        run=register_import,
        prefix="register",
        template="register/import.html",
        again="register:import",
        done="register:entry_list",
    )


@require_safe
def import_template(request):
    """The .xlsx template with the columns, Danish headers and drop-down lists."""
    require_register_editor(request)
    response = HttpResponse(template_xlsx(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="shak-register-skabelon.xlsx"'
    return response
