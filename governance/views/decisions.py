"""The decision log: requests, their options, taking and withdrawing a decision."""

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
from ..exports import DECISION_COLUMNS
from ..models import Decision, Meeting
from ..selectors.logs import decision_rows
from ..services import records as services
from .common import CONFLICT, access_of, form_page, get_record_for_user, log_moment, log_page

# What the decision log shows: the decisions, their meetings, their activities (the
# reading rule) and parties (owners).
DECISION_PAGE_MODELS = (Decision, Meeting, Activity, Party)


def decision_list(request):
    """The decision log, live or as it stood at `?som_den_var=`."""
    access = access_of(request)
    moment, at, moment_context = log_moment(request)
    status = request.GET.get("status", "")
    if requested_format(request):
        return list_export(
            request,
            name="beslutninger",
            title=_("Beslutningslog"),
            columns=DECISION_COLUMNS,
            rows=decision_rows(access, status=status, at=at),
            form=moment,
            filters=[_("Status: %(status)s") % {"status": Decision.Status(status).label}]
            if status in Decision.Status.values
            else [],
        )
    return log_page(
        request,
        access,
        name="decision_list",
        models=DECISION_PAGE_MODELS,
        context=lambda: {
            "page": decision_rows(access, status=status, at=at, page=request.GET.get("side")),
            "status": status,
            "statuses": Decision.Status.choices,
            **moment_context,
        },
    )


def decision_detail(request, key):
    access = access_of(request)
    decision = get_record_for_user(request, Decision, key)
    take_form = None
    if access.may_edit_governance and decision.is_requested:
        take_form = forms.DecisionTakeForm(
            initial={"version": decision.version, "decided_on": timezone.localdate()}
        )
    return render(
        request,
        "governance/decision_detail.html",
        {"decision": decision, "options": decision.options.all(), "take_form": take_form},
    )


@require_http_methods(["GET", "POST"])
def decision_create(request):
    access_of(request).require_governance_editor()
    return form_page(
        request,
        make_form=lambda data: forms.DecisionForm(data),
        save=lambda form: services.decision_request(
            data=form.changes(),
            options=form.options(),
            user=request.user,
            reason=form.cleaned_data["change_reason"],
        ),
        template="governance/record_form.html",
        context={
            "heading": _("Ny beslutningsanmodning"),
            "creating": True,
            "cancel_url": reverse("governance:decision_list"),
        },
        success=lambda d: reverse("governance:decision_detail", args=[d.key]),
        done_message=_("Beslutningsanmodningen er oprettet."),
    )


@require_http_methods(["GET", "POST"])
def decision_edit(request, key):
    decision = get_record_for_user(request, Decision, key, write=True)
    if not decision.is_requested:
        raise PermissionDenied(_("Kun en anmodet beslutning kan ændres."))

    def save(form):
        return services.decision_update(
            pk=decision.pk,
            version=form.cleaned_data["version"],
            data=form.changes(),
            options=form.options(),
            user=request.user,
            reason=form.cleaned_data["change_reason"],
        )[0]

    return form_page(
        request,
        make_form=lambda data: forms.DecisionForm(
            data, instance=Decision.objects.get(pk=decision.pk)
        ),
        save=save,
        template="governance/record_form.html",
        context={
            "heading": _("Rediger “%(title)s”") % {"title": decision.title},
            "cancel_url": reverse("governance:decision_detail", args=[decision.key]),
        },
        success=lambda d: reverse("governance:decision_detail", args=[d.key]),
        done_message=_("Beslutningsanmodningen er gemt."),
    )


@require_POST
def decision_take(request, key):
    decision = get_record_for_user(request, Decision, key, write=True)
    form = forms.DecisionTakeForm(request.POST)
    if form.is_valid():
        try:
            services.decision_take(
                pk=decision.pk,
                version=form.cleaned_data["version"],
                outcome=form.cleaned_data["outcome"],
                decided_on=form.cleaned_data["decided_on"],
                meeting=form.cleaned_data["meeting"],
                conditions=form.cleaned_data["conditions"],
                user=request.user,
            )
        except EditConflict:
            form.add_error(None, CONFLICT)
        except ValidationError as error:
            from core.forms import add_service_errors

            add_service_errors(form, error)
        else:
            messages.success(request, _("Beslutningen er registreret."))
            return redirect("governance:decision_detail", decision.key)
    return render(
        request,
        "governance/decision_detail.html",
        {"decision": decision, "options": decision.options.all(), "take_form": form},
        status=400,
    )


@require_POST
def decision_withdraw(request, key):
    decision = get_record_for_user(request, Decision, key, write=True)
    try:
        services.decision_withdraw(
            pk=decision.pk, version=int(request.POST.get("version") or 0), user=request.user
        )
        messages.success(request, _("Beslutningsanmodningen er trukket tilbage."))
    except EditConflict:
        messages.error(request, CONFLICT)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("governance:decision_detail", decision.key)
