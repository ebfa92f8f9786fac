"""Writes on the SHAK dependency register: entries, their state, their plan's steps.

Every update takes the version the person saw and refuses with `EditConflict`
when someone saved in between; every save records the acting user and the
reason in history. A state moves only through `entry_state_set`, which applies
the rules: "kun SOR" and "udfaset" need a date and who confirmed it, a move
backwards needs a reason.
"""

import copy
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.history import apply_changes, record_delete, record_save
from core.versioning import EditConflict, locked
from milestones.models import Activity, DatePrecision, Milestone
from milestones.services.plan import unique_key

from . import history
from .models import STATE_ORDER, Entry, EntryProposal, ShakState, Step

STATE_FIELDS = ("state", "state_date", "state_date_precision", "state_confirmed_by")
# What a party's reporter may change on its own entries (besides state and steps).
PLAN_FIELDS = (
    "solution_description",
    "resources_internal",
    "resources_external",
    "budget",
    "budget_amount",
    "support_sor_sources",
    "support_content",
    "support_use_cases",
    "support_expertise",
    "support_note",
    "release_name",
    "release_date",
    "release_precision",
)
ENTRY_FIELDS = (
    "name",
    "kind",
    "is_nsp_service",
    "category",
    "owner",
    "supplier",
    "criticality",
    "description",
    *PLAN_FIELDS,
)
STEP_FIELDS = (
    "baseline_date",
    "baseline_precision",
    "forecast_date",
    "forecast_precision",
    "actual_date",
    "actual_precision",
)


def _save(instance, *, user, reason: str):
    """Validate and save with history's user and reason. The named check constraints
    are the database's to enforce; the models' clean() states the same rules in words,
    so validation does not query the database once per constraint (imports save
    thousands of rows)."""
    instance.full_clean(validate_constraints=False)
    return record_save(instance, user=user, reason=reason, clean=False)


def _locked(model, pk: int, version: int):
    return locked(model, pk, version, changes=history.changes_since_version)


def _check_fields(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    wrong = set(data) - set(allowed)
    if wrong:
        raise ValueError(f"not writable here: {sorted(wrong)}")


def _links_set(entry: Entry, *, activities=None, milestones=None) -> bool:
    """Set the entry's activities and milestones where given; True when they changed.

    Adds and removes only the difference, so history gets one row per change,
    with the user and reason already on the instance.
    """
    changed = False
    for manager, wanted in ((entry.activities, activities), (entry.milestones, milestones)):
        if wanted is None:
            continue
        wanted_ids = {obj.pk for obj in wanted}
        current_ids = set(manager.values_list("pk", flat=True))
        if current_ids - wanted_ids:
            manager.remove(*(current_ids - wanted_ids))
            changed = True
        if wanted_ids - current_ids:
            manager.add(*(wanted_ids - current_ids))
            changed = True
    return changed


@transaction.atomic
def entry_create(
    *,
    user,
    data: Mapping[str, Any],
    activities: Iterable[Activity] = (),
    milestones: Iterable[Milestone] = (),
    reason: str = "",
) -> Entry:
    """Create an entry (its key from the name when not given). A first state other
    than "ikke kortlagt" follows the same rules as a move."""
    _check_fields(data, (*ENTRY_FIELDS, *STATE_FIELDS, "key", "is_demo"))
    entry = Entry(**data)
    if not entry.key:
        entry.key = unique_key(Entry, entry.name)
    _save(entry, user=user, reason=reason)
    _links_set(entry, activities=list(activities), milestones=list(milestones))
    return entry


@transaction.atomic
def entry_update(
    *,
    entry_id: int,
    version: int,
    user,
    data: Mapping[str, Any],
    activities: Iterable[Activity] | None = None,
    milestones: Iterable[Milestone] | None = None,
    reason: str = "",
    fields: Iterable[str] = ENTRY_FIELDS,
) -> tuple[Entry, bool]:
    """Update an entry from the version the person saw. Returns (entry, changed).

    `fields` limits what may be written (a reporter: `PLAN_FIELDS`); the state
    moves only through `entry_state_set`.
    """
    _check_fields(data, fields)
    entry = _locked(Entry, entry_id, version)
    activities = None if activities is None else list(activities)
    milestones = None if milestones is None else list(milestones)
    changed = bool(apply_changes(entry, data))
    links_differ = _links_differ(entry, activities=activities, milestones=milestones)
    if not changed and not links_differ:
        return entry, False
    entry.version += 1
    if changed:
        _save(entry, user=user, reason=reason)
    else:
        entry.save_without_historical_record(update_fields=["version", "updated_at"])
        entry._history_user, entry._change_reason = user, reason
    # The link rows of history carry the new version, the user and the reason.
    _links_set(entry, activities=activities, milestones=milestones)
    return entry, True


def _links_differ(entry: Entry, *, activities, milestones) -> bool:
    for manager, wanted in ((entry.activities, activities), (entry.milestones, milestones)):
        if wanted is not None and {o.pk for o in wanted} != set(
            manager.values_list("pk", flat=True)
        ):
            return True
    return False


def state_move_errors(entry: Entry, *, state: str, reason: str) -> dict[str, str]:
    """The rules of a move that the entry's own validation does not know: a move
    backwards needs a reason."""
    if state not in ShakState.values:
        return {"state": _("Ukendt tilstand.")}
    if STATE_ORDER[state] < STATE_ORDER[entry.state] and not reason.strip():
        return {
            "reason": _("Skriv en begrundelse: “%(new)s” er et skridt tilbage fra “%(old)s”.")
            % {"new": ShakState(state).label, "old": ShakState(entry.state).label}
        }
    return {}


@transaction.atomic
def entry_state_set(
    *,
    entry_id: int,
    version: int,
    user,
    state: str,
    date: datetime.date | None = None,
    precision: str = DatePrecision.DAY,
    confirmed_by: str = "",
    reason: str = "",
) -> tuple[Entry, bool]:
    """Move an entry's SHAK use. "Kun SOR" and "udfaset" need the date (with
    precision) and who confirmed it; a move backwards needs a reason."""
    entry = _locked(Entry, entry_id, version)
    errors = state_move_errors(entry, state=state, reason=reason)
    if errors:
        raise ValidationError(errors)
    changed = apply_changes(
        entry,
        {
            "state": state,
            "state_date": date,
            "state_date_precision": precision,
            "state_confirmed_by": confirmed_by.strip(),
        },
    )
    if not changed:
        return entry, False
    entry.version += 1
    _save(entry, user=user, reason=reason)
    return entry, True


@transaction.atomic
def step_set(
    *,
    entry_id: int,
    kind: str,
    version: int | None,
    user,
    data: Mapping[str, Any],
    reason: str = "",
) -> tuple[Step, bool]:
    """Set the dates of one step of an entry's plan (created on first use).

    `version` is the step's as the person saw it (None: it did not exist yet).
    """
    _check_fields(data, STEP_FIELDS)
    if kind not in Step.Kind.values:
        raise ValidationError({"kind": _("Ukendt trin.")})
    entry = Entry.objects.select_for_update().get(pk=entry_id)
    step = Step.objects.filter(entry=entry, kind=kind).first()
    if step is None:
        if version is not None:
            raise EditConflict(
                current=Step(entry=entry, kind=kind), seen_version=version, changes=[]
            )
        step = Step(entry=entry, kind=kind, **data)
        _save(step, user=user, reason=reason)
        return step, True
    if step.version != version:  # also when the person saw no step yet
        raise EditConflict(
            current=step,
            seen_version=version or 0,
            changes=history.changes_since_version(step, version or 0),
        )
    changed = apply_changes(step, data)
    if not changed:
        return step, False
    step.version += 1
    _save(step, user=user, reason=reason)
    return step, True


@transaction.atomic
def entry_upsert(
    *,
    key: str,
    user,
    data: Mapping[str, Any],
    state: Mapping[str, Any] | None = None,
    steps: Mapping[str, Mapping[str, Any]] | None = None,
    activities: Iterable[Activity] | None = None,
    milestones: Iterable[Milestone] | None = None,
    reason: str,
) -> tuple[Entry, bool]:
    """Create or update an entry by its key, with its state and steps (for imports
    and the seed). Unchanged values write nothing, so a repeated load is a no-op."""
    entry = Entry.objects.filter(key=key).first()
    changed = False
    if entry is None:
        entry = entry_create(
            user=user,
            data={"key": key, **data, **(state or {})},
            activities=activities or (),
            milestones=milestones or (),
            reason=reason,
        )
        changed = True
    else:
        allowed = (*ENTRY_FIELDS, "is_demo")
        entry, changed = entry_update(
            entry_id=entry.pk,
            version=entry.version,
            user=user,
            data=data,
            activities=activities,
            milestones=milestones,
            reason=reason,
            fields=allowed,
        )
        if state:
            entry, moved = entry_state_set(
                entry_id=entry.pk,
                version=entry.version,
                user=user,
                state=state["state"],
                date=state.get("state_date"),
                precision=state.get("state_date_precision", DatePrecision.DAY),
                confirmed_by=state.get("state_confirmed_by", ""),
                reason=reason,
            )
            changed = changed or moved
    existing = {s.kind: s for s in entry.steps.all()}
    for kind, values in (steps or {}).items():
        current = existing.get(kind)
        if current is None and not any(
            values.get(f"{p}_date") for p in ("baseline", "forecast", "actual")
        ):
            continue  # no dates, no step
        _step, step_changed = step_set(
            entry_id=entry.pk,
            kind=kind,
            version=current.version if current else None,
            user=user,
            data=values,
            reason=reason,
        )
        changed = changed or step_changed
    return entry, changed


# ---------------------------------------------------------------------------
# Proposals in a party's progress update (reviewed by the SOR-team)
# ---------------------------------------------------------------------------
# The plan texts a party proposes in its update (budget and support stay the SOR-team's).
PROPOSAL_PLAN_FIELDS = (
    "solution_description",
    "resources_internal",
    "resources_external",
    "support_note",
    "release_name",
)
# The step dates a party proposes (the baseline is the SOR-team's).
PROPOSAL_STEP_FIELDS = ("forecast_date", "forecast_precision", "actual_date", "actual_precision")


@dataclass(frozen=True)
class EntryProposalInput:
    """What a reporter typed for one entry in the update: the state ("" for no move),
    and the plan texts and step dates as they should be (unchanged ones are dropped)."""

    entry: Entry
    state: str = ""
    state_date: datetime.date | None = None
    state_date_precision: str = DatePrecision.DAY
    state_confirmed_by: str = ""
    state_reason: str = ""
    plan: Mapping[str, str] = field(default_factory=dict)
    steps: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _step_values(step: Step | None) -> dict:
    if step is None:
        return {
            "forecast_date": None,
            "forecast_precision": DatePrecision.DAY,
            "actual_date": None,
            "actual_precision": DatePrecision.DAY,
        }
    return {name: getattr(step, name) for name in PROPOSAL_STEP_FIELDS}


def _differs(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Dates compared as dates; a precision differs only when its date is set."""
    for prefix in ("forecast", "actual"):
        if a[f"{prefix}_date"] != b[f"{prefix}_date"]:
            return True
        if a[f"{prefix}_date"] and a[f"{prefix}_precision"] != b[f"{prefix}_precision"]:
            return True
    return False


def proposal_changes(item: EntryProposalInput) -> tuple[str, dict, dict]:
    """(state, plan, steps): what the input would change on the entry as it is."""
    entry = item.entry
    state = item.state if item.state and item.state != entry.state else ""
    plan = {
        name: (item.plan[name] or "").strip()
        for name in PROPOSAL_PLAN_FIELDS
        if name in item.plan and (item.plan[name] or "").strip() != getattr(entry, name)
    }
    current = {s.kind: s for s in entry.steps.all()}
    steps = {}
    for kind, values in item.steps.items():
        before = _step_values(current.get(kind))
        wanted = {**before, **values}
        if _differs(wanted, before):
            steps[kind] = wanted
    return state, plan, steps


def entry_proposal_errors(item: EntryProposalInput) -> dict[str, str]:
    """The same rules as a direct move and a direct step edit, checked when the party
    proposes: a move to "kun SOR" or "udfaset" needs the date (not in the future, with
    precision) and who confirmed it, a move backwards a reason; a step's dates must
    suit their precision and an actual date cannot lie in the future. Keys: the
    input's names (`state_reason`; a step's as `<kind>_<field>`)."""
    entry = item.entry
    state, _plan, steps = proposal_changes(item)
    errors: dict[str, str] = {}
    if state:
        for name, message in state_move_errors(
            entry, state=state, reason=item.state_reason
        ).items():
            errors["state_reason" if name == "reason" else name] = message
        moved = copy.copy(entry)
        moved.state = state
        moved.state_date = item.state_date
        moved.state_date_precision = item.state_date_precision
        moved.state_confirmed_by = item.state_confirmed_by.strip()
        try:
            moved.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if name in STATE_FIELDS:
                    errors.setdefault(name, messages[0])
    for kind, values in steps.items():
        step = Step(entry=entry, kind=kind, **values)
        try:
            step.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"{kind}_{name}", messages[0])
    return errors


def _step_json(values: Mapping[str, Any]) -> dict:
    return {
        name: (value.isoformat() if isinstance(value, datetime.date) else value)
        for name, value in values.items()
    }


def step_dates(values: Mapping[str, Any]) -> dict:
    """A proposal's stored step values with their dates as dates again."""
    return {
        name: (datetime.date.fromisoformat(value) if name.endswith("_date") and value else value)
        for name, value in values.items()
    }


@transaction.atomic
def entry_proposals_save(*, update, items: Iterable[EntryProposalInput], entry_ids, user) -> None:
    """Save the party's proposals for its entries with its update (a draft or the
    submission): one per entry with something to change, pending the SOR-team's
    review; an entry with nothing to change loses its proposal. `entry_ids` are the
    entries the update lists (the caller's `reporting.update_entries`); others are
    refused."""
    existing = {p.entry_id: p for p in update.register_proposals.all()}
    for item in items:
        entry = item.entry
        if entry.pk not in entry_ids:
            raise ValidationError(
                _("%(name)s hører ikke til denne opdatering.") % {"name": entry.name}
            )
        errors = entry_proposal_errors(item)
        if errors:
            raise ValidationError(
                _("Forslaget for %(name)s: %(errors)s")
                % {"name": entry.name, "errors": " ".join(errors.values())}
            )
        state, plan, steps = proposal_changes(item)
        current = existing.get(entry.pk)
        if not (state or plan or steps):
            if current is not None:
                record_delete(current, user=user, reason="Forslag til registeret fjernet")
            continue
        values = {
            "state": state,
            "state_date": item.state_date if state else None,
            "state_date_precision": item.state_date_precision if state else DatePrecision.DAY,
            "state_confirmed_by": item.state_confirmed_by.strip() if state else "",
            "state_reason": item.state_reason.strip() if state else "",
            "plan": plan,
            "steps": {kind: _step_json(v) for kind, v in steps.items()},
            "decision": EntryProposal.Decision.PENDING,
        }
        if current is None:
            current = EntryProposal(update=update, entry=entry)
        if apply_changes(current, values) or current.pk is None:
            record_save(current, user=user, reason="Forslag til registeret")


def entry_proposal_apply(proposal: EntryProposal, *, user, reason: str) -> Entry:
    """Apply an accepted proposal through the register's own writes (version checks,
    the state's rules, history with `reason`, which names the update)."""
    entry = Entry.objects.get(pk=proposal.entry_id)
    try:
        if proposal.plan:
            entry, _changed = entry_update(
                entry_id=entry.pk,
                version=entry.version,
                user=user,
                data=dict(proposal.plan),
                reason=reason,
                fields=PROPOSAL_PLAN_FIELDS,
            )
        if proposal.state:
            entry, _changed = entry_state_set(
                entry_id=entry.pk,
                version=entry.version,
                user=user,
                state=proposal.state,
                date=proposal.state_date,
                precision=proposal.state_date_precision,
                confirmed_by=proposal.state_confirmed_by,
                reason=f"{reason}: {proposal.state_reason}" if proposal.state_reason else reason,
            )
        current = {s.kind: s for s in entry.steps.all()}
        for kind, values in proposal.steps.items():
            step = current.get(kind)
            step_set(
                entry_id=entry.pk,
                kind=kind,
                version=step.version if step else None,
                user=user,
                data=step_dates(values),
                reason=reason,
            )
    except ValidationError as error:
        raise ValidationError(
            _("Forslaget for %(name)s kan ikke godkendes: %(errors)s")
            % {"name": entry.name, "errors": " ".join(error.messages)}
        ) from error
    return entry


@transaction.atomic
def entry_proposals_accept(*, update, accepted_ids: set[int], user, reason: str) -> int:
    """On accepting an update: apply its pending proposals in `accepted_ids`, reject
    the others. Returns how many were applied."""
    applied = 0
    pending = update.register_proposals.filter(decision=EntryProposal.Decision.PENDING)
    for proposal in pending.select_for_update():
        if proposal.pk in accepted_ids:
            entry_proposal_apply(proposal, user=user, reason=reason)
            proposal.decision = EntryProposal.Decision.ACCEPTED
            applied += 1
        else:
            proposal.decision = EntryProposal.Decision.REJECTED
        record_save(
            proposal,
            user=user,
            reason="Godkendt" if proposal.pk in accepted_ids else "Afvist",
        )
    return applied
