"""Keeping the register's materialised readiness (`EntryReadiness`) up to date.

The rule stays in `milestones.rag`, applied to each entry's "in production" step by
`register.selectors.step_rag`: these rows are its cache, as `MilestoneStatus` is the
milestones'. Every save of an entry or a step that records history re-rates its entry
in the same transaction (`history_written`, connected in `register.apps`); the
import's bulk writes and the synthetic programme call `entries_rate` themselves. The
date alone changes a rating, so the daily task `register.tasks.readiness_rerate`
re-rates what is not of today; `manage.py status_rebuild` rebuilds it with the
milestones' status (`STATUS_REBUILD_EXTRA`).
"""

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from core.dates import today as today_get
from milestones.selectors.materialised import RAG_FIELDS

from .models import DEPENDING_STATES, Entry, EntryReadiness, Step
from .selectors import ENTRY_ROW_FIELDS, STEP_ROW_FIELDS, StepRow, readiness_current, step_rag

# The entry's columns the rows copy (their attribute names: a party by its id).
ENTRY_FIELDS = tuple(name for name in ENTRY_ROW_FIELDS if name != "id")
RATING_FIELDS = ("has_plan", *RAG_FIELDS, "forecast_end", "baseline_end")
# Without a plan: no rating.
_NO_PLAN = {
    name: (None if name.endswith(("_date", "_days", "_months")) else "") for name in RAG_FIELDS
}
_NO_PLAN.update(has_plan=False, overridden=False)


def readiness_values(entry: dict, step: StepRow | None, *, today: datetime.date) -> dict:
    """What `EntryReadiness` keeps for an entry (its `ENTRY_FIELDS`) whose "in
    production" step is `step`: the entry's columns, whether it still depends on SHAK,
    and the rule's rating when the step has a forecast or an actual date."""
    return {
        **{name: entry[name] for name in ENTRY_FIELDS},
        "depends_on_shak": entry["state"] in DEPENDING_STATES,
        **_step_values(step, today=today),
    }


def _step_values(step: StepRow | None, *, today: datetime.date) -> dict:
    if step is None:
        return {**_NO_PLAN, "forecast_end": None, "baseline_end": None}
    ends = {
        "forecast_end": step.actual_period_end or step.forecast_period_end,
        "baseline_end": step.baseline_period_end,
    }
    if step.forecast_date is None and step.actual_date is None:
        return {**_NO_PLAN, **ends}
    rating = step_rag(step, today=today)
    rated = {name: getattr(rating, name) for name in _NO_PLAN if name != "has_plan"}
    return {**rated, "has_plan": True, **ends}


STORED = (*ENTRY_FIELDS, "depends_on_shak", *RATING_FIELDS)
# From this many entries on, `entries_rate` rates them all (an import of thousands).
RATE_ALL_FROM = 1000


def entries_rate(
    entry_ids: Iterable[int] | None, *, today: datetime.date | None = None, insert: bool = True
) -> int:
    """Rate the entries `entry_ids` (None: all) by the rule and store what changed (rows
    of today that still hold get today's date); returns the rows written. Rows of
    entries that are gone go with them (cascade). `insert=False` only updates rows that
    exist (a step deleted while its entry is being deleted)."""
    today = today or today_get()
    entries = Entry.objects.order_by()
    stored = EntryReadiness.objects.order_by()
    steps = Step.objects.filter(kind=Step.Kind.IN_PRODUCTION).order_by()
    if entry_ids is not None:
        entry_ids = list(entry_ids)
    if entry_ids is not None and len(entry_ids) > RATE_ALL_FROM:
        entry_ids = None  # thousands of ids in three IN lists cost more than reading all
    if entry_ids is not None:
        entries = entries.filter(pk__in=entry_ids)
        stored = stored.filter(entry_id__in=entry_ids)
        steps = steps.filter(entry_id__in=entry_ids)
    by_entry = {row[0]: StepRow(*row) for row in steps.values_list(*STEP_ROW_FIELDS)}
    have = {row["entry_id"]: row for row in stored.values("entry_id", "rated_on", *STORED)}
    now = None
    changed, stale = [], []
    for entry in entries.values("pk", *ENTRY_FIELDS):
        pk = entry["pk"]
        values = readiness_values(entry, by_entry.get(pk), today=today)
        old = have.get(pk)
        if old is None and not insert:
            continue
        if old is not None and all(old[k] == v for k, v in values.items()):
            if old["rated_on"] != today:
                stale.append(pk)
            continue
        now = now or _next_change()
        changed.append({"entry_id": pk, "rated_on": today, "changed_at": now, **values})
    if changed:
        _upsert(changed)
    if stale:
        for start in range(0, len(stale), 5000):
            EntryReadiness.objects.filter(entry_id__in=stale[start : start + 5000]).update(
                rated_on=today
            )
    return len(changed)


COLUMNS = ("entry_id", "rated_on", "changed_at", *STORED)


def _upsert(rows: list[dict]) -> None:
    """Insert or update `rows` (values by attribute name): one `INSERT … ON CONFLICT
    (entry_id) DO UPDATE` statement run for every row (`executemany`: psycopg sends them
    in a pipeline and reads the statement once). Django's bulk_create built a model
    instance and prepared every value of 5,000 rows for an import, and one statement
    with 30,000 placeholders cost psycopg seconds to split."""
    quote = connection.ops.quote_name
    fields = [EntryReadiness._meta.get_field(name.removesuffix("_id")) for name in COLUMNS]
    fields[0] = EntryReadiness._meta.pk
    names = ", ".join(quote(f.column) for f in fields)
    updates = ", ".join(f"{quote(f.column)} = excluded.{quote(f.column)}" for f in fields[1:])
    marks = ", ".join(["%s"] * len(fields))
    # psycopg adapts dates and booleans itself; other databases get Django's values.
    prepare = (
        ()
        if connection.vendor == "postgresql"
        else [(i, f) for i, f in enumerate(fields) if f.get_internal_type().startswith("Date")]
    )
    params = []
    for row in rows:
        values = [row[name] for name in COLUMNS]
        for i, f in prepare:
            values[i] = f.get_db_prep_save(values[i], connection)
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(EntryReadiness._meta.db_table)} ({names}) VALUES ({marks}) "
            f"ON CONFLICT ({quote(fields[0].column)}) DO UPDATE SET {updates}",
            params,
        )


def _next_change() -> datetime.datetime:
    """The `changed_at` of the next write: later than every row's, so the newest moves
    on every change (a stopped clock in tests included) and the figures' stamp
    (`register.selectors.readiness_mark`) never comes back to an earlier value."""
    newest = EntryReadiness.objects.aggregate(newest=Max("changed_at"))["newest"]
    now = timezone.now()
    return now if newest is None or now > newest else newest + datetime.timedelta(microseconds=1)


def _removed() -> None:
    """An entry is gone (its row with it): the newest row takes a later `changed_at`,
    so the stamp moves although no row was written."""
    newest = EntryReadiness.objects.order_by("-changed_at").values_list("pk", flat=True)[:1]
    EntryReadiness.objects.filter(pk__in=list(newest)).update(changed_at=_next_change())


@transaction.atomic
def readiness_rebuild(*, today: datetime.date | None = None, **_kwargs) -> int:
    """Rate every entry and write what differs; safe at any time (`status_rebuild`)."""
    return entries_rate(None, today=today)


def readiness_rerate(*, today: datetime.date | None = None) -> int | None:
    """The daily re-rating: what the date alone changes. Keyed by the day: once every
    entry has a rating of `today`, it does nothing."""
    today = today or today_get()
    if readiness_current(today):
        return None
    return readiness_rebuild(today=today)


def history_written(sender, instance, history_instance, **kwargs) -> None:
    """After a history row of an entry or a step: re-rate its entry, in the same
    transaction (an entry deleted takes its row with it)."""
    if isinstance(instance, Entry):
        if history_instance.history_type == "-":
            _removed()
        else:
            entries_rate([instance.pk])
    elif isinstance(instance, Step) and instance.kind == Step.Kind.IN_PRODUCTION:
        entries_rate([instance.entry_id], insert=history_instance.history_type != "-")
