"""The steps every editing page shares: fetch and authorise, the next URL, a service's
errors onto the form, and the create / edit (with conflict merge) / delete pages."""

import copy
from typing import NamedTuple

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.forms import add_service_errors
from core.versioning import EditConflict
from parties.access import request_access

from ..forms import (
    DeleteForm,
    merged_after_conflict,
)
from ..models import Activity, Baseline, Goal, Milestone

# ---------------------------------------------------------------------------
# Fetch and authorise: 404 for what does not exist (every member reads the whole
# plan), 403 for a member who may read but not write.
# ---------------------------------------------------------------------------


def get_goal_for_user(request, key: str, *, write: bool = False) -> Goal:
    goal = get_object_or_404(Goal, key=key)
    if write:
        request_access(request).require_plan_editor()
    return goal


def get_activity_for_user(request, key: str, *, write: bool = False) -> Activity:
    activity = get_object_or_404(Activity.objects.select_related("responsible_party"), key=key)
    if write:
        request_access(request).require_plan_editor()
    return activity


def get_milestone_for_user(request, key: str, *, write: bool = False) -> Milestone:
    milestone = get_object_or_404(Milestone.objects.select_related("activity"), key=key)
    if write:
        request_access(request).require_plan_editor()
    return milestone


def get_baseline_for_user(request, key: str, *, write: bool = False) -> Baseline:
    baseline = get_object_or_404(Baseline, key=key)
    if write:
        request_access(request).require_plan_editor()
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


def show_notes(request, form) -> None:
    for note in form.notes:
        messages.info(request, note)


def show_saved(request, form, changed: bool, what: str) -> None:
    if changed:
        messages.success(request, _("%(what)s er gemt.") % {"what": what})
    else:
        messages.info(request, _("Der var ingen ændringer at gemme."))
    show_notes(request, form)


class Submission(NamedTuple):
    """What became of a submitted edit form: saved (`saved` is the record), refused for
    a conflict (the form is then the merged one), or invalid."""

    form: forms.Form
    saved: object = None
    changed: bool = False
    conflict: EditConflict | None = None
    clashes: tuple[str, ...] = ()


def submit_edit(request, *, form_class, instance, update) -> Submission:
    """Bind the POST to a copy of `instance` and save it through `update` with the
    version the person saw; on a conflict, the person's changes on the new version."""
    form = form_class(request.POST, instance=copy.copy(instance))
    if not form.is_valid():
        return Submission(form)
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
        return Submission(merged, conflict=error, clashes=tuple(clashes))
    except ValidationError as error:
        add_service_errors(form, error)
        return Submission(form)
    return Submission(form, saved=saved, changed=changed)


def edit_page(request, *, instance, form_class, update, template, context, success, what):
    """GET: the form on the current version. POST: save through `update`, or re-render with
    errors, or with the conflict and the person's changes on the new version (409)."""
    if request.method == "POST":
        result = submit_edit(request, form_class=form_class, instance=instance, update=update)
        if result.saved is not None:
            show_saved(request, result.form, result.changed, what)
            return redirect(success(result.saved))
    else:
        result = Submission(form_class(instance=instance))
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


def create_page(request, *, form_class, create, template, context, success, what, initial=None):
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                saved = create(data=form.changes(), reason=form.cleaned_data["change_reason"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(what)s er oprettet.") % {"what": what})
                show_notes(request, form)
                return redirect(success(saved))
    else:
        form = form_class(initial=initial or {})
    return render(request, template, {**context, "form": form, "creating": True})


def delete_page(request, *, instance, delete, template, context, success, what, form=None):
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
