"""Field-level history in words a person reads.

One module serves the record history pages, the programme-wide change feed,
the edit-conflict message ("what the other person changed") and the monthly
report's "what changed since the last report". It reads django-simple-history's
tables and turns each row into a `HistoryEntry`: who, when, why, and each
field's old -> new value with names instead of ids, choice labels, dates in
Danish with their precision and booleans as Ja/Nej.

Queries do not grow with the number of rows: history rows, their previous
versions and every name they refer to are fetched in bulk.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import CharField, Q, Value
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.cache import kept_many
from core.history import history_model
from core.sql import compiled_once
from parties.models import Party

from .dates import format_plan_date
from .models import Activity, Baseline, Dependency, Goal, Milestone, Programme

# The records whose history people read, by a short kind name used in URLs and keys.
KINDS: dict[str, type[models.Model]] = {
    "goal": Goal,
    "activity": Activity,
    "milestone": Milestone,
    "dependency": Dependency,
    "baseline": Baseline,
}
KIND_LABELS = {
    "goal": gettext_lazy("Mål"),
    "activity": gettext_lazy("Aktivitet"),
    "milestone": gettext_lazy("Milepæl"),
    "dependency": gettext_lazy("Afhængighed"),
    "baseline": gettext_lazy("Baseline"),
}
ACTION_LABELS = {
    "+": gettext_lazy("Oprettet"),
    "~": gettext_lazy("Ændret"),
    "-": gettext_lazy("Slettet"),
}
# Bookkeeping, not content.
HIDDEN_FIELDS = {"id", "version", "created_at", "updated_at"}
# A date and the precision it is stated with are shown as one value.
PRECISION_OF = {
    "forecast_date": "forecast_precision",
    "actual_date": "actual_precision",
    "planned_start": "planned_start_precision",
    "planned_end": "planned_end_precision",
}
PRECISION_FIELDS = set(PRECISION_OF.values())
LABEL_FIELD = {"goal": "title", "activity": "title", "milestone": "title", "baseline": "name"}
DETAIL_URL = {
    "goal": "milestones:goal_detail",
    "activity": "milestones:activity_detail",
    "milestone": "milestones:milestone_detail",
    "baseline": "milestones:baseline_detail",
}
HISTORY_URL = {
    "goal": "milestones:goal_history",
    "activity": "milestones:activity_history",
    "milestone": "milestones:milestone_history",
    "baseline": "milestones:baseline_history",
}
EMPTY = "–"


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One saved change of one record."""

    kind: str
    object_id: int
    history_id: int
    when: datetime.datetime
    action: str
    label: str
    user_label: str
    user_id: int | None
    reason: str
    changes: list[FieldChange] = field(default_factory=list)
    version: int | None = None
    context: str = ""
    url: str = ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    def change(self, field_name: str) -> FieldChange | None:
        return next((c for c in self.changes if c.field == field_name), None)


def user_label(user) -> str:
    if user is None:
        return _("ukendt bruger")
    return user.get_full_name() or user.get_username()


# ---------------------------------------------------------------------------
# Which rows: querysets of (history_id, history_date, kind), newest first
# ---------------------------------------------------------------------------
def _keys(queryset, kind: str):
    return (
        queryset.order_by()
        .annotate(history_kind=Value(kind, output_field=CharField()))
        .values_list("history_id", "history_date", "history_kind")
    )


def _union(parts: list):
    parts = [p for p in parts if p is not None]
    if not parts:
        return _keys(Goal.history.none(), "goal")
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return combined.order_by("-history_date", "-history_id")


def _start_of(day: datetime.date | datetime.datetime) -> datetime.datetime:
    if isinstance(day, datetime.datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def feed(
    *,
    since: datetime.date | datetime.datetime | None = None,
    until: datetime.date | datetime.datetime | None = None,
    party=None,
    activity: Activity | None = None,
    user=None,
    kinds: Iterable[str] | None = None,
):
    """The programme's changes, newest first, as a sliceable queryset of
    (history_id, history_date, kind) for `entries_for`.

    `since` is inclusive; `until` is inclusive when a date (the whole day) and
    exclusive when a datetime. `party` keeps the changes of the activities it is
    responsible for and their milestones; `activity` one activity and its milestones.
    """
    kinds = list(kinds or KINDS)
    time_q = Q()
    if since is not None:
        time_q &= Q(history_date__gte=_start_of(since))
    if until is not None:
        if isinstance(until, datetime.datetime):
            time_q &= Q(history_date__lt=_start_of(until))
        else:
            time_q &= Q(history_date__lt=_start_of(until + datetime.timedelta(days=1)))
    if user is not None:
        time_q &= Q(history_user_id=user.pk)

    scoped = party is not None or activity is not None
    parts = []
    for kind in kinds:
        qs = KINDS[kind].history.filter(time_q)
        if scoped:
            if kind in ("goal", "baseline"):
                continue
            if activity is not None:
                milestone_ids = Milestone.objects.filter(activity=activity).values("pk")
                scope = {
                    "activity": Q(id=activity.pk),
                    "milestone": Q(activity_id=activity.pk),
                    "dependency": Q(successor_id__in=milestone_ids)
                    | Q(predecessor_id__in=milestone_ids),
                }[kind]
                qs = qs.filter(scope)
            if party is not None:
                activity_ids = Activity.objects.filter(responsible_party=party).values("pk")
                milestone_ids = Milestone.objects.filter(activity__responsible_party=party).values(
                    "pk"
                )
                scope = {
                    "activity": Q(id__in=activity_ids) | Q(responsible_party_id=party.pk),
                    "milestone": Q(activity_id__in=activity_ids),
                    "dependency": Q(successor_id__in=milestone_ids),
                }[kind]
                qs = qs.filter(scope)
        parts.append(_keys(qs, kind))
    return _union(parts)


@compiled_once
def _feed_sql():
    """The whole feed's keys' SQL (`feed()` with no filter), compiled once per process."""
    return feed()


class CompiledFeed:
    """The whole feed's keys (`feed()` with no filter) as `feed()` gives them, from its SQL
    compiled once per process (`core.sql.compiled_once`): building and compiling the union
    of five histories costs more than running it (the change feed after an edit, the
    page's 50 keys). Sliced as the query set is; `count_to(n)` counts at most `n`."""

    ordered = True

    def _rows(self, sql: str, params) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]

    def __getitem__(self, part: slice) -> list[tuple]:
        sql, params = _feed_sql()
        start = part.start or 0
        if part.stop is None:
            return self._rows(f"{sql} OFFSET %s", (*params, start))
        return self._rows(f"{sql} LIMIT %s OFFSET %s", (*params, part.stop - start, start))

    def count_to(self, most: int) -> int:
        sql, params = _feed_sql()
        return self._rows(f"SELECT COUNT(*) FROM ({sql} LIMIT %s) AS feed", (*params, most))[0][0]


def feed_keys(**filters):
    """`feed(**filters)`; with no filter given (all None) on PostgreSQL, its keys from SQL
    compiled once (`CompiledFeed`: elsewhere the values' types are the ORM's to convert)."""
    if connection.vendor == "postgresql" and not any(v is not None for v in filters.values()):
        return CompiledFeed()
    return feed(**filters)


def feed_count_to(keys, most: int) -> int:
    """How many of a feed's `keys` (`feed_keys`) there are, counted to at most `most`."""
    if isinstance(keys, CompiledFeed):
        return keys.count_to(most)
    return keys.order_by()[:most].count()


FEED_CHUNK = 2000


def feed_entries(keys) -> Iterator[HistoryEntry]:
    """Every entry of a feed (`feed(...)`), read `FEED_CHUNK` keys at a time: a file of
    the whole feed costs a fixed number of queries per chunk, not the whole table at once."""
    start = 0
    while True:
        chunk = list(keys[start : start + FEED_CHUNK])
        if not chunk:
            return
        yield from entries_for(chunk)
        start += FEED_CHUNK


def record_keys(kind: str, object_id: int):
    """One record's history rows, newest first (a milestone's include its dependencies)."""
    parts = [_keys(KINDS[kind].history.filter(id=object_id), kind)]
    if kind == "milestone":
        parts.append(
            _keys(
                Dependency.history.filter(Q(successor_id=object_id) | Q(predecessor_id=object_id)),
                "dependency",
            )
        )
    return _union(parts)


def record_history(instance: models.Model) -> list["HistoryEntry"]:
    """All of a record's history, newest first."""
    return entries_for(record_keys(kind_of(instance), instance.pk))


def changes_since_version(instance: models.Model, version: int) -> list[HistoryEntry]:
    """What was saved to a versioned record after the version a person saw, oldest first."""
    kind = kind_of(instance)
    keys = _keys(KINDS[kind].history.filter(id=instance.pk, version__gt=version), kind).order_by(
        "history_date", "history_id"
    )
    return entries_for(keys)


def changes_since(since: datetime.date | datetime.datetime, **filters) -> list[HistoryEntry]:
    """Every change since a moment (e.g. the last report), newest first; see `feed`."""
    return entries_for(feed(since=since, **filters))


def kind_of(instance_or_model) -> str:
    model = instance_or_model if isinstance(instance_or_model, type) else type(instance_or_model)
    for kind, candidate in KINDS.items():
        if candidate is model:
            return kind
    raise ValueError(f"No history kind for {model!r}")


# ---------------------------------------------------------------------------
# Rows -> entries, in bulk
# ---------------------------------------------------------------------------
def tracked_fields(kind: str) -> list[models.Field]:
    return [f for f in KINDS[kind]._meta.concrete_fields if f.name not in HIDDEN_FIELDS]


class _Names:
    """Names (and keys) of every record the rows refer to, fetched one query per model.
    `known`: {model: {pk: (label, key, exists)}} read already in the same request (and
    added to): those are not read again."""

    def __init__(self, known: dict | None = None):
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.found: dict[type[models.Model], dict] = {}
        self.known = known if known is not None else {}

    def want(self, model, pk):
        if pk is not None:
            self.wanted[model].add(pk)

    def fetch(self):
        User = get_user_model()
        for model, wanted in self.wanted.items():
            known = self.known.setdefault(model, {})
            found: dict = {pk: known[pk] for pk in wanted if pk in known}
            pks = wanted - found.keys()
            if not pks:
                self.found[model] = found
                continue
            rows = model._base_manager.filter(pk__in=pks)
            if model in STR_RELATED:  # their __str__ names related rows: read them along
                rows = rows.select_related(*STR_RELATED[model])
            for obj in rows:
                label = user_label(obj) if model is User else str(obj)
                found[obj.pk] = (label, getattr(obj, "key", None), True)
            missing = pks - found.keys()
            # Asked only for names not found (each `Model.history` builds a manager class).
            history = missing and getattr(model, "history", None)
            if history:
                for row in history.filter(id__in=missing).order_by("id", "-history_id"):
                    if row.id not in found:
                        label = _("%(name)s (slettet)") % {"name": _row_label(model, row)}
                        found[row.id] = (label, getattr(row, "key", None), False)
            for pk in missing - found.keys():
                found[pk] = (_("#%(id)s (slettet)") % {"id": pk}, None, False)
            self.found[model] = found
            known.update(found)

    def label(self, model, pk) -> str:
        if pk is None:
            return EMPTY
        return self.found.get(model, {}).get(pk, (str(pk), None, False))[0]

    def key(self, model, pk):
        return self.found.get(model, {}).get(pk, (None, None, False))[1]

    def exists(self, model, pk) -> bool:
        return self.found.get(model, {}).get(pk, (None, None, False))[2]


# Models whose __str__ reads related rows, and those rows: the names are read in one query.
STR_RELATED = {Dependency: ("predecessor", "successor")}


def _row_label(model, row) -> str:
    for name in ("title", "name", "username"):
        if hasattr(row, name):
            return getattr(row, name)
    return f"#{row.id}"


def entries_for(keys) -> list[HistoryEntry]:
    """HistoryEntry objects for (history_id, history_date, kind) keys, in the keys' order.

    Two queries per kind of record (each row's previous version's id, by a `LAG`
    over the history of the page's records only, then the rows and those previous
    versions together) and one per model they name. Neither grows with how many
    entries of the page are versions of one record: a record's history is read once.
    """
    return [entry for _key, entry, _names in _entries_named(keys)]


def _entries_named(keys, known: dict | None = None) -> list[tuple[tuple, HistoryEntry, dict]]:
    """`entries_for` as (key, entry, the names it shows: {(model, pk): (label, key,
    exists)} of every record it names, its own record's too: its link). `known`: names
    read already in this request (`_Names`)."""
    keys = list(keys)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for history_id, _when, kind in keys:
        by_kind[kind].append(history_id)

    rows: dict[tuple[str, int], models.Model] = {}
    previous: dict[tuple[str, int], models.Model] = {}
    named: dict[tuple[str, int], set] = defaultdict(set)
    names = _Names(known)
    for kind, ids in by_kind.items():
        model = KINDS[kind]
        previous_of = _previous_ids(model, ids)
        wanted = set(previous_of) | {p for p in previous_of.values() if p is not None}
        by_id = {
            r.history_id: r
            for r in history_model(model)
            .objects.filter(history_id__in=wanted)
            .select_related("history_user")
        }
        fields = tracked_fields(kind)
        for history_id, previous_id in previous_of.items():
            row = by_id[history_id]
            prev = by_id.get(previous_id)
            rows[(kind, history_id)] = row
            if prev is not None:
                previous[(kind, history_id)] = prev
            uses = named[(kind, history_id)]
            uses.add((model, row.id))
            for version in (row, prev):
                if version is None:
                    continue
                for f in fields:
                    if f.is_relation and getattr(version, f.attname) is not None:
                        uses.add((f.related_model, getattr(version, f.attname)))
            for model_named, pk in uses:
                names.want(model_named, pk)
    names.fetch()

    entries = []
    for history_id, _when, kind in keys:
        row = rows.get((kind, history_id))
        if row is None:
            continue
        entry = _entry(kind, row, previous.get((kind, history_id)), names)
        shown = {(m, pk): names.found[m].get(pk) for m, pk in named[(kind, history_id)]}
        entries.append(((history_id, _when, kind), entry, shown))
    return entries


# An entry of the change feed kept across edits (`entries_kept`): a history row never
# changes, but the names it is shown with are read now. Ten minutes, as the plan's
# cached pages: people's names have no history and are seen again when it expires.
ENTRY_CACHE_SECONDS = 600


# The models with history whose names the entries show (`_entries_named`): the feed's
# stamp, whose newest history ids are the watermark of the entries it keeps.
NAMED_MODELS = (*KINDS.values(), Party, Programme)


def stamp_watermark(stamp: tuple) -> dict:
    """{model: newest history id} of `NAMED_MODELS` from their stamp (`core.cache.stamp`
    of exactly those models: two values each, the id first)."""
    return {
        model: int(stamp[2 * i]) if stamp[2 * i] != "None" else 0
        for i, model in enumerate(NAMED_MODELS)
    }


@dataclass
class _KeptEntry:
    entry: HistoryEntry
    names: dict  # {(model, pk): (label, key, exists)} as shown
    watermark: dict  # {model: its newest history id when the entry was built}


def entries_kept(keys, *, watermark: dict) -> list[HistoryEntry]:
    """`entries_for(keys)` with each entry cached on its own and reused while none of the
    records it names (its own, its activity, a dependency's milestones, a party, a goal)
    has a new name, key or been deleted: after an edit only the new entries are read and
    worded. `watermark`: the newest history id of each model the entries may name, read
    before (the page's stamp); a model not in it (people) is seen when the entry expires.

    Checked in one query (each named record's newest history after the oldest watermark
    of the entries naming its model) and, for the records changed since, their names
    read again as `entries_for` reads them, one query per model."""
    keys = list(keys)
    # The names the check reads again are not read again for the new entries.
    known: dict = {}

    def build(missing):
        return {
            key: _KeptEntry(entry, shown, dict(watermark))
            for key, entry, shown in _entries_named(missing, known)
        }

    def still_holding(found: dict) -> set:
        since: dict = {}  # {model: [the oldest watermark naming it, the pks named]}
        for kept_entry in found.values():
            for model, pk in kept_entry.names:
                if model in kept_entry.watermark:
                    mark = kept_entry.watermark[model]
                    oldest = since.setdefault(model, [mark, set()])
                    oldest[0] = min(oldest[0], mark)
                    oldest[1].add(pk)
        changed = _changed_since(since, now=known)
        if not changed:
            return set(found)
        names = _Names(known)
        for model, pk in changed:
            names.want(model, pk)
        names.fetch()
        return {
            key
            for key, kept_entry in found.items()
            if all(
                names.found[model].get(pk) == shown
                for (model, pk), shown in kept_entry.names.items()
                if changed.get((model, pk), 0) > kept_entry.watermark.get(model, 1 << 62)
            )
        }

    kept_entries = kept_many(
        "milestones-history",
        {key: ("entry", 1, key) for key in keys},
        build,
        still_holding=still_holding,
        seconds=ENTRY_CACHE_SECONDS,
    )
    # A key whose row is gone (`entries_for` leaves it out) is not shown.
    return [kept_entries[key].entry for key in keys if key in kept_entries]


# The named models whose name (`_Names`: `str()` of the row) is a column of their own, with
# a key: a record changed since is named by its newest history row (`_changed_since`).
_NAME_COLUMN = {
    Goal: "title",
    Activity: "title",
    Milestone: "title",
    Baseline: "name",
    Party: "name",
    Programme: "name",
}


def _changed_since(since: dict, *, now: dict | None = None) -> dict:
    """{(model, pk): newest history id} of the records `since` names ({model: (history id,
    pks)}) with history after that id, in one query. `now` ({model: {pk: (label, key,
    exists)}}, `_Names`' known names): given, the names of those records whose model's
    name is a column of its own (`_NAME_COLUMN`) are added to it from their newest history
    row, as `_Names` reads them from the live row, so they are not read again (a deleted
    one is: its name says so)."""
    quote = connection.ops.quote_name
    parts, params = [], []
    order = list(since)
    for i, model in enumerate(order):
        after, pks = since[model]
        table = quote(history_model(model)._meta.db_table)
        marks = ", ".join(["%s"] * len(pks))
        newest = f"SELECT id, MAX(history_id) AS newest FROM {table}"
        newest += f" WHERE history_id > %s AND id IN ({marks}) GROUP BY id"
        column = _NAME_COLUMN.get(model)
        if column is None:
            parts.append(f"SELECT {i}, id, newest, NULL, NULL, NULL FROM ({newest}) AS n")
        else:
            parts.append(
                f"SELECT {i}, h.id, h.history_id, h.{quote(column)}, h.{quote('key')},"
                f" h.history_type FROM {table} h JOIN ({newest}) AS n"
                " ON h.history_id = n.newest"
            )
        params += [after, *pks]
    if not parts:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        found = cursor.fetchall()
    if now is not None:
        for i, pk, _newest, label, key, history_type in found:
            if order[i] in _NAME_COLUMN and history_type != "-":
                now.setdefault(order[i], {})[pk] = (label, key, True)
    return {(order[i], pk): newest for i, pk, newest, *_name in found}


def _previous_ids(model, ids: list[int]) -> dict[int, int | None]:
    """Each history row's previous version of the same record (None: the first), for the
    rows `ids`, in one query: `LAG` over the history of those rows' records up to the
    newest of them. The window is computed before the rows are picked (a subquery), so a
    row's previous version need not be on the page. (The ORM puts a plain filter beside a
    window into the window's own WHERE, which would hide the versions in between.)"""
    table = connection.ops.quote_name(history_model(model)._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT history_id, previous_id FROM ("
        f" SELECT history_id, LAG(history_id) OVER (PARTITION BY id ORDER BY history_id)"
        f" AS previous_id FROM {table}"
        f" WHERE id IN (SELECT id FROM {table} WHERE history_id IN ({marks}))"
        f" AND history_id <= %s) AS versions"
        f" WHERE history_id IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, max(ids), *ids])
        return dict(cursor.fetchall())


def _entry(kind: str, row, prev, names: _Names) -> HistoryEntry:
    model = KINDS[kind]
    if kind == "dependency":
        label = f"{names.label(Milestone, row.predecessor_id)} → {names.label(Milestone, row.successor_id)}"
        context = ""
    else:
        label = getattr(row, LABEL_FIELD[kind])
        context = names.label(Activity, row.activity_id) if kind == "milestone" else ""
    return HistoryEntry(
        kind=kind,
        object_id=row.id,
        history_id=row.history_id,
        when=row.history_date,
        action=row.history_type,
        label=label,
        user_label=user_label(row.history_user) if row.history_user_id else _("ukendt bruger"),
        user_id=row.history_user_id,
        reason=row.history_change_reason or "",
        changes=[] if row.history_type == "-" else diff(kind, prev, row, names),
        version=getattr(row, "version", None),
        context=context,
        url=_url(kind, row, names, model),
    )


def _url(kind, row, names: _Names, model) -> str:
    if kind == "dependency":
        key = names.key(Milestone, row.successor_id)
        return reverse("milestones:milestone_detail", args=[key]) if key else ""
    if names.exists(model, row.id):
        return reverse(DETAIL_URL[kind], args=[row.key])
    return reverse(HISTORY_URL[kind], args=[row.key])


def diff(kind: str, old, new, names: _Names) -> list[FieldChange]:
    """Each field that differs between two versions of a record (old None: created)."""
    changes = []
    for f in tracked_fields(kind):
        if f.name in PRECISION_FIELDS:
            continue
        new_value = getattr(new, f.attname)
        old_value = getattr(old, f.attname) if old is not None else None
        partner = PRECISION_OF.get(f.name)
        if partner:
            new_precision = getattr(new, partner)
            old_precision = getattr(old, partner) if old is not None else None
            if old is None and new_value is None:
                continue
            if old is not None and (old_value, old_precision) == (new_value, new_precision):
                continue
            changes.append(
                FieldChange(
                    f.name,
                    _label(f),
                    _plan_date(old_value, old_precision),
                    _plan_date(new_value, new_precision),
                )
            )
            continue
        if old is None:
            if new_value in (None, "", False):
                continue
        elif old_value == new_value:
            continue
        changes.append(
            FieldChange(
                f.name,
                _label(f),
                display_value(f, old_value, names) if old is not None else EMPTY,
                display_value(f, new_value, names),
            )
        )
    return changes


def _label(f) -> str:
    text = str(f.verbose_name)
    return text[:1].upper() + text[1:]


def _plan_date(value, precision) -> str:
    return format_plan_date(value, precision) if value is not None else EMPTY


def display_value(f: models.Field, value, names: _Names | None = None) -> str:
    """A stored value in words: names for ids, labels for choices, Danish dates, Ja/Nej."""
    if value is None or value == "":
        return EMPTY
    if f.is_relation:
        return names.label(f.related_model, value) if names else str(value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return _("Ja") if value else _("Nej")
    if isinstance(f, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(f, models.DateField):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)
