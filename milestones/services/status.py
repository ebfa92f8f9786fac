"""Keeping the materialised status (`MilestoneStatus`, `StatusRollup`) up to date.

The rule stays in `milestones.rag`: these rows are its cache. Every write that
records history on a milestone, an activity or the active baseline refreshes the
ratings and roll-ups it touches, in the same transaction, with the same history
user (`history_written`, connected to django-simple-history's
`post_create_historical_record` in `milestones.apps`). Writes that bypass history
(bulk loads) call `status_rebuild` themselves; so does `manage.py status_rebuild`.
The date alone changes ratings (a forecast date passes), so a daily task calls
`status_rerate` (`milestones.tasks.status_rerate`, keyed by the day). Every rating
written that changed gets a history row in the same transaction (dated by the write
it follows; the daily re-rate's at the start of its day), so the ratings' history is
the plan's ratings at any moment (`services.status_history` writes it again from the
plan's history).
"""

import contextlib
import datetime
import threading
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import Q

from core.dates import COPENHAGEN
from core.dates import today as today_get
from core.history import history_from_live, record_delete, record_save, system_user_get

from ..models import (
    Activity,
    Baseline,
    Milestone,
    MilestoneStatus,
    StatusHistoryMark,
    StatusRollup,
)
from ..rag import MilestoneRag, Rag, rags_for
from ..selectors.materialised import (  # noqa: F401 (rating_from: re-exported)
    COLOURS,
    PARTY,
    RAG_FIELDS,
    TRACK,
    rating_from,
    rollup_rows,
    track_party_key,
    within_party_tie_order,
)

Scope = StatusRollup.Scope
_GROUP = {
    Scope.PROGRAMME: None,
    Scope.TRACK: TRACK,
    Scope.PARTY: PARTY,
    Scope.ACTIVITY: "milestone__activity_id",
    Scope.TRACK_PARTY: (TRACK, PARTY),
}
_RAG_FIELDS = RAG_FIELDS
_DATE_FIELDS = ("baseline_date", "forecast_date")
_PERIOD_FIELDS = ("forecast_end", "actual_end")
# What a dashboard row shows of the milestone, kept with its rating (`MilestoneStatus`):
# the stored name and the milestone's.
SHOWN = {
    "actual_date": "actual_date",
    "activity_id": "activity_id",
    "milestone_key": "key",
    "milestone_title": "title",
    "milestone_status": "status",
    "milestone_actual_precision": "actual_precision",
    "milestone_actual_date_unknown": "actual_date_unknown",
    "milestone_sort_order": "sort_order",
}
SHOWN_FIELDS = tuple(SHOWN)
_STORED_FIELDS = ("severity", *_PERIOD_FIELDS, *SHOWN_FIELDS, *RAG_FIELDS)


def severity(rag: str) -> int:
    return Rag.SEVERITY.get(rag, -1)


def rating_fields(rating: MilestoneRag) -> dict:
    return {name: getattr(rating, name) for name in _RAG_FIELDS}


def _worst_json(values: dict) -> dict:
    return {
        name: (values[name].isoformat() if name in _DATE_FIELDS and values[name] else values[name])
        for name in _RAG_FIELDS
    }


# ---------------------------------------------------------------------------
# Ratings
# ---------------------------------------------------------------------------
def milestones_rate(
    milestone_ids: Iterable[int] | None,
    *,
    today: datetime.date,
    at: datetime.datetime | None = None,
    user=None,
    reason: str = "",
) -> int:
    """Rate `milestone_ids` (None: all) by the rule and store what changed, each changed
    rating with its history row dated `at` (the write it follows; else now), the user and
    the reason; returns the number of rows written. Ratings of milestones that are gone
    are removed by cascade (with their history row)."""
    milestones = Milestone.objects.order_by("pk")
    if milestone_ids is not None:
        milestones = milestones.filter(pk__in=list(milestone_ids))
    milestones = list(milestones)
    ratings = rags_for(milestones, today=today)
    stored = {
        row["milestone_id"]: row
        for row in MilestoneStatus.objects.filter(
            milestone_id__in=[m.pk for m in milestones]
        ).values("milestone_id", "severity", *_PERIOD_FIELDS, *SHOWN_FIELDS, *_RAG_FIELDS)
    }
    changed = []
    for milestone in milestones:
        fields = rating_values(milestone, ratings[milestone.pk])
        old = stored.get(milestone.pk)
        if old is not None and all(old[k] == v for k, v in fields.items()):
            continue
        changed.append(MilestoneStatus(milestone_id=milestone.pk, rated_on=today, **fields))
    if changed:
        MilestoneStatus.objects.bulk_create(
            changed,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["milestone"],
            update_fields=["rated_on", *_STORED_FIELDS],
        )
        history_from_live(
            MilestoneStatus,
            [row.milestone_id for row in changed],
            user=user or system_user_get(),
            reason=reason or "Materialiseret status",
            at=at,
        )
    # Unchanged ratings hold on this day too.
    unchanged = MilestoneStatus.objects.filter(rated_on__lt=today)
    if milestone_ids is not None:
        unchanged = unchanged.filter(milestone_id__in=[m.pk for m in milestones])
    unchanged.update(rated_on=today)
    return len(changed)


def rating_values(milestone, rating: MilestoneRag) -> dict:
    """A milestone's stored rating: the rule's result and what the dashboard's rows show
    and filter by of the milestone (for `milestones_rate` and the history's backfill)."""
    fields = rating_fields(rating)
    fields["severity"] = severity(fields["rag"])
    fields["forecast_end"] = milestone.forecast_period_end
    fields["actual_end"] = milestone.actual_period_end
    for stored, name in SHOWN.items():
        fields[stored] = getattr(milestone, name)
    return fields


# ---------------------------------------------------------------------------
# Roll-ups
# ---------------------------------------------------------------------------
def _computed_rollups(scope: str, keys: Iterable[str] | None) -> dict[str, dict]:
    """Each key's roll-up of `scope` computed from the stored ratings (two queries),
    as `milestones.rag.rollup` would (`milestones.selectors.materialised.rollup_rows`)."""
    group = _GROUP[scope]
    statuses = MilestoneStatus.objects.all()
    if scope == Scope.TRACK_PARTY:
        if keys is not None:
            pairs = Q(pk__in=[])
            for key in keys:
                track, _sep, party_id = key.rpartition(":")
                pairs |= Q(**{TRACK: track, PARTY: int(party_id)})
            statuses = statuses.filter(pairs)
        found = rollup_rows(statuses, group, tie_order=within_party_tie_order())
        return {track_party_key(*key): entry for key, entry in found.items()}
    if group and keys is not None:
        statuses = statuses.filter(**{f"{group}__in": list(keys)})
    return {str(key): entry for key, entry in rollup_rows(statuses, group).items()}


def _rollup_values(computed: dict, today: datetime.date) -> dict:
    counts, worst = computed["counts"], computed["worst"]
    if worst is None:
        rag = Rag.DONE if counts[Rag.DONE] else Rag.GREY
    else:
        rag = worst["rag"]
    return {
        "rated_on": today,
        "rag": rag,
        **counts,
        "worst_milestone_id": worst["milestone_id"] if worst else None,
        "worst_title": worst["milestone__title"] if worst else "",
        "worst": _worst_json(worst) if worst else None,
    }


# A partial refresh (one write's scopes) rolls a track and a party up from their
# activities' stored roll-ups, and the programme from its tracks', once those are fresh:
# reading a few hundred rows instead of aggregating every rating of the track or the
# programme (at the large scale those aggregates were most of a forecast's save: 250 of
# 300 ms). The same worst by the same order as `rollup_rows` (severity, slip, id: no tie
# order for these scopes), the counts summed. A rebuild computes every scope from the
# ratings.
_ORDER = (Scope.ACTIVITY, Scope.TRACK_PARTY, Scope.TRACK, Scope.PARTY, Scope.PROGRAMME)
_PARTS_OF = {Scope.TRACK: Scope.ACTIVITY, Scope.PARTY: Scope.ACTIVITY, Scope.PROGRAMME: Scope.TRACK}


def _part_keys(scope: str, keys: Iterable[str] | None) -> dict[str, list[str]]:
    """Each key's parts: a track's or a party's activities, the programme's tracks."""
    if scope == Scope.PROGRAMME:
        tracks = StatusRollup.objects.filter(scope=Scope.TRACK).values_list("scope_key", flat=True)
        return {"": list(tracks)}
    field = "track" if scope == Scope.TRACK else "responsible_party_id"
    wanted = [k for k in keys if scope == Scope.TRACK or k.isdigit()]
    parts: dict[str, list[str]] = {k: [] for k in keys}
    for pk, value in Activity.objects.filter(**{f"{field}__in": wanted}).values_list("pk", field):
        parts[str(value)].append(str(pk))
    return parts


def _combined_rollups(scope: str, keys: Iterable[str] | None) -> dict[str, dict]:
    """Each key's roll-up of `scope` from its parts' stored roll-ups, in the shape of
    `_computed_rollups` (keys without milestones left out)."""
    parts = _part_keys(scope, keys)
    stored = {
        row["scope_key"]: row
        for row in StatusRollup.objects.filter(
            scope=_PARTS_OF[scope], scope_key__in=[p for ps in parts.values() for p in ps]
        ).values("scope_key", *COLOURS, "worst_milestone_id", "worst_title", "worst")
    }
    result = {}
    for key, part_keys in parts.items():
        rows = [stored[p] for p in part_keys if p in stored]
        counts = {colour: sum(row[colour] for row in rows) for colour in COLOURS}
        if not any(counts.values()):
            continue
        open_rows = [row for row in rows if row["worst_milestone_id"] is not None]
        worst = None
        if open_rows:
            row = min(
                open_rows,
                key=lambda r: (
                    -severity(r["worst"]["rag"]),
                    -(r["worst"]["slip_days"] or 0),
                    r["worst_milestone_id"],
                ),
            )
            worst = {
                "milestone_id": row["worst_milestone_id"],
                "milestone__title": row["worst_title"],
                **{
                    name: (
                        datetime.date.fromisoformat(value)
                        if name in _DATE_FIELDS and value
                        else value
                    )
                    for name, value in row["worst"].items()
                },
            }
        result[key] = {"counts": counts, "worst": worst}
    return result


def rollups_refresh(
    scopes: dict[str, set[str] | None], *, today: datetime.date, user, reason: str
) -> int:
    """Recompute the roll-ups of `scopes` ({scope: keys, or None for all of that scope})
    from the stored ratings; saves (with history) only those that changed, and removes
    those left without milestones. Returns the number of rows written or removed.

    When some scope is given by keys (a write's refresh), tracks, parties and the
    programme are rolled up from their parts' stored roll-ups (`_combined_rollups`),
    refreshed first; with every scope whole (a rebuild), from the ratings."""
    written = 0
    partial = any(keys is not None for keys in scopes.values())
    for scope in sorted(scopes, key=_ORDER.index):
        keys = scopes[scope]
        if partial and scope in _PARTS_OF:
            computed = _combined_rollups(scope, keys)
        else:
            computed = _computed_rollups(scope, keys)
        existing = StatusRollup.objects.filter(scope=scope)
        if keys is not None and scope != Scope.PROGRAMME:
            existing = existing.filter(scope_key__in=[str(k) for k in keys])
        existing = {row.scope_key: row for row in existing}
        for key, values in computed.items():
            values = _rollup_values(values, today)
            row = existing.pop(key, None)
            if row is None:
                row = StatusRollup(scope=scope, scope_key=key, **values)
            elif all(getattr(row, k) == v for k, v in values.items() if k != "rated_on"):
                if row.rated_on < today:  # the same roll-up holds today; no history row
                    StatusRollup.objects.filter(pk=row.pk).update(rated_on=today)
                continue
            else:
                for k, v in values.items():
                    setattr(row, k, v)
            record_save(row, user=user, reason=reason, clean=False)
            written += 1
        for row in existing.values():
            record_delete(row, user=user, reason=reason)
            written += 1
    return written


ALL_SCOPES = {scope: None for scope in _GROUP}


@transaction.atomic
def status_rebuild(
    *,
    today: datetime.date | None = None,
    user=None,
    reason: str = "",
    at: datetime.datetime | None = None,
) -> dict:
    """Rate every milestone and recompute every roll-up; writes only what differs (the
    ratings' history rows dated `at`, else now)."""
    today = today or today_get()
    user = user or system_user_get()
    reason = reason or "Materialiseret status genberegnet"
    ratings = milestones_rate(None, today=today, at=at, user=user, reason=reason)
    rollups = rollups_refresh(dict(ALL_SCOPES), today=today, user=user, reason=reason)
    return {"ratings": ratings, "rollups": rollups}


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight starting `day` in Copenhagen: when a daily re-rating's changes hold from."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=COPENHAGEN)


def status_rerate(*, today: datetime.date | None = None, user=None) -> dict | None:
    """The daily re-rating: what the date alone changes (a forecast or baseline date
    passing), its ratings' history rows dated at the start of the day, so that any
    moment of the day reads that day's ratings. Keyed by the day: once every rating is
    of `today`, it does nothing. It extends the ratings' history mark to the day; after
    a day it missed, it writes the history again from the plan's (the backfill)."""
    today = today or today_get()
    with transaction.atomic():
        mark = StatusHistoryMark.objects.select_for_update().first()
        if mark is not None and mark.rerated_on < today - datetime.timedelta(days=1):
            from .status_history import status_history_backfill

            status_history_backfill(today=today, user=user)
            return status_rebuild(today=today, user=user, reason="Daglig genvurdering af status")
        result = None
        if MilestoneStatus.objects.filter(rated_on__lt=today).exists() or (
            StatusRollup.objects.filter(rated_on__lt=today).exists()
        ):
            result = status_rebuild(
                today=today, user=user, reason="Daglig genvurdering af status", at=day_start(today)
            )
        if mark is not None and mark.rerated_on < today:
            mark.rerated_on = today
            mark.save(update_fields=["rerated_on"])
        return result


# ---------------------------------------------------------------------------
# Kept up to date on each write
# ---------------------------------------------------------------------------
def _scopes_of(activity_rows: Iterable[tuple]) -> dict[str, set[str] | None]:
    scopes: dict[str, set[str] | None] = {Scope.PROGRAMME: None}
    for activity_id, track, party_id in activity_rows:
        scopes.setdefault(Scope.ACTIVITY, set()).add(str(activity_id))
        scopes.setdefault(Scope.TRACK, set()).add(str(track))
        scopes.setdefault(Scope.PARTY, set()).add(str(party_id))
        if track:  # an activity deleted with its milestones: none left to find
            scopes.setdefault(Scope.TRACK_PARTY, set()).add(track_party_key(track, party_id))
    return scopes


_deferred = threading.local()


@contextlib.contextmanager
def status_deferred(*, user=None, reason: str = "") -> Iterator[None]:
    """For loaders writing hundreds of rows: no refresh per write, one rebuild at the end
    (inside the caller's transaction)."""
    depth = getattr(_deferred, "depth", 0)
    _deferred.depth = depth + 1
    try:
        yield
    finally:
        _deferred.depth = depth
    if depth == 0:
        status_rebuild(user=user, reason=reason)


def history_written(sender, instance, history_instance, **kwargs) -> None:
    """After a history row of a milestone, an activity or a baseline: refresh what it
    touches, in the same transaction and with the same user and reason."""
    if getattr(_deferred, "depth", 0):
        return
    user = getattr(history_instance, "history_user", None) or system_user_get()
    reason = (getattr(history_instance, "history_change_reason", "") or "")[:200]
    today = today_get()
    if isinstance(instance, Baseline):
        if instance.is_active:
            status_rebuild(today=today, user=user, reason=reason, at=history_instance.history_date)
        return
    if isinstance(instance, Milestone):
        activities = {(instance.activity_id,)}
        if history_instance.history_type != "-":
            milestones_rate(
                [instance.pk],
                today=today,
                at=history_instance.history_date,
                user=user,
                reason=reason,
            )
        previous = history_instance.prev_record
        if previous is not None:
            activities.add((previous.activity_id,))
    elif isinstance(instance, Activity):
        activities = {(instance.pk,)}
        previous = history_instance.prev_record
        rows = {(instance.pk, instance.track, instance.responsible_party_id)}
        if previous is not None:
            rows.add((previous.id, previous.track, previous.responsible_party_id))
        rollups_refresh(_scopes_of(rows), today=today, user=user, reason=reason)
        return
    else:
        return
    ids = [a[0] for a in activities]
    rows = set(
        Activity.objects.filter(pk__in=ids).values_list("pk", "track", "responsible_party_id")
    )
    # An activity deleted with its milestones: its own roll-up goes too.
    rows |= {(i, "", "") for i in ids if i not in {r[0] for r in rows}}
    rollups_refresh(_scopes_of(rows), today=today, user=user, reason=reason)


def baseline_entry_written(sender, instance, **kwargs) -> None:
    """After one baseline entry is saved (entries have no history; a new
    baseline writes its entries in bulk and is rated when activated): re-rate its
    milestone when the entry belongs to the active baseline."""
    if getattr(_deferred, "depth", 0):
        return
    if not Baseline.objects.filter(pk=instance.baseline_id, is_active=True).exists():
        return
    today = today_get()
    milestones_rate(
        [instance.milestone_id], today=today, user=system_user_get(), reason="Baselinedato ændret"
    )
    rows = set(
        Activity.objects.filter(milestones__pk=instance.milestone_id).values_list(
            "pk", "track", "responsible_party_id"
        )
    )
    if rows:
        rollups_refresh(
            _scopes_of(rows),
            today=today,
            user=system_user_get(),
            reason="Baselinedato ændret",
        )
