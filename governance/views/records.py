"""The risk register (with its heat map), the issue log, the decision log and the action
list, with their forms."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.versioning import EditConflict
from milestones.models import Activity, Milestone
from milestones.rag import Rag, rags_for
from parties.models import Party

from .. import forms
from ..models import Action, Decision, DeliveryConfidence, ExceptionNote, Issue, Risk
from ..selectors.risks import heat_map
from ..services import records as services
from .common import CONFLICT, access_of, form_page, get_record_for_user


def _parties_for(access):
    if access.may_edit_governance:
        return Party.objects.all()
    return Party.objects.filter(pk__in=access.reports_for_party_ids)


# ---------------------------------------------------------------------------
# Overview
# ---------------------------------------------------------------------------
def home(request):
    """The governance overview: what needs attention, and the SOR-team's prompts to write
    an exception note for red milestones on the critical list."""
    access = access_of(request)
    today = timezone.localdate()
    context = {
        "flagged": Risk.objects.visible_to(access).flagged(today).select_related("owner_party"),
        "decisions": Decision.objects.visible_to(access).requested(),
        "overdue": Action.objects.visible_to(access).overdue(today).select_related("owner_party"),
        "confidence": DeliveryConfidence.objects.filter(activity__isnull=True).first(),
        "exception_prompts": [],
    }
    if access.may_edit_governance:
        # The critical list: milestones of activities marked critical, or all open ones when
        # the plan marks none; those red without an exception note are prompted.
        candidates = list(
            Milestone.objects.exclude(
                status__in=[Milestone.Status.DONE, Milestone.Status.CANCELLED]
            ).select_related("activity")
        )
        rags = rags_for(candidates, today=today)
        noted = set(ExceptionNote.objects.values_list("milestone_id", flat=True))
        context["exception_prompts"] = [
            m for m in candidates if rags[m.pk].rag == Rag.RED and m.pk not in noted
        ][:20]
    return render(request, "governance/home.html", context)


# ---------------------------------------------------------------------------
# Risks
# ---------------------------------------------------------------------------
def risk_list(request):
    access = access_of(request)
    filters = forms.RiskFilterForm(request.GET or None)
    risks = Risk.objects.visible_to(access).select_related("owner_party", "owner_person")
    status = ""
    if filters.is_valid():
        data = filters.cleaned_data
        if data["party"]:
            risks = risks.filter(owner_party=data["party"])
        if data["track"]:
            risks = risks.filter(activities__track=data["track"]).distinct()
        if data["band"]:
            risks = risks.in_band(data["band"])
        status = data["status"]
        if data["owner"]:
            risks = risks.filter(owner_person=data["owner"])
    listed = (
        risks.active()
        if status == ""
        else risks
        if status == "all"
        else risks.filter(status=status)
    )
    cell = request.GET.get("celle", "")
    if cell.count("x") == 1 and cell.replace("x", "").isdigit():
        p, i = cell.split("x")
        listed = listed.filter(probability=int(p), impact=int(i))
    query = request.GET.copy()
    query.pop("celle", None)
    return render(
        request,
        "governance/risk_list.html",
        {
            "filters": filters,
            "risks": listed.with_score().order_by("-score_value", "title"),
            "heat": heat_map(risks),
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "cell": cell,
        },
    )


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
    parties = _parties_for(access)

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


def _edit(request, model, key, form_class, what):
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


@require_http_methods(["GET", "POST"])
def risk_edit(request, key):
    return _edit(request, Risk, key, forms.RiskForm, _("Risikoen"))


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


# ---------------------------------------------------------------------------
# Issues
# ---------------------------------------------------------------------------
def issue_list(request):
    access = access_of(request)
    issues = Issue.objects.visible_to(access).select_related("owner_party")
    status = request.GET.get("status", "")
    if status in Issue.Status.values:
        issues = issues.filter(status=status)
    elif status != "alle":
        issues = issues.exclude(status__in=[Issue.Status.RESOLVED, Issue.Status.REJECTED])
    return render(
        request,
        "governance/issue_list.html",
        {
            "issues": issues.order_by("due_on", "title"),
            "status": status,
            "statuses": Issue.Status.choices,
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
    parties = _parties_for(access)
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
    return _edit(request, Issue, key, forms.IssueForm, _("Problemet"))


# ---------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------
def decision_list(request):
    access = access_of(request)
    decisions = Decision.objects.visible_to(access).select_related("meeting", "owner_party")
    status = request.GET.get("status", "")
    if status in Decision.Status.values:
        decisions = decisions.filter(status=status)
    return render(
        request,
        "governance/decision_list.html",
        {"decisions": decisions, "status": status, "statuses": Decision.Status.choices},
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


# ---------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------
ACTION_VIEWS = {
    "mine": _("Mine"),
    "part": _("Min parts"),
    "over-frist": _("Over frist"),
    "alle": _("Alle"),
}


def action_list(request):
    access = access_of(request)
    today = timezone.localdate()
    actions = Action.objects.visible_to(access).select_related("owner_party", "owner_person")
    view = request.GET.get("vis", "alle")
    if view == "mine":
        actions = actions.filter(owner_person=request.user)
    elif view == "part":
        actions = actions.filter(owner_party_id__in=access.party_ids)
    elif view == "over-frist":
        actions = actions.overdue(today)
    else:
        view = "alle"
    if request.GET.get("lukkede") != "1" and view != "over-frist":
        actions = actions.open()
    return render(
        request,
        "governance/action_list.html",
        {"actions": actions, "view": view, "views": ACTION_VIEWS, "today": today},
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
    return _edit(request, Action, key, forms.ActionForm, _("Handlingen"))


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


# ---------------------------------------------------------------------------
# Exception notes and delivery confidence (SOR-team)
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def exception_create(request, milestone_key):
    access_of(request).require_governance_editor()
    milestone = get_object_or_404(Milestone.objects.select_related("activity"), key=milestone_key)

    def save(form):
        return services.exception_raise(
            milestone=milestone,
            needed_by=form.cleaned_data["needed_by"],
            user=request.user,
            **{n: form.cleaned_data[n] for n in forms.ExceptionForm.Meta.fields},
        )

    return form_page(
        request,
        make_form=lambda data: forms.ExceptionForm(data),
        save=save,
        template="governance/record_form.html",
        context={
            "heading": _("Afvigelsesrapport: %(title)s") % {"title": milestone.title},
            "creating": True,
            "cancel_url": reverse("governance:home"),
        },
        success=lambda note: reverse("governance:decision_detail", args=[note.decision.key]),
        done_message=_(
            "Afvigelsesrapporten er gemt og sendt til styregruppen som en beslutningsanmodning."
        ),
    )


@require_http_methods(["GET", "POST"])
def confidence_edit(request):
    access_of(request).require_governance_editor()
    activity = None
    key = request.GET.get("aktivitet") or request.POST.get("activity_key")
    if key:
        activity = get_object_or_404(Activity, key=key)
    current = DeliveryConfidence.objects.filter(
        key=activity.key if activity else "programmet"
    ).first()

    def make(data):
        initial = {"version": current.version if current else 0, "activity": activity}
        if current:
            initial.update(level=current.level, justification=current.justification)
        return forms.ConfidenceForm(data, initial=initial)

    return form_page(
        request,
        make_form=make,
        save=lambda form: services.confidence_set(
            activity=form.cleaned_data["activity"],
            level=form.cleaned_data["level"],
            justification=form.cleaned_data["justification"],
            version=form.cleaned_data["version"],
            user=request.user,
        ),
        template="governance/record_form.html",
        context={
            "heading": _("Leveringssikkerhed"),
            "creating": True,
            "cancel_url": reverse("governance:home"),
        },
        success=lambda c: reverse("governance:home"),
        done_message=_("Leveringssikkerheden er gemt."),
    )
