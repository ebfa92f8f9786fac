"""Writes on risks, issues, decisions and actions: create and edit (with the version the
person saw), status moves by the rules on the models, reporters' proposals and their
review, help needed in a progress update turned into a decision request or a risk, and
exception notes and delivery confidence.

Every write is atomic and names the acting user and a reason in history.
"""

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.history import record_save
from core.versioning import EditConflict, locked
from milestones.models import Activity, Milestone, ProgressUpdate

from ..models import (
    Action,
    Decision,
    DecisionOption,
    DeliveryConfidence,
    ExceptionNote,
    Issue,
    Risk,
)
from .common import create_record, refuse, update_record

# What may no longer be edited (only read) once a record has reached these statuses.
FINAL_STATUSES = {
    Risk: (Risk.Status.CLOSED, Risk.Status.OCCURRED, Risk.Status.REJECTED),
    Issue: (Issue.Status.REJECTED,),
    Decision: (Decision.Status.TAKEN, Decision.Status.WITHDRAWN),
    Action: (Action.Status.DONE, Action.Status.CANCELLED),
}


def is_editable(record) -> bool:
    return record.status not in FINAL_STATUSES.get(type(record), ())


def _require_editable(record) -> None:
    if not is_editable(record):
        refuse(
            _("%(what)s er %(status)s og kan ikke længere ændres.")
            % {
                "what": str(type(record)._meta.verbose_name).capitalize(),
                "status": record.get_status_display().lower(),
            }
        )


# ---------------------------------------------------------------------------
# Risks and issues
# ---------------------------------------------------------------------------
@transaction.atomic
def risk_create(*, data: Mapping[str, Any], user, reason: str = "", proposed: bool = False) -> Risk:
    """A new risk; a reporter's is `proposed` until the SOR-team accepts it."""
    extra = {"status": Risk.Status.PROPOSED, "proposed_by": user} if proposed else {}
    data = {k: v for k, v in data.items() if not (proposed and k == "status")}
    return create_record(Risk, data=data, user=user, reason=reason or _("Risiko oprettet"), **extra)


@transaction.atomic
def issue_create(
    *, data: Mapping[str, Any], user, reason: str = "", proposed: bool = False
) -> Issue:
    """A new issue; a reporter's is `proposed` until the SOR-team accepts it."""
    extra = {"status": Issue.Status.PROPOSED, "proposed_by": user} if proposed else {}
    data = {k: v for k, v in data.items() if not (proposed and k == "status")}
    return create_record(
        Issue, data=data, user=user, reason=reason or _("Problem oprettet"), **extra
    )


@transaction.atomic
def record_update(
    model, *, pk: int, version: int, data: Mapping[str, Any], user, reason: str = ""
) -> tuple[Any, bool]:
    """Edit a risk, issue, decision request or action from the version the person saw.
    A status in `data` must be an allowed move. Returns (record, changed)."""
    record = locked(model, pk, version)
    _require_editable(record)
    data = dict(data)
    status = data.pop("status", record.status)
    if status != record.status:
        _check_move(record, status)
    changed = update_record(record, data=data, user=user, reason=reason)
    if status != record.status:
        record = _move(record, status, user=user, reason=reason)
        changed = True
    return record, changed


def _check_move(record, status: str) -> None:
    may_move = getattr(record, "may_move_to", None)
    if may_move is not None and not may_move(status):
        refuse(
            _("Status kan ikke skifte fra “%(old)s” til “%(new)s”.")
            % {
                "old": record.get_status_display(),
                "new": type(record).Status(status).label,
            },
            "status",
        )


def _move(record, status: str, *, user, reason: str):
    record.status = status
    record.version += 1
    record_save(record, user=user, reason=reason or _("Status ændret"))
    if isinstance(record, Risk) and status == Risk.Status.OCCURRED:
        _issue_from_risk(record, user=user)
    return record


def _issue_from_risk(risk: Risk, *, user) -> Issue:
    """An occurred risk becomes an issue, linked to it and to the same plan records."""
    issue = create_record(
        Issue,
        data={
            "title": risk.title,
            "description": risk.consequence or risk.description,
            "owner_party": risk.owner_party,
            "owner_person": risk.owner_person,
            "severity": {"low": "low", "medium": "medium", "high": "high"}.get(
                risk.band.key, "critical"
            ),
            "activities": risk.activities.all(),
            "milestones": risk.milestones.all(),
        },
        user=user,
        reason=_("Risikoen er indtruffet"),
        from_risk=risk,
    )
    return issue


@transaction.atomic
def record_status_move(model, *, pk: int, version: int, status: str, user, reason: str = ""):
    """Move a record to another status, if the rules allow it."""
    record = locked(model, pk, version)
    _require_editable(record)
    _check_move(record, status)
    return _move(record, status, user=user, reason=reason)


@transaction.atomic
def proposal_review(model, *, pk: int, version: int, accept: bool, user, reason: str = ""):
    """The SOR-team accepts (opens) or rejects a reporter's proposed risk or issue."""
    record = locked(model, pk, version)
    if record.status != model.Status.PROPOSED:
        refuse(_("Kun et forslag kan godkendes eller afvises."))
    status = model.Status.OPEN if accept else model.Status.REJECTED
    default = _("Forslag godkendt") if accept else _("Forslag afvist")
    return _move(record, status, user=user, reason=reason or default)


# ---------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------
def _set_options(decision: Decision, options: Sequence[tuple[str, str]], *, user) -> None:
    existing = {o.number: o for o in decision.options.all()}
    wanted = [(t.strip(), c.strip()) for t, c in options if t.strip()]
    for number, (title, consequences) in enumerate(wanted, start=1):
        option = existing.pop(number, None) or DecisionOption(decision=decision, number=number)
        if option.pk is None or (option.title, option.consequences) != (title, consequences):
            option.title, option.consequences = title, consequences
            record_save(option, user=user, reason=_("Mulighed gemt"))
    for option in existing.values():
        option._history_user = user
        option.delete()


@transaction.atomic
def decision_request(
    *,
    data: Mapping[str, Any],
    options: Sequence[tuple[str, str]] = (),
    user,
    reason: str = "",
    source_update: ProgressUpdate | None = None,
) -> Decision:
    """A decision request to the steering group, with its options and consequences."""
    if not data.get("requested_by"):
        data = {**data, "requested_by": user}
    decision = create_record(
        Decision,
        data=data,
        user=user,
        reason=reason or _("Beslutning anmodet"),
        source_update=source_update,
    )
    _set_options(decision, options, user=user)
    return decision


@transaction.atomic
def decision_update(
    *,
    pk: int,
    version: int,
    data: Mapping[str, Any],
    options: Sequence[tuple[str, str]] | None = None,
    user,
    reason: str = "",
) -> tuple[Decision, bool]:
    decision, changed = record_update(
        Decision, pk=pk, version=version, data=data, user=user, reason=reason
    )
    if options is not None:
        _set_options(decision, options, user=user)
    return decision, changed


@transaction.atomic
def decision_take(
    *,
    pk: int,
    version: int,
    outcome: str,
    decided_on: datetime.date,
    meeting=None,
    conditions: str = "",
    user,
    reason: str = "",
) -> Decision:
    """Record the steering group's decision on a request."""
    decision = locked(Decision, pk, version)
    if decision.status != Decision.Status.REQUESTED:
        refuse(_("Kun en anmodet beslutning kan træffes."))
    if not outcome.strip():
        refuse(_("Skriv, hvad styregruppen besluttede."), "outcome")
    decision.status = Decision.Status.TAKEN
    decision.outcome = outcome.strip()
    decision.decided_on = decided_on
    decision.meeting = meeting
    decision.conditions = conditions.strip()
    decision.version += 1
    return record_save(decision, user=user, reason=reason or _("Beslutning truffet"))


@transaction.atomic
def decision_withdraw(*, pk: int, version: int, user, reason: str = "") -> Decision:
    decision = locked(Decision, pk, version)
    if decision.status != Decision.Status.REQUESTED:
        refuse(_("Kun en anmodet beslutning kan trækkes tilbage."))
    decision.status = Decision.Status.WITHDRAWN
    decision.version += 1
    return record_save(decision, user=user, reason=reason or _("Anmodning trukket tilbage"))


# ---------------------------------------------------------------------------
# Help needed in a progress update -> a decision request or a risk, in one step
# ---------------------------------------------------------------------------
def _help_source(update: ProgressUpdate) -> str:
    if not update.is_submitted:
        refuse(_("Kun en indsendt eller godkendt opdatering kan bruges."))
    text = (update.help_needed or "").strip()
    if not text:
        refuse(_("Opdateringen beder ikke om hjælp fra styregruppen."))
    if (
        Decision.objects.filter(source_update=update).exists()
        or Risk.objects.filter(source_update=update).exists()
    ):
        refuse(_("Behovet for hjælp i denne opdatering er allerede oprettet som en post."))
    return text


def _help_title(update: ProgressUpdate, text: str) -> str:
    first = text.splitlines()[0].strip()
    title = f"{update.party.label}: {first}"
    return title if len(title) <= 300 else title[:299] + "…"


@transaction.atomic
def help_needed_to_decision(*, update: ProgressUpdate, user) -> Decision:
    """Turn an update's "help needed" into a decision request, linked to the update."""
    update = (
        ProgressUpdate.objects.select_for_update()
        .select_related("party", "activity")
        .get(pk=update.pk)
    )
    text = _help_source(update)
    return decision_request(
        data={
            "title": _help_title(update, text),
            "question": text,
            "background": update.narrative,
            "owner_party": update.party,
            "requested_by_party": update.party,
            "requested_by": update.submitted_by,
            "activities": [update.activity],
        },
        user=user,
        reason=_("Oprettet fra statusopdatering (behov for hjælp)"),
        source_update=update,
    )


@transaction.atomic
def help_needed_to_risk(*, update: ProgressUpdate, user) -> Risk:
    """Turn an update's "help needed" into an open risk (3 × 3 until assessed)."""
    update = (
        ProgressUpdate.objects.select_for_update()
        .select_related("party", "activity")
        .get(pk=update.pk)
    )
    text = _help_source(update)
    return create_record(
        Risk,
        data={
            "title": _help_title(update, text),
            "description": text,
            "cause": update.risks,
            "owner_party": update.party,
            "probability": 3,
            "impact": 3,
            "activities": [update.activity],
        },
        user=user,
        reason=_("Oprettet fra statusopdatering (behov for hjælp)"),
        source_update=update,
    )


# ---------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------
@transaction.atomic
def action_create(*, data: Mapping[str, Any], user, reason: str = "") -> Action:
    return create_record(Action, data=data, user=user, reason=reason or _("Handling oprettet"))


@transaction.atomic
def action_progress(
    *, pk: int, version: int, status: str, progress_note: str, user, reason: str = ""
) -> Action:
    """The owner's update of an action: its status and a note, nothing else."""
    action = locked(Action, pk, version)
    _require_editable(action)
    if status not in Action.Status.values:
        refuse(_("Vælg en gyldig status."), "status")
    if (action.status, action.progress_note) == (status, progress_note):
        return action
    action.status, action.progress_note = status, progress_note
    action.version += 1
    return record_save(action, user=user, reason=reason or _("Handling opdateret"))


# ---------------------------------------------------------------------------
# Exception notes and delivery confidence
# ---------------------------------------------------------------------------
@transaction.atomic
def exception_raise(
    *,
    milestone: Milestone,
    cause: str,
    consequences: str,
    options: str,
    recommendation: str,
    needed_by: datetime.date | None = None,
    user,
) -> ExceptionNote:
    """Write an exception note on a red milestone and raise it as a decision request."""
    party = milestone.activity.responsible_party
    decision = decision_request(
        data={
            "title": _("Afvigelse: %(milestone)s") % {"milestone": milestone.title},
            "question": options,
            "background": _("Årsag: %(cause)s\n\nKonsekvenser: %(consequences)s")
            % {"cause": cause, "consequences": consequences},
            "recommendation": recommendation,
            "needed_by": needed_by,
            "owner_party": party,
            "activities": [milestone.activity],
            "milestones": [milestone],
        },
        user=user,
        reason=_("Afvigelsesrapport"),
    )
    note = ExceptionNote(
        key=decision.key,
        milestone=milestone,
        cause=cause,
        consequences=consequences,
        options=options,
        recommendation=recommendation,
        decision=decision,
    )
    return record_save(note, user=user, reason=_("Afvigelsesrapport skrevet"))


@transaction.atomic
def confidence_set(
    *,
    activity: Activity | None,
    level: str,
    justification: str,
    version: int,
    user,
) -> DeliveryConfidence:
    """Set the delivery confidence of the programme (no activity) or an activity.
    `version` is 0 when there was none."""
    key = activity.key if activity else "programmet"
    if not justification.strip():
        refuse(_("Begrund vurderingen af leveringssikkerheden."), "justification")
    current = DeliveryConfidence.objects.select_for_update().filter(key=key).first()
    if (current.version if current else 0) != version:
        raise EditConflict(current, seen_version=version)
    if current is None:
        current = DeliveryConfidence(key=key, activity=activity)
    else:
        current.version += 1
    current.level, current.justification = level, justification.strip()
    return record_save(current, user=user, reason=_("Leveringssikkerhed vurderet"))
