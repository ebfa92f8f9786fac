"""Editing the plan (SOR-team editors and superusers only): create, edit and delete goals
and activities, and set or activate baselines. Milestones, their quick edits in place and
dependencies are in `milestone_editing`.

Every write goes through milestones.services with the version the person saw;
a conflict re-renders the form on the new version with the person's changes
carried over and the other person's changes shown.
"""

from functools import partial

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from parties.access import request_access
from parties.models import Party

from ..forms import (
    ActivityDeleteForm,
    ActivityForm,
    BaselineActivateForm,
    BaselineForm,
    GoalForm,
)
from ..models import Goal
from ..services import baselines as baseline_services
from ..services import plan as services
from . import plan as plan_views
from .edit_pages import (
    create_page,
    delete_page,
    edit_page,
    get_activity_for_user,
    get_baseline_for_user,
    get_goal_for_user,
    safe_next,
)


# ---------------------------------------------------------------------------
# Goals
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def goal_create(request):
    request_access(request).require_plan_editor()
    return create_page(
        request,
        form_class=GoalForm,
        create=partial(services.goal_create, user=request.user),
        template="milestones/goal_form.html",
        context={},
        success=lambda goal: reverse("milestones:goal_detail", args=[goal.key]),
        what=_("Målet"),
        initial={"kind": request.GET.get("type") or Goal.Kind.STRATEGIC},
    )


@require_http_methods(["GET", "POST"])
def goal_edit(request, key):
    goal = get_goal_for_user(request, key, write=True)
    return edit_page(
        request,
        instance=goal,
        form_class=GoalForm,
        update=partial(services.goal_update, goal_id=goal.pk, user=request.user),
        template="milestones/goal_form.html",
        context={"goal": goal},
        success=lambda saved: reverse("milestones:goal_detail", args=[saved.key]),
        what=_("Målet"),
    )


@require_http_methods(["GET", "POST"])
def goal_delete(request, key):
    goal = get_goal_for_user(request, key, write=True)
    return delete_page(
        request,
        instance=goal,
        delete=partial(services.goal_delete, goal_id=goal.pk, user=request.user),
        template="milestones/confirm_delete.html",
        context={
            "object": goal,
            "kind_label": _("målet"),
            "cancel_url": reverse("milestones:goal_detail", args=[goal.key]),
            "blocking": goal.activities.count() + goal.sub_goals.count(),
        },
        success=reverse("milestones:goal_list"),
        what=_("Målet"),
    )


# ---------------------------------------------------------------------------
# Activities
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def activity_create(request):
    request_access(request).require_plan_editor()
    initial = {}
    if party := request.GET.get("part"):
        initial["responsible_party"] = Party.objects.filter(key=party).first()
    return create_page(
        request,
        form_class=ActivityForm,
        create=partial(services.activity_create, user=request.user),
        template="milestones/activity_form.html",
        context={},
        success=lambda activity: reverse("milestones:activity_detail", args=[activity.key]),
        what=_("Aktiviteten"),
        initial=initial,
    )


@require_http_methods(["GET", "POST"])
def activity_edit(request, key):
    activity = get_activity_for_user(request, key, write=True)
    return edit_page(
        request,
        instance=activity,
        form_class=ActivityForm,
        update=partial(services.activity_update, activity_id=activity.pk, user=request.user),
        template="milestones/activity_form.html",
        context={"activity": activity},
        success=lambda saved: reverse("milestones:activity_detail", args=[saved.key]),
        what=_("Aktiviteten"),
    )


@require_http_methods(["GET", "POST"])
def activity_delete(request, key):
    activity = get_activity_for_user(request, key, write=True)
    milestones = list(activity.milestones.all())
    kwargs = {"activity": activity, "has_milestones": bool(milestones)}
    form = ActivityDeleteForm(request.POST or None, initial={"version": activity.version}, **kwargs)
    form._init_kwargs = kwargs

    def delete(*, version, reason):
        # Called with the form bound and valid: the milestones' fate comes from it.
        choice = form.cleaned_data.get("milestones")
        return services.activity_delete(
            activity_id=activity.pk,
            version=version,
            user=request.user,
            reason=reason,
            move_milestones_to=form.cleaned_data.get("move_to")
            if choice == ActivityDeleteForm.MOVE
            else None,
            delete_milestones=choice == ActivityDeleteForm.DELETE,
        )

    return delete_page(
        request,
        instance=activity,
        delete=delete,
        template="milestones/activity_delete.html",
        context={
            "object": activity,
            "activity": activity,
            "milestones": milestones,
            "kind_label": _("aktiviteten"),
            "cancel_url": reverse("milestones:activity_detail", args=[activity.key]),
        },
        success=reverse("milestones:activity_list"),
        what=_("Aktiviteten"),
        form=form,
    )


# ---------------------------------------------------------------------------
# Baselines
# ---------------------------------------------------------------------------
@require_POST
def baseline_create(request):
    """Freeze every milestone's current forecast as a new, named baseline."""
    request_access(request).require_plan_editor()
    form = BaselineForm(request.POST)
    if form.is_valid():
        baseline = baseline_services.baseline_set(
            name=form.cleaned_data["name"],
            short_name=form.cleaned_data["short_name"],
            description=form.cleaned_data["description"],
            activate=form.cleaned_data["activate"],
            user=request.user,
            reason=form.cleaned_data["change_reason"],
        )
        messages.success(
            request,
            _("Baselinen “%(name)s” er sat med %(count)s milepæle.")
            % {"name": baseline.name, "count": baseline.entries.count()},
        )
        return redirect("milestones:baseline_detail", key=baseline.key)
    return render(
        request,
        "milestones/baseline_list.html",
        plan_views.baseline_list_context(request, form=form),
    )


@require_POST
def baseline_activate(request, key):
    """Make a baseline the active one."""
    baseline = get_baseline_for_user(request, key, write=True)
    form = BaselineActivateForm(request.POST)
    form.is_valid()
    baseline_services.baseline_activate(
        baseline_id=baseline.pk,
        user=request.user,
        reason=form.cleaned_data.get("change_reason", ""),
    )
    messages.success(
        request,
        _("“%(name)s” er nu den aktive baseline. Forsinkelse og RAG måles mod den.")
        % {"name": baseline.name},
    )
    return redirect(safe_next(request, reverse("milestones:baseline_list")))
