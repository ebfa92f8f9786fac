"""Shared steps of governance pages: fetch and authorise, and the form page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.forms import add_service_errors
from core.versioning import EditConflict
from parties.access import request_access

CONFLICT = _(
    "Posten er gemt af en anden, mens du redigerede. Dine ændringer er ikke gemt: "
    "kontrollér dem mod den nye version, og gem igen."
)


def access_of(request):
    access = request_access(request)
    if not access.may_read_governance:
        raise PermissionDenied(_("Styringens poster er for SOR-teamet, styregruppen og parterne."))
    return access


def record_parties(record) -> set[int]:
    ids = {record.owner_party_id}
    if getattr(record, "requested_by_party_id", None):
        ids.add(record.requested_by_party_id)
    ids.update(record.activities.values_list("responsible_party_id", flat=True))
    return ids


def get_record_for_user(request, model, key: str, *, write: bool = False):
    """404 for a record the person may not see, 403 for one they may see but not change."""
    access = access_of(request)
    record = get_object_or_404(model, key=key)
    if not access.may_read_record(record_parties(record), record.owner_person_id):
        raise Http404
    if write:
        access.require_governance_editor()
    return record


def form_page(request, *, make_form, save, template, context, success, done_message):
    """GET: `make_form(None)`. POST: validate, save through `save(form)`; on a service
    error or a conflict re-render with what the person typed (400 / 409)."""
    status = 200
    form = make_form(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = save(form)
            except EditConflict as conflict:
                data = request.POST.copy()
                data["version"] = conflict.current.version
                form = make_form(data)
                form.is_valid()
                form.add_error(None, CONFLICT)
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
            else:
                messages.success(request, done_message)
                return redirect(success(saved))
        else:
            status = 400
    return render(request, template, {**context, "form": form}, status=status)
