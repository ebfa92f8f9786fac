"""Writes of the monthly reporting: rounds and their obligations, parties'
progress updates, the SOR-team's review (which moves milestone forecasts),
and the e-mails and reminders around them.

E-mail goes out through Celery tasks queued with `transaction.on_commit`, so
nothing is sent for a write that is rolled back.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parties.models import Membership, Party
from parties.services import record_delete, record_save

from ..dates import format_plan_date
from ..models import (
    Activity,
    DatePrecision,
    ForecastProposal,
    Milestone,
    ProgressUpdate,
    ReminderSent,
    ReportingRound,
    RoundObligation,
    period_start,
)
from ..workdays import (
    first_working_day,
    is_working_day,
    last_working_day,
    month_start,
    working_days_between,
)

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
EDITABLE_STATUSES = (ProgressUpdate.Status.DRAFT, ProgressUpdate.Status.RETURNED)
DONE_STATUSES = (ProgressUpdate.Status.SUBMITTED, ProgressUpdate.Status.ACCEPTED)
# Overdue reminders only for rounds due this recently (not for every old round).
OVERDUE_REMINDER_WINDOW = datetime.timedelta(days=31)


class UpdateConflict(Exception):
    """Someone else saved the record since the user loaded it; `current` is what is saved now."""

    def __init__(self, current):
        super().__init__("conflict")
        self.current = current


# ---------------------------------------------------------------------------
# Who reports
# ---------------------------------------------------------------------------
def party_ids_with_reporters() -> set[int]:
    """Parties someone may report for: those with a reporter of their own, and
    those coordinated by a party with a reporter (RSI reports for the regions)."""
    own = set(
        Membership.objects.filter(role=Membership.Role.REPORTER, user__is_active=True).values_list(
            "party_id", flat=True
        )
    )
    coordinated = set(
        Party.objects.filter(coordinator_id__in=own).values_list("pk", flat=True) if own else []
    )
    return own | coordinated


def reporters_of(party: Party) -> list:
    """People who report for a party: its own reporters and its coordinator's."""
    party_ids = [party.pk] + ([party.coordinator_id] if party.coordinator_id else [])
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role=Membership.Role.REPORTER,
            memberships__party_id__in=party_ids,
        )
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


def sor_team_editors() -> list:
    return list(
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Membership.Role.EDITOR)
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


# ---------------------------------------------------------------------------
# Rounds and obligations
# ---------------------------------------------------------------------------
@transaction.atomic
def reporting_round_create(
    *,
    period: datetime.date,
    user,
    opens_on: datetime.date | None = None,
    due_on: datetime.date | None = None,
) -> ReportingRound:
    """Create a month's round and fix its obligations: each open activity whose
    responsible party someone may report for.

    Opens on the month's first working day and is due on its last working day
    unless told otherwise.
    """
    period = month_start(period)
    round_ = ReportingRound(
        period=period,
        opens_on=opens_on or first_working_day(period),
        due_on=due_on or last_working_day(period),
        created_by=user,
    )
    if ReportingRound.objects.filter(period=period).exists():
        raise ValidationError(
            {
                "period": _("Der findes allerede en rapporteringsrunde for %(month)s.")
                % {"month": format_plan_date(period, DatePrecision.MONTH)}
            }
        )
    if round_.due_on < round_.opens_on:
        raise ValidationError({"due_on": _("Fristen kan ikke ligge før runden åbner.")})
    record_save(round_, user=user, reason="Rapporteringsrunde oprettet")
    activities = (
        Activity.objects.filter(responsible_party_id__in=party_ids_with_reporters())
        .exclude(status__in=[Activity.Status.DONE, Activity.Status.CANCELLED])
        .select_related("responsible_party")
        .order_by("responsible_party__name", "sort_order")
    )
    for activity in activities:
        record_save(
            RoundObligation(round=round_, party=activity.responsible_party, activity=activity),
            user=user,
            reason="Rapporteringspligt fastlagt ved oprettelse af runden",
        )
    return round_


def reporting_round_open_for_month(*, today: datetime.date, user) -> ReportingRound | None:
    """The periodic task's work: on or after the month's first working day,
    create the month's round unless it exists. Returns the new round, or None."""
    period = month_start(today)
    if today < first_working_day(period):
        return None
    if ReportingRound.objects.filter(period=period).exists():
        return None
    try:
        with transaction.atomic():
            return reporting_round_create(period=period, user=user)
    except (IntegrityError, ValidationError):
        # Someone (the SOR-team, or a second beat) created it a moment ago.
        if ReportingRound.objects.filter(period=period).exists():
            return None
        raise


@transaction.atomic
def obligation_add(
    *, round_: ReportingRound, party: Party, activity: Activity, user
) -> RoundObligation:
    """Make a party report on an activity in a round."""
    if RoundObligation.objects.filter(round=round_, party=party, activity=activity).exists():
        raise ValidationError(
            _("%(party)s skal allerede rapportere om %(activity)s i denne runde.")
            % {"party": party.name, "activity": activity.title}
        )
    return record_save(
        RoundObligation(round=round_, party=party, activity=activity),
        user=user,
        reason="Rapporteringspligt tilføjet af SOR-teamet",
    )


@transaction.atomic
def obligation_remove(*, obligation: RoundObligation, user) -> None:
    """Release a party from reporting on an activity, unless it has begun."""
    if ProgressUpdate.objects.filter(
        round_id=obligation.round_id,
        party_id=obligation.party_id,
        activity_id=obligation.activity_id,
    ).exists():
        raise ValidationError(
            _(
                "%(party)s er allerede gået i gang med opdateringen om %(activity)s; "
                "pligten kan ikke fjernes."
            )
            % {"party": obligation.party.name, "activity": obligation.activity.title}
        )
    record_delete(obligation, user=user, reason="Rapporteringspligt fjernet af SOR-teamet")


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
) -> ProgressUpdate:
    """Save a party's update on an activity as a draft, or submit it.

    `version` is the one the user loaded (0 when no update existed); when
    someone saved in between, UpdateConflict is raised and nothing is saved.
    The caller has checked that the user may report for `party`.
    """
    if not RoundObligation.objects.filter(round=round_, party=party, activity=activity).exists():
        raise ValidationError(
            _("%(party)s skal ikke rapportere om denne aktivitet i runden.") % {"party": party.name}
        )
    update = (
        ProgressUpdate.objects.select_for_update()
        .filter(round=round_, party=party, activity=activity)
        .first()
    )
    if (update.version if update else 0) != version:
        raise UpdateConflict(update)
    if update is None:
        update = ProgressUpdate(round=round_, party=party, activity=activity)
    elif update.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("Opdateringen er %(status)s og kan ikke længere ændres.")
            % {"status": update.get_status_display().lower()}
        )
    else:
        update.version += 1
    for name in UPDATE_TEXT_FIELDS:
        value = values.get(name)
        setattr(update, name, value if name == "percent_complete" else (value or ""))
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
    try:
        with transaction.atomic():
            record_save(update, user=user, reason="Indsendt" if submit else "Kladde gemt")
    except (IntegrityError, ValidationError) as error:
        # Two reporters started the same update at once: the other one won.
        if is_new:
            current = ProgressUpdate.objects.filter(
                round=round_, party=party, activity=activity
            ).first()
            if current is not None:
                raise UpdateConflict(current) from error
        raise
    _proposals_save(update, proposals, user=user)
    if submit:
        _notify(update, "submitted")
    return update


def _proposals_save(update: ProgressUpdate, proposals: list[ProposalInput], *, user) -> None:
    existing = {p.milestone_id: p for p in update.proposals.all()}
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


def _locked(update: ProgressUpdate, version: int) -> ProgressUpdate:
    current = (
        ProgressUpdate.objects.select_for_update(of=("self",))
        .select_related("round", "party")
        .get(pk=update.pk)
    )
    if current.version != version:
        raise UpdateConflict(current)
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
) -> list[Milestone]:
    """Accept a submitted update. Proposals in `accepted_proposal_ids` move their
    milestone's forecast (history: the reviewer, and where it came from); the
    others are rejected. Returns the milestones moved."""
    update = _locked(update, version)
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
            milestone.forecast_date = proposal.proposed_date
            milestone.forecast_precision = proposal.proposed_precision
            milestone.version += 1
            record_save(milestone, user=user, reason=reason)
            moved.append(milestone)
            proposal.decision = ForecastProposal.Decision.ACCEPTED
        else:
            proposal.decision = ForecastProposal.Decision.REJECTED
        record_save(
            proposal,
            user=user,
            reason="Godkendt" if proposal.pk in accepted_proposal_ids else "Afvist",
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
    update = _locked(update, version)
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


# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------
def _notify(update: ProgressUpdate, event: str) -> None:
    from .. import tasks

    update_id = update.pk
    transaction.on_commit(lambda: tasks.progress_update_notify.delay(update_id, event))


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def mail_send(*, template: str, context: dict, to: list[str]) -> int:
    """Render templates/emails/<template>_subject.txt, .txt and .html, and send one
    message (text with an HTML alternative) in Danish."""
    if not to:
        return 0
    with translation.override("da"):
        context = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    return message.send()


def progress_update_mail_send(*, update_id: int, event: str) -> int:
    """The e-mail for an update submitted (to the SOR-team) or returned/accepted
    (to the party's reporters and whoever submitted it)."""
    update = (
        ProgressUpdate.objects.select_related(
            "round", "party", "activity", "submitted_by", "reviewed_by"
        )
        .prefetch_related("proposals__milestone")
        .get(pk=update_id)
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
        "update_url": _absolute(reverse("milestones:reporting_update", args=[update.pk])),
        "edit_url": _absolute(
            reverse(
                "milestones:reporting_edit",
                args=[f"{update.round.period:%Y-%m}", update.party.key, update.activity.key],
            )
        ),
    }
    return mail_send(
        template=f"reporting_{event}", context=context, to=[u.email for u in recipients]
    )


# ---------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------
def _pending_obligations(round_: ReportingRound) -> dict[int, list[RoundObligation]]:
    """Obligations in a round with no submitted or accepted update, by party id."""
    done = set(
        ProgressUpdate.objects.filter(round=round_, status__in=DONE_STATUSES).values_list(
            "party_id", "activity_id"
        )
    )
    pending: dict[int, list[RoundObligation]] = {}
    for obligation in RoundObligation.objects.filter(round=round_).select_related(
        "party", "activity"
    ):
        if (obligation.party_id, obligation.activity_id) not in done:
            pending.setdefault(obligation.party_id, []).append(obligation)
    return pending


def reporting_reminders_send(*, today: datetime.date, days_before: int | None = None) -> int:
    """Remind the reporters of parties whose update is due within N working days,
    or overdue. Each reminder is recorded (ReminderSent, unique per round, party
    and kind) before its e-mail is queued, so a second run sends nothing.
    Runs on working days only. Returns the number of reminders queued."""
    if not is_working_day(today):
        return 0
    if days_before is None:
        days_before = settings.SORPLAN_REMINDER_DAYS_BEFORE
    queued = 0
    rounds = ReportingRound.objects.filter(
        Q(opens_on__lte=today), due_on__gte=today - OVERDUE_REMINDER_WINDOW
    )
    for round_ in rounds:
        if today <= round_.due_on:
            if working_days_between(today, round_.due_on) > days_before:
                continue
            kind = ReminderSent.Kind.DUE_SOON
        else:
            kind = ReminderSent.Kind.OVERDUE
        already = set(
            ReminderSent.objects.filter(round=round_, kind=kind).values_list("party_id", flat=True)
        )
        for party_id, obligations in _pending_obligations(round_).items():
            if party_id in already or not reporters_of(obligations[0].party):
                continue
            try:
                with transaction.atomic():
                    reminder = ReminderSent.objects.create(
                        round=round_, party_id=party_id, kind=kind
                    )
            except IntegrityError:
                continue  # a parallel run recorded it first
            _queue_reminder(reminder.pk)
            queued += 1
    return queued


def _queue_reminder(reminder_id: int) -> None:
    from .. import tasks

    transaction.on_commit(lambda: tasks.reporting_reminder_mail_send.delay(reminder_id))


def reminder_mail_send(*, reminder_id: int) -> int:
    """The reminder e-mail for one recorded reminder."""
    reminder = ReminderSent.objects.select_related("round", "party").get(pk=reminder_id)
    pending = _pending_obligations(reminder.round).get(reminder.party_id, [])
    context = {
        "reminder": reminder,
        "round": reminder.round,
        "party": reminder.party,
        "period": format_plan_date(reminder.round.period, DatePrecision.MONTH),
        "obligations": pending,
        "overdue": reminder.kind == ReminderSent.Kind.OVERDUE,
        "reporting_url": _absolute(reverse("milestones:reporting_home")),
    }
    return mail_send(
        template=f"reminder_{reminder.kind}",
        context=context,
        to=[u.email for u in reporters_of(reminder.party)],
    )
