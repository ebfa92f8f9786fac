"""Reads of the plan shared by pages (and later the dashboard and the PDF)."""

import datetime
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from parties.models import Party

from .models import (
    Activity,
    ActivityPlanVersion,
    Baseline,
    Milestone,
    MunicipalityRollout,
    ProgressUpdate,
    ReportingRound,
    RolloutPhase,
    RoundObligation,
)


@dataclass
class PartyGroup:
    party: Party
    activities: list[Activity] = field(default_factory=list)


@dataclass
class TrackGroup:
    track: str
    label: str
    parties: list[PartyGroup] = field(default_factory=list)

    @property
    def activity_count(self) -> int:
        return sum(len(group.activities) for group in self.parties)


def roadmap(*, plan_version: Baseline | None = None, track: str | None = None) -> list[TrackGroup]:
    """Activities grouped by track, then responsible party, each with its milestones.

    Three queries whatever the size of the plan.
    """
    activities = (
        Activity.objects.select_related("responsible_party", "goal")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.order_by("sort_order", "forecast_date", "pk"),
            ),
            Prefetch(
                "appearances",
                queryset=ActivityPlanVersion.objects.select_related("baseline"),
            ),
        )
        .order_by("track", "responsible_party__name", "sort_order", "title")
    )
    if plan_version is not None:
        activities = activities.filter(appearances__baseline=plan_version)
    if track:
        activities = activities.filter(track=track)
    labels = dict(Activity.Track.choices)
    order = {value: index for index, value in enumerate(Activity.Track.values)}
    groups: list[TrackGroup] = []
    rows = sorted(
        activities, key=lambda a: (order[a.track], a.responsible_party.name, a.sort_order)
    )
    for track_value, in_track in groupby(rows, key=lambda a: a.track):
        group = TrackGroup(track=track_value, label=labels[track_value])
        for party, in_party in groupby(in_track, key=lambda a: a.responsible_party):
            group.parties.append(PartyGroup(party=party, activities=list(in_party)))
        groups.append(group)
    return groups


# ---------------------------------------------------------------------------
# Reporting rounds and KOMBIT's roll-out (the dashboard reads these too)
# ---------------------------------------------------------------------------
class CellState:
    """A party's state on one activity in a round. `overdue`: not submitted or
    accepted when the due date has passed."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    OVERDUE = "overdue"
    ORDER = (NOT_STARTED, DRAFT, SUBMITTED, RETURNED, ACCEPTED, OVERDUE)
    LABELS = {
        NOT_STARTED: _("Ikke startet"),
        DRAFT: _("Kladde"),
        SUBMITTED: _("Indsendt"),
        RETURNED: _("Sendt retur"),
        ACCEPTED: _("Godkendt"),
        OVERDUE: _("Overskredet"),
    }


def cell_state(update: ProgressUpdate | None, *, due_on: datetime.date, today: datetime.date):
    status = update.status if update else CellState.NOT_STARTED
    if status in (ProgressUpdate.Status.SUBMITTED, ProgressUpdate.Status.ACCEPTED):
        return status
    if today > due_on:
        return CellState.OVERDUE
    return status


@dataclass
class RoundCell:
    obligation: RoundObligation
    update: ProgressUpdate | None
    state: str

    @property
    def label(self) -> str:
        return str(CellState.LABELS[self.state])

    @property
    def activity(self) -> Activity:
        return self.obligation.activity

    @property
    def party(self) -> Party:
        return self.obligation.party


@dataclass
class RoundPartyRow:
    party: Party
    cells: list[RoundCell] = field(default_factory=list)


@dataclass
class RoundMatrix:
    round: ReportingRound
    rows: list[RoundPartyRow]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def count_items(self) -> list[tuple[str, str, int]]:
        return [(s, str(CellState.LABELS[s]), self.counts[s]) for s in CellState.ORDER]


def round_matrix(round_: ReportingRound, *, today: datetime.date) -> RoundMatrix:
    """Parties x their activities in a round, each cell's state, and the counts.

    Two queries whatever the size of the round.
    """
    obligations = (
        RoundObligation.objects.filter(round=round_)
        .select_related("party", "activity")
        .order_by("party__name", "activity__sort_order", "activity__title")
    )
    updates = {
        (u.party_id, u.activity_id): u
        for u in ProgressUpdate.objects.filter(round=round_).only(
            "pk", "party_id", "activity_id", "status", "version", "submitted_at", "updated_at"
        )
    }
    rows: list[RoundPartyRow] = []
    counts = dict.fromkeys(CellState.ORDER, 0)
    for obligation in obligations:
        update = updates.get((obligation.party_id, obligation.activity_id))
        state = cell_state(update, due_on=round_.due_on, today=today)
        counts[state] += 1
        if not rows or rows[-1].party.pk != obligation.party_id:
            rows.append(RoundPartyRow(party=obligation.party))
        rows[-1].cells.append(RoundCell(obligation=obligation, update=update, state=state))
    return RoundMatrix(round=round_, rows=rows, counts=counts)


def round_current(*, today: datetime.date) -> ReportingRound | None:
    """The latest round whose month has begun."""
    return ReportingRound.objects.filter(period__lte=today).order_by("-period").first()


def party_round_cells(
    party_ids, *, today: datetime.date, rounds: int = 6
) -> list[tuple[ReportingRound, list[RoundCell]]]:
    """For the parties a reporter reports for: their obligations in the latest rounds."""
    recent = list(ReportingRound.objects.order_by("-period")[:rounds])
    obligations = (
        RoundObligation.objects.filter(round__in=recent, party_id__in=party_ids)
        .select_related("party", "activity")
        .order_by("party__name", "activity__sort_order", "activity__title")
    )
    updates = {
        (u.round_id, u.party_id, u.activity_id): u
        for u in ProgressUpdate.objects.filter(round__in=recent, party_id__in=party_ids).only(
            "pk", "round_id", "party_id", "activity_id", "status", "version"
        )
    }
    by_round: dict[int, list[RoundCell]] = {r.pk: [] for r in recent}
    due = {r.pk: r.due_on for r in recent}
    for obligation in obligations:
        update = updates.get((obligation.round_id, obligation.party_id, obligation.activity_id))
        by_round[obligation.round_id].append(
            RoundCell(
                obligation=obligation,
                update=update,
                state=cell_state(update, due_on=due[obligation.round_id], today=today),
            )
        )
    return [(r, by_round[r.pk]) for r in recent if by_round[r.pk]]


@dataclass(frozen=True)
class PhaseCount:
    """Municipalities in a roll-out phase by status."""

    phase: RolloutPhase
    total: int
    not_started: int
    in_test: int
    in_production: int

    @property
    def percent_in_production(self) -> int:
        return round(100 * self.in_production / self.total) if self.total else 0

    @property
    def percent_in_test(self) -> int:
        return round(100 * self.in_test / self.total) if self.total else 0


def rollout_counts() -> list[PhaseCount]:
    """KOMBIT's roll-out phases in order, with their municipalities counted by
    status (phase 1, FK-OSS itself, has none: see its milestone). One query."""
    status = MunicipalityRollout.Status
    phases = (
        RolloutPhase.objects.select_related("milestone")
        .annotate(
            n_total=Count("municipalities"),
            n_not_started=Count(
                "municipalities", filter=Q(municipalities__status=status.NOT_STARTED)
            ),
            n_in_test=Count("municipalities", filter=Q(municipalities__status=status.IN_TEST)),
            n_in_production=Count(
                "municipalities", filter=Q(municipalities__status=status.IN_PRODUCTION)
            ),
        )
        .order_by("number")
    )
    return [
        PhaseCount(
            phase=p,
            total=p.n_total,
            not_started=p.n_not_started,
            in_test=p.n_in_test,
            in_production=p.n_in_production,
        )
        for p in phases
    ]


def rounds_overview(*, limit: int = 24) -> list[ReportingRound]:
    """The latest rounds, each with n_obligations, n_submitted and n_accepted set.

    Three queries, counted per table (no join of obligations with updates).
    """
    rounds = list(ReportingRound.objects.order_by("-period")[:limit])
    ids = [r.pk for r in rounds]
    obligations = dict(
        RoundObligation.objects.filter(round_id__in=ids)
        .values_list("round_id")
        .annotate(n=Count("pk"))
        .values_list("round_id", "n")
    )
    updates: dict[tuple[int, str], int] = {
        (round_id, status): n
        for round_id, status, n in ProgressUpdate.objects.filter(round_id__in=ids)
        .values_list("round_id", "status")
        .annotate(n=Count("pk"))
        .values_list("round_id", "status", "n")
    }
    for r in rounds:
        r.n_obligations = obligations.get(r.pk, 0)
        r.n_submitted = updates.get((r.pk, ProgressUpdate.Status.SUBMITTED), 0)
        r.n_accepted = updates.get((r.pk, ProgressUpdate.Status.ACCEPTED), 0)
    return rounds
