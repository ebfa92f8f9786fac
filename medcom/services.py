"""Writes on MedCom's matrix: message types and certification rows.

One rule set for every way in (pages, htmx, the import): `move_refusal` says who
may take a row to a state — only MedCom's reporters and the SOR-team set the test
and its result ("i test", "certificeret", "afvist i test"); a supplier's reporter
moves its own rows up to "klar til test", back from "afvist i test", and to "i
produktion" after the certificate; nobody touches another supplier's rows.
Every update takes the version the person saw (`core.versioning.locked`) and
records the acting user and reason in history.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.history import apply_changes, record_delete, record_save
from core.versioning import locked
from milestones.models import DatePrecision, plan_date_error
from milestones.services.updates import forecast_change_reason
from parties.access import access_for
from register import history
from register.models import Entry

from .models import (
    CERTIFIER_STATES,
    STATE_DATE_FIELD,
    SUPPLIER_MOVES,
    Certification,
    CertificationProposal,
    CertState,
    MessageType,
)

MESSAGE_TYPE_FIELDS = (
    "code",
    "name",
    "family",
    "cutover_date",
    "cutover_precision",
    "plan_state",
    "description",
)
# What a supplier's reporter writes on its own rows besides the state.
SUPPLIER_FIELDS = (
    "planned_production_date",
    "planned_production_precision",
    "note",
    "development_started_on",
    "ready_for_test_on",
    "in_production_on",
)
# MedCom and the SOR-team write these too.
CERTIFIER_FIELDS = (
    *SUPPLIER_FIELDS,
    "reference",
    "rejection_reason",
    "test_started_on",
    "certified_on",
    "rejected_on",
)


def _save(instance, *, user, reason: str):
    instance.full_clean(validate_constraints=False)
    return record_save(instance, user=user, reason=reason, clean=False)


def _changes_since(instance, version: int):
    """What was saved after `version`, for the conflict message."""
    return history.changes_since_version(instance, version)


def _check_fields(data: Mapping[str, Any], allowed) -> None:
    wrong = set(data) - set(allowed)
    if wrong:
        raise ValueError(f"not writable here: {sorted(wrong)}")


# ---------------------------------------------------------------------------
# Message types
# ---------------------------------------------------------------------------
def _require_certifier(access) -> None:
    if not access.may_certify:
        raise PermissionDenied(_("Kun MedCom og SOR-teamet kan ændre meddelelsestyperne."))


@transaction.atomic
def message_type_create(*, access, user, data: Mapping[str, Any], reason: str = "") -> MessageType:
    """A new message type (MedCom or the SOR-team); its key from the code when not given."""
    _require_certifier(access)
    _check_fields(data, (*MESSAGE_TYPE_FIELDS, "key", "is_demo"))
    message_type = MessageType(**data)
    if not message_type.key:
        message_type.key = message_type_key(message_type.code)
    _save(message_type, user=user, reason=reason)
    return message_type


def message_type_key(code: str) -> str:
    return slugify(code.lower())[:60] or "meddelelsestype"


@transaction.atomic
def message_type_update(
    *, access, message_type_id: int, version: int, user, data: Mapping[str, Any], reason: str = ""
) -> tuple[MessageType, bool]:
    """Update a message type from the version the person saw. Returns (type, changed)."""
    _require_certifier(access)
    _check_fields(data, (*MESSAGE_TYPE_FIELDS, "is_demo"))
    message_type = locked(MessageType, message_type_id, version, changes=_changes_since)
    if not apply_changes(message_type, data):
        return message_type, False
    message_type.version += 1
    _save(message_type, user=user, reason=reason)
    return message_type, True


# ---------------------------------------------------------------------------
# Certification rows
# ---------------------------------------------------------------------------
def move_refusal(access, *, supplier_id: int | None, current: str | None, target: str) -> str:
    """Why this person may not take a row of `supplier_id` from `current` (None: a new
    row) to `target`; empty when they may."""
    if target not in CertState.values:
        return _("Ukendt tilstand.")
    if not access.may_update_certification(supplier_id):
        return _("Du kan kun ændre rækker for de leverandører, du rapporterer for.")
    if access.may_certify:
        return ""
    return supplier_move_refusal(current=current, target=target)


def supplier_move_refusal(*, current: str | None, target: str) -> str:
    """Why a supplier's reporter may not take its own row from `current` (None: a new
    row) to `target`; empty when it may (also what a supplier proposes in its update)."""
    if current == target:
        return ""
    if target not in CertState.values:
        return _("Ukendt tilstand.")
    label = CertState(target).label
    if target in CERTIFIER_STATES:
        return _("Kun MedCom og SOR-teamet kan sætte “%(state)s”.") % {"state": label}
    allowed = SUPPLIER_MOVES[current or CertState.NOT_STARTED] | (
        {CertState.NOT_STARTED} if current is None else set()
    )
    if target not in allowed:
        if target == CertState.IN_PRODUCTION:
            return _("“%(state)s” kræver, at MedCom har certificeret rækken.") % {"state": label}
        return _("En leverandør kan ikke flytte rækken fra “%(old)s” til “%(new)s”.") % {
            "old": CertState(current or CertState.NOT_STARTED).label,
            "new": label,
        }
    return ""


def field_refusal(access, data: Mapping[str, Any]) -> str:
    """Fields only MedCom and the SOR-team write (the reference, the test's dates)."""
    if access.may_certify:
        return ""
    wrong = set(data) - set(SUPPLIER_FIELDS) - {"state"}
    if wrong:
        return _("Kun MedCom og SOR-teamet kan skrive testens reference, datoer og resultat.")
    return ""


def changed_fields(row: Certification | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """The values of `data` that differ from the row's (a new row: from the defaults)."""
    if row is None:
        defaults = {f: Certification._meta.get_field(f).get_default() for f in data}
        return {k: v for k, v in data.items() if v != defaults[k] and v not in ("", None)}
    return {k: v for k, v in data.items() if getattr(row, k) != v}


def _apply_state(row: Certification, state: str, on: datetime.date | None) -> None:
    """The state, and the day it was reached on its date field (kept if already given)."""
    if row.state == state:
        return
    row.state = state
    name = STATE_DATE_FIELD.get(state)
    if name and (on is not None or getattr(row, name) is None):
        setattr(row, name, on or timezone.localdate())


@transaction.atomic
def certification_create(
    *,
    access,
    user,
    entry: Entry,
    message_type: MessageType,
    direction: str,
    data: Mapping[str, Any] | None = None,
    state: str = CertState.NOT_STARTED,
    on: datetime.date | None = None,
    reason: str = "",
    is_demo: bool = False,
) -> Certification:
    """A new row for a supplier's system; the same rules as a move from nothing."""
    data = dict(data or {})
    _check_fields(data, CERTIFIER_FIELDS)
    refusal = move_refusal(
        access, supplier_id=entry.supplier_id, current=None, target=state
    ) or field_refusal(access, changed_fields(None, data))
    if refusal:
        raise PermissionDenied(refusal)
    if Certification.objects.filter(
        entry=entry, message_type=message_type, direction=direction
    ).exists():
        raise ValidationError(
            {"direction": _("Systemet har allerede en række for denne meddelelsestype og retning.")}
        )
    row = Certification(
        entry=entry, message_type=message_type, direction=direction, is_demo=is_demo, **data
    )
    _apply_state(row, state, on)
    _save(row, user=user, reason=reason)
    return row


@transaction.atomic
def certification_set(
    *,
    access,
    certification_id: int,
    version: int,
    user,
    state: str | None = None,
    on: datetime.date | None = None,
    data: Mapping[str, Any] | None = None,
    reason: str = "",
) -> tuple[Certification, bool]:
    """Move a row and/or write its fields from the version the person saw.

    `on` is the day the new state was reached (today when not given). Returns
    (row, changed); refuses with PermissionDenied (saying why) what the person may
    not do, and with ValidationError what the rules do not allow ("afvist i test"
    without a reason, "certificeret" without a date).
    """
    data = dict(data or {})
    _check_fields(data, CERTIFIER_FIELDS)
    row = locked(
        Certification.objects.select_related("entry", "message_type"),
        certification_id,
        version,
        changes=_changes_since,
    )
    supplier_id = row.entry.supplier_id
    if not access.may_update_certification(supplier_id):
        raise PermissionDenied(
            _("Du kan kun ændre rækker for de leverandører, du rapporterer for.")
        )
    refusal = field_refusal(access, changed_fields(row, data))
    if state is not None and not refusal:
        refusal = move_refusal(access, supplier_id=supplier_id, current=row.state, target=state)
    if refusal:
        raise PermissionDenied(refusal)
    changed = bool(apply_changes(row, data))
    if state is not None and state != row.state:
        _apply_state(row, state, on)
        changed = True
    if not changed:
        return row, False
    row.version += 1
    _save(row, user=user, reason=reason)
    return row, True


# ---------------------------------------------------------------------------
# A supplier's proposals in its monthly progress update (medcom.reporting)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ProposalInput:
    """What a supplier proposes for one row: a state (empty: unchanged) with the day it
    was reached, and a planned production date (None: unchanged)."""

    row: Certification
    state: str = ""
    state_on: datetime.date | None = None
    planned_production_date: datetime.date | None = None
    planned_production_precision: str = DatePrecision.MONTH


def proposal_errors(item: ProposalInput) -> dict[str, str]:
    """The proposal's problems by field, in Danish (empty: it may be saved)."""
    errors = {}
    state = item.state if item.state != item.row.state else ""
    if state:
        refusal = supplier_move_refusal(current=item.row.state, target=state)
        if refusal:
            errors["state"] = refusal
    if item.state_on and not state:
        errors["state_on"] = _("Vælg den nye tilstand, som datoen hører til.")
    if item.state_on and item.state_on > timezone.localdate():
        errors["state_on"] = _("Datoen kan ikke ligge i fremtiden.")
    error = plan_date_error(item.planned_production_date, item.planned_production_precision)
    if error:
        errors["planned_production_date"] = error
    return errors


def _planned_changes(item: ProposalInput) -> bool:
    row = item.row
    return item.planned_production_date is not None and (
        item.planned_production_date != row.planned_production_date
        or item.planned_production_precision != row.planned_production_precision
    )


@transaction.atomic
def proposals_save(*, update, items, row_ids, user) -> None:
    """Save a supplier's proposals with its update (draft or submission): one per row
    with something to change, pending review; `row_ids` are the rows the update lists
    (its party's own), others are refused."""
    existing = {p.certification_id: p for p in update.certification_proposals.all()}
    for item in items:
        row = item.row
        if row.pk not in row_ids:
            raise PermissionDenied(
                _("Du kan kun ændre rækker for de leverandører, du rapporterer for.")
            )
        errors = proposal_errors(item)
        if errors:
            raise ValidationError(
                _("Forslaget for %(row)s: %(errors)s")
                % {"row": row, "errors": " ".join(errors.values())}
            )
        state = item.state if item.state != row.state else ""
        planned = _planned_changes(item)
        current = existing.get(row.pk)
        if not (state or planned):
            if current is not None:
                record_delete(current, user=user, reason="Forslag til certificeringsrække fjernet")
            continue
        values = {
            "state": state,
            "state_on": item.state_on if state else None,
            "planned_production_date": item.planned_production_date if planned else None,
            "planned_production_precision": (
                item.planned_production_precision if planned else DatePrecision.MONTH
            ),
            "decision": CertificationProposal.Decision.PENDING,
        }
        if current is None:
            current = CertificationProposal(update=update, certification=row)
        if apply_changes(current, values) or current.pk is None:
            record_save(current, user=user, reason="Forslag til certificeringsrække")


@transaction.atomic
def proposal_decide(*, access, user, proposal_id: int, accept: bool) -> CertificationProposal:
    """Accept (applied through `certification_set`, history naming the update) or
    return one pending proposal: MedCom's reporters and the SOR-team, on a submitted
    update. A proposal the row has moved past since is refused with a Danish message."""
    if not access.may_review_certification_proposals:
        raise PermissionDenied(_("Kun MedCom og SOR-teamet behandler leverandørernes forslag."))
    proposal = (
        CertificationProposal.objects.select_for_update()
        .select_related("update", "certification")
        .get(pk=proposal_id)
    )
    if proposal.decision != CertificationProposal.Decision.PENDING:
        raise ValidationError(_("Forslaget er allerede behandlet."))
    if not proposal.update.is_submitted:
        raise ValidationError(_("Forslaget er ikke indsendt endnu."))
    if accept:
        _apply_proposal(proposal, access=access, user=user)
        proposal.decision = CertificationProposal.Decision.ACCEPTED
    else:
        proposal.decision = CertificationProposal.Decision.RETURNED
    record_save(proposal, user=user, reason="Godkendt" if accept else "Returneret")
    return proposal


def _apply_proposal(proposal: CertificationProposal, *, access, user) -> Certification:
    row = proposal.certification
    refusal = (
        supplier_move_refusal(current=row.state, target=proposal.state) if proposal.state else ""
    )
    if refusal:
        raise ValidationError(
            _("Forslaget for %(row)s kan ikke godkendes: %(errors)s")
            % {"row": row, "errors": refusal}
        )
    data = {}
    if proposal.planned_production_date:
        data = {
            "planned_production_date": proposal.planned_production_date,
            "planned_production_precision": proposal.planned_production_precision,
        }
    row, _changed = certification_set(
        access=access,
        certification_id=row.pk,
        version=row.version,
        user=user,
        state=proposal.state or None,
        on=proposal.state_on,
        data=data,
        reason=forecast_change_reason(proposal.update),
    )
    return row


@transaction.atomic
def proposals_accept(*, update, accepted_ids: set[int], user) -> int:
    """When the SOR-team accepts the update: apply its pending proposals in
    `accepted_ids`, return the others. Returns how many were applied."""
    access = access_for(user)
    applied = 0
    pending = update.certification_proposals.filter(
        decision=CertificationProposal.Decision.PENDING
    ).select_related("certification", "update")
    for proposal in pending.select_for_update(of=("self",)):
        proposal_decide(
            access=access, user=user, proposal_id=proposal.pk, accept=proposal.pk in accepted_ids
        )
        applied += proposal.pk in accepted_ids
    return applied
