"""Writes on the plan: goals, activities, milestones and their dependencies.

Every update takes the version the person saw, locks the row, and refuses the
save with `EditConflict` when someone else saved in between (no silent lost
update). Every save names the acting user and the change reason in history.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.history import apply_changes, record_delete, record_save
from core.versioning import locked

from .. import history
from ..models import Activity, Dependency, Goal, Milestone, Programme, StatusSource
from . import status


def unique_key(model: type[models.Model], text: str, *, max_length: int | None = None) -> str:
    """A slug for a new record's key, made unique with -2, -3 ... (one query)."""
    max_length = max_length or model._meta.get_field("key").max_length
    base = (slugify(text) or model._meta.model_name)[: max_length - 4].strip("-")
    taken = set(model.objects.filter(key__startswith=base).values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _save_new(instance: models.Model, *, user, reason: str):
    if not instance.key:
        title = getattr(instance, "title", "") or getattr(instance, "name", "")
        instance.key = unique_key(type(instance), title)
    return record_save(instance, user=user, reason=reason)


def _save_changes(instance, changed: list[str], *, user, reason: str) -> bool:
    if not changed:
        return False
    _mark_own(instance, changed)
    instance.version += 1
    clean_changed(instance, changed)
    record_save(instance, user=user, reason=reason, clean=False)
    return True


def clean_changed(instance: models.Model, changed: list[str]) -> None:
    """`full_clean` of a saved row for what its change can break: the fields that
    changed and every field of a constraint (unique or check) that names one of them.
    The rest was valid when it was saved; checking it again costs a query each on
    every save (each relation's row, the key's uniqueness, Django's `SELECT 1 WHERE`
    per check constraint). The database holds every constraint anyway."""
    instance.full_clean(exclude=unchanged_fields(instance, changed))


def unchanged_fields(instance: models.Model, changed: Iterable[str]) -> list[str]:
    """The fields a change of `changed` cannot break (what `clean_changed` leaves out):
    every field but those and the fields of each constraint (unique or check) naming one
    of them."""
    meta = instance._meta
    by_attname = {f.attname: f.name for f in meta.concrete_fields}
    keep = {by_attname.get(name, name) for name in changed}
    groups = [set(c) for c in meta.unique_together]
    groups += [_constraint_fields(c, by_attname) for c in meta.constraints]
    for fields in groups:
        if fields & keep:
            keep |= fields
    return [f.name for f in meta.concrete_fields if f.name not in keep]


def _constraint_fields(constraint, by_attname: dict[str, str]) -> set[str]:
    """The field names a constraint reads (its fields, or its condition's lookups and
    F() references)."""
    names = set(getattr(constraint, "fields", ()) or ())

    def walk(node):
        if isinstance(node, tuple):
            names.add(node[0].split("__")[0])
            walk(node[1])
        elif isinstance(node, models.F):
            names.add(node.name.split("__")[0])
        elif isinstance(node, models.Q):
            for child in node.children:
                walk(child)
        elif hasattr(node, "get_source_expressions"):
            for child in node.get_source_expressions():
                walk(child)

    walk(getattr(constraint, "condition", None))
    return {by_attname.get(name, name) for name in names}


def _mark_own(instance, changed: list[str]) -> None:
    """What a person sets is theirs: a status is no longer the plan's statement or
    inference, and a field they set is no longer illustrative demo data."""
    if hasattr(instance, "status_source") and {
        "status",
        "actual_date",
        "actual_date_unknown",
    } & set(changed):
        instance.status_source = StatusSource.TEAM
        instance.status_note = ""
    if getattr(instance, "demo_fields", None):
        instance.demo_fields = [name for name in instance.demo_fields if name not in changed]


def _delete(instance: models.Model, *, user, reason: str) -> None:
    try:
        with transaction.atomic():
            record_delete(instance, user=user, reason=reason)
    except ProtectedError as error:
        blocking = sorted({str(obj._meta.verbose_name_plural) for obj in error.protected_objects})
        raise ValidationError(
            _(
                "%(thing)s kan ikke slettes, fordi der hører %(what)s til. Flyt eller slet dem først."
            )
            % {"thing": instance, "what": ", ".join(blocking)},
            code="protected",
        ) from error


# ---------------------------------------------------------------------------
# Goals
# ---------------------------------------------------------------------------
@transaction.atomic
def goal_create(*, user, data: Mapping[str, Any], reason: str = "") -> Goal:
    """Create a goal in the programme (there is one)."""
    goal = Goal(programme=Programme.objects.order_by("pk").first(), **data)
    return _save_new(goal, user=user, reason=reason)


@transaction.atomic
def goal_update(
    *, goal_id: int, version: int, user, data: Mapping[str, Any], reason: str = ""
) -> tuple[Goal, bool]:
    """Update a goal from the version the person saw. Returns (goal, changed)."""
    goal = locked(Goal, goal_id, version, changes=history.changes_since_version)
    changed = apply_changes(goal, data)
    return goal, _save_changes(goal, changed, user=user, reason=reason)


@transaction.atomic
def goal_delete(*, goal_id: int, version: int, user, reason: str = "") -> None:
    """Delete a goal; refused while activities or sub-goals belong to it."""
    goal = locked(Goal, goal_id, version, changes=history.changes_since_version)
    _delete(goal, user=user, reason=reason)


# ---------------------------------------------------------------------------
# Activities
# ---------------------------------------------------------------------------
@transaction.atomic
def activity_create(*, user, data: Mapping[str, Any], reason: str = "") -> Activity:
    """Create an activity."""
    return _save_new(Activity(**data), user=user, reason=reason)


@transaction.atomic
def activity_update(
    *, activity_id: int, version: int, user, data: Mapping[str, Any], reason: str = ""
) -> tuple[Activity, bool]:
    """Update an activity from the version the person saw. Returns (activity, changed)."""
    activity = locked(Activity, activity_id, version, changes=history.changes_since_version)
    changed = apply_changes(activity, data)
    return activity, _save_changes(activity, changed, user=user, reason=reason)


@transaction.atomic
def activity_delete(
    *,
    activity_id: int,
    version: int,
    user,
    reason: str = "",
    move_milestones_to: Activity | None = None,
    delete_milestones: bool = False,
) -> int:
    """Delete an activity. Its milestones are moved to another activity or deleted
    with it; one of the two must be chosen when it has any. Returns how many
    milestones were moved or deleted."""
    activity = locked(Activity, activity_id, version, changes=history.changes_since_version)
    milestones = list(Milestone.objects.select_for_update().filter(activity=activity))
    if milestones and move_milestones_to is None and not delete_milestones:
        raise ValidationError(
            {
                "milestones": _(
                    "Aktiviteten har milepæle: vælg, om de skal flyttes til en anden "
                    "aktivitet eller slettes med den."
                )
            }
        )
    if move_milestones_to is not None and move_milestones_to.pk == activity.pk:
        raise ValidationError({"move_to": _("Vælg en anden aktivitet end den, der slettes.")})
    for milestone in milestones:
        if move_milestones_to is not None:
            milestone.activity = move_milestones_to
            milestone.version += 1
            record_save(
                milestone,
                user=user,
                reason=reason
                or _("Flyttet fra aktiviteten “%(title)s”, som blev slettet")
                % {"title": activity.title},
            )
        else:
            _milestone_remove(milestone, user=user, reason=reason)
    _delete(activity, user=user, reason=reason)
    return len(milestones)


# ---------------------------------------------------------------------------
# Milestones
# ---------------------------------------------------------------------------
FORECAST_FIELDS = ("forecast_date", "forecast_precision")


@transaction.atomic
def milestone_create(*, user, data: Mapping[str, Any], reason: str = "") -> Milestone:
    """Create a milestone."""
    return _save_new(Milestone(**data), user=user, reason=reason)


@transaction.atomic
def milestone_update(
    *, milestone_id: int, version: int, user, data: Mapping[str, Any], reason: str = ""
) -> tuple[Milestone, bool]:
    """Update a milestone from the version the person saw. Returns (milestone, changed).

    A reason is required when the forecast date (or its precision) moves.
    """
    # Its activity read with it (not locked): the refresh after its history row knows its
    # track and party.
    milestone = locked(
        Milestone.objects.select_related("activity"),
        milestone_id,
        version,
        changes=history.changes_since_version,
    )
    # Where its roll-ups were: the refresh after its history row reads no older row for it.
    setattr(milestone, status.ACTIVITY_BEFORE, milestone.activity_id)
    changed = apply_changes(milestone, data)
    if any(name in changed for name in FORECAST_FIELDS) and not reason.strip():
        raise ValidationError(
            {"change_reason": _("Skriv hvorfor den forventede dato flyttes.")},
            code="reason_required",
        )
    if milestone.rag_override == "" and "rag_override" in changed:
        milestone.rag_override_reason = ""
    try:
        return milestone, _save_changes(milestone, changed, user=user, reason=reason)
    finally:
        delattr(milestone, status.ACTIVITY_BEFORE)  # true of this save only


def milestone_forecast_set(
    *,
    milestone_id: int,
    version: int,
    forecast_date,
    forecast_precision: str = "day",
    user,
    reason: str,
) -> tuple[Milestone, bool]:
    """Move a milestone's forecast date (commands and accepted proposals use this)."""
    return milestone_update(
        milestone_id=milestone_id,
        version=version,
        user=user,
        data={"forecast_date": forecast_date, "forecast_precision": forecast_precision},
        reason=reason,
    )


def _milestone_remove(milestone: Milestone, *, user, reason: str) -> None:
    # Dependencies first, one by one, so their history rows name the user too.
    for link in Dependency.objects.filter(
        models.Q(predecessor=milestone) | models.Q(successor=milestone)
    ):
        record_delete(link, user=user, reason=reason)
    _delete(milestone, user=user, reason=reason)


@transaction.atomic
def milestone_delete(*, milestone_id: int, version: int, user, reason: str = "") -> None:
    """Delete a milestone and its dependencies."""
    milestone = locked(Milestone, milestone_id, version, changes=history.changes_since_version)
    _milestone_remove(milestone, user=user, reason=reason)


# ---------------------------------------------------------------------------
# Dependencies
# ---------------------------------------------------------------------------
@transaction.atomic
def dependency_add(
    *, predecessor: Milestone, successor: Milestone, user, note: str = "", reason: str = ""
) -> Dependency:
    """Make `successor` depend on `predecessor`; refused (naming the cycle) if it closes one."""
    # Serialise dependency writes so two editors cannot close a cycle between them.
    list(Milestone.objects.select_for_update().filter(pk__in=[predecessor.pk, successor.pk]))
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise ValidationError(
            {
                "predecessor": _("Milepælen afhænger allerede af “%(title)s”.")
                % {"title": predecessor}
            }
        )
    link = Dependency(predecessor=predecessor, successor=successor, note=note)
    return record_save(link, user=user, reason=reason)


@transaction.atomic
def dependency_remove(*, dependency_id: int, user, reason: str = "") -> None:
    """Remove a dependency."""
    link = Dependency.objects.select_for_update().get(pk=dependency_id)
    record_delete(link, user=user, reason=reason)
