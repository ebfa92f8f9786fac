"""Shared steps of governance pages: fetch and authorise, the logs' cached content, and
the form page."""

import dataclasses
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.cache import page_html, stamp
from core.forms import PointInTimeForm, form_save
from parties.access import request_access
from parties.models import Party

from ..services import records as services

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
    ids = {getattr(record, f"{name}_id") for name in record.READER_PARTY_FIELDS} - {None}
    ids.update(record.activities.values_list("responsible_party_id", flat=True))
    return ids


def log_moment(request):
    """A log page's `?som_den_var=`: the form (bound to the query, so a bad date shows its
    Danish message beside what was typed), the valid moment (None: live) and the page's
    context for the moment form and the past banner (`keep`: the page's other filters,
    carried by the form)."""
    form = PointInTimeForm(request.GET or None)
    at = form.moment
    keep = [(k, v) for k, v in request.GET.items() if k not in ("som_den_var", "format", "side")]
    return form, at, {"moment": form, "as_of": at, "keep": keep}


# How long a log's content is kept (its key moves with every save of what it shows).
LOG_CACHE_SECONDS = 600


def log_page(request, access, *, name: str, models, context: Callable[[], dict]):
    """A log's page (`name`: the risk register's, the decision, issue and action logs'):
    its content (`governance/_<name>_main.html` with `context()`) as HTML under the live
    stamp of what it shows (`models`; a past moment's rows say whether they were deleted
    since), the reader's rights (the reading rule), the day, the query string and the
    language (`core.cache.page_html`), put in `governance/<name>.html` (the page around
    it). Warm: the stamp's query and one read of the cache, no count and no rendering of
    the rows or filters."""
    content, found = page_html(
        request,
        namespace="governance",
        parts=(name, stamp(models=models), dataclasses.astuple(access)),
        build=lambda: (f"governance/_{name}_main.html", context()),
        seconds=LOG_CACHE_SECONDS,
    )
    return render(request, f"governance/{name}.html", {**found, "content": content})


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
    """GET: `make_form(None)`. POST: validate, save through `save(form)` (`core.forms.
    form_save`): on success a message and a redirect to `success(saved)`; on a service
    error or a conflict the form again with what the person typed (400 / 409)."""
    form = make_form(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        result = form_save(form, save, conflict=CONFLICT)
        if result.ok:
            messages.success(request, done_message)
            return redirect(success(result.saved))
        status = result.status
    return render(request, template, {**context, "form": form}, status=status)


def parties_for(access):
    """The parties a person may name as owner: all for the SOR-team, else those they
    report for."""
    if access.may_edit_governance:
        return Party.objects.all()
    return Party.objects.filter(pk__in=access.reports_for_party_ids)


def record_edit(request, model, key, form_class, what):
    """The edit page of a risk, an issue or an action (not once it is closed)."""
    record = get_record_for_user(request, model, key, write=True)
    if not services.is_editable(record):
        raise PermissionDenied(_("Posten er afsluttet og kan ikke ændres."))
    name = model._meta.model_name

    def save(form):
        return services.record_update(
            model,
            pk=record.pk,
            version=form.cleaned_data["version"],
            data=form.changes(),
            user=request.user,
            reason=form.cleaned_data["change_reason"],
        )[0]

    return form_page(
        request,
        make_form=lambda data: form_class(data, instance=get_object_or_404(model, pk=record.pk)),
        save=save,
        template="governance/record_form.html",
        context={
            "heading": _("Rediger “%(title)s”") % {"title": record.title},
            "record": record,
            "cancel_url": reverse(f"governance:{name}_detail", args=[record.key]),
        },
        success=lambda saved: reverse(f"governance:{name}_detail", args=[saved.key]),
        done_message=_("%(what)s er gemt.") % {"what": what},
    )
