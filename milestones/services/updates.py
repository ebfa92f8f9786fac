"""Writes on parties' progress updates and the SOR-team's review of them (accepting an
update moves milestone forecasts through the plan's service), and the e-mails they send.

E-mail goes through the outbox (core.mail): written in the same transaction as the
update, so nothing is sent for a write that is rolled back and nothing is lost when
the broker is down.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.history import record_delete, record_save
from core.mail import mail_enqueue, site_url
from core.versioning import EditConflict, locked
from parties.models import Party

from ..dates import format_plan_date
from ..models import (
    Activity,
    DatePrecision,
    ForecastProposal,
    Milestone,
    ProgressUpdate,
    ReportingRound,
    RoundObligation,
    period_start,
)
from . import plan as plan_services
from .rounds import reporters_of, sor_team_editors
from .sections import update_sections

# The text fields of an update a reporter writes (party, status and dates are the server's).
UPDATE_TEXT_FIELDS = (
    "narrative",
    "self_rag",
    "self_rag_reason",
    "percent_complete",
    "achievements",
    "next_steps",
    "risks",
    "help_needed",
)
# Checked when an update is submitted; a draft may be saved half done.
REQUIRED_ON_SUBMIT = (
    "narrative",
    "self_rag",
    "self_rag_reason",
    "percent_complete",
    "achievements",
    "next_steps",
)
# What a submit sets besides the texts (the server's, never the form's).
SUBMIT_FIELDS = ("status", "submitted_at", "submitted_by")
EDITABLE_STATUSES = (ProgressUpdate.Status.DRAFT, ProgressUpdate.Status.RETURNED)
DONE_STATUSES = (ProgressUpdate.Status.SUBMITTED, ProgressUpdate.Status.ACCEPTED)


# ---------------------------------------------------------------------------
# Progress updates
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ProposalInput:
    """What a reporter typed for one milestone: no date means no proposal."""

    milestone: Milestone
    date: datetime.date | None
    precision: str = DatePrecision.DAY
    reason: str = ""


def missing_for_submit(values: dict) -> list[str]:
    return [
        name
        for name in REQUIRED_ON_SUBMIT
        if values.get(name) in (None, "") or values.get(name) == []
    ]


@transaction.atomic
def progress_update_save(
    *,
    round_: ReportingRound,
    party: Party,
    activity: Activity,
    values: dict,
    proposals: list[ProposalInput],
    version: int,
    user,
    submit: bool = False,
    sections=(),
    obligation: RoundObligation | None = None,
) -> ProgressUpdate:
    """Save a party's update on an activity as a draft, or submit it.

    `version` is the one the user loaded (0 when no update existed); when
    someone saved in between, `EditConflict` is raised and nothing is saved.
    `sections` are the bound, valid sections of the apps above (see
    `sections.py`): their proposals are saved with the update, in its transaction.
    The caller has checked that the user may report for `party`; `obligation`, the
    party's obligation on the activity in the round when the caller has read it.
    """
    ours = (round_.pk, party.pk, activity.pk)
    read = obligation is not None and (
        (obligation.round_id, obligation.party_id, obligation.activity_id) == ours
    )
    if not read and not (
        RoundObligation.objects.filter(round=round_, party=party, activity=activity).exists()
    ):
        raise ValidationError(
            _("%(party)s skal ikke rapportere om denne aktivitet i runden.") % {"party": party.name}
        )
    update = (
        ProgressUpdate.objects.select_for_update()
        .filter(round=round_, party=party, activity=activity)
        .first()
    )
    if (update.version if update else 0) != version:
        raise EditConflict(update, seen_version=version)
    if update is None:
        update = ProgressUpdate(round=round_, party=party, activity=activity)
    elif update.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("Opdateringen er %(status)s og kan ikke længere ændres.")
            % {"status": update.get_status_display().lower()}
        )
    else:
        update.version += 1
    changed = []
    for name in UPDATE_TEXT_FIELDS:
        value = values.get(name)
        value = value if name == "percent_complete" else (value or "")
        if getattr(update, name) != value:
            setattr(update, name, value)
            changed.append(name)
    if submit:
        missing = missing_for_submit(values)
        if missing:
            raise ValidationError(
                {name: _("Udfyld feltet, før du indsender opdateringen.") for name in missing}
            )
        update.status = ProgressUpdate.Status.SUBMITTED
        update.submitted_at = timezone.now()
        update.submitted_by = user
    is_new = update.pk is None
    reason = "Indsendt" if submit else ProgressUpdate.DRAFT_SAVED_REASON
    # What changed is checked (its constraints too, each a query). An existing row was
    # loaded, locked and is still the one of this round, party and activity; a new one's
    # round, party and activity are rows just read, and none of theirs existed under the
    # lock (two reporters starting it at once: the database's unique constraint, below).
    plan_services.clean_changed(update, [*changed, *(SUBMIT_FIELDS if submit else ())])
    if not is_new:
        record_save(update, user=user, reason=reason, clean=False)
    else:
        try:
            with transaction.atomic():
                record_save(update, user=user, reason=reason, clean=False)
        except (IntegrityError, ValidationError) as error:
            # Two reporters started the same update at once: the other one won.
            current = ProgressUpdate.objects.filter(
                round=round_, party=party, activity=activity
            ).first()
            if current is not None:
                raise EditConflict(current, seen_version=version) from error
            raise
    _proposals_save(update, proposals, user=user, is_new=is_new)
    for section in sections:
        section.save(update=update, user=user)
    if submit:
        _notify(update, "submitted")
    return update


def _proposals_save(
    update: ProgressUpdate, proposals: list[ProposalInput], *, user, is_new: bool = False
) -> None:
    # A new update has no proposals yet.
    existing = {} if is_new else {p.milestone_id: p for p in update.proposals.all()}
    for item in proposals:
        milestone = item.milestone
        if milestone.activity_id != update.activity_id:
            raise ValidationError(_("Milepælen hører ikke til opdateringens aktivitet."))
        current = existing.get(milestone.pk)
        if item.date is None:
            if current is not None:
                record_delete(current, user=user, reason="Forslag til ny dato fjernet")
            continue
        if milestone.status in (Milestone.Status.DONE, Milestone.Status.CANCELLED):
            raise ValidationError(
                _("Milepælen %(title)s er lukket; der kan ikke foreslås en ny dato.")
                % {"title": milestone.title}
            )
        date = period_start(item.date, item.precision)
        if current is None:
            current = ForecastProposal(update=update, milestone=milestone)
        elif (
            current.proposed_date == date
            and current.proposed_precision == item.precision
            and current.reason == item.reason
            and current.decision == ForecastProposal.Decision.PENDING
        ):
            continue
        current.proposed_date = date
        current.proposed_precision = item.precision
        current.reason = item.reason
        current.decision = ForecastProposal.Decision.PENDING
        record_save(current, user=user, reason="Forslag til ny dato")


def _submitted_locked(update: ProgressUpdate, version: int) -> ProgressUpdate:
    """The update locked at `version` (else `EditConflict`), if it is submitted."""
    current = locked(ProgressUpdate.objects.select_related("round", "party"), update.pk, version)
    if current.status != ProgressUpdate.Status.SUBMITTED:
        raise ValidationError(
            _("Opdateringen er %(status)s; kun indsendte opdateringer kan behandles.")
            % {"status": current.get_status_display().lower()}
        )
    return current


def genitive(name: str) -> str:
    """Danish genitive: 'Region Midtjylland' -> 'Region Midtjyllands', 'Aarhus' -> "Aarhus'"."""
    return f"{name}'" if name[-1:] in ("s", "x", "z") else f"{name}s"


def forecast_change_reason(update: ProgressUpdate) -> str:
    """The change reason on a milestone moved by an accepted update (always in Danish)."""
    with translation.override("da"):
        period = format_plan_date(update.round.period, DatePrecision.MONTH)
    return f"Fra {genitive(update.party.name)} opdatering for {period}"


@transaction.atomic
def progress_update_accept(
    *,
    update: ProgressUpdate,
    accepted_proposal_ids: set[int],
    comment: str,
    version: int,
    user,
    accepted_section_ids: dict[str, set[int]] | None = None,
) -> list[Milestone]:
    """Accept a submitted update. Proposals in `accepted_proposal_ids` move their
    milestone's forecast (history: the reviewer, and where it came from); the
    others are rejected. The sections' proposals (`sections.py`) likewise: those
    in `accepted_section_ids[section.key]` are applied, the others rejected.
    Returns the milestones moved."""
    update = _submitted_locked(update, version)
    reason = forecast_change_reason(update)
    moved = []
    pending = update.proposals.select_related("milestone").filter(
        decision=ForecastProposal.Decision.PENDING
    )
    for proposal in pending:
        if proposal.pk in accepted_proposal_ids:
            milestone = Milestone.objects.select_for_update().get(pk=proposal.milestone_id)
            if milestone.status in (Milestone.Status.DONE, Milestone.Status.CANCELLED):
                raise ValidationError(
                    _("Milepælen %(title)s er lukket; forslaget kan ikke godkendes.")
                    % {"title": milestone.title}
                )
            # The forecast moves through the plan's one write path (version check, reason, history).
            milestone, _changed = plan_services.milestone_forecast_set(
                milestone_id=milestone.pk,
                version=milestone.version,
                forecast_date=proposal.proposed_date,
                forecast_precision=proposal.proposed_precision,
                user=user,
                reason=reason,
            )
            moved.append(milestone)
            proposal.decision = ForecastProposal.Decision.ACCEPTED
        else:
            proposal.decision = ForecastProposal.Decision.REJECTED
        record_save(
            proposal,
            user=user,
            reason="Godkendt" if proposal.pk in accepted_proposal_ids else "Afvist",
        )
    for section in update_sections():
        section.accept(
            update=update,
            accepted_ids=(accepted_section_ids or {}).get(section.key, set()),
            user=user,
            reason=reason,
        )
    _review_close(
        update,
        status=ProgressUpdate.Status.ACCEPTED,
        comment=comment,
        user=user,
        reason="Godkendt af SOR-teamet",
        event="accepted",
    )
    return moved


@transaction.atomic
def progress_update_return(*, update: ProgressUpdate, comment: str, version: int, user):
    """Send a submitted update back to the party with a comment."""
    if not comment.strip():
        raise ValidationError(
            {"comment": _("Skriv en kommentar, så parten ved, hvad der mangler.")}
        )
    update = _submitted_locked(update, version)
    _review_close(
        update,
        status=ProgressUpdate.Status.RETURNED,
        comment=comment,
        user=user,
        reason="Sendt retur af SOR-teamet",
        event="returned",
    )
    return update


def _review_close(
    update: ProgressUpdate, *, status: str, comment: str, user, reason: str, event: str
) -> None:
    """Record the SOR-team's decision on a locked, submitted update and tell the party."""
    update.status = status
    update.review_comment = comment
    update.reviewed_at = timezone.now()
    update.reviewed_by = user
    update.version += 1
    record_save(update, user=user, reason=reason)
    _notify(update, event)


def _notify(update: ProgressUpdate, event: str) -> None:
    """Enqueue the e-mail about an update submitted (to the SOR-team) or returned/accepted
    (to the party's reporters and whoever submitted it), in the caller's transaction."""
    update = (
        ProgressUpdate.objects.select_related(
            "round", "party", "activity", "submitted_by", "reviewed_by"
        )
        .prefetch_related("proposals__milestone")
        .get(pk=update.pk)
    )
    if event == "submitted":
        recipients = sor_team_editors()
    else:
        recipients = reporters_of(update.party)
        if update.submitted_by and update.submitted_by.email and update.submitted_by.is_active:
            if update.submitted_by not in recipients:
                recipients.append(update.submitted_by)
    context = {
        "update": update,
        "period": format_plan_date(update.round.period, DatePrecision.MONTH),
        "update_url": site_url(reverse("milestones:reporting_update", args=[update.pk])),
        "edit_url": site_url(
            reverse(
                "milestones:reporting_edit",
                args=[f"{update.round.period:%Y-%m}", update.party.key, update.activity.key],
            )
        ),
    }
    mail_enqueue(
        template=f"reporting_{event}",
        context=context,
        to=[u.email for u in recipients],
        # Each version of an update is submitted, returned or accepted at most once.
        dedupe_key=f"progress-update:{update.pk}:v{update.version}:{event}",
    )
