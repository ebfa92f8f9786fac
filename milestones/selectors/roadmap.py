"""The roadmap: the plan's activities grouped by track and party, or summarised when large."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby
from typing import NamedTuple

from django.db.models import Case, F, IntegerField, Prefetch, QuerySet, Value, When
from django.db.models.base import ModelState

from core.cache import cached
from core.cache import stamp as data_stamp
from parties.models import Party

from ..models import (
    Activity,
    ActivityPlanVersion,
    Baseline,
    BaselineEntry,
    Milestone,
    MilestoneStatus,
    ProgressUpdate,
    RoundObligation,
)
from ..rag import BaselineDate, RagRollup, milestone_rag, rollup
from .materialised import (
    combined_rollup,
    grouped_rollups,
    history_id,
    status_current,
    stored_track_party_rollups,
    stored_track_rollups,
)

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


# An activity's plan versions as the roadmap lists them.
APPEARANCES = ActivityPlanVersion.objects.select_related("baseline").order_by(
    "baseline__sequence", "pk"
)


def roadmap_milestones() -> Prefetch:
    """An activity's milestones with their ratings, in the order the roadmap shows them."""
    return Prefetch(
        "milestones",
        queryset=Milestone.objects.select_related("materialised_status").order_by(
            "sort_order", "forecast_date", "pk"
        ),
    )


def roadmap_activities(
    *,
    plan_version: Baseline | None = None,
    track: str | None = None,
    party_id: int | None = None,
    appearances: bool = True,
    milestones: bool = True,
) -> QuerySet[Activity]:
    """The roadmap's activities in the order shown (track, responsible party, order), each
    with its milestones (and their ratings) and plan versions prefetched when the query
    set is read: slice it first to prefetch for a page only. Three queries (one less
    without `appearances` or `milestones`: the page reads them for the activities'
    blocks it renders)."""
    prefetch = [roadmap_milestones()] if milestones else []
    if appearances:
        prefetch.append(Prefetch("appearances", queryset=APPEARANCES))
    return (
        roadmap_filter(plan_version=plan_version, track=track, party_id=party_id)
        .select_related("responsible_party", "goal")
        .prefetch_related(*prefetch)
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
    """The whole plan by track and by party within a track, in roadmap order; or, for a
    track's page (`roadmap_summary(track=)`), that track's rows alone (with every
    responsible party among the choices still)."""

    tracks: list[SummaryRow]
    parties: list[SummaryRow]
    choices: list[PartyChoice] | None = None  # a track's summary: the whole plan's
    # A track's summary from that track's stored roll-ups alone (`stored_track_rollups`).
    stored: bool = False

    @cached_property
    def party_choices(self) -> list[PartyChoice]:
        """The responsible parties by name, as `roadmap_parties` lists them."""
        if self.choices is not None:
            return self.choices
        seen = {
            row.party_id: PartyChoice(row.party_id, row.party_key, row.party_name)
            for row in self.parties
        }
        return sorted(seen.values(), key=lambda p: (p.name, p.id))

    @property
    def activity_count(self) -> int:
        return sum(row.activity_count for row in self.tracks)

    def count_of(self, *, track: str = "", party_id: int | None = None) -> int:
        """The activities of a track, a party or a party within a track (no query)."""
        rows = self.parties if party_id is not None else self.tracks
        return sum(
            row.activity_count
            for row in rows
            if (not track or row.track == track) and (party_id is None or row.party_id == party_id)
        )

    def for_track(self, track: str) -> SummaryRow | None:
        return next((row for row in self.tracks if row.track == track), None)

    def for_party(self, track: str, party_id: int) -> SummaryRow | None:
        return next(
            (row for row in self.parties if row.track == track and row.party_id == party_id),
            None,
        )


# What the plan's cached pages (the large roadmap, the round matrix) depend on: the
# plan's activities, milestones, parties and baselines, and the rounds' obligations and
# progress updates; baseline entries have no history (a new baseline writes one for itself).
PLAN_PAGE_MODELS = (
    Activity,
    Milestone,
    ActivityPlanVersion,
    Baseline,
    Party,
    RoundObligation,
    ProgressUpdate,
)


def baselines_cached(watched: tuple) -> list[Baseline]:
    """Every baseline (a few), in their order, cached under `watched`: the part of a stamp
    the page read already that watches them (their newest history), so a page built
    again after an edit of anything else reads none."""
    return cached(
        "milestones",
        ("baselines", 1, watched),
        lambda: list(Baseline.objects.all()),
        seconds=SUMMARY_CACHE_SECONDS,
    )


def plan_data_version() -> tuple:
    """The data-version stamp of the plan's pages (`core.cache.stamp`, one query)."""
    return data_stamp(models=PLAN_PAGE_MODELS, rows=(BaselineEntry,))


def roadmap_summary(
    *,
    plan_version: Baseline | None,
    baseline: Baseline | None,
    today: datetime.date,
    stamp: tuple | None = None,
    track: str = "",
    rollups: tuple | None = None,
) -> RoadmapSummary:
    """Activities and milestones counted, and RAG rolled up (milestones.rag), per track and
    per party within a track, for the whole plan or one plan version; with `track`, that
    track's rows only (a track's page: after an edit it reads and keeps one track's
    roll-ups, not the plan's).

    Rating every milestone of a large plan takes a while (about 0.2 s at 20,000), so the
    result is cached under `plan_data_version()` (one query, or pass its `stamp`) and the day.

    `rollups`: the stored roll-ups' stamp (`StatusRollup`'s history, read with `stamp`). A
    track's summary from the stored roll-ups is then cached under it and the structure's
    part of `stamp` instead (`_track_summary_kept`): a forecast moved that changes no
    roll-up (most do not) leaves it as it was, read from the cache.
    """
    stamp = stamp or plan_data_version()
    if track and rollups is not None and plan_version is None:
        kept = _track_summary_kept(baseline, today, stamp, track, rollups)
        if kept is not None:
            return kept
    parts = (
        "roadmap-summary",
        2,
        stamp,
        today.isoformat(),
        plan_version.pk if plan_version else None,
        baseline.pk if baseline else None,
        track,
    )
    return cached(
        "milestones",
        parts,
        lambda: _roadmap_summary_build(
            plan_version=plan_version, baseline=baseline, today=today, stamp=stamp, track=track
        ),
        seconds=SUMMARY_CACHE_SECONDS,
    )


def _track_summary_kept(baseline, today, stamp: tuple, track: str, rollups: tuple):
    """A track's summary as `_roadmap_summary_build` makes it from the stored roll-ups (the
    active baseline, every milestone rated today), cached under what that reads: the
    structure's part of the stamp, the stored roll-ups' stamp, the day and the track; None
    where the stored roll-ups do not serve (the summary is built as before)."""
    newest = history_id(stamp_part(stamp, (Milestone,))[0])
    if not (
        baseline is not None
        and baseline.is_active
        and status_current(today, milestones_newest=newest)
    ):
        return None

    def build() -> RoadmapSummary | None:
        summary = _roadmap_summary_build(
            plan_version=None, baseline=baseline, today=today, stamp=stamp, track=track
        )
        # Kept only as the stored roll-ups made it (else it read the milestones, which
        # this key does not watch).
        return summary if getattr(summary, "stored", False) else None

    return cached(
        "milestones",
        (
            "roadmap-track-summary",
            1,
            stamp_part(stamp, STRUCTURE_MODELS),
            rollups,
            today.isoformat(),
            baseline.pk,
            track,
        ),
        build,
        seconds=SUMMARY_CACHE_SECONDS,
    )


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


# What the summary's counts and names read: an edit of a milestone leaves them as they are.
STRUCTURE_MODELS = (Activity, ActivityPlanVersion, Baseline, Party)


def stamp_part(stamp: tuple, parts, *, of=PLAN_PAGE_MODELS, width: int = 2) -> tuple:
    """The values of a stamp that watch `parts`, no query: `of` names what the stamp
    watches in its order, `width` values each. A models' stamp (`core.cache.stamp`: two
    values a model, its history's newest id and date) of `PLAN_PAGE_MODELS` by default,
    whose models begin the lists' too; one activity's page's (`activity_page_stamp`: one
    value each) with `of=ACTIVITY_PAGE_PARTS, width=1`. The one home of taking a part of
    a stamp read already, for the pieces of a page cached under what they read."""
    at = {part: width * i for i, part in enumerate(of)}
    return tuple(value for part in parts for value in stamp[at[part] : at[part] + width])


@dataclass(frozen=True)
class _Structure:
    """The summary's counts and names: activities per track and per (track, party) in
    roadmap order, and each party's key and name."""

    parties: dict[int, tuple[str, str]]
    track_activities: dict[str, int]
    party_activities: dict[tuple[str, int], int]
    # The responsible parties by name, as `RoadmapSummary.party_choices` lists them.
    choices: tuple[PartyChoice, ...] = ()


def _activity_rows(activities, names: dict) -> list[tuple]:
    """The activities' (id, track, party, order, title) in roadmap order, so that ties in
    a roll-up name the milestone the page would."""
    rank = {value: i for i, value in enumerate(Activity.Track.values)}
    return sorted(
        activities.values_list("id", "track", "responsible_party_id", "sort_order", "title"),
        key=lambda r: (rank.get(r[1], len(rank)), names.get(r[2], ""), r[3], r[4], r[0]),
    )


def _structure_build(activities) -> _Structure:
    parties = {pk: (key, name) for pk, key, name in Party.objects.values_list("id", "key", "name")}
    names = {pk: name for pk, (_key, name) in parties.items()}
    track_activities: dict[str, int] = {}
    party_activities: dict[tuple[str, int], int] = {}
    for _id, track, party_id, _order, _title in _activity_rows(activities, names):
        track_activities[track] = track_activities.get(track, 0) + 1
        party_activities[(track, party_id)] = party_activities.get((track, party_id), 0) + 1
    responsible = {party_id for _track, party_id in party_activities}
    choices = sorted(
        (PartyChoice(pk, parties.get(pk, ("", ""))[0], names.get(pk, "")) for pk in responsible),
        key=lambda p: (p.name, p.id),
    )
    return _Structure(parties, track_activities, party_activities, tuple(choices))


def _roadmap_summary_build(*, plan_version, baseline, today, stamp, track="") -> RoadmapSummary:
    """The summary: its counts and names cached under the stamp of what they read
    (`STRUCTURE_MODELS`: an edit of a milestone reads them from the cache), its roll-ups
    the stored ones (or rated by the rule); with `track`, that track's rows only."""
    activities = Activity.objects.order_by()
    milestones = Milestone.objects.order_by()
    if plan_version is not None:
        activities = activities.filter(appearances__baseline=plan_version)
        milestones = milestones.filter(activity__appearances__baseline=plan_version)
    structure = cached(
        "milestones",
        (
            "roadmap-structure",
            2,
            stamp_part(stamp, STRUCTURE_MODELS),
            plan_version.pk if plan_version else None,
        ),
        lambda: _structure_build(activities),
        seconds=SUMMARY_CACHE_SECONDS,
    )
    parties, track_activities, party_activities = (
        structure.parties,
        structure.track_activities,
        structure.party_activities,
    )
    names = {pk: name for pk, (_key, name) in parties.items()}
    rank = {value: i for i, value in enumerate(Activity.Track.values)}
    # Kept across the edits that add or delete no milestone (the milestones' newest
    # history from the stamp read already).
    newest = history_id(stamp_part(stamp, (Milestone,))[0])
    stored = (
        baseline is not None
        and baseline.is_active
        and status_current(today, milestones_newest=newest)
    )
    one_track = stored and track and plan_version is None and stored_track_rollups(track)
    if one_track:
        by_track, by_party = _combined_by_track(one_track, rank, names), one_track
    elif stored:
        by_track, by_party = _summary_rollups_stored(plan_version, rank, names)
    else:
        by_track, by_party = _summary_rollups_rated(
            _activity_rows(activities, names), milestones, plan_version, baseline, today
        )
    if not track:
        return _summary_of(parties, names, track_activities, party_activities, by_track, by_party)
    # A track's rows alone (not the plan's, built and then left out), with every
    # responsible party among the choices (from the structure, as the plan's summary).
    summary = _summary_of(
        parties,
        names,
        {t: n for t, n in track_activities.items() if t == track},
        {key: n for key, n in party_activities.items() if key[0] == track},
        by_track,
        by_party,
    )
    return RoadmapSummary(
        tracks=summary.tracks,
        parties=summary.parties,
        choices=list(structure.choices),
        stored=bool(one_track),
    )


def _summary_of(parties, names, track_activities, party_activities, by_track, by_party):
    """The summary's rows from its counts and names and the roll-ups by track and by
    (track, party) (none for a track or party without: an empty roll-up)."""
    return RoadmapSummary(
        tracks=[
            SummaryRow(
                track=track,
                party_id=None,
                party_key="",
                party_name="",
                activity_count=n,
                milestone_count=by_track.get(track, _NONE).total,
                rollup=by_track.get(track, _NONE),
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
                milestone_count=by_party.get((track, party_id), _NONE).total,
                rollup=by_party.get((track, party_id), _NONE),
            )
            for (track, party_id), n in party_activities.items()
        ],
    )


_NONE = rollup([])


def _summary_rollups_stored(plan_version, rank: dict[str, int], names: dict | None = None):
    """Roll-ups per track and per (track, party): for the whole plan the stored (track,
    party) roll-ups, a track's combined from its parties' in roadmap order (one query, and
    one for the party names unless given); for a plan version SQL aggregates over the
    materialised ratings (four queries). Ties name the first milestone in roadmap order,
    as the page."""
    if plan_version is None:
        by_party = stored_track_party_rollups()
        if by_party is not None:
            if names is None:
                names = dict(Party.objects.values_list("id", "name"))
            return _combined_by_track(by_party, rank, names), by_party
    statuses = MilestoneStatus.objects.all()
    if plan_version is not None:
        statuses = statuses.filter(milestone__activity__appearances__baseline=plan_version)
    tie_order = [
        Case(
            *(When(milestone__activity__track=t, then=Value(i)) for t, i in rank.items()),
            default=Value(len(rank)),
            output_field=IntegerField(),
        ).asc(),
        F("milestone__activity__responsible_party__name").asc(),
        F("milestone__activity__sort_order").asc(),
        F("milestone__activity__title").asc(),
        F("milestone__activity_id").asc(),
        F("milestone__sort_order").asc(),
        F("forecast_date").asc(nulls_last=True),
    ]
    track, party = "milestone__activity__track", "milestone__activity__responsible_party_id"
    return (
        grouped_rollups(statuses, track, tie_order=tie_order),
        grouped_rollups(statuses, (track, party), tie_order=tie_order),
    )


def _combined_by_track(by_party: dict, rank: dict[str, int], names: dict) -> dict:
    """Each track's roll-up combined from its parties' (by (track, party id)) in roadmap
    order, so that a tie names the first milestone as the page does."""
    by_track: dict[str, list] = {}
    for track, party_id in sorted(
        by_party, key=lambda k: (rank.get(k[0], len(rank)), names.get(k[1], ""))
    ):
        by_track.setdefault(track, []).append(by_party[(track, party_id)])
    return {t: combined_rollup(parts) for t, parts in by_track.items()}


def _summary_rollups_rated(activity_rows, milestones, plan_version, baseline, today):
    """Roll-ups per track and per (track, party), rating every milestone by the rule
    (another baseline than the active one, or ratings not made today)."""
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
    return (
        {track: rollup(items) for track, items in by_track.items()},
        {pair: rollup(items) for pair, items in by_party.items()},
    )
