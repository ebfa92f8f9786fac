"""The ratings' history (`MilestoneStatus.history`) written again from the plan's history.

The services write a rating's history row with every change of it, and the daily
re-rating at the start of its day (`milestones.services.status`). For a plan whose
history began before that (or after a day the re-rating missed), this walks each
milestone's versions and the active baseline's changes and writes the ratings as
they stood: at each version's moment, rated by the rule on that day, and at the
start of each day on which the date alone changes a rating
(`milestones.rag.rating_changes_on`), never rating every day. Then it marks the
history complete (`StatusHistoryMark`), which the point in time checks.

Idempotent: the history is replaced, in one transaction, with the plan's writes
held back meanwhile. Baseline entries have no history: each version is rated
against the entries as they are now, as the replay of a past moment does.
"""

import datetime
from itertools import groupby

from django.db import connection, transaction
from django.utils import timezone

from core.dates import today as today_get
from core.history import system_user_get

from ..models import Baseline, BaselineEntry, Milestone, MilestoneStatus, StatusHistoryMark
from ..rag import MILESTONE_READ_FIELDS, BaselineDate, milestone_rag, rating_changes_on
from .status import day_start, rating_values

REASON = "Statushistorik genskabt fra planens historik"
_VERSION_FIELDS = ("id", "history_date", "history_type", *MILESTONE_READ_FIELDS)
_BATCH = 20000


class _Version:
    """A milestone as one history row stood (what the rule and `rating_values` read)."""

    __slots__ = (*_VERSION_FIELDS[3:], "pk")

    forecast_period_end = Milestone.forecast_period_end
    actual_period_end = Milestone.actual_period_end

    def __init__(self, pk, values):
        self.pk = pk
        for name, value in zip(_VERSION_FIELDS[3:], values, strict=True):
            setattr(self, name, value)


def _baseline_changes() -> list[tuple[datetime.datetime, int | None]]:
    """(moment, the active baseline's id from then) for each change of which is active."""
    state: dict[int, bool] = {}
    changes = []
    for pk, when, kind, active in Baseline.history.order_by(
        "history_date", "history_id"
    ).values_list("id", "history_date", "history_type", "is_active"):
        if kind == "-":
            state.pop(pk, None)
        else:
            state[pk] = active
        current = min((k for k, v in state.items() if v), default=None)
        if not changes or changes[-1][1] != current:
            changes.append((when, current))
    return changes


def _active_at(changes, when) -> int | None:
    active = None
    for moment, baseline_id in changes:
        if moment > when:
            break
        active = baseline_id
    return active


class _Writer:
    """History rows of `MilestoneStatus`, written in batches (COPY on PostgreSQL)."""

    def __init__(self, user_id):
        self.model = MilestoneStatus.history.model
        # A row's end (`valid_until`) is the trigger's to write (milestones migration 0010).
        self.fields = [
            f
            for f in self.model._meta.concrete_fields
            if f.attname not in ("history_id", "valid_until")
        ]
        self.user_id = user_id
        self.rows: list[dict] = []
        self.written = 0

    def add(self, milestone_id, values: dict, rated_on, when, kind: str) -> None:
        self.rows.append(
            {
                **values,
                "milestone_id": milestone_id,
                "rated_on": rated_on,
                "history_date": when,
                "history_type": kind,
                "history_user_id": self.user_id,
                "history_change_reason": REASON,
            }
        )
        if len(self.rows) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        rows, self.rows = self.rows, []
        if not rows:
            return
        if connection.vendor == "postgresql":
            quote = connection.ops.quote_name
            columns = ", ".join(quote(f.column) for f in self.fields)
            table = quote(self.model._meta.db_table)
            with connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(tuple(row[f.attname] for f in self.fields))
        else:
            self.model.objects.bulk_create([self.model(**row) for row in rows], batch_size=2000)
        self.written += len(rows)


def status_history_backfill(*, today: datetime.date | None = None, user=None) -> dict:
    """Replace the ratings' history by the ratings as they stood at every version of every
    milestone and on every day the date alone changed one, up to `today`; mark it
    complete. Returns counts of what was read and written."""
    today = today or today_get()
    user = user or system_user_get()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Writes that rate milestones wait; readers go on (the old history).
                cursor.execute(
                    f"LOCK TABLE {connection.ops.quote_name(Milestone._meta.db_table)} "
                    "IN SHARE ROW EXCLUSIVE MODE"
                )
        history = MilestoneStatus.history.model
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(history._meta.db_table)}")
        result = _backfill(today, user)
        first = Milestone.history.order_by("history_date").values_list("history_date", flat=True)
        StatusHistoryMark.objects.all().delete()
        StatusHistoryMark.objects.create(
            complete_from=first.first() or timezone.now(), rerated_on=today
        )
    return result


def _backfill(today: datetime.date, user) -> dict:
    changes = _baseline_changes()
    entries = {
        (baseline_id, milestone_id): BaselineDate(date, precision)
        for baseline_id, milestone_id, date, precision in BaselineEntry.objects.order_by()
        .values_list("baseline_id", "milestone_id", "date", "precision")
        .iterator(chunk_size=_BATCH)
    }
    writer = _Writer(user.pk)
    versions = (
        Milestone.history.order_by("id", "history_date", "history_id")
        .values_list(*_VERSION_FIELDS)
        .iterator(chunk_size=_BATCH)
    )
    read = 0
    for pk, rows in groupby(versions, key=lambda row: row[0]):
        rows = list(rows)
        read += len(rows)
        _milestone_backfill(pk, rows, changes, entries, today, writer)
    writer.flush()
    return {"versions": read, "ratings": writer.written}


def _milestone_backfill(pk, rows, changes, entries, today, writer) -> None:
    """One milestone's ratings over time: at each of its versions and each change of the
    active baseline while it existed, then on each day the date alone changes it."""
    first = rows[0][1]
    events = [(row[1], 0, row) for row in rows]
    events += [(when, 1, baseline_id) for when, baseline_id in changes if when > first]
    events.sort(key=lambda e: (e[0], e[1]))
    version = None
    baseline_id = _active_at(changes, first)
    last = None  # the values last written
    now = timezone.now()
    for index, (when, kind, value) in enumerate(events):
        if when > now:
            break
        if kind == 0:
            if value[2] == "-":
                if last is not None:
                    writer.add(pk, last[0], last[1], when, "-")
                version, last = None, None
                continue
            version = _Version(pk, value[3:])
        else:
            baseline_id = value
        if version is None:
            continue
        entry = entries.get((baseline_id, pk)) if baseline_id else None
        until = events[index + 1][0] if index + 1 < len(events) else None
        day = timezone.localdate(when)
        moment = when
        while True:
            values = rating_values(version, milestone_rag(version, baseline_entry=entry, today=day))
            if last is None or last[0] != values:
                writer.add(pk, values, day, moment, "~")  # as the services write them
                last = (values, day)
            next_day = rating_changes_on(version, baseline_entry=entry, today=day)
            if next_day is None or next_day > today:
                break
            moment = day_start(next_day)
            if (until is not None and moment >= until) or moment > now:
                break
            day = next_day
