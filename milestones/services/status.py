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
from core.history import (
    bulk_update_with_history,
    history_from_live,
    record_delete,
    system_user_get,
)

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
    milestones: Iterable[Milestone] | None = None,
) -> int:
    """Rate `milestone_ids` (None: all) by the rule and store what changed, each changed
    rating with its history row dated `at` (the write it follows; else now), the user and
    the reason; returns the number of rows written. Ratings of milestones that are gone
    are removed by cascade (with their history row). `milestones`: those milestones as
    just saved (a write's own rows), not read again."""
    every = milestone_ids is None and milestones is None
    if milestones is not None:
        milestones = list(milestones)
    else:
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
    # Unchanged ratings hold on this day too (those just written are of today).
    unchanged = MilestoneStatus.objects.filter(rated_on__lt=today)
    if every:
        unchanged.update(rated_on=today)
    else:
        written = {row.milestone_id for row in changed}
        if left := [m.pk for m in milestones if m.pk not in written]:
            unchanged.filter(milestone_id__in=left).update(rated_on=today)
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
# activities' roll-ups, and the programme from its tracks': reading a few hundred rows
# instead of aggregating every rating of the track or the programme (at the large scale
# those aggregates were most of a forecast's save: 250 of 300 ms). The same worst by the
# same order as `rollup_rows` (severity, slip, id: no tie order for these scopes), the
# counts summed. After a milestone's write (its activities kept their track and party) a
# track's, a party's and the programme's roll-up is moved on from its stored row by what
# its changed parts changed (`_rolled_forward`), reading none of its other parts unless
# its worst milestone got better. A rebuild computes every scope from the ratings.
_ORDER = (Scope.ACTIVITY, Scope.TRACK_PARTY, Scope.TRACK, Scope.PARTY, Scope.PROGRAMME)
_PARTS_OF = {Scope.TRACK: Scope.ACTIVITY, Scope.PARTY: Scope.ACTIVITY, Scope.PROGRAMME: Scope.TRACK}
_VALUE_FIELDS = ("rag", *COLOURS, "worst_milestone_id", "worst_title", "worst")
_UNKNOWN = object()


def _values_of(row: StatusRollup) -> dict:
    return {"rated_on": row.rated_on, **{name: getattr(row, name) for name in _VALUE_FIELDS}}


def _same(a: dict | None, b: dict | None) -> bool:
    """Whether two roll-ups' values agree (the day they were rated aside)."""
    if a is None or b is None:
        return a is b
    return all(a[name] == b[name] for name in _VALUE_FIELDS)


def _worst_order(values: dict) -> tuple:
    worst = values["worst"]
    return (-severity(worst["rag"]), -(worst["slip_days"] or 0), values["worst_milestone_id"])


def _summed(counts: dict, worst: dict | None, today: datetime.date) -> dict | None:
    """A roll-up's values from its counts and the part whose worst is its worst (None:
    no milestones)."""
    if not any(counts.values()):
        return None
    if worst is None:
        rag = Rag.DONE if counts[Rag.DONE] else Rag.GREY
    else:
        rag = worst["worst"]["rag"]
    return {
        "rated_on": today,
        "rag": rag,
        **counts,
        "worst_milestone_id": worst["worst_milestone_id"] if worst else None,
        "worst_title": worst["worst_title"] if worst else "",
        "worst": worst["worst"] if worst else None,
    }


def _combined(parts: Iterable[dict], today: datetime.date) -> dict | None:
    """A roll-up from all of its parts' roll-ups."""
    parts = list(parts)
    counts = {colour: sum(part[colour] for part in parts) for colour in COLOURS}
    open_parts = [part for part in parts if part["worst_milestone_id"] is not None]
    return _summed(counts, min(open_parts, key=_worst_order) if open_parts else None, today)


def _rolled_forward(old: dict | None, changes: list[tuple], today: datetime.date):
    """A roll-up moved on from its stored values `old` by its parts' changes ((before,
    after) values, None where a part had or has no milestones); `_UNKNOWN` when that
    cannot say (no stored row, or its worst milestone's part got better: the next worst
    may be in any other part)."""
    if old is None:
        return _UNKNOWN
    counts = {
        colour: old[colour]
        - sum(before[colour] for before, _after in changes if before)
        + sum(after[colour] for _before, after in changes if after)
        for colour in COLOURS
    }
    if any(n < 0 for n in counts.values()):
        return _UNKNOWN
    candidates = [
        after for _before, after in changes if after and after["worst_milestone_id"] is not None
    ]
    left = {before["worst_milestone_id"] for before, _after in changes if before}
    best = min(candidates, key=_worst_order) if candidates else None
    if old["worst_milestone_id"] is None:
        worst = best
    elif old["worst_milestone_id"] not in left:
        # Its worst is in a part that did not change: still worse than every other part's.
        worst = old if best is None else min(old, best, key=_worst_order)
    elif best is not None and _worst_order(best) <= _worst_order(old):
        worst = best
    else:
        return _UNKNOWN
    return _summed(counts, worst, today)


def _rollups_read(scopes: dict[str, set[str] | None]) -> dict[tuple[str, str], StatusRollup]:
    """The stored roll-ups of `scopes` and every track's (the programme's parts), in one
    query."""
    wanted = Q(scope=Scope.TRACK) | Q(scope=Scope.PROGRAMME)
    for scope, keys in scopes.items():
        if keys is None:
            wanted |= Q(scope=scope)
        elif scope not in (Scope.TRACK, Scope.PROGRAMME):
            wanted |= Q(scope=scope, scope_key__in=[str(k) for k in keys])
    return {(row.scope, row.scope_key): row for row in StatusRollup.objects.filter(wanted)}


def _activity_parts(scope: str, keys: Iterable[str]) -> dict[str, list[str]]:
    """Each track's or party's activities (their keys)."""
    field = "track" if scope == Scope.TRACK else "responsible_party_id"
    keys = list(keys)
    wanted = [k for k in keys if scope == Scope.TRACK or k.isdigit()]
    parts: dict[str, list[str]] = {k: [] for k in keys}
    for pk, value in Activity.objects.filter(**{f"{field}__in": wanted}).values_list("pk", field):
        parts[str(value)].append(str(pk))
    return parts


def _parts_combined(
    scope: str, keys: Iterable[str], fresh: dict, stored: dict, today: datetime.date
) -> dict[str, dict | None]:
    """Each key's roll-up of `scope` from all of its parts' roll-ups: those refreshed in
    this write (`fresh`), else stored (the programme's tracks are read already)."""
    part_scope = _PARTS_OF[scope]
    if scope == Scope.PROGRAMME:
        tracks = {key for (s, key) in [*stored, *fresh] if s == Scope.TRACK}
        parts = {"": sorted(tracks)}
        read = {}
    else:
        parts = _activity_parts(scope, keys)
        missing = [p for ps in parts.values() for p in ps if (part_scope, p) not in fresh]
        read = {
            row.scope_key: _values_of(row)
            for row in StatusRollup.objects.filter(scope=part_scope, scope_key__in=missing)
        }

    def part(key):
        if (part_scope, key) in fresh:
            return fresh[(part_scope, key)]
        if key in read:
            return read[key]
        row = stored.get((part_scope, key))
        return _values_of(row) if row is not None else None

    return {
        key: _combined((v for p in part_keys if (v := part(p)) is not None), today)
        for key, part_keys in parts.items()
    }


def _rollups_write(fresh: dict, stored: dict, *, today: datetime.date, user, reason: str) -> int:
    """Save the roll-ups that changed with their history rows (user, reason), the new
    ones and the changed ones each in one statement; remove those left without
    milestones; a roll-up that holds today too only gets today's date (no history row).
    Returns the number of rows written or removed."""
    creates, updates, deletes, held = [], [], [], []
    for (scope, key), values in fresh.items():
        row = stored.get((scope, key))
        if values is None:
            if row is not None:
                deletes.append(row)
        elif row is None:
            creates.append(StatusRollup(scope=scope, scope_key=key, **values))
        elif _same(values, _values_of(row)):
            if row.rated_on < today:  # the same roll-up holds today; no history row
                held.append(row.pk)
        else:
            for name, value in values.items():
                setattr(row, name, value)
            updates.append(row)
    if creates:
        StatusRollup.objects.bulk_create(creates)
        history_from_live(
            StatusRollup, [row.pk for row in creates], user=user, reason=reason, history_type="+"
        )
    bulk_update_with_history(
        updates, StatusRollup, ["rated_on", *_VALUE_FIELDS], user=user, reason=reason
    )
    for row in deletes:
        record_delete(row, user=user, reason=reason)
    if held:
        StatusRollup.objects.filter(pk__in=held).update(rated_on=today)
    return len(creates) + len(updates) + len(deletes)


def rollups_refresh(
    scopes: dict[str, set[str] | None],
    *,
    today: datetime.date,
    user,
    reason: str,
    members: dict[str, tuple[str, str]] | None = None,
) -> int:
    """Recompute the roll-ups of `scopes` ({scope: keys, or None for all of that scope})
    from the stored ratings; saves (with history) only those that changed, and removes
    those left without milestones. Returns the number of rows written or removed.

    When some scope is given by keys (a write's refresh), tracks, parties and the
    programme are rolled up from their parts' roll-ups (refreshed first); with
    `members` ({activity key: (track, party key)}: the write's activities, which kept
    their track and party, as a milestone's write does) each is moved on from its stored
    row by what its changed parts changed, reading its other parts only when that
    cannot say. With every scope whole (a rebuild), from the ratings."""
    partial = any(keys is not None for keys in scopes.values())
    stored = _rollups_read(scopes)
    fresh: dict[tuple[str, str], dict | None] = {}
    for scope in sorted(scopes, key=_ORDER.index):
        keys = scopes[scope]
        if not (partial and scope in _PARTS_OF):
            found = {
                key: _rollup_values(entry, today)
                for key, entry in _computed_rollups(scope, keys).items()
            }
            wanted = keys if keys is not None else {k for (s, k) in stored if s == scope}
            fresh.update({(scope, str(k)): found.get(str(k)) for k in wanted})
            fresh.update({(scope, k): v for k, v in found.items()})
            continue
        keys = [""] if scope == Scope.PROGRAMME else [str(k) for k in keys]
        unknown = keys
        if members is not None:
            unknown = []
            for key in keys:
                values = _rolled_forward(
                    _stored_values(stored, scope, key),
                    _changes(scope, key, fresh, stored, members),
                    today,
                )
                if values is _UNKNOWN:
                    unknown.append(key)
                else:
                    fresh[(scope, key)] = values
        if unknown:
            for key, values in _parts_combined(scope, unknown, fresh, stored, today).items():
                fresh[(scope, key)] = values
    return _rollups_write(fresh, stored, today=today, user=user, reason=reason)


def _stored_values(stored: dict, scope: str, key: str) -> dict | None:
    row = stored.get((scope, key))
    return _values_of(row) if row is not None else None


def _changes(scope: str, key: str, fresh: dict, stored: dict, members: dict) -> list[tuple]:
    """(before, after) of the parts of `scope`'s `key` refreshed in this write whose
    roll-up changed."""
    part_scope = _PARTS_OF[scope]
    if scope == Scope.PROGRAMME:
        parts = [k for (s, k) in fresh if s == Scope.TRACK]
    else:
        at = 0 if scope == Scope.TRACK else 1
        parts = [a for a, member in members.items() if member[at] == key]
    changes = []
    for part in parts:
        before = _stored_values(stored, part_scope, part)
        after = fresh.get((part_scope, part), before)
        if not _same(before, after):
            changes.append((before, after))
    return changes


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
# Set on a milestone by the plan's service before a change (its activity as loaded), so
# that the refresh after its history row need not read the previous history row to know
# which activities' roll-ups the write touched.
ACTIVITY_BEFORE = "_status_activity_before"


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
        written = 0
        if history_instance.history_type != "-":
            written = milestones_rate(
                [instance.pk],
                today=today,
                at=history_instance.history_date,
                user=user,
                reason=reason,
                milestones=[instance],
            )
        before = getattr(instance, ACTIVITY_BEFORE, None)
        if before is None:
            previous = history_instance.prev_record
            before = previous.activity_id if previous is not None else instance.activity_id
        ids = {instance.activity_id, before}
        if not written and history_instance.history_type == "~" and len(ids) == 1:
            # Everything a roll-up reads of a milestone is in its rating: none moved.
            return
    elif isinstance(instance, Activity):
        previous = history_instance.prev_record
        rows = {(instance.pk, instance.track, instance.responsible_party_id)}
        if previous is not None:
            rows.add((previous.id, previous.track, previous.responsible_party_id))
        rollups_refresh(_scopes_of(rows), today=today, user=user, reason=reason)
        return
    else:
        return
    rows = None
    if len(ids) == 1 and Milestone.activity.is_cached(instance):
        # Read with the milestone by its service: its track and party as they are.
        activity = instance.activity
        if activity is not None and activity.pk == instance.activity_id:
            rows = {(activity.pk, activity.track, activity.responsible_party_id)}
    _activities_rolled_up(ids, today=today, user=user, reason=reason, rows=rows)


def _activities_rolled_up(
    ids: set[int], *, today: datetime.date, user, reason: str, rows: set | None = None
) -> None:
    """The roll-ups of the activities `ids` (`rows`: their (pk, track, party id) if read
    already) after their milestones' ratings changed (the activities kept their track and
    party): theirs, and their tracks', parties' and the programme's moved on by what
    theirs changed."""
    if rows is None:
        rows = set(
            Activity.objects.filter(pk__in=ids).values_list("pk", "track", "responsible_party_id")
        )
    members = {str(pk): (track, str(party)) for pk, track, party in rows}
    # An activity deleted with its milestones: its own roll-up goes too.
    gone = {(i, "", "") for i in ids if i not in {r[0] for r in rows}}
    rollups_refresh(
        _scopes_of(rows | gone),
        today=today,
        user=user,
        reason=reason,
        members=None if gone else members,
    )


def baseline_entry_written(sender, instance, **kwargs) -> None:
    """After one baseline entry is saved (entries have no history; a new
    baseline writes its entries in bulk and is rated when activated): re-rate its
    milestone when the entry belongs to the active baseline."""
    if getattr(_deferred, "depth", 0):
        return
    if not Baseline.objects.filter(pk=instance.baseline_id, is_active=True).exists():
        return
    today = today_get()
    user = system_user_get()
    reason = "Baselinedato ændret"
    if milestones_rate([instance.milestone_id], today=today, user=user, reason=reason):
        rows = set(
            Activity.objects.filter(milestones__pk=instance.milestone_id).values_list(
                "pk", "track", "responsible_party_id"
            )
        )
        if rows:
            ids = {row[0] for row in rows}
            _activities_rolled_up(ids, today=today, user=user, reason=reason, rows=rows)
