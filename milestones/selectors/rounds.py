"""Reporting rounds: each party's state per activity, the round matrix and the rounds overview
(the dashboard reads these too)."""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from core.cache import cached
from parties.models import Party

from ..models import (
    Activity,
    ProgressUpdate,
    ReportingRound,
    RoundObligation,
)
from .roadmap import SUMMARY_CACHE_SECONDS, stamp_part


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
    return state_of_status(update.status if update else None, due_on=due_on, today=today)


_REPORTED = frozenset((CellState.SUBMITTED, CellState.ACCEPTED))


def state_of_status(status: str | None, *, due_on: datetime.date, today: datetime.date) -> str:
    """A cell's state from its update's status (None: no update yet)."""
    status = status or CellState.NOT_STARTED
    if status in _REPORTED:
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


def round_obligations(round_: ReportingRound, *, party_id: int | None = None) -> QuerySet:
    """A round's obligations (of one party), in the matrix's order, with party and activity."""
    obligations = RoundObligation.objects.filter(round=round_)
    if party_id is not None:
        obligations = obligations.filter(party_id=party_id)
    return obligations.select_related("party", "activity").order_by(
        "party__name", "party_id", "activity__sort_order", "activity__title", "pk"
    )


def round_matrix(round_: ReportingRound, *, today: datetime.date, obligations=None) -> RoundMatrix:
    """Parties x their activities in a round, each cell's state, and the counts.

    `obligations` narrows it (e.g. a page of `round_obligations`); the counts are then
    of those. Two queries whatever the size of the round.
    """
    if obligations is None:
        obligations = round_obligations(round_)
        updates_qs = ProgressUpdate.objects.filter(round=round_)
    else:
        obligations = list(obligations)
        updates_qs = ProgressUpdate.objects.filter(
            round=round_,
            party_id__in={o.party_id for o in obligations},
            activity_id__in={o.activity_id for o in obligations},
        )
    updates = {
        (u.party_id, u.activity_id): u
        for u in updates_qs.order_by().only(
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


# A round this small is shown as one matrix of every party's cells; a larger one as
# each party's counts, a page of parties at a time, and one chosen party's cells.
ROUND_ALL = 100
ROUND_PARTY_PAGE_SIZE = 20
ROUND_CELL_PAGE_SIZE = 25


@dataclass
class RoundPartyCount:
    """A party's obligations in a round, counted by state (`counts` in CellState.ORDER)."""

    party_id: int
    party: "RoundParty"
    counts: dict[str, int]
    obligations: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def numbers(self) -> list[int]:
        return [self.counts[state] for state in CellState.ORDER]


class RoundParty(NamedTuple):
    pk: int
    key: str
    name: str


# What a round's counts read: its obligations, progress updates and the parties' names
# (an edit of a milestone or an activity leaves them as they are).
ROUND_COUNT_MODELS = (Party, RoundObligation, ProgressUpdate)


def round_counts_stamp(stamp: tuple) -> tuple:
    """The part of a `plan_data_version()` stamp that the round's counts depend on."""
    return stamp_part(stamp, ROUND_COUNT_MODELS)


def round_party_counts(
    round_: ReportingRound, *, today: datetime.date, stamp: tuple | None = None
) -> list[RoundPartyCount]:
    """Every party with obligations in the round, by name, its cells counted by state.

    Three queries (two of them aggregates), whatever the size of the round; with the
    `plan_data_version()` as `stamp`, cached under it and the day.
    """
    if stamp is None:
        return _round_party_counts(round_, today=today)
    return cached(
        "milestones",
        ("round-party-counts", 2, round_counts_stamp(stamp), round_.pk, today.isoformat()),
        lambda: _round_party_counts(round_, today=today),
        seconds=SUMMARY_CACHE_SECONDS,
    )


def _round_party_counts(round_: ReportingRound, *, today: datetime.date) -> list[RoundPartyCount]:
    # A party's obligations without an update are not started (or overdue); an update
    # always has its obligation (the services write none without one and remove no
    # obligation that has one).
    obligations = dict(
        RoundObligation.objects.filter(round=round_)
        .order_by()
        .values("party_id")
        .annotate(n=Count("pk"))
        .values_list("party_id", "n")
    )
    rows = [
        RoundPartyCount(
            party_id=party_id,
            party=RoundParty(party_id, key, name),
            counts=dict.fromkeys(CellState.ORDER, 0),
            obligations=obligations[party_id],
        )
        for party_id, key, name in Party.objects.filter(pk__in=list(obligations))
        .order_by("name", "pk")
        .values_list("id", "key", "name")
    ]
    by_party = {row.party_id: row for row in rows}
    for party_id, status, n in (
        ProgressUpdate.objects.filter(round=round_)
        .order_by()
        .values("party_id", "status")
        .annotate(n=Count("pk"))
        .values_list("party_id", "status", "n")
    ):
        if row := by_party.get(party_id):
            row.counts[state_of_status(status, due_on=round_.due_on, today=today)] += n
    not_started = state_of_status(None, due_on=round_.due_on, today=today)
    for row in rows:
        row.counts[not_started] += max(0, row.obligations - sum(row.counts.values()))
    return rows


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
