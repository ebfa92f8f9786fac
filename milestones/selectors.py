"""Reads of the plan shared by pages (and later the dashboard and the PDF)."""

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby
from typing import NamedTuple

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.base import ModelState
from django.utils.translation import gettext_lazy as _

from parties.models import Party

from .models import (
    Activity,
    ActivityPlanVersion,
    Baseline,
    BaselineEntry,
    Milestone,
    MunicipalityRollout,
    ProgressUpdate,
    ReportingRound,
    RolloutPhase,
    RoundObligation,
)
from .rag import BaselineDate, RagRollup, milestone_rag, rollup

# ---------------------------------------------------------------------------
# The roadmap
# ---------------------------------------------------------------------------
# A plan this small is shown whole, as the SOR plan (24 activities) always was.
# A larger one is shown a track or a party at a time, a page of activities at a
# time, and otherwise summarised by track and party: thousands of activities with
# their milestones on one page are neither readable nor quick.
ROADMAP_ALL = 60
ROADMAP_PAGE_SIZE = 10
ROADMAP_SUMMARY_PAGE_SIZE = 25
SUMMARY_CACHE_SECONDS = 600


@dataclass
class PartyGroup:
    party: Party
    activities: list[Activity] = field(default_factory=list)
    rag_rollup: RagRollup | None = None


@dataclass
class TrackGroup:
    track: str
    label: str
    parties: list[PartyGroup] = field(default_factory=list)
    total: int | None = None  # the track's activities when only a page of them is shown

    @property
    def activity_count(self) -> int:
        if self.total is not None:
            return self.total
        return sum(len(group.activities) for group in self.parties)


def _track_rank():
    """SQL rank of an activity's track in the order the tracks are declared (and shown)."""
    return Case(
        *(When(track=value, then=Value(i)) for i, value in enumerate(Activity.Track.values)),
        default=Value(len(Activity.Track.values)),
        output_field=IntegerField(),
    )


def roadmap_filter(
    *,
    plan_version: Baseline | None = None,
    track: str | None = None,
    party_id: int | None = None,
) -> QuerySet[Activity]:
    """The activities the roadmap shows for a plan version, track and party (unordered, to
    count them)."""
    activities = Activity.objects.order_by()
    if plan_version is not None:
        activities = activities.filter(appearances__baseline=plan_version)
    if track:
        activities = activities.filter(track=track)
    if party_id is not None:
        activities = activities.filter(responsible_party_id=party_id)
    return activities


def roadmap_activities(
    *,
    plan_version: Baseline | None = None,
    track: str | None = None,
    party_id: int | None = None,
) -> QuerySet[Activity]:
    """The roadmap's activities in the order shown (track, responsible party, order), each
    with its milestones and plan versions prefetched when the query set is read: slice it
    first to prefetch for a page only. Three queries."""
    return (
        roadmap_filter(plan_version=plan_version, track=track, party_id=party_id)
        .select_related("responsible_party", "goal")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.order_by("sort_order", "forecast_date", "pk"),
            ),
            Prefetch(
                "appearances",
                queryset=ActivityPlanVersion.objects.select_related("baseline").order_by(
                    "baseline__sequence", "pk"
                ),
            ),
        )
        .annotate(track_rank=_track_rank())
        .order_by("track_rank", "responsible_party__name", "sort_order", "title", "pk")
    )


def roadmap_groups(activities: Iterable[Activity]) -> list[TrackGroup]:
    """Activities (in roadmap order) grouped by track, then responsible party."""
    labels = dict(Activity.Track.choices)
    groups: list[TrackGroup] = []
    for track_value, in_track in groupby(activities, key=lambda a: a.track):
        group = TrackGroup(track=track_value, label=labels[track_value])
        for party, in_party in groupby(in_track, key=lambda a: a.responsible_party):
            group.parties.append(PartyGroup(party=party, activities=list(in_party)))
        groups.append(group)
    return groups


def roadmap(*, plan_version: Baseline | None = None, track: str | None = None) -> list[TrackGroup]:
    """Every activity grouped by track, then responsible party, each with its milestones.

    Three queries whatever the size of the plan; for a small plan only (see ROADMAP_ALL).
    """
    return roadmap_groups(roadmap_activities(plan_version=plan_version, track=track))


class PartyChoice(NamedTuple):
    id: int
    key: str
    name: str


def roadmap_parties() -> list[PartyChoice]:
    """The parties responsible for an activity, by name (to choose one from). One query."""
    return [
        PartyChoice(*row)
        for row in Party.objects.filter(
            pk__in=Activity.objects.order_by().values("responsible_party_id")
        )
        .order_by("name", "pk")
        .values_list("id", "key", "name")
    ]


@dataclass(frozen=True)
class SummaryRow:
    """A track, or a party's activities in a track, counted and rolled up."""

    track: str
    party_id: int | None
    party_key: str
    party_name: str
    activity_count: int
    milestone_count: int
    rollup: RagRollup

    @property
    def track_label(self) -> str:
        return str(dict(Activity.Track.choices).get(self.track, self.track))


@dataclass(frozen=True)
class RoadmapSummary:
    """The whole plan by track and by party within a track, in roadmap order."""

    tracks: list[SummaryRow]
    parties: list[SummaryRow]

    @cached_property
    def party_choices(self) -> list[PartyChoice]:
        """The responsible parties by name, as `roadmap_parties` lists them."""
        seen = {
            row.party_id: PartyChoice(row.party_id, row.party_key, row.party_name)
            for row in self.parties
        }
        return sorted(seen.values(), key=lambda p: (p.name, p.id))

    @property
    def activity_count(self) -> int:
        return sum(row.activity_count for row in self.tracks)

    def for_track(self, track: str) -> SummaryRow | None:
        return next((row for row in self.tracks if row.track == track), None)

    def for_party(self, track: str, party_id: int) -> SummaryRow | None:
        return next(
            (row for row in self.parties if row.track == track and row.party_id == party_id),
            None,
        )


_PLAN_DATA_VERSION_SQL: str | None = None


def plan_data_version() -> tuple:
    """A stamp that changes whenever the plan's activities, milestones, parties or
    baselines, or the rounds' obligations and progress updates change (one query): the
    newest history row of each, and the newest baseline entry (entries have no history;
    a new baseline writes one for itself).

    Writes that bypass history (QuerySet.update, bulk_create) are seen when a
    cached entry expires.
    """
    global _PLAN_DATA_VERSION_SQL
    if _PLAN_DATA_VERSION_SQL is None:  # built once: `Model.history` builds a class each time
        quote = connection.ops.quote_name
        parts = []
        for model in (
            Activity,
            Milestone,
            ActivityPlanVersion,
            Baseline,
            Party,
            RoundObligation,
            ProgressUpdate,
        ):
            table = quote(model.history.model._meta.db_table)
            parts.append(f"(SELECT MAX(history_id) FROM {table})")
            parts.append(f"(SELECT MAX(history_date) FROM {table})")
        parts.append(f"(SELECT MAX(id) FROM {quote(BaselineEntry._meta.db_table)})")
        _PLAN_DATA_VERSION_SQL = "SELECT " + ", ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(_PLAN_DATA_VERSION_SQL)
        return tuple(str(value) for value in cursor.fetchone())


def roadmap_summary(
    *,
    plan_version: Baseline | None,
    baseline: Baseline | None,
    today: datetime.date,
    stamp: tuple | None = None,
) -> RoadmapSummary:
    """Activities and milestones counted, and RAG rolled up (milestones.rag), per track and
    per party within a track, for the whole plan or one plan version.

    Rating every milestone of a large plan takes a while (about 0.2 s at 20,000), so the
    result is cached under `plan_data_version()` (one query, or pass its `stamp`) and the day.
    """
    raw = repr(
        (
            "roadmap-summary",
            1,
            stamp or plan_data_version(),
            today.isoformat(),
            plan_version.pk if plan_version else None,
            baseline.pk if baseline else None,
        )
    )
    key = "sorplan:milestones:" + hashlib.sha256(raw.encode()).hexdigest()
    summary = cache.get(key)
    if summary is None:
        summary = _roadmap_summary_build(plan_version=plan_version, baseline=baseline, today=today)
        cache.set(key, summary, SUMMARY_CACHE_SECONDS)
    return summary


_SUMMARY_MILESTONE_FIELDS = (
    "id",
    "activity_id",
    "title",
    "status",
    "forecast_date",
    "forecast_precision",
    "actual_date",
    "actual_precision",
    "actual_date_unknown",
    "rag_override",
    "rag_override_reason",
    "sort_order",
)


def _reading_copy(values: dict) -> Milestone:
    """An unsaved Milestone holding `values`, for the rule to read (Model.__init__ costs
    tens of microseconds a row; these copies are never saved)."""
    milestone = Milestone.__new__(Milestone)
    milestone.__dict__.update(values)
    milestone._state = ModelState()
    milestone._state.adding = False
    return milestone


def _roadmap_summary_build(*, plan_version, baseline, today) -> RoadmapSummary:
    activities = Activity.objects.order_by()
    milestones = Milestone.objects.order_by()
    if plan_version is not None:
        activities = activities.filter(appearances__baseline=plan_version)
        milestones = milestones.filter(activity__appearances__baseline=plan_version)
    parties = {pk: (key, name) for pk, key, name in Party.objects.values_list("id", "key", "name")}
    names = {pk: name for pk, (_key, name) in parties.items()}
    rank = {value: i for i, value in enumerate(Activity.Track.values)}
    # In roadmap order, so that ties in a roll-up name the milestone the page would.
    activity_rows = sorted(
        activities.values_list("id", "track", "responsible_party_id", "sort_order", "title"),
        key=lambda r: (rank.get(r[1], len(rank)), names.get(r[2], ""), r[3], r[4], r[0]),
    )
    position = {row[0]: i for i, row in enumerate(activity_rows)}
    group_of = {row[0]: (row[1], row[2]) for row in activity_rows}
    entries: dict[int, BaselineDate] = {}
    if baseline is not None:
        entry_rows = BaselineEntry.objects.filter(baseline=baseline).order_by()
        if plan_version is not None:
            entry_rows = entry_rows.filter(milestone__activity__appearances__baseline=plan_version)
        entries = {
            milestone_id: BaselineDate(date, precision)
            for milestone_id, date, precision in entry_rows.values_list(
                "milestone_id", "date", "precision"
            )
        }
    rows = [
        values
        for values in milestones.values(*_SUMMARY_MILESTONE_FIELDS)
        if values["activity_id"] in position
    ]
    rows.sort(
        key=lambda v: (
            position[v["activity_id"]],
            v["sort_order"],
            v["forecast_date"] is None,
            v["forecast_date"] or datetime.date.min,
            v["id"],
        )
    )
    by_track: dict[str, list] = {}
    by_party: dict[tuple[str, int], list] = {}
    for values in rows:
        milestone = _reading_copy(values)
        pair = (
            milestone,
            milestone_rag(milestone, baseline_entry=entries.get(values["id"]), today=today),
        )
        track, party_id = group_of[values["activity_id"]]
        by_track.setdefault(track, []).append(pair)
        by_party.setdefault((track, party_id), []).append(pair)
    track_activities: dict[str, int] = {}
    party_activities: dict[tuple[str, int], int] = {}
    for _id, track, party_id, _order, _title in activity_rows:
        track_activities[track] = track_activities.get(track, 0) + 1
        party_activities[(track, party_id)] = party_activities.get((track, party_id), 0) + 1
    return RoadmapSummary(
        tracks=[
            SummaryRow(
                track=track,
                party_id=None,
                party_key="",
                party_name="",
                activity_count=n,
                milestone_count=len(by_track.get(track, [])),
                rollup=rollup(by_track.get(track, [])),
            )
            for track, n in track_activities.items()
        ],
        parties=[
            SummaryRow(
                track=track,
                party_id=party_id,
                party_key=parties.get(party_id, ("", ""))[0],
                party_name=names.get(party_id, ""),
                activity_count=n,
                milestone_count=len(by_party.get((track, party_id), [])),
                rollup=rollup(by_party.get((track, party_id), [])),
            )
            for (track, party_id), n in party_activities.items()
        ],
    )


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


def round_party_counts(
    round_: ReportingRound, *, today: datetime.date, stamp: tuple | None = None
) -> list[RoundPartyCount]:
    """Every party with obligations in the round, by name, its cells counted by state.

    Three queries (two of them aggregates), whatever the size of the round; with the
    `plan_data_version()` as `stamp`, cached under it and the day.
    """
    if stamp is None:
        return _round_party_counts(round_, today=today)
    raw = repr(("round-party-counts", 1, stamp, round_.pk, today.isoformat()))
    key = "sorplan:milestones:" + hashlib.sha256(raw.encode()).hexdigest()
    rows = cache.get(key)
    if rows is None:
        rows = _round_party_counts(round_, today=today)
        cache.set(key, rows, SUMMARY_CACHE_SECONDS)
    return rows


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
