"""The monthly status report's figures, as plain JSON-ready data.

Built on the dashboard's selectors (`reports.selectors`, `reports.selectors.snapshot`)
and charts (`reports.charts`), so the report shows the same statuses and the
same SVG as the dashboard; statuses come from `milestones.rag` through them.
What the dashboard does not need and the report does is added here, from the
same building blocks:

- the comparison with the previous report's moment (the dashboard compares
  with the start of the month): status lines and each milestone's previous RAG
  (the selectors' own `status_lines` on two plan snapshots);
- completed this period (reached now, not at the previous moment) and slipped
  this period (forecast moved later, or passed without being reached);
- what changed since the last report, from `milestones.history`;
- highlights of the round's submitted updates;
- "Kan SHAK slukkes?" (`reports.report_switch_off`);
- the steering group's governance (`governance.selectors.summary` at the report's
  moment): the decisions to take with their options and recommendation, those
  taken since the last report, the top risks with owners and the heat map (the
  page's own SVG), overdue actions, open exceptions and the delivery confidence.
- "MedCom: meddelelsestyper og certificering" (`reports.report_medcom`).

The full list as a spreadsheet is `reports.report_xlsx`.

The result is stored as the published report's snapshot, so everything in it
is a string, number, boolean, list or dict; dates are pre-formatted in Danish
(the document is Danish and frozen).
"""

import contextlib
import dataclasses
import datetime
import gc
from collections import OrderedDict
from types import SimpleNamespace

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from governance.selectors.summary import activity_confidences, governance_summary
from milestones import history
from milestones.dates import format_plan_date
from milestones.demo import demo_data_loaded
from milestones.models import MilestoneStatus, ProgressUpdate
from milestones.rag import Rag

from . import charts, moment_store, report_medcom, report_switch_off, selectors
from .selectors import past, snapshot, status
from .selectors.status import plan_rollups

SCHEMA = 1
# The body lists milestones that need attention; the appendix lists them all
# (or only red and yellow above `appendix_limit`, with the full list as a spreadsheet).
FOCUS_LIMIT = 60
CHANGES_LIMIT = 150
CHANGES_PER_ACTIVITY = 12
HIGHLIGHTS_LIMIT = 40
# Lists that grow with the programme: the largest first, the rest counted (and in
# the spreadsheet when there is one).
COMPLETED_LIMIT = 40
SLIPPED_LIMIT = 40
CONCERNS_LIMIT = 25
# The timeline is drawn a landscape page at a time, up to TIMELINE_PAGES pages.
TIMELINE_ACTIVITIES = 12
TIMELINE_PAGES = 10
ATTENTION = (Rag.RED, Rag.YELLOW)


def _date(value: datetime.date | None, precision: str = "day") -> str:
    return format_plan_date(value, precision) if value else ""


def _moment(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _month(value: datetime.date) -> str:
    return formats.date_format(value, "YEAR_MONTH_FORMAT")


def _rollup(r) -> dict:
    return {
        "rag": r.rag,
        "label": r.label,
        "reason": r.reason,
        "counts": [
            {"rag": colour, "label": label, "count": n} for colour, label, n in r.count_items
        ],
        "open": sum(r.counts.get(c, 0) for c in Rag.ROLLUP_COLOURS),
    }


def _status_line(line) -> dict:
    return {
        "key": line.key,
        "label": line.label,
        "now": _rollup(line.rollup),
        "before": _rollup(line.previous) if line.previous else None,
        "change": line.change,
        "change_label": line.change_label,
    }


class _Wording:
    """Labels, reasons and dates of the milestone rows, each worded once per build.

    The report words 20,000 milestones (the spreadsheet has them all), and each
    `gettext` or date format through Django's translation machinery costs
    microseconds; the same few labels, reasons and dates recur throughout.
    Built inside the report's language (Danish)."""

    def __init__(self):
        self.labels = {colour: str(label) for colour, label in Rag.LABELS.items()}
        self.new = _("Ny")
        self.unknown = _("dato ukendt")
        self.reached = _("nået")
        self.slipped = _("skredet")
        self._reasons: dict = {}
        self._dates: dict = {}

    def date(self, value: datetime.date | None, precision: str = "day") -> str:
        # By precision, then date: no key tuple made and hashed for each of 30,000 dates.
        dates = self._dates.get(precision)
        if dates is None:
            dates = self._dates[precision] = {}
        found = dates.get(value)
        if found is None:
            found = dates[value] = _date(value, precision)
        return found

    def reason(self, rag) -> str:
        # Keyed by what `MilestoneRag.reason` words: its rule's code, and only for the
        # rules that fill in a value that value (hashing the whole frozen rating, eleven
        # fields, cost more than the wording it saved).
        code = rag.reason_code
        if code == "overridden":
            key = (code, rag.override_reason)
        elif code == "overdue":
            key = (code, rag.forecast_date, rag.forecast_precision)
        elif code.startswith("late_"):
            key = (code, rag.slip_days)
        else:
            key = code
        found = self._reasons.get(key)
        if found is None:
            found = self._reasons[key] = rag.reason
        return found


def _milestone_row(m, previous, words: _Wording, activity: str, party: str) -> dict:
    """A milestone's row; `previous` is its RAG at the last report's moment (None: new).
    `activity` and `party` are the activity's title and the party's label, read once per
    activity (the report words every milestone: 20,000 at scale)."""
    rag = m.rag
    labels = words.labels
    return {
        "id": m.id,
        "key": m.key,
        "title": m.title,
        "activity": activity,
        "activity_id": m.activity.id,
        "party": party,
        "track": m.activity.track,
        "baseline": words.date(rag.baseline_date, rag.baseline_precision)
        if rag.baseline_date
        else "",
        "forecast": words.date(m.forecast_date, m.forecast_precision) if m.forecast_date else "",
        "actual": words.unknown
        if m.actual_date_unknown
        else (words.date(m.actual_date, m.actual_precision) if m.actual_date else ""),
        "slip_days": rag.slip_days,
        "rag": rag.rag,
        "rag_label": labels[rag.rag],
        "rag_reason": words.reason(rag),
        "overridden": rag.overridden,
        "previous_rag": previous.rag if previous else "",
        "previous_rag_label": labels[previous.rag] if previous else words.new,
        "rag_changed": previous is None or previous.rag != rag.rag,
        "this_period": "",
    }


def _activity_order(activity) -> tuple:
    """An activity's place in the report's lists: by track, party, then its own order
    (its milestones' places follow it: `(_activity_order(activity), sort order, title)`)."""
    return (activity.track, activity.party.name.lower(), activity.sort_order, activity.title)


_SEVERITY = {Rag.RED: 0, Rag.YELLOW: 1, Rag.GREY: 2, Rag.GREEN: 3, Rag.DONE: 4, Rag.CANCELLED: 5}


def _severity(row: dict) -> tuple:
    return (_SEVERITY.get(row["rag"], 9), -(row["slip_days"] or 0), row["activity"], row["title"])


def _slip_order(row: dict, moved_days: int) -> tuple:
    """Worst first: by colour, then by how far the forecast moved this period."""
    return (_SEVERITY.get(row["rag"], 9), -moved_days, row["activity"], row["title"])


def _completed_this_period(now, before, since: datetime.datetime) -> bool:
    """Reached now and not at the previous moment. A milestone added since, already
    reached, counts only if its actual date falls after the previous moment."""
    if now.rag.rag != Rag.DONE:
        return False
    if before is not None:
        return before.rag.rag != Rag.DONE
    return bool(now.actual_date and now.actual_date >= snapshot.local_today(since))


def _slipped_this_period(now, before) -> bool:
    """Whether a milestone slipped between the two moments: its forecast moved later, or
    it turned red (`_why_slipped` words it)."""
    if before is None or not now.is_open:
        return False
    if now.forecast_end and before.forecast_end and now.forecast_end > before.forecast_end:
        return True
    return now.rag.rag == Rag.RED and before.rag.rag != Rag.RED


def _why_slipped(now, before) -> str:
    """Why a milestone slipped (`_slipped_this_period`): worded only for those shown."""
    if now.forecast_end and before.forecast_end and now.forecast_end > before.forecast_end:
        return _("Forventet dato flyttet fra %(old)s til %(new)s (%(days)s dage).") % {
            "old": _date(before.forecast_date, before.forecast_precision),
            "new": _date(now.forecast_date, now.forecast_precision),
            "days": (now.forecast_end - before.forecast_end).days,
        }
    return now.rag.reason


def _changes(since: datetime.datetime, until: datetime.datetime | None) -> dict:
    """History since the last report, grouped by activity (the programme's own changes first)."""
    keys = history.feed(since=since, until=until)
    total = keys.count()
    entries = history.entries_for(keys[:CHANGES_LIMIT])
    groups: OrderedDict[str, list] = OrderedDict()
    for entry in entries:
        if entry.kind == "activity":
            group = entry.label
        elif entry.kind == "milestone":
            group = entry.context
        elif entry.kind == "dependency":
            group = _("Afhængigheder")
        else:
            group = _("Programmet")
        groups.setdefault(group, []).append(
            {
                "when": _moment(entry.when),
                "who": entry.user_label,
                "kind": entry.kind_label,
                "action": entry.action_label,
                "label": entry.label,
                "reason": entry.reason,
                "changes": [{"field": c.label, "old": c.old, "new": c.new} for c in entry.changes],
            }
        )
    result = []
    for name in sorted(groups, key=lambda g: g.lower()):
        items = groups[name]
        result.append(
            {
                "activity": name,
                "entries": items[:CHANGES_PER_ACTIVITY],
                "more": max(0, len(items) - CHANGES_PER_ACTIVITY),
            }
        )
    return {"groups": result, "total": total, "shown": len(entries)}


def _round(at, today, parties, plan, board) -> dict | None:
    status = (
        board.round
        if board is not None
        else selectors.reporting_round_status(at=at, today=today, parties=parties)
    )
    if status is None:
        return None
    updates = (
        snapshot.as_of_queryset(ProgressUpdate, at)
        .filter(round_id=status.id, status__in=list(selectors.REPORTED_STATUSES))
        .filter(~Q(achievements="") | ~Q(narrative="") | ~Q(next_steps=""))
        .values(
            "party_id",
            "activity_id",
            "self_rag",
            "percent_complete",
            "narrative",
            "achievements",
            "next_steps",
        )
    )
    found = []
    for u in updates:
        activity = plan.activities.get(u["activity_id"])
        party = parties.get(u["party_id"])
        party_label = party.label if party else "?"
        title = activity.title if activity else ""
        found.append(((party_label.lower(), title.lower()), party_label, title, u))
    # Sorted and capped first: only those shown are worded (1,900 updates at scale).
    found.sort(key=lambda item: item[0])
    highlights = [
        {
            "party": party_label,
            "activity": title,
            "self_rag": u["self_rag"],
            "self_rag_label": str(Rag.LABELS[u["self_rag"]]) if u["self_rag"] else "",
            "percent": u["percent_complete"],
            "narrative": u["narrative"],
            "achievements": u["achievements"],
            "next_steps": u["next_steps"],
        }
        for _order, party_label, title, u in found[:HIGHLIGHTS_LIMIT]
    ]
    return {
        "period": _month(status.period),
        "opens_on": _date(status.opens_on),
        "due_on": _date(status.due_on),
        "is_past_due": status.is_past_due,
        "party_count": status.party_count,
        "reported_count": status.reported_count,
        "overdue_count": status.overdue_count,
        "reported_percent": status.reported_percent,
        "reported": [
            {"party": p.party.name, "obligations": p.obligations, "reported": p.reported}
            for p in status.parties
            if p.state == "reported"
        ],
        "missing": [
            {
                "party": p.party.name,
                "obligations": p.obligations,
                "reported": p.reported,
                "state": p.state,
                "state_label": p.state_label,
            }
            for p in status.parties
            if p.state != "reported"
        ],
        "highlights": highlights,
        "highlights_total": len(found),
    }


def _concerns(at, today, parties, plan) -> dict:
    """Help needed and risks, most pressing first (the selectors' order), capped."""
    found = [
        {
            "party": c.party.label,
            "activity": c.activity_title,
            "round": _month(c.round_period),
            "self_rag": c.self_rag,
            "self_rag_label": c.self_rag_label,
            "help_needed": c.help_needed,
            "risks": c.risks,
        }
        for c in selectors.concerns(at, today, parties, plan, None)
    ]
    return {"concerns": found[:CONCERNS_LIMIT], "concerns_total": len(found)}


def _rollout(at, parties, plan, board) -> dict | None:
    status = (
        board.rollout
        if board is not None
        else selectors.rollout_status(at=at, parties=parties, milestones=plan.milestones)
    )
    if status is None:
        return None

    def row(r) -> dict:
        return {
            "number": r.number,
            "title": r.title,
            "total": r.total,
            "in_production": r.in_production,
            "in_test": r.in_test,
            "not_started": r.not_started,
            "in_production_percent": r.in_production_percent,
            "milestone": r.milestone.title if r.milestone else "",
            "rag": r.milestone.rag.rag if r.milestone else "",
            "rag_label": r.milestone.rag.label if r.milestone else "",
            "when": _date(r.milestone.date, r.milestone.date_precision) if r.milestone else "",
        }

    return {
        "phases": [row(p) for p in status.phases],
        "regions": [row(r) for r in status.regions],
        "total": row(status.total),
    }


def _blockers(plan, slipped, at) -> list[dict]:
    pairs = snapshot.dependency_pairs(at)
    rows, _total = selectors.blockers(plan, slipped, pairs)
    return [
        {
            "milestone": b.milestone.title,
            "party": b.milestone.party.label,
            "rag": b.milestone.rag.rag,
            "rag_label": b.milestone.rag.label,
            "expected": _date(b.expected),
            "dependants": [
                {
                    "title": d.milestone.title,
                    "party": d.milestone.party.label,
                    "threatened": d.threatened,
                }
                for d in b.dependants
            ],
            "more": max(0, b.dependant_count - len(b.dependants)),
            "threatened": b.threatened_count,
        }
        for b in rows[: selectors.BLOCKER_LIMIT]
    ]


def _timeline_pages(whole, per_page: int) -> list:
    """Split one timeline into pages of `per_page` activities, each drawn by the same chart code."""
    pages, tracks, count = [], [], 0

    def flush():
        nonlocal tracks, count
        if count:
            pages.append(tracks)
        tracks, count = [], 0

    for track in whole.tracks:
        for party in track.parties:
            for item in party.activities:
                if count == per_page:
                    flush()
                if not tracks or tracks[-1].track != track.track:
                    tracks.append(selectors.TimelineTrack(track=track.track, label=track.label))
                parties = tracks[-1].parties
                if not parties or parties[-1].party != party.party:
                    parties.append(selectors.TimelineParty(party=party.party))
                parties[-1].activities.append(item)
                count += 1
    flush()
    return [
        dataclasses.replace(whole, tracks=page, page=n, page_count=len(pages))
        for n, page in enumerate(pages, start=1)
    ]


def _gantt_svg(page, number: int) -> str:
    """One page of the timeline. The chart's title and description ids get the page
    number after the first, so the ids stay unique in one document."""
    svg = render_to_string("reports/charts/gantt.svg", {"chart": charts.gantt_chart(page)})
    if number > 1:
        for name in ("gantt-title", "gantt-desc"):
            svg = svg.replace(f'"{name}"', f'"{name}-{number}"').replace(
                f"{name} ", f"{name}-{number} "
            )
            svg = svg.replace(f' {name}"', f' {name}-{number}"')
    return svg


def _trend_milestones(lists) -> list[int]:
    """The milestones the dashboard's trend chart shows by default at the report's moment.

    `selectors.trend_candidates` picks them from a dashboard's capped lists; the report
    has the same plan already rated, so it hands over those lists
    (`selectors.milestone_lists(plan)`) instead of having the dashboard rate all
    milestones twice more."""
    due_soon, slipped, completed = lists
    board = SimpleNamespace(
        slipped=slipped[: selectors.LIST_LIMIT],
        due_soon=due_soon[: selectors.LIST_LIMIT],
        completed=completed[: selectors.LIST_LIMIT],
    )
    return [m.id for m in selectors.trend_candidates(board=board)][: selectors.MTA_DEFAULT_COUNT]


def _charts(as_of: datetime.datetime, plan, lists) -> dict:
    """The dashboard's two charts, as SVG markup, for the report's moment.

    The timeline is read once and drawn a landscape page at a time. Both charts take
    their activities and milestones from the report's own plan (read and rated once).
    """
    whole = selectors.roadmap_timeline(
        as_of=as_of, page_size=TIMELINE_ACTIVITIES * TIMELINE_PAGES, plan=plan
    )
    pages = _timeline_pages(whole, TIMELINE_ACTIVITIES)
    trend = selectors.milestone_trend(
        milestone_ids=_trend_milestones(lists), as_of=as_of, plan=plan
    )
    mta = charts.mta_chart(trend)
    return {
        "gantt_pages": [_gantt_svg(page, n) for n, page in enumerate(pages, start=1)],
        "gantt_shown": sum(len(page.activities) for page in pages),
        "gantt_total": whole.activity_total,
        "mta": render_to_string("reports/charts/mta.svg", {"chart": mta}),
        "mta_count": len(trend.series),
    }


def build(
    *, period: datetime.date, as_of: datetime.datetime, previous=None, appendix_limit: int = 300
) -> dict:
    """Every figure of the report for `period`, as the plan stood at `as_of`.

    "Since the last report" starts at the previous report's moment, or at the
    start of the period when there is none.
    """
    with translation.override("da"), _collector_paused():
        return _build(period, as_of, previous, appendix_limit)


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while the figures are built.

    The build makes a million short-lived objects (two plans of 20,000 milestones,
    their rows), freed by reference counting, not by the collector; each of the
    collector's full passes over them cost 0.3-0.45 s (a fifth of the figures at
    scale) and found nothing to free. It is switched back on afterwards, as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclasses.dataclass(frozen=True, slots=True)
class _Before:
    """What the report reads of a milestone as it stood at the last report's moment: its
    colour (as `rag.rag`, as a plan's row has it) and its forecast's end; its rating's
    history row (`key`), whose forecast date and precision are read only for the slipped
    milestones shown (`_forecasts_of`): they are not in the index the moment is read from."""

    rag: SimpleNamespace
    forecast_end: datetime.date | None
    key: int
    forecast_date: datetime.date | None = None
    forecast_precision: str = "day"


# One colour object per colour, shared by every milestone's `_Before`.
_RAGS: dict[str, SimpleNamespace] = {}


def _before(since: datetime.datetime, parties) -> tuple[dict, object]:
    """The milestones by id and the roll-ups (`selectors.Rollups`) at the last report's
    moment. Within the ratings' history (`past.covers`) both from one read of the ratings
    as they stood (`past.ratings_at`): of each milestone only its colour and forecast (no
    rows built), and what its activity's roll-up reads of it, rolled up per activity
    (`past.per_activity`, as `past.rollups_at` does in SQL: a second scan of the same
    20,000 ratings) and combined per track, party and programme
    (`past.rollups_of_activities`); else from the replayed plan (`past.plan_at`)."""
    today = snapshot.local_today(since)
    if not past.covers(since, today):
        plan = past.plan_at(at=since, today=today, parties=parties)
        return {m.id: m for m in plan.milestones}, plan_rollups(plan)
    activities = snapshot.activity_rows(since, parties, {})
    by_id = {}
    rated = []
    # Only columns of the ratings' range index (milestones migration 0012): an index-only
    # scan, not 7,800 heap pages of the history.
    for pk, milestone_id, activity_id, rag, severity, slip, end in past.ratings_at(
        since
    ).values_list(*past._PER_ACTIVITY_READS, "forecast_end"):
        rated.append((pk, milestone_id, activity_id, rag, severity, slip))
        # As `plan_at`: a milestone of an activity that was not there then is left out.
        if activity_id in activities:
            colour = _RAGS.get(rag) or _RAGS.setdefault(rag, SimpleNamespace(rag=rag))
            by_id[milestone_id] = _Before(colour, end, pk)
    return by_id, past.rollups_of_activities(past.per_activity(rated), activities)


def _forecasts_of(slipped: list[tuple]) -> list[tuple]:
    """`slipped` (row, days moved, milestone, before) with each `_Before`'s forecast date
    and precision read from its rating's history row (one query); the replay's rows
    (outside the ratings' history) hold theirs already."""
    keys = [old.key for _row, _moved, _m, old in slipped if isinstance(old, _Before)]
    if not keys:
        return slipped
    dates = {
        pk: (date, precision)
        for pk, date, precision in MilestoneStatus.history.model.objects.filter(
            pk__in=keys
        ).values_list("pk", "forecast_date", "forecast_precision")
    }
    return [
        (
            row,
            moved,
            m,
            dataclasses.replace(
                old, forecast_date=dates[old.key][0], forecast_precision=dates[old.key][1]
            )
            if isinstance(old, _Before)
            else old,
        )
        for row, moved, m, old in slipped
    ]


def _milestone_rows(
    plan, before_by_id: dict, since
) -> tuple[list[dict], list[dict], list[dict], int]:
    """Every milestone as a row with its previous RAG (`before_by_id`, `_before`), in the
    plan's order; those reached
    this period (since the previous report's moment), in the plan's order; the first
    `SLIPPED_LIMIT` of those that slipped, worst first, with why; and how many slipped."""
    words = _Wording()
    activities: dict[int, tuple[str, str, list]] = {}
    # The rows by their activity's place (`_activity_order`; activities in the same place
    # share a group), each group in the plan's order: the groups sorted, then each group's
    # rows by their own order, as one sort by (place, sort order, title) would (stable), with
    # 2,000 places compared instead of 20,000 rows' nested keys.
    groups: dict[tuple, list] = {}
    slipped = []
    for m in plan.milestones:
        old = before_by_id.get(m.id)
        found = activities.get(m.activity.id)
        if found is None:
            order = _activity_order(m.activity)
            found = activities[m.activity.id] = (
                m.activity.title,
                m.party.label,
                groups.setdefault(order, []),
            )
        title, party, group = found
        row = _milestone_row(m, old.rag if old else None, words, title, party)
        group.append(((m.sort_order, m.title), row))
        if _completed_this_period(m, old, since):
            row["this_period"] = words.reached
        elif _slipped_this_period(m, old):
            row["this_period"] = words.slipped
            moved = (
                (m.forecast_end - old.forecast_end).days
                if m.forecast_end and old.forecast_end
                else 0
            )
            slipped.append((row, moved, m, old))
    rows = []
    for _place, group in sorted(groups.items(), key=lambda item: item[0]):
        group.sort(key=lambda item: item[0])
        rows.extend(row for _order, row in group)
    completed = [row for row in rows if row["this_period"] == words.reached]
    # Worst first (stable: ties in the plan's order as read), worded only for those shown.
    slipped.sort(key=lambda item: _slip_order(item[0], item[1]))
    shown = [
        {**row, "why": _why_slipped(m, old), "moved_days": moved}
        for row, moved, m, old in _forecasts_of(slipped[:SLIPPED_LIMIT])
    ]
    return rows, completed, shown, len(slipped)


def _appendix(rows: list[dict], limit: int) -> dict:
    """The appendix's milestones by activity: all of them up to `limit`; above it only
    red and yellow ones, and of those at most `limit`, the worst first (the full list
    then goes along as a spreadsheet). So the PDF grows with the limit, not with the
    programme."""
    by_activity: OrderedDict[int, dict] = OrderedDict()
    spreadsheet = len(rows) > limit
    attention = [r for r in rows if r["rag"] in ATTENTION] if spreadsheet else rows
    chosen = attention
    if spreadsheet and len(attention) > limit:
        keep = {id(r) for r in sorted(attention, key=_severity)[:limit]}
        chosen = [r for r in attention if id(r) in keep]  # still in the plan's order
    for r in chosen:
        group = by_activity.setdefault(
            r["activity_id"], {"activity": r["activity"], "party": r["party"], "milestones": []}
        )
        group["milestones"].append(r)
    return {
        "spreadsheet": spreadsheet,
        "limit": limit,
        "attention": len(attention),
        "groups": list(by_activity.values()),
        "shown": len(chosen),
    }


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _owner(record) -> dict:
    return {"party": record.owner_party.label, "person": _person(record.owner_person)}


def _decision(d, options) -> dict:
    return {
        "key": d.key,
        "title": d.title,
        "question": d.question,
        "background": d.background,
        "recommendation": d.recommendation,
        "needed_by": _date(d.needed_by),
        "requested_by": d.requested_by_party.label if d.requested_by_party_id else "",
        **_owner(d),
        "options": [
            {"number": o.number, "title": o.title, "consequences": o.consequences}
            for o in options.get(d.pk, [])
        ],
        "outcome": d.outcome,
        "decided_on": _date(d.decided_on),
        "meeting": str(d.meeting) if d.meeting_id else "",
        "conditions": d.conditions,
    }


def _governance(at, today, since) -> dict:
    """The governance sections as the records stood at the report's moment, compared
    with the last report's moment; the heat map is the risk register's own SVG."""
    g = governance_summary(today=today, at=at, compared_at=since)
    trend_labels = {
        "new": _("Ny"),
        "up": _("Stigende"),
        "down": _("Faldende"),
        "same": _("Uændret"),
    }
    return {
        "confidence": {
            "level": g.confidence.level,
            "label": g.confidence.get_level_display(),
            "justification": g.confidence.justification,
        }
        if g.confidence
        else None,
        "activity_confidence": [
            {
                "activity": c.activity.title,
                "party": c.activity.responsible_party.label,
                "level": c.level,
                "label": c.get_level_display(),
                "justification": c.justification,
            }
            for c in activity_confidences(at)
        ],
        "requested": [_decision(d, g.options) for d in g.decisions],
        "taken": [_decision(d, g.options) for d in g.taken],
        "risks": [
            {
                "key": line.risk.key,
                "title": line.risk.title,
                "score": line.risk.score,
                "band": line.risk.band.key,
                "band_label": str(line.risk.band.label),
                "trend": line.trend,
                "trend_label": str(trend_labels[line.trend]),
                "status_label": line.risk.get_status_display(),
                "mitigation": line.risk.mitigation,
                **_owner(line.risk),
            }
            for line in g.top_risks
        ],
        "heat_total": g.heat.total,
        "heat_change": g.heat.change,
        "heat_svg": render_to_string(
            "governance/_heatmap_svg.html", {"heat": g.heat, "links": False}
        ),
        "overdue_actions": [
            {
                "key": a.key,
                "title": a.title,
                "due_on": _date(a.due_on),
                "status_label": a.get_status_display(),
                "progress_note": a.progress_note,
                **_owner(a),
            }
            for a in g.overdue_actions
        ],
        "exceptions": [
            {
                "milestone": e.milestone.title,
                "cause": e.cause,
                "consequences": e.consequences,
                "options": e.options,
                "recommendation": e.recommendation,
                "decision": e.decision.title,
            }
            for e in g.open_exceptions
        ],
    }


def _stored_board(point):
    """The dashboard's figures at the report's moment as the moment store holds them
    (`reports.moment_store`: the unfiltered dashboard of a past moment, stored once
    computed and filled ahead for every state of the past days), or None: its roll-ups,
    round and roll-out are those the report would compute from its plan
    (`status.dashboard_build_moment` reads the same ratings as they stood; the replay's
    figures, `tests/reports/test_past_materialised.py`). Only read, never computed or
    stored here: on a miss the report computes them from its own plan as before. Read in
    the report's language, Danish, as the store keys it."""
    if point.at is None:
        return None
    return moment_store.read(
        moment_store.DASHBOARD,
        moment_store.key_of(status.moment_parts(status.dashboard_parts(point, None, None))),
    )


def _board_rollups(board) -> "selectors.Rollups":
    """The roll-ups (`selectors.Rollups`) of a stored dashboard's status lines: the
    programme's, each track's and each party's (a party line without milestones is an
    empty roll-up there, as `status.lines_of` adds it for the report too)."""
    return selectors.Rollups(
        overall=board.overall.rollup,
        tracks={line.key: line.rollup for line in board.tracks},
        parties={line.party.id: line.rollup for line in board.parties},
    )


def _build(period, as_of, previous, appendix_limit) -> dict:
    point = selectors.point_in_time(as_of)
    at, today = point.at, point.today
    # The first moment of the period in Copenhagen (the previous report's as-of when there is one).
    since = (
        previous.as_of
        if previous is not None
        else timezone.make_aware(datetime.datetime.combine(period, datetime.time.min))
    )
    parties = snapshot.party_refs(at)
    # From the ratings as they stood where their history covers the moments (`past`).
    plan = past.plan_at(at=at, today=today, parties=parties)
    before, before_rollups = _before(since, parties)
    board = _stored_board(point)
    if board is None:
        overall, tracks, party_lines = selectors.status_lines(plan, before_rollups)
    else:
        overall, tracks, party_lines = status.lines_of(
            _board_rollups(board),
            before_rollups,
            plan.parties,
            list(dict.fromkeys(a.party.id for a in plan.activities.values())),
        )
    rows, completed, slipped_now, slipped_total = _milestone_rows(plan, before, since)
    focus = sorted(
        (r for r in rows if r["rag"] in ATTENTION or (r["rag_changed"] and r["previous_rag"])),
        key=_severity,
    )
    lists = selectors.milestone_lists(plan)
    _due, slipped_all, _completed = lists

    return {
        "schema": SCHEMA,
        # Frozen with the figures: a report made while demo data was loaded says so.
        "demo": demo_data_loaded(),
        "period": period.isoformat(),
        "period_label": _month(period),
        "as_of": as_of.isoformat(),
        "as_of_label": _moment(as_of),
        "today": today.isoformat(),
        "since": since.isoformat(),
        "since_label": _moment(since),
        "previous_period_label": _month(previous.period) if previous is not None else "",
        "baseline": (plan.baseline or {}).get("name", ""),
        "overall": _status_line(overall),
        "tracks": [_status_line(t) for t in tracks],
        "parties": [_status_line(p) for p in party_lines],
        # Every milestone by colour: the overall roll-up counts them all.
        "counts": dict(overall.rollup.counts),
        "milestone_total": len(rows),
        "activity_total": len(plan.activities),
        "focus": focus[:FOCUS_LIMIT],
        "focus_total": len(focus),
        "completed": completed[:COMPLETED_LIMIT],
        "completed_total": len(completed),
        "slipped": slipped_now,
        "slipped_total": slipped_total,
        "blockers": _blockers(plan, slipped_all, at),
        "changes": _changes(since, at),
        "round": _round(at, today, parties, plan, board),
        **_concerns(at, today, parties, plan),
        "rollout": _rollout(at, parties, plan, board),
        "switch_off": report_switch_off.switch_off_section(at=at, since=since),
        "governance": _governance(at, today, since),
        "medcom": report_medcom.medcom_section(at=at, since=since),
        "charts": _charts(as_of, plan, lists),
        "appendix": _appendix(rows, appendix_limit),
        "all_milestones": rows,
    }
