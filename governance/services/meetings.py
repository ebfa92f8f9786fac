"""Writes on the steering group's meetings: create and edit, the agenda drafted from the
records, publishing the agenda, the minutes, and the decisions and actions recorded."""

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.history import record_save
from core.versioning import locked
from milestones.services.plan import unique_key

from ..models import Action, Meeting, MeetingParticipant
from ..selectors.agenda import agenda_draft
from .common import refuse, update_record
from .records import action_create, decision_take


@transaction.atomic
def meeting_create(*, data: Mapping[str, Any], user, reason: str = "") -> Meeting:
    """A new meeting, its agenda drafted from the records as they stand."""
    meeting = Meeting(**data)
    if not meeting.key:
        meeting.key = unique_key(Meeting, f"{meeting.title} {meeting.held_on:%Y-%m-%d}")
    if not meeting.agenda:
        meeting.agenda = agenda_draft(meeting).as_text()
    return record_save(meeting, user=user, reason=reason or _("Møde oprettet"))


@transaction.atomic
def meeting_update(
    *, pk: int, version: int, data: Mapping[str, Any], user, reason: str = ""
) -> tuple[Meeting, bool]:
    meeting = locked(Meeting, pk, version)
    if (
        meeting.status == Meeting.Status.HELD
        and "agenda" in data
        and data["agenda"] != meeting.agenda
    ):
        refuse(_("Dagsordenen for et afholdt møde kan ikke ændres."), "agenda")
    changed = update_record(meeting, data=data, user=user, reason=reason)
    return meeting, changed


@transaction.atomic
def meeting_agenda_redraft(*, pk: int, version: int, user) -> Meeting:
    """Replace a draft agenda by one drafted from the records now."""
    meeting = locked(Meeting, pk, version)
    if meeting.status != Meeting.Status.DRAFT:
        refuse(_("Kun en dagsorden i udkast kan dannes igen."))
    meeting.agenda = agenda_draft(meeting).as_text()
    meeting.version += 1
    return record_save(meeting, user=user, reason=_("Dagsorden dannet ud fra posterne"))


@transaction.atomic
def meeting_agenda_publish(*, pk: int, version: int, user) -> Meeting:
    meeting = locked(Meeting, pk, version)
    if meeting.status != Meeting.Status.DRAFT:
        refuse(_("Dagsordenen er allerede udsendt."))
    if not meeting.agenda.strip():
        refuse(_("Skriv en dagsorden, før den udsendes."), "agenda")
    meeting.status = Meeting.Status.PUBLISHED
    meeting.version += 1
    return record_save(meeting, user=user, reason=_("Dagsorden udsendt"))


@transaction.atomic
def meeting_minutes_save(
    *, pk: int, version: int, minutes: str, held: bool, user, reason: str = ""
) -> Meeting:
    """Save the minutes; `held` marks the meeting as held (minutes then required)."""
    meeting = locked(Meeting, pk, version)
    minutes = minutes.strip()
    if held and not minutes:
        refuse(_("Skriv referatet, før mødet markeres som afholdt."), "minutes")
    meeting.minutes = minutes
    if held:
        meeting.status = Meeting.Status.HELD
    meeting.version += 1
    return record_save(meeting, user=user, reason=reason or _("Referat gemt"))


@transaction.atomic
def meeting_participants_set(
    *, meeting: Meeting, users: Sequence, others: Sequence[tuple[str, Any]] = (), by
) -> None:
    """Who takes part: users of the system (their party from their first membership) and
    names only (name, party)."""
    wanted = {u.pk: u for u in users}
    for participant in meeting.participants.all():
        if participant.user_id is None or participant.user_id not in wanted:
            participant._history_user = by
            participant.delete()
        else:
            wanted.pop(participant.user_id)
    for user in wanted.values():
        membership = user.memberships.select_related("party").first()
        record_save(
            MeetingParticipant(
                meeting=meeting,
                user=user,
                name=user.get_full_name() or user.username,
                party=membership.party if membership else None,
            ),
            user=by,
            reason=_("Deltager tilføjet"),
        )
    for name, party in others:
        record_save(
            MeetingParticipant(meeting=meeting, name=name, party=party),
            user=by,
            reason=_("Deltager tilføjet"),
        )


@transaction.atomic
def meeting_decision_record(
    *,
    meeting: Meeting,
    decision_id: int,
    version: int,
    outcome: str,
    conditions: str = "",
    user,
):
    """A decision taken at the meeting, dated the meeting's day."""
    return decision_take(
        pk=decision_id,
        version=version,
        outcome=outcome,
        decided_on=meeting.held_on,
        meeting=meeting,
        conditions=conditions,
        user=user,
        reason=_("Besluttet på mødet %(meeting)s") % {"meeting": meeting},
    )


@transaction.atomic
def meeting_action_record(*, meeting: Meeting, data: Mapping[str, Any], user) -> Action:
    """An action agreed at the meeting."""
    if not data.get("due_on"):
        refuse(_("Angiv en frist."), "due_on")
    if isinstance(data.get("due_on"), datetime.date) and data["due_on"] < meeting.held_on:
        refuse(_("Fristen kan ikke ligge før mødet."), "due_on")
    return action_create(
        data={**data, "origin": Action.Origin.MEETING, "meeting": meeting},
        user=user,
        reason=_("Aftalt på mødet %(meeting)s") % {"meeting": meeting},
    )


def participant_user_ids(meeting: Meeting) -> set[int]:
    return set(meeting.participants.filter(user__isnull=False).values_list("user_id", flat=True))
