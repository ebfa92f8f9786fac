"""The risk register with its heat map, and its forms; the SOR-team's review of a
proposed risk or issue."""

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
from ..exports import RISK_COLUMNS
from ..models import Issue, Risk
from ..selectors.records import listed as listed_records
from ..selectors.records import listed_page
from ..selectors.risks import heat_map, risk_rows
from ..services import records as services
from .common import (
    CONFLICT,
    access_of,
    form_page,
    get_record_for_user,
    log_page,
    parties_for,
    record_edit,
)

# What the risk register shows: the risks, their activities (the track filter and the
# reading rule) and parties (owners); people's names are read with the rows.
RISK_PAGE_MODELS = (Risk, Activity, Party)


def risk_list(request):
    """The register and its heat map, live or as they stood at `?som_den_var=`."""
    access = access_of(request)
    filters = forms.RiskFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    at = data.get("som_den_var")
    risks = risk_rows(access, data, at)
    status = data.get("status", "")
    listed = (
        risks.filter(status__in=Risk.ACTIVE_STATUSES)
        if status == ""
        else risks
        if status == "all"
        else risks.filter(status=status)
    )
    cell = request.GET.get("celle", "")
    if cell.count("x") == 1 and cell.replace("x", "").isdigit():
        p, i = cell.split("x")
        listed = listed.filter(probability=int(p), impact=int(i))
    listed = listed.order_by("-score_value", "title", "id")
    if requested_format(request):
        return list_export(
            request,
            name="risici",
            title=_("Risikoregister"),
            columns=RISK_COLUMNS,
            rows=listed_records(Risk, listed, at),
            form=filters,
            filters=[_("Felt: %(cell)s") % {"cell": cell}] if cell else [],
        )

    def context():
        query = request.GET.copy()
        query.pop("celle", None)
        query.pop("format", None)
        query.pop("side", None)
        return {
            "filters": filters,
            "page": listed_page(Risk, listed, at, number=request.GET.get("side")),
            "heat": heat_map(risks, at=at),
            "query": query.urlencode(),
            "today": timezone.localdate(at) if at else timezone.localdate(),
            "as_of": at,
            "cell": cell,
        }

    # The page's content (heat map, filters and rows) as HTML (`log_page`).
    return log_page(request, access, name="risk_list", models=RISK_PAGE_MODELS, context=context)


def risk_detail(request, key):
    risk = get_record_for_user(request, Risk, key)
    return render(
        request,
        "governance/risk_detail.html",
        {
            "risk": risk,
            "today": timezone.localdate(),
            "editable": services.is_editable(risk),
            "actions": risk.actions.all(),
        },
    )


@require_http_methods(["GET", "POST"])
def risk_create(request):
    access = access_of(request)
    proposing = not access.may_edit_governance
    if proposing and not access.reporter_party_ids and not access.reports_for_party_ids:
        raise PermissionDenied
    parties = parties_for(access)

    def save(form):
        return services.risk_create(
            data=form.changes(),
            user=request.user,
            reason=form.cleaned_data["change_reason"],
            proposed=proposing,
        )

    return form_page(
        request,
        make_form=lambda data: forms.RiskForm(data, parties=parties, proposing=proposing),
        save=save,
        template="governance/record_form.html",
        context={
            "heading": _("Foreslå en risiko") if proposing else _("Ny risiko"),
            "creating": True,
            "cancel_url": reverse("governance:risk_list"),
        },
        success=lambda risk: reverse("governance:risk_detail", args=[risk.key]),
        done_message=_("Risikoen er foreslået; SOR-teamet behandler forslaget.")
        if proposing
        else _("Risikoen er oprettet."),
    )


@require_http_methods(["GET", "POST"])
def risk_edit(request, key):
    return record_edit(request, Risk, key, forms.RiskForm, _("Risikoen"))


@require_POST
def proposal_review(request, kind, key):
    """The SOR-team accepts or rejects a proposed risk or issue."""
    model = {"risici": Risk, "problemer": Issue}[kind]
    record = get_record_for_user(request, model, key, write=True)
    try:
        services.proposal_review(
            model,
            pk=record.pk,
            version=int(request.POST.get("version") or 0),
            accept=request.POST.get("accept") == "1",
            user=request.user,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Forslaget er behandlet."))
    except EditConflict:
        messages.error(request, CONFLICT)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"governance:{model._meta.model_name}_detail", record.key)
