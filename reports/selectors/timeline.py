"""The roadmap timeline (Gantt): activities by track and party within a period."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from core.cache import cached, stamp
from milestones.models import Activity, Baseline, BaselineEntry, Milestone, period_end
from milestones.rag import add_months
from parties.models import Party

from . import snapshot
from .moments import PointInTime, point_in_time
from .snapshot import ActivityRow, MilestoneRow, PartyRef, PlanSnapshot

# 20 activities (about 200 milestones at the large scale) a page: rendering the chart and
# its table alternative for 40 was most of a cold page.
TIMELINE_PAGE_SIZE = 20


@dataclass
class TimelineActivity:
    activity: ActivityRow
    start: datetime.date | None
    end: datetime.date | None
    milestones: list[MilestoneRow]


@dataclass
class TimelineParty:
    party: PartyRef
    activities: list[TimelineActivity] = field(default_factory=list)


@dataclass
class TimelineTrack:
    track: str
    label: str
    parties: list[TimelineParty] = field(default_factory=list)


@dataclass
class Timeline:
    """A page of the roadmap timeline: activities by track and party within a period."""

    point: PointInTime
    start: datetime.date
    end: datetime.date
    tracks: list[TimelineTrack]
    page: int
    page_count: int
    activity_total: int
    track: str = ""
    party: PartyRef | None = None
    party_choices: list[PartyRef] = field(default_factory=list)

    @property
    def activities(self) -> list[TimelineActivity]:
        return [a for t in self.tracks for p in t.parties for a in p.activities]


def quarter_start(date: datetime.date) -> datetime.date:
    return date.replace(month=3 * ((date.month - 1) // 3) + 1, day=1)


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """From the quarter a year back to the end of the quarter two years ahead."""
    start = quarter_start(add_months(today, -12))
    end = add_months(quarter_start(add_months(today, 24)), 3) - datetime.timedelta(days=1)
    return start, end


def roadmap_timeline(
    *,
    as_of: datetime.datetime | None = None,
    track: str | None = None,
    party: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    page: int = 1,
    page_size: int = TIMELINE_PAGE_SIZE,
    plan: PlanSnapshot | None = None,
) -> Timeline:
    """Activities (a page at a time) with milestones and RAG, for the Gantt chart (six queries).

    `plan`, the whole plan already read and rated at the same moment (the monthly
    report has it), is used instead of reading the activities and milestones again."""
    point = point_in_time(as_of)
    at, today = point.at, point.today
    default_start, default_end = default_period(today)
    start = quarter_start(start or default_start)
    end = end or default_end
    if end < start:
        start, end = end, start
    if track not in Activity.Track.values:
        track = None
    parties = plan.parties if plan is not None else snapshot.party_refs(at)
    chosen = next((p for p in parties.values() if p.key == party), None) if party else None
    outline = _timeline_outline_kept(
        at,
        parties,
        plan,
        track=track,
        party_id=(chosen.id if chosen else -1) if party else None,
        start=start,
        end=end,
    )
    page_count = max(1, -(-len(outline) // page_size))
    page = min(max(1, page), page_count)
    chosen_ids = [a["id"] for a in outline[(page - 1) * page_size : page * page_size]]
    if plan is None:
        responsible = (
            {a["responsible_party_id"] for a in outline}
            if not party
            else {
                r["responsible_party_id"]
                for r in snapshot.rows(Activity, at, ("responsible_party_id",))
            }
        )
        plan = snapshot.plan_snapshot(at=at, today=today, activity_ids=chosen_ids, parties=parties)
    else:
        responsible = {a.party.id for a in plan.activities.values()}
    tracks = _timeline_tracks(plan, chosen_ids)
    return Timeline(
        point=point,
        start=start,
        end=end,
        tracks=tracks,
        page=page,
        page_count=page_count,
        activity_total=len(outline),
        track=track or "",
        party=chosen,
        party_choices=sorted(
            (p for p in parties.values() if p.id in responsible or p == chosen),
            key=lambda p: p.name.lower(),
        ),
    )


_OUTLINE_FIELDS = (
    "id",
    "track",
    "responsible_party_id",
    "sort_order",
    "title",
    "planned_start",
    "planned_end",
)


def _outline_rows(at, plan: PlanSnapshot | None, filters: dict) -> list[dict]:
    """The outline's fields of the activities at `at` (one query), or of those in `plan`."""
    if plan is None:
        return snapshot.rows(Activity, at, _OUTLINE_FIELDS, **filters)
    rows = (
        {
            "id": a.id,
            "track": a.track,
            "responsible_party_id": a.party.id,
            "sort_order": a.sort_order,
            "title": a.title,
            "planned_start": a.planned_start,
            "planned_end": a.planned_end,
        }
        for a in plan.activities.values()
    )
    return [r for r in rows if all(r[name] == value for name, value in filters.items())]


# What the outline reads: the activities' order and dates, the parties' names.
OUTLINE_MODELS = (Activity, Party)
OUTLINE_CACHE_SECONDS = 600
# What the timeline page reads (`roadmap_timeline` without `plan`): the outline's, the
# page's milestones and what rates them (the active baseline and its entries; the day is
# in the page's key).
TIMELINE_MODELS = (*OUTLINE_MODELS, Milestone, Baseline)


def timeline_version(at: datetime.datetime | None = None) -> tuple:
    """The stamp the timeline page is cached under: what it reads as it stood at `at`
    (no query inside the page's stamps, `reports.views.dashboard.PAGE_STAMP_MODELS`). A
    progress update, a register entry, the roll-out or governance saved leaves it warm;
    the data version of the whole dashboard (`snapshot.data_version`) did not."""
    return stamp(models=TIMELINE_MODELS, rows=(BaselineEntry,), at=at)


def _timeline_outline_kept(at, parties, plan, **chosen) -> list[dict]:
    """`_timeline_outline`, for the plan read here (no `plan`) cached under the stamp of
    what it reads (`OUTLINE_MODELS`, at the moment shown; the page's stamps are read once,
    so no query): an edit of a milestone sorts no 2,000 activities again. Only what the
    page takes of it is kept: each activity's id and responsible party."""
    if plan is not None:
        return _timeline_outline(at, parties, plan, **chosen)
    return cached(
        "reports",
        (
            "timeline-outline",
            1,
            stamp(models=OUTLINE_MODELS, at=at),
            at,
            *sorted(chosen.items()),
        ),
        lambda: [
            {"id": a["id"], "responsible_party_id": a["responsible_party_id"]}
            for a in _timeline_outline(at, parties, plan, **chosen)
        ],
        seconds=OUTLINE_CACHE_SECONDS,
    )


def _timeline_outline(at, parties, plan, *, track, party_id, start, end) -> list[dict]:
    """The activities in the window (track and party filters applied), in the page's order.

    Activities whose planned period ends before the window or starts after it are left out.
    """
    filters = {}
    if track:
        filters["track"] = track
    if party_id is not None:
        filters["responsible_party_id"] = party_id
    outline = [
        a
        for a in _outline_rows(at, plan, filters)
        if not (a["planned_end"] and a["planned_end"] < start)
        and not (a["planned_start"] and a["planned_start"] > end)
    ]
    order = {value: i for i, value in enumerate(Activity.Track.values)}

    def party_name(a):
        p = parties.get(a["responsible_party_id"])
        return p.name.lower() if p else ""

    # The id last: ties are ordered the same whichever rows the outline came from.
    outline.sort(
        key=lambda a: (
            order.get(a["track"], 9),
            party_name(a),
            a["sort_order"],
            a["title"],
            a["id"],
        )
    )
    return outline


def _timeline_tracks(plan, chosen_ids: list[int]) -> list[TimelineTrack]:
    """The chosen activities with their milestones, grouped by track, then party."""
    per_activity: dict[int, list[MilestoneRow]] = defaultdict(list)
    for m in plan.milestones:
        per_activity[m.activity.id].append(m)
    labels = dict(Activity.Track.choices)
    tracks: list[TimelineTrack] = []
    for activity_id in chosen_ids:
        activity = plan.activities.get(activity_id)
        if activity is None:
            continue
        milestones = sorted(
            per_activity[activity_id],
            key=lambda m: (m.date or datetime.date.max, m.sort_order, m.title),
        )
        dates = [m.date for m in milestones if m.date]
        bar_start = activity.planned_start or (min(dates) if dates else None)
        bar_end = (
            period_end(activity.planned_end, activity.planned_end_precision)
            if activity.planned_end
            else (max(dates) if dates else None)
        )
        if not tracks or tracks[-1].track != activity.track:
            tracks.append(TimelineTrack(track=activity.track, label=str(labels[activity.track])))
        parties_in_track = tracks[-1].parties
        if not parties_in_track or parties_in_track[-1].party != activity.party:
            parties_in_track.append(TimelineParty(party=activity.party))
        parties_in_track[-1].activities.append(
            TimelineActivity(activity=activity, start=bar_start, end=bar_end, milestones=milestones)
        )
    return tracks
