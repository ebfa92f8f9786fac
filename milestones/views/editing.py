"""Editing the plan (SOR-team editors and superusers only): create, edit and delete goals,
activities and milestones, quick edits in place (htmx, or a plain form without
JavaScript), dependencies and baselines.

Every write goes through milestones.services with the version the person saw;
a conflict re-renders the form on the new version with the person's changes
carried over and the other person's changes shown.
"""

import copy
from functools import partial
from typing import NamedTuple

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from parties.access import request_access
from parties.models import Party

from ..forms import (
    ActivityDeleteForm,
    ActivityForm,
    BaselineActivateForm,
    BaselineForm,
    DeleteForm,
    DependencyForm,
    GoalForm,
    MilestoneForm,
    MilestoneQuickForm,
    merged_after_conflict,
)
from ..models import Activity, Baseline, Dependency, Goal, Milestone
from ..selectors import status
from ..services import baselines as baseline_services
from ..services import plan as services
from ..services.plan import EditConflict
from . import plan as plan_views

# ---------------------------------------------------------------------------
# Fetch and authorise: 404 for what does not exist (every member reads the whole
# plan), 403 for a member who may read but not write.
# ---------------------------------------------------------------------------


def require_editor(request) -> None:
    if not request_access(request).can_edit_plan:
        raise PermissionDenied(_("Kun SOR-teamets redaktører kan ændre planen."))


def get_goal_for_user(request, key: str, *, write: bool = False) -> Goal:
    goal = get_object_or_404(Goal, key=key)
    if write:
        require_editor(request)
    return goal


def get_activity_for_user(request, key: str, *, write: bool = False) -> Activity:
    activity = get_object_or_404(Activity.objects.select_related("responsible_party"), key=key)
    if write:
        require_editor(request)
    return activity


def get_milestone_for_user(request, key: str, *, write: bool = False) -> Milestone:
    milestone = get_object_or_404(Milestone.objects.select_related("activity"), key=key)
    if write:
        require_editor(request)
    return milestone


def get_baseline_for_user(request, key: str, *, write: bool = False) -> Baseline:
    baseline = get_object_or_404(Baseline, key=key)
    if write:
        require_editor(request)
    return baseline


# ---------------------------------------------------------------------------
# Shared steps
# ---------------------------------------------------------------------------
def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where the form has it."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)


def _notes(request, form) -> None:
    for note in form.notes:
        messages.info(request, note)


def _saved(request, form, changed: bool, what: str) -> None:
    if changed:
        messages.success(request, _("%(what)s er gemt.") % {"what": what})
    else:
        messages.info(request, _("Der var ingen ændringer at gemme."))
    _notes(request, form)


class _Submission(NamedTuple):
    """What became of a submitted edit form: saved (`saved` is the record), refused for
    a conflict (the form is then the merged one), or invalid."""

    form: forms.Form
    saved: object = None
    changed: bool = False
    conflict: EditConflict | None = None
    clashes: tuple[str, ...] = ()


def _submit_edit(request, *, form_class, instance, update) -> _Submission:
    """Bind the POST to a copy of `instance` and save it through `update` with the
    version the person saw; on a conflict, the person's changes on the new version."""
    form = form_class(request.POST, instance=copy.copy(instance))
    if not form.is_valid():
        return _Submission(form)
    try:
        saved, changed = update(
            version=form.cleaned_data["version"],
            data=form.changes(),
            reason=form.cleaned_data["change_reason"],
        )
    except EditConflict as error:
        merged, clashes = merged_after_conflict(
            form_class,
            submitted=form,
            current=error.current,
            seen_version=error.seen_version,
            changes=error.changes,
        )
        return _Submission(merged, conflict=error, clashes=tuple(clashes))
    except ValidationError as error:
        add_service_errors(form, error)
        return _Submission(form)
    return _Submission(form, saved=saved, changed=changed)


def _edit_page(request, *, instance, form_class, update, template, context, success, what):
    """GET: the form on the current version. POST: save through `update`, or re-render with
    errors, or with the conflict and the person's changes on the new version (409)."""
    if request.method == "POST":
        result = _submit_edit(request, form_class=form_class, instance=instance, update=update)
        if result.saved is not None:
            _saved(request, result.form, result.changed, what)
            return redirect(success(result.saved))
    else:
        result = _Submission(form_class(instance=instance))
    return render(
        request,
        template,
        {
            **context,
            "form": result.form,
            "conflict": result.conflict,
            "clashes": list(result.clashes),
        },
        status=409 if result.conflict else 200,
    )


def _create_page(request, *, form_class, create, template, context, success, what, initial=None):
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                saved = create(data=form.changes(), reason=form.cleaned_data["change_reason"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(what)s er oprettet.") % {"what": what})
                _notes(request, form)
                return redirect(success(saved))
    else:
        form = form_class(initial=initial or {})
    return render(request, template, {**context, "form": form, "creating": True})


def _delete_page(request, *, instance, delete, template, context, success, what, form=None):
    """GET: confirm. POST: delete through `delete(version=..., reason=...)` with the version
    the person saw (a conflict shows what changed and asks again)."""
    conflict, code = None, 200
    form = form or DeleteForm(request.POST or None, initial={"version": instance.version})
    if request.method == "POST" and form.is_valid():
        try:
            delete(version=form.cleaned_data["version"], reason=form.cleaned_data["change_reason"])
        except EditConflict as error:
            conflict, code = error, 409
            data = request.POST.copy()
            data["version"] = error.current.version
            form = type(form)(data, **getattr(form, "_init_kwargs", {}))
            form.is_valid()
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(what)s er slettet.") % {"what": what})
            return redirect(success)
    return render(request, template, {**context, "form": form, "conflict": conflict}, status=code)


# ---------------------------------------------------------------------------
# Goals
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def goal_create(request):
    require_editor(request)
    return _create_page(
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
    return _edit_page(
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
    return _delete_page(
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
    require_editor(request)
    initial = {}
    if party := request.GET.get("part"):
        initial["responsible_party"] = Party.objects.filter(key=party).first()
    return _create_page(
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
    return _edit_page(
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

    return _delete_page(
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
# Milestones
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def milestone_create(request):
    require_editor(request)
    activity = Activity.objects.filter(key=request.GET.get("aktivitet", "")).first()
    return _create_page(
        request,
        form_class=MilestoneForm,
        create=partial(services.milestone_create, user=request.user),
        template="milestones/milestone_form.html",
        context={"activity": activity},
        success=lambda milestone: (
            reverse("milestones:activity_detail", args=[milestone.activity.key])
            + f"#milestone-{milestone.pk}"
        ),
        what=_("Milepælen"),
        initial={"activity": activity} if activity else None,
    )


@require_http_methods(["GET", "POST"])
def milestone_edit(request, key):
    milestone = get_milestone_for_user(request, key, write=True)
    return _edit_page(
        request,
        instance=milestone,
        form_class=MilestoneForm,
        update=partial(services.milestone_update, milestone_id=milestone.pk, user=request.user),
        template="milestones/milestone_form.html",
        context={"milestone": milestone, "activity": milestone.activity},
        success=lambda saved: reverse("milestones:milestone_detail", args=[saved.key]),
        what=_("Milepælen"),
    )


@require_http_methods(["GET", "POST"])
def milestone_delete(request, key):
    milestone = get_milestone_for_user(request, key, write=True)
    return _delete_page(
        request,
        instance=milestone,
        delete=partial(services.milestone_delete, milestone_id=milestone.pk, user=request.user),
        template="milestones/confirm_delete.html",
        context={
            "object": milestone,
            "kind_label": _("milepælen"),
            "cancel_url": reverse("milestones:milestone_detail", args=[milestone.key]),
            "dependency_count": Dependency.objects.filter(predecessor=milestone).count()
            + Dependency.objects.filter(successor=milestone).count(),
        },
        success=reverse("milestones:activity_detail", args=[milestone.activity.key]),
        what=_("Milepælen"),
    )


# ---------------------------------------------------------------------------
# Quick edits in place (htmx swaps a table row; without JavaScript a small page)
# ---------------------------------------------------------------------------
ROW_CONTEXTS = {"activity", "list"}


def _row_context(request, milestone_pk: int, **extra) -> dict:
    """What a milestone's table row needs, rendered like the page it sits on."""
    ctx = request.GET.get("ctx")
    ctx = ctx if ctx in ROW_CONTEXTS else "activity"
    baseline, chosen = status.baseline_for(request.GET.get("baseline"))
    milestone = plan_views.milestone_rows_queryset().get(pk=milestone_pk)
    status.attach_rags([milestone], today=timezone.localdate(), baseline=baseline)
    return {
        "m": milestone,
        "ctx": ctx,
        "baseline": baseline,
        # The page's own ctx, baseline and next, as the row endpoints were called with them.
        "row_query": request.GET.urlencode(),
        **extra,
    }


@require_safe
def milestone_row(request, key):
    """A milestone's display row (the quick edit's "cancel"); without htmx, its page."""
    milestone = get_milestone_for_user(request, key)
    if not request.htmx:
        return redirect(
            safe_next(request, reverse("milestones:milestone_detail", args=[milestone.key]))
        )
    return render(request, "milestones/_milestone_row.html", _row_context(request, milestone.pk))


@require_http_methods(["GET", "POST"])
def milestone_quick(request, key):
    """Change a milestone's forecast, actual date, status or RAG override in place."""
    milestone = get_milestone_for_user(request, key, write=True)
    default_next = (
        reverse("milestones:activity_detail", args=[milestone.activity.key])
        + f"#milestone-{milestone.pk}"
    )
    if request.method == "POST":
        result = _submit_edit(
            request,
            form_class=MilestoneQuickForm,
            instance=milestone,
            update=partial(services.milestone_update, milestone_id=milestone.pk, user=request.user),
        )
        if result.saved is not None:
            if request.htmx:
                notices = [
                    _("Gemt.") if result.changed else _("Der var ingen ændringer at gemme."),
                    *result.form.notes,
                ]
                return render(
                    request,
                    "milestones/_milestone_row.html",
                    _row_context(request, result.saved.pk, notices=notices),
                )
            _saved(request, result.form, result.changed, _("Milepælen"))
            return redirect(safe_next(request, default_next))
    else:
        result = _Submission(MilestoneQuickForm(instance=milestone))
    context = {
        **_row_context(request, milestone.pk),
        "form": result.form,
        "conflict": result.conflict,
        "clashes": list(result.clashes),
        "next": safe_next(request, default_next),
    }
    if request.htmx:
        return render(request, "milestones/_milestone_quick_row.html", context)
    return render(
        request, "milestones/milestone_quick.html", context, status=409 if result.conflict else 200
    )


# ---------------------------------------------------------------------------
# Dependencies
# ---------------------------------------------------------------------------
@require_POST
def dependency_add(request, key):
    """Make this milestone depend on another (a cycle is refused, naming it)."""
    milestone = get_milestone_for_user(request, key, write=True)
    form = DependencyForm(request.POST, successor=milestone)
    if form.is_valid():
        try:
            services.dependency_add(
                predecessor=form.cleaned_data["predecessor"],
                successor=milestone,
                note=form.cleaned_data["note"],
                user=request.user,
                reason=form.cleaned_data["change_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Afhængigheden er tilføjet."))
            return redirect(
                reverse("milestones:milestone_detail", args=[milestone.key]) + "#afhaengigheder"
            )
    milestone = (
        plan_views.milestone_rows_queryset()
        .prefetch_related("successor_links__successor__activity")
        .get(pk=milestone.pk)
    )
    return render(
        request,
        "milestones/milestone_detail.html",
        plan_views.milestone_detail_context(request, milestone, dependency_form=form),
    )


@require_POST
def dependency_remove(request, pk):
    link = get_object_or_404(Dependency.objects.select_related("successor"), pk=pk)
    require_editor(request)
    services.dependency_remove(
        dependency_id=link.pk, user=request.user, reason=request.POST.get("change_reason", "")
    )
    messages.success(request, _("Afhængigheden er fjernet."))
    return redirect(
        safe_next(
            request,
            reverse("milestones:milestone_detail", args=[link.successor.key]) + "#afhaengigheder",
        )
    )


# ---------------------------------------------------------------------------
# Baselines
# ---------------------------------------------------------------------------
@require_POST
def baseline_create(request):
    """Freeze every milestone's current forecast as a new, named baseline."""
    require_editor(request)
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
