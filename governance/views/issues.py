"""The issue log and its forms."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from milestones.exports import list_export, requested_format
from milestones.models import Activity
from parties.models import Party

from .. import forms
from ..exports import ISSUE_COLUMNS
from ..models import Issue
from ..selectors.logs import issue_rows
from ..services import records as services
from .common import (
    access_of,
    form_page,
    get_record_for_user,
    log_moment,
    log_page,
    parties_for,
    record_edit,
)

# What the issue log shows: the issues, their activities (the reading rule) and parties
# (owners).
ISSUE_PAGE_MODELS = (Issue, Activity, Party)


def issue_list(request):
    """The issue log, live or as it stood at `?som_den_var=`."""
    access = access_of(request)
    moment, at, moment_context = log_moment(request)
    status = request.GET.get("status", "")
    if requested_format(request):
        return list_export(
            request,
            name="problemer",
            title=_("Problemlog"),
            columns=ISSUE_COLUMNS,
            rows=issue_rows(access, status=status, at=at),
            form=moment,
            filters=[_("Status: %(status)s") % {"status": Issue.Status(status).label}]
            if status in Issue.Status.values
            else []
            if status == "alle"
            else [_("Status: åbne")],
        )
    return log_page(
        request,
        access,
        name="issue_list",
        models=ISSUE_PAGE_MODELS,
        context=lambda: {
            "page": issue_rows(access, status=status, at=at, page=request.GET.get("side")),
            "status": status,
            "statuses": Issue.Status.choices,
            **moment_context,
        },
    )


def issue_detail(request, key):
    issue = get_record_for_user(request, Issue, key)
    return render(
        request,
        "governance/issue_detail.html",
        {"issue": issue, "editable": services.is_editable(issue)},
    )


@require_http_methods(["GET", "POST"])
def issue_create(request):
    access = access_of(request)
    proposing = not access.may_edit_governance
    if proposing and not access.reports_for_party_ids:
        raise PermissionDenied
    parties = parties_for(access)
    return form_page(
        request,
        make_form=lambda data: forms.IssueForm(data, parties=parties, proposing=proposing),
        save=lambda form: services.issue_create(
            data=form.changes(),
            user=request.user,
            reason=form.cleaned_data["change_reason"],
            proposed=proposing,
        ),
        template="governance/record_form.html",
        context={
            "heading": _("Foreslå et problem") if proposing else _("Nyt problem"),
            "creating": True,
            "cancel_url": reverse("governance:issue_list"),
        },
        success=lambda issue: reverse("governance:issue_detail", args=[issue.key]),
        done_message=_("Problemet er foreslået; SOR-teamet behandler forslaget.")
        if proposing
        else _("Problemet er oprettet."),
    )


@require_http_methods(["GET", "POST"])
def issue_edit(request, key):
    return record_edit(request, Issue, key, forms.IssueForm, _("Problemet"))
