"""Editing milestones (SOR-team editors and superusers only): create, edit, delete, quick
edits in place (htmx swaps a table row; without JavaScript a small page) and dependencies."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.forms import add_service_errors
from parties.access import request_access

from ..forms import (
    DependencyForm,
    MilestoneForm,
    MilestoneQuickForm,
)
from ..models import Activity, Dependency
from ..rag import rags_for
from ..selectors import status
from ..services import plan as services
from . import plan as plan_views
from .edit_pages import (
    Submission,
    create_page,
    delete_page,
    edit_page,
    get_milestone_for_user,
    safe_next,
    show_saved,
    submit_edit,
)


# ---------------------------------------------------------------------------
# Milestones
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def milestone_create(request):
    request_access(request).require_plan_editor()
    activity = Activity.objects.filter(key=request.GET.get("aktivitet", "")).first()
    return create_page(
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
    return edit_page(
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
    return delete_page(
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


def _page_context(request, milestone) -> dict:
    """What the quick edit's own page shows of the milestone (without htmx): its
    activity, dates, status and RAG (against `?baseline=`, else the active one: one
    query), not the table row's dependencies."""
    today = timezone.localdate()
    if request.GET.get("baseline"):
        baseline, _chosen = status.baseline_for(request.GET["baseline"])
        status.attach_rags([milestone], today=today, baseline=baseline)
    else:
        milestone.rag = rags_for([milestone], today=today)[milestone.pk]
    return {"m": milestone, "row_query": request.GET.urlencode()}


@require_http_methods(["GET", "POST"])
def milestone_quick(request, key):
    """Change a milestone's forecast, actual date, status or RAG override in place."""
    milestone = get_milestone_for_user(request, key, write=True)
    default_next = (
        reverse("milestones:activity_detail", args=[milestone.activity.key])
        + f"#milestone-{milestone.pk}"
    )
    if request.method == "POST":
        result = submit_edit(
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
            show_saved(request, result.form, result.changed, _("Milepælen"))
            return redirect(safe_next(request, default_next))
    else:
        result = Submission(MilestoneQuickForm(instance=milestone))
    context = {
        **(
            _row_context(request, milestone.pk)
            if request.htmx
            else _page_context(request, milestone)
        ),
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
    request_access(request).require_plan_editor()
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
