"""The plan as it stood at a moment, in bulk.

`at=None` reads the live tables. A past moment reads django-simple-history's
tables: for each object the latest historical row at or before the moment,
dropped if that row is a deletion. Joins between historical tables are done
here in Python by id (a historical row's foreign key points at the *live*
table, so a SQL join would mix past and present). Every function runs a fixed
number of queries whatever the size of the plan.

The other selectors in `reports.selectors` build what pages and the PDF show from
these rows; nothing here decides a status (that is `milestones.rag`).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Model
from django.db.models.base import ModelState
from django.utils import timezone

from core.cache import cached, stamp
from core.history import as_of_queryset, as_of_values
from governance.models import DeliveryConfidence
from milestones.models import (
    Activity,
    Baseline,
    BaselineEntry,
    Dependency,
    Milestone,
    MunicipalityRollout,
    ProgressUpdate,
    ReportingRound,
    RolloutPhase,
    RoundObligation,
)
from milestones.rag import MILESTONE_READ_FIELDS, MilestoneRag, milestone_rag, pickled_as_fields
from parties.models import Party
from register.models import Entry, Step

from ..models import StatusReport

# Models whose history feeds the dashboard; `data_version` watches them (status
# reports for the dashboard's "what changed since the last report").
WATCHED_MODELS = (
    Party,
    Activity,
    Milestone,
    Baseline,
    Dependency,
    RolloutPhase,
    MunicipalityRollout,
    ReportingRound,
    RoundObligation,
    ProgressUpdate,
    StatusReport,
    Entry,  # the dashboard's "Kan SHAK slukkes?"
    Step,
    DeliveryConfidence,  # beside the computed status (governance)
)


def rows(model: type[Model], at: datetime.datetime | None, fields, **filters) -> list[dict]:
    """Plain dicts of `fields` for the rows of `model` at `at` that match `filters`."""
    return list(as_of_queryset(model, at).filter(**filters).values(*fields))


# What the dashboard's figures (`status.dashboard`) read: everything watched but the
# register, whose section is computed and cached on its own (`templatetags.switch_off`),
# so a register edit does not re-rate the plan's 20,000 milestones.
PLAN_MODELS = tuple(m for m in WATCHED_MODELS if m not in (Entry, Step))


def plan_version(at: datetime.datetime | None = None) -> tuple:
    """`data_version` without the register (one query)."""
    return stamp(models=PLAN_MODELS, rows=(BaselineEntry,), at=at)


def plan_version_of(version: tuple) -> tuple:
    """`plan_version` taken from a `data_version` already read (no query): the stamp has
    two values per watched model, in order, then the baseline entries' newest id."""
    register = {i for i, model in enumerate(WATCHED_MODELS) if model not in PLAN_MODELS}
    return tuple(v for i, v in enumerate(version) if i // 2 not in register)


def data_version(at: datetime.datetime | None = None) -> tuple:
    """The data-version stamp of the steering group's pages (`core.cache.stamp`, one
    query): it changes whenever anything the dashboard shows is saved. Baseline entries
    have no history of their own; their newest id stands in. With `at`, the stamp of
    the data as it stood then, which later edits do not change."""
    return stamp(models=WATCHED_MODELS, rows=(BaselineEntry,), at=at)


# ---------------------------------------------------------------------------
# Plain rows (pickled as their fields' values, `rag.pickled_as_fields`: the dashboard's
# cached pieces hold hundreds of them)
# ---------------------------------------------------------------------------
@pickled_as_fields
@dataclass(frozen=True, slots=True)
class PartyRef:
    id: int
    key: str
    name: str
    label: str
    kind: str
    region_id: int | None = None


@pickled_as_fields
@dataclass(slots=True)
class ActivityRow:
    id: int
    key: str
    title: str
    track: str
    track_label: str
    party: PartyRef
    status: str
    status_label: str
    planned_start: datetime.date | None
    planned_start_precision: str
    planned_end: datetime.date | None
    planned_end_precision: str
    sort_order: int = 0


@pickled_as_fields
@dataclass(slots=True)
class MilestoneRow:
    """A milestone with its activity, party and RAG (as computed by milestones.rag)."""

    id: int
    key: str
    title: str
    activity: ActivityRow
    forecast_date: datetime.date | None
    forecast_precision: str
    actual_date: datetime.date | None
    actual_precision: str
    actual_date_unknown: bool
    status: str
    rag: MilestoneRag
    forecast_end: datetime.date | None = None
    sort_order: int = 0
    overdue_days: int = 0

    @property
    def pk(self) -> int:
        return self.id

    @property
    def party(self) -> PartyRef:
        return self.activity.party

    @property
    def is_open(self) -> bool:
        return self.rag.counts_in_rollup

    @property
    def date(self) -> datetime.date | None:
        """The date the milestone is placed at: actual when reached, else the forecast."""
        return self.actual_date or self.forecast_date

    @property
    def date_precision(self) -> str:
        return self.actual_precision if self.actual_date else self.forecast_precision


@dataclass
class PlanSnapshot:
    """The plan at a moment: parties, activities and milestones with their RAG."""

    at: datetime.datetime | None
    today: datetime.date
    baseline: dict | None
    parties: dict[int, PartyRef]
    activities: dict[int, ActivityRow]
    milestones: list[MilestoneRow] = field(default_factory=list)


ACTIVITY_FIELDS = (
    "id",
    "key",
    "title",
    "track",
    "responsible_party_id",
    "status",
    "planned_start",
    "planned_start_precision",
    "planned_end",
    "planned_end_precision",
    "sort_order",
)
_MILESTONE_FIELDS = ("id", *MILESTONE_READ_FIELDS)


def _reading_copy(model, values: dict):
    """An in-memory instance holding `values`, for reading attributes only.

    `milestones.rag` reads plain attributes and properties of a Milestone and a
    BaselineEntry. Model.__init__ costs tens of microseconds per row, which at
    20,000 milestones (rated now and at the end of last month) was the largest
    part of the dashboard's cold time; these copies are never saved.
    """
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = ModelState()
    instance._state.adding = False
    return instance


def party_refs(at: datetime.datetime | None) -> dict[int, PartyRef]:
    """Every party at `at`, by id (one query)."""
    return {
        row["id"]: PartyRef(
            id=row["id"],
            key=row["key"],
            name=row["name"],
            label=row["short_name"] or row["name"],
            kind=row["kind"],
            region_id=row["region_id"],
        )
        for row in rows(Party, at, ("id", "key", "name", "short_name", "kind", "region_id"))
    }


def active_baseline(at: datetime.datetime | None) -> dict | None:
    found = rows(Baseline, at, ("id", "key", "name", "short_name"), is_active=True)
    return found[0] if found else None


def plan_snapshot(
    *,
    at: datetime.datetime | None,
    today: datetime.date,
    track: str | None = None,
    party_id: int | None = None,
    activity_ids: list[int] | None = None,
    parties: dict[int, PartyRef] | None = None,
) -> PlanSnapshot:
    """Activities and milestones at `at` with RAG as of `today` (five queries at most).

    `track`, `party_id` and `activity_ids` narrow the activities (as they stood).
    """
    baseline = active_baseline(at)
    if parties is None:
        parties = party_refs(at)
    filters = {}
    if track:
        filters["track"] = track
    if party_id:
        filters["responsible_party_id"] = party_id
    if activity_ids is not None:
        filters["id__in"] = activity_ids
    activities = activity_rows(at, parties, filters)
    narrowed = bool(filters)
    milestone_filters = {"activity_id__in": list(activities)} if narrowed else {}
    # In id order, so that ties in a roll-up are always broken the same way.
    milestone_rows = sorted(
        rows(Milestone, at, _MILESTONE_FIELDS, **milestone_filters), key=lambda r: r["id"]
    )
    entries = _baseline_entries(baseline, activities if narrowed else None)
    milestones = _milestone_rows(milestone_rows, activities, entries, today)
    return PlanSnapshot(
        at=at,
        today=today,
        baseline=baseline,
        parties=parties,
        activities=activities,
        milestones=milestones,
    )


def activity_labels() -> tuple[dict, dict]:
    """The track and status labels, in the active language, for `activity_row` (worded
    once: a lazy label worded per row took a fifth of a past moment's 2,000 rows)."""
    return (
        {value: str(label) for value, label in Activity.Track.choices},
        {value: str(label) for value, label in Activity.Status.choices},
    )


def activity_row(
    values: dict, parties: dict[int, PartyRef], labels: tuple[dict, dict], prefix: str = ""
) -> ActivityRow:
    """An ActivityRow of an activity's fields (`ACTIVITY_FIELDS`, each after `prefix`):
    the one place activity rows are built, for the replay and the materialised status."""
    track_labels, status_labels = labels
    party_id = values[prefix + "responsible_party_id"]
    party = parties.get(party_id)
    if party is None:  # a party deleted since; keep the activity visible
        party = PartyRef(party_id, "", "?", "?", "")
    track, status = values[prefix + "track"], values[prefix + "status"]
    return ActivityRow(
        id=values[prefix + "id"],
        key=values[prefix + "key"],
        title=values[prefix + "title"],
        track=track,
        track_label=str(track_labels.get(track, track)),
        party=party,
        status=status,
        status_label=str(status_labels.get(status, status)),
        planned_start=values[prefix + "planned_start"],
        planned_start_precision=values[prefix + "planned_start_precision"],
        planned_end=values[prefix + "planned_end"],
        planned_end_precision=values[prefix + "planned_end_precision"],
        sort_order=values[prefix + "sort_order"],
    )


def activity_rows(at, parties: dict[int, PartyRef], filters: dict) -> dict[int, ActivityRow]:
    """The activities at `at` (narrowed by `filters`) as reading rows, by id (one query)."""
    labels = activity_labels()
    return {
        row["id"]: activity_row(row, parties, labels)
        for row in rows(Activity, at, ACTIVITY_FIELDS, **filters)
    }


def _baseline_entries(baseline: dict | None, activities: dict | None) -> dict[int, BaselineEntry]:
    """The active baseline's entries by milestone id, for `activities` only if given (one query)."""
    entries: dict[int, BaselineEntry] = {}
    if baseline is not None:
        entry_qs = BaselineEntry.objects.filter(baseline_id=baseline["id"]).order_by()
        if activities is not None:
            entry_qs = entry_qs.filter(milestone__activity_id__in=list(activities))
        entries = {
            milestone_id: _reading_copy(
                BaselineEntry, {"milestone_id": milestone_id, "date": date, "precision": precision}
            )
            for milestone_id, date, precision in entry_qs.values_list(
                "milestone_id", "date", "precision"
            )
        }
    return entries


def milestone_row(
    values: dict,
    *,
    activity: ActivityRow,
    rag: MilestoneRag,
    forecast_end: datetime.date | None,
    today: datetime.date,
) -> MilestoneRow:
    """A MilestoneRow of a milestone's fields (`_MILESTONE_FIELDS`' names) with its rating:
    the one place rows are built, for the replay and for the materialised status
    (`current.milestone_rows`). Overdue days count for open milestones only."""
    overdue = (
        (today - forecast_end).days
        if rag.counts_in_rollup and forecast_end and forecast_end < today
        else 0
    )
    return MilestoneRow(
        id=values["id"],
        key=values["key"],
        title=values["title"],
        activity=activity,
        forecast_date=values["forecast_date"],
        forecast_precision=values["forecast_precision"],
        actual_date=values["actual_date"],
        actual_precision=values["actual_precision"],
        actual_date_unknown=values["actual_date_unknown"],
        status=values["status"],
        rag=rag,
        forecast_end=forecast_end,
        sort_order=values["sort_order"],
        overdue_days=overdue,
    )


def _milestone_rows(milestone_rows, activities, entries, today) -> list[MilestoneRow]:
    """Rate each milestone of the chosen activities as of `today` (no queries)."""
    milestones = []
    for row in milestone_rows:
        activity = activities.get(row["activity_id"])
        if activity is None:
            continue
        milestone = _reading_copy(Milestone, row)
        rag = milestone_rag(milestone, baseline_entry=entries.get(row["id"]), today=today)
        milestones.append(
            milestone_row(
                row,
                activity=activity,
                rag=rag,
                forecast_end=milestone.forecast_period_end,
                today=today,
            )
        )
    return milestones


def dependency_pairs(
    at: datetime.datetime | None, *, version: tuple | None = None
) -> list[tuple[int, int]]:
    """(predecessor id, successor id) for every dependency at `at`, in id order (one
    query; plain tuples, `as_of_values`: a dict per row of 40,000 took half a second).
    `version`: their stamp at `at`, when the caller has read it."""
    if at is None:
        return list(Dependency.objects.order_by("pk").values_list("predecessor_id", "successor_id"))
    # The dependencies change seldom: every moment with the same newest dependency history
    # (its stamp at the moment, read with the page's stamps) shares one reading.
    return cached(
        "reports",
        ("dependency-pairs", 1, version or stamp(models=(Dependency,), at=at)),
        lambda: [
            (predecessor, successor)
            for _pk, predecessor, successor in as_of_values(
                Dependency, at, ("id", "predecessor_id", "successor_id")
            )
        ],
        seconds=PAIRS_CACHE_SECONDS,
    )


PAIRS_CACHE_SECONDS = 24 * 3600


def local_today(at: datetime.datetime | None) -> datetime.date:
    """The calendar day (Europe/Copenhagen) that counts as today at `at`."""
    return timezone.localdate(at) if at is not None else timezone.localdate()
