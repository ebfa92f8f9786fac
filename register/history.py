"""An entry's history in words a person reads: who, when, why, each field's old ->
new value (names for parties, labels for choices, dates with their precision).
The shape matches `milestones.history.HistoryEntry`, so the same template shows it."""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy

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
    """The activities and milestones each Entry history row recorded (two queries)."""
    found: dict[int, dict[str, set[int]]] = {
        r.history_id: {n: set() for n, *_ in LINKS} for r in rows
    }
    for name, relation, attname, _model, _label in LINKS:
        through = Entry.history.model._meta.get_field(relation).related_model
        for history_id, target in through.objects.filter(history_id__in=list(found)).values_list(
            "history_id", attname
        ):
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


def _entries(model, rows, names, *, context=None, since=None) -> list[EntryChange]:
    """Rows oldest first (each compared with the one before); with `since`, only the
    rows from that moment on are worded (the older ones are only compared with)."""
    out = []
    previous = {}
    links = _links(rows) if model is Entry else {}
    for row in rows:
        old = previous.get(row.id)
        if since is not None and row.history_date < since:
            previous[row.id] = row
            continue
        changes = _diff(model, old, row, names) if row.history_type != "-" else []
        if links:
            changes += _link_changes(
                links.get(old.history_id) if old else None, links[row.history_id]
            )
        where = context(row) if context else ""
        if where:
            # A step's changes say which step (the shared template shows no context).
            changes = [FieldChange(c.field, f"{where}: {c.label}", c.old, c.new) for c in changes]
        out.append(
            EntryChange(
                kind=model._meta.model_name,
                when=row.history_date,
                action=row.history_type,
                user_label=user_label(row.history_user),
                reason=row.history_change_reason or "",
                version=row.version,
                changes=changes,
                context=where,
            )
        )
        previous[row.id] = row
    return out


def entry_history(entry: Entry, *, limit: int | None = None) -> list[EntryChange]:
    """An entry's changes and its steps' changes, newest first."""
    names = _Names()
    rows = list(
        Entry.history.filter(id=entry.pk).select_related("history_user").order_by("history_date")
    )
    step_rows = list(
        Step.history.filter(entry_id=entry.pk)
        .select_related("history_user")
        .order_by("history_date")
    )
    # Only the newest `limit` changes are shown: word those (ties at the edge included).
    moments = sorted((r.history_date for r in (*rows, *step_rows)), reverse=True)
    since = moments[limit - 1] if limit and len(moments) > limit else None
    found = _entries(Entry, rows, names, since=since)
    kinds = dict(Step.Kind.choices)
    found += _entries(
        Step, step_rows, names, context=lambda row: str(kinds.get(row.kind, "")), since=since
    )
    found.sort(key=lambda e: e.when, reverse=True)
    return found[:limit] if limit else found


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
