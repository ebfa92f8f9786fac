"""Writes on the reporting rounds and their obligations, and who reports for a party."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.history import record_delete, record_save
from parties.models import Membership, Party

from ..dates import format_plan_date
from ..models import (
    Activity,
    DatePrecision,
    ProgressUpdate,
    ReportingRound,
    RoundObligation,
)
from ..workdays import (
    first_working_day,
    last_working_day,
    month_start,
)


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
