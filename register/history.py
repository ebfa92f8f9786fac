"""An entry's history in words a person reads: who, when, why, each field's old ->
new value (names for parties, labels for choices, dates with their precision).
The shape matches `milestones.history.HistoryEntry`, so the same template shows it."""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, models
from django.db.models import Value
from django.utils.translation import gettext_lazy

from core.history import history_model
from core.sql import compiled_once
from milestones.dates import format_plan_date
from milestones.history import EMPTY, FieldChange, display_value, user_label
from milestones.models import Activity, Milestone
from parties.models import Party

from .models import Entry, Step

ACTION_LABELS = {
    "+": gettext_lazy("Oprettet"),
    "~": gettext_lazy("Ændret"),
    "-": gettext_lazy("Slettet"),
}
HIDDEN_FIELDS = {"id", "version", "created_at", "updated_at", "entry"}
PRECISION_OF = {
    "state_date": "state_date_precision",
    "release_date": "release_precision",
    "baseline_date": "baseline_precision",
    "forecast_date": "forecast_precision",
    "actual_date": "actual_precision",
    # MedCom's matrix (medcom.models) reads its history through `history_of`.
    "cutover_date": "cutover_precision",
    "planned_production_date": "planned_production_precision",
}


@dataclass
class EntryChange:
    kind: str
    when: datetime.datetime
    action: str
    user_label: str
    reason: str
    version: int | None
    changes: list[FieldChange] = field(default_factory=list)
    context: str = ""

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


class _Names:
    def __init__(self):
        self.parties: dict[int, str] | None = None

    def label(self, model, pk) -> str:
        if model is Party:
            if self.parties is None:
                self.parties = dict(Party.objects.values_list("pk", "name"))
            return self.parties.get(pk, str(pk))
        return str(pk)


def _fields(model) -> list[models.Field]:
    precision = set(PRECISION_OF.values())
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in HIDDEN_FIELDS
        and f.name not in precision
        and not (model is Step and f.name == "kind")  # shown as the change's context
    ]


def _diff(model, old, new, names) -> list[FieldChange]:
    changes = []
    for f in _fields(model):
        new_value = getattr(new, f.attname)
        old_value = getattr(old, f.attname) if old is not None else None
        partner = PRECISION_OF.get(f.name)
        label = str(f.verbose_name)[:1].upper() + str(f.verbose_name)[1:]
        if partner:
            pair_new = (new_value, getattr(new, partner))
            pair_old = (old_value, getattr(old, partner)) if old is not None else (None, None)
            if pair_new == pair_old or (old is None and new_value is None):
                continue
            changes.append(
                FieldChange(
                    f.name,
                    label,
                    format_plan_date(*pair_old) if pair_old[0] else EMPTY,
                    format_plan_date(*pair_new) if pair_new[0] else EMPTY,
                )
            )
            continue
        if old is None and new_value in (None, "", False):
            continue
        if old is not None and old_value == new_value:
            continue
        changes.append(
            FieldChange(
                f.name,
                label,
                display_value(f, old_value, names) if old is not None else EMPTY,
                display_value(f, new_value, names),
            )
        )
    return changes


LINKS = (
    ("activities", "historicalentry_activities", "activity_id", Activity, "title"),
    ("milestones", "historicalentry_milestones", "milestone_id", Milestone, "title"),
)


def _links(rows) -> dict[int, dict[str, frozenset[int]]]:
    """The activities and milestones each Entry history row recorded (one query)."""
    found: dict[int, dict[str, set[int]]] = {
        r.history_id: {n: set() for n, *_ in LINKS} for r in rows
    }
    parts = [
        history_model(Entry)
        ._meta.get_field(relation)
        .related_model.objects.filter(history_id__in=list(found))
        .values_list("history_id", attname, Value(name))
        for name, relation, attname, _model, _label in LINKS
    ]
    for history_id, target, name in parts[0].union(*parts[1:], all=True):
        found[history_id][name].add(target)
    return {k: {n: frozenset(v) for n, v in d.items()} for k, d in found.items()}


def _link_changes(old_links, new_links) -> list[FieldChange]:
    changes = []
    for name, _relation, _attname, model, label_field in LINKS:
        before = old_links.get(name, frozenset()) if old_links else frozenset()
        after = new_links.get(name, frozenset())
        if before == after:
            continue
        titles = dict(model.objects.filter(pk__in=before | after).values_list("pk", label_field))

        def words(ids, titles=titles):
            return ", ".join(sorted(titles.get(i, str(i)) for i in ids)) or EMPTY

        label = str(Entry._meta.get_field(name).verbose_name)
        changes.append(
            FieldChange(name, label[:1].upper() + label[1:], words(before), words(after))
        )
    return changes


def _word(model, row, old, names, links, context=None) -> EntryChange:
    """One history row in words, compared with `old` (its record's version before; None:
    the first); `links`: what `_links` found for Entry rows."""
    changes = _diff(model, old, row, names) if row.history_type != "-" else []
    if model is Entry:
        changes += _link_changes(links.get(old.history_id) if old else None, links[row.history_id])
    where = context(row) if context else ""
    if where:
        # A step's changes say which step (the shared template shows no context).
        changes = [FieldChange(c.field, f"{where}: {c.label}", c.old, c.new) for c in changes]
    return EntryChange(
        kind=model._meta.model_name,
        when=row.history_date,
        action=row.history_type,
        user_label=user_label(row.history_user),
        reason=row.history_change_reason or "",
        version=row.version,
        changes=changes,
        context=where,
    )


def _entries(model, rows, names) -> list[EntryChange]:
    """Rows oldest first, each compared with the one before of the same record."""
    out = []
    previous = {}
    links = _links(rows) if model is Entry else {}
    for row in rows:
        out.append(_word(model, row, previous.get(row.id), names, links))
        previous[row.id] = row
    return out


class ChangeKey(NamedTuple):
    """A change an entry's page shows: its history row and its record's version before
    (None: the first), which its words compare with; what its words depend on of the
    history (rows are never rewritten)."""

    kind: str  # "entry" or "step"
    history_id: int
    previous_id: int | None


@dataclass(frozen=True)
class Shown:
    """A change with its history row and the version it is compared with, to word."""

    model: type
    row: object
    previous: object | None

    @property
    def key(self) -> ChangeKey:
        previous = self.previous.history_id if self.previous is not None else None
        return ChangeKey(self.model._meta.model_name, self.row.history_id, previous)


# Whose history an entry's page shows: the entry's own rows and its steps'.
_OWN = {"entry": (Entry, "id"), "step": (Step, "entry_id")}


@compiled_once
def _keys_sql() -> tuple[str, tuple]:
    """`entry_history_keys`' query, built once per process (`core.sql.compiled_once`:
    looking up `Model.history` builds a manager class each time)."""
    quote = connection.ops.quote_name
    parts = [
        f"SELECT '{kind}' AS kind, history_id, history_date, LAG(history_id) OVER"
        " (PARTITION BY id ORDER BY history_date, history_id) AS previous_id"
        f" FROM {quote(model.history.model._meta.db_table)} WHERE {column} = %s"
        for kind, (model, column) in _OWN.items()
    ]
    return (
        f"WITH changes AS ({' UNION ALL '.join(parts)})"
        " SELECT kind, history_id, previous_id, (SELECT COUNT(*) FROM changes) FROM changes"
        " ORDER BY history_date DESC, kind = 'step', history_id DESC LIMIT %s OFFSET %s",
        (),
    )


def entry_history_keys(
    entry: Entry, *, limit: int | None = None, offset: int = 0
) -> tuple[list[ChangeKey], int]:
    """The changes an entry's page shows, newest first (the entry's and its steps', from
    `offset`, `limit` of them; None: all), each with the version it is compared with (a
    window over the entry's rows in the database), and how many there are: one query,
    which reads no row's values however long the history is."""
    with connection.cursor() as cursor:
        cursor.execute(_keys_sql()[0], [entry.pk] * len(_OWN) + [limit, offset])
        found = cursor.fetchall()
    total = found[0][3] if found else 0
    if not found and offset:  # past the end: the count still
        total = entry_history_keys(entry, limit=1)[1]
    return [ChangeKey(kind, h, p) for kind, h, p, _total in found], total


def shown_rows(keys: list[ChangeKey]) -> list[Shown]:
    """The history rows of `keys` and their previous versions, in the keys' order: one
    query per kind of row among them."""
    rows = {}
    for kind, (model, _column) in _OWN.items():
        ids = {i for k in keys if k.kind == kind for i in (k.history_id, k.previous_id)}
        ids.discard(None)
        if ids:
            found = (
                history_model(model)
                .objects.filter(history_id__in=ids)
                .select_related("history_user")
            )
            rows.update({(kind, r.history_id): r for r in found})
    return [
        Shown(
            _OWN[k.kind][0],
            rows[(k.kind, k.history_id)],
            rows.get((k.kind, k.previous_id)) if k.previous_id is not None else None,
        )
        for k in keys
    ]


def entry_history_page(
    entry: Entry, *, limit: int | None = None, offset: int = 0
) -> tuple[list[Shown], int]:
    """`entry_history_keys` with their rows, to word (`words`)."""
    keys, total = entry_history_keys(entry, limit=limit, offset=offset)
    return shown_rows(keys), total


def words(shown: list[Shown]) -> list[EntryChange]:
    """The rows of `entry_history_page` in words, in their order: the Entry rows' links
    in one query, the parties' names in one when a change names a party."""
    names = _Names()
    entry_rows = [r for s in shown if s.model is Entry for r in (s.row, s.previous) if r]
    links = _links(entry_rows) if entry_rows else {}
    kinds = dict(Step.Kind.choices)

    def step(row) -> str:
        return str(kinds.get(row.kind, ""))

    return [
        _word(s.model, s.row, s.previous, names, links, step if s.model is Step else None)
        for s in shown
    ]


def entry_history(entry: Entry, *, limit: int | None = None, offset: int = 0) -> list[EntryChange]:
    """An entry's changes and its steps' changes in words, newest first (`limit` of them
    from `offset`; None: all)."""
    return words(entry_history_page(entry, limit=limit, offset=offset)[0])


def changes_since_version(instance, version: int) -> list[EntryChange]:
    """What was saved after the version a person saw (for the conflict message)."""
    model = type(instance)
    rows = list(
        model.history.filter(id=instance.pk).select_related("history_user").order_by("history_date")
    )
    return [e for e in _entries(model, rows, _Names()) if (e.version or 0) > version]


def history_of(instance, *, limit: int | None = None) -> list[EntryChange]:
    """Any versioned row's changes in the same words, newest first (MedCom's rows)."""
    model = type(instance)
    rows = list(
        model.history.filter(id=instance.pk).select_related("history_user").order_by("history_date")
    )
    found = _entries(model, rows, _Names())
    found.reverse()
    return found[:limit] if limit else found
