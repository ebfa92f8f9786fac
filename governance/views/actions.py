"""The action list, an action's page, its forms and its owner's progress update."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.versioning import EditConflict
from milestones.exports import list_export, requested_format
from milestones.models import Activity
from parties.models import Party

from .. import forms
from ..exports import ACTION_COLUMNS
from ..models import Action
from ..selectors.logs import action_rows
from ..services import records as services
from .common import (
    CONFLICT,
    access_of,
    form_page,
    get_record_for_user,
    log_moment,
    log_page,
    record_edit,
)

# What the action list shows: the actions, their activities (the reading rule) and
# parties (owners); people's names are read with the rows.
ACTION_PAGE_MODELS = (Action, Activity, Party)

ACTION_VIEWS = {
    "mine": _("Mine"),
    "part": _("Min parts"),
    "over-frist": _("Over frist"),
    "alle": _("Alle"),
}


def action_list(request):
    """The action list, live or as it stood at `?som_den_var=` (overdue then: past the due
    date on the moment's day)."""
    access = access_of(request)
    moment, at, moment_context = log_moment(request)
    today = timezone.localdate(at) if at else timezone.localdate()
    view = request.GET.get("vis", "alle")
    if view not in ACTION_VIEWS:
        view = "alle"
    closed = request.GET.get("lukkede") == "1"
    chosen = {"view": view, "closed": closed, "today": today, "at": at}
    if requested_format(request):
        return list_export(
            request,
            name="handlinger",
            title=_("Handlinger"),
            columns=ACTION_COLUMNS,
            rows=action_rows(access, **chosen),
            form=moment,
            filters=[
                _("Vis: %(view)s") % {"view": ACTION_VIEWS[view]},
                _("Lukkede med") if closed else _("Kun åbne"),
            ],
        )
    return log_page(
        request,
        access,
        name="action_list",
        models=ACTION_PAGE_MODELS,
        context=lambda: {
            "page": action_rows(access, **chosen, page=request.GET.get("side")),
            "view": view,
            "views": ACTION_VIEWS,
            "today": today,
            **moment_context,
        },
    )


def action_detail(request, key):
    access = access_of(request)
    action = get_record_for_user(request, Action, key)
    form = None
    if access.may_update_action(action) and services.is_editable(action):
        form = forms.ActionProgressForm(
            initial={
                "version": action.version,
                "status": action.status,
                "progress_note": action.progress_note,
            }
        )
    return render(
        request,
        "governance/action_detail.html",
        {
            "action": action,
            "form": form,
            "today": timezone.localdate(),
            "editable": access.may_edit_governance and services.is_editable(action),
        },
    )


@require_http_methods(["GET", "POST"])
def action_create(request):
    access_of(request).require_governance_editor()
    return form_page(
        request,
        make_form=lambda data: forms.ActionForm(data),
        save=lambda form: services.action_create(
            data=form.changes(), user=request.user, reason=form.cleaned_data["change_reason"]
        ),
        template="governance/record_form.html",
        context={
            "heading": _("Ny handling"),
            "creating": True,
            "cancel_url": reverse("governance:action_list"),
        },
        success=lambda a: reverse("governance:action_detail", args=[a.key]),
        done_message=_("Handlingen er oprettet."),
    )


@require_http_methods(["GET", "POST"])
def action_edit(request, key):
    return record_edit(request, Action, key, forms.ActionForm, _("Handlingen"))


@require_POST
def action_progress(request, key):
    """The owner (or the SOR-team) updates an action's status and note."""
    access = access_of(request)
    action = get_record_for_user(request, Action, key)
    if not access.may_update_action(action):
        raise PermissionDenied(_("Kun handlingens ansvarlige og SOR-teamet kan opdatere den."))
    form = forms.ActionProgressForm(request.POST)
    if form.is_valid():
        try:
            services.action_progress(
                pk=action.pk,
                version=form.cleaned_data["version"],
                status=form.cleaned_data["status"],
                progress_note=form.cleaned_data["progress_note"],
                user=request.user,
            )
        except EditConflict:
            form.add_error(None, CONFLICT)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Handlingen er opdateret."))
            return redirect("governance:action_detail", action.key)
    return render(
        request,
        "governance/action_detail.html",
        {"action": action, "form": form, "today": timezone.localdate(), "editable": False},
        status=400,
    )
