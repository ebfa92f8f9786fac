"""Saving with django-simple-history's user and change reason, which every write names,
and reading rows back as they stood at a moment (`as_of_queryset`)."""

import contextlib
import contextvars
import datetime
import functools
from collections.abc import Iterator, Mapping
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import connection, models
from django.db.models import Exists, F, Func, Max, Model, OuterRef, Q, QuerySet
from django.utils import timezone


@functools.cache
def history_model(model: type[Model]) -> type[Model]:
    """`model`'s history model (`model.history.model`), looked up once per process: each
    `Model.history` builds a manager class (some 1,200 Python calls, 0.16 ms), and a cold
    page reading several histories asked it many times. Its rows: `.objects`, as
    `model.history` gives them (no instance, so not filtered)."""
    return model.history.model


def system_user_get():
    """The user that tasks, loaders and management commands record in history.

    It cannot log in (unusable password, inactive).
    """
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=settings.SORPLAN_SYSTEM_USERNAME,
        defaults={"first_name": "sorplan", "last_name": "(system)", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def record_save(
    instance: models.Model, *, user, reason: str = "", clean: bool = True, **save_kwargs
):
    """Save a model instance with the acting user and change reason on its history row."""
    if clean:
        instance.full_clean()
    instance._history_user = user
    instance._change_reason = reason
    instance.save(**save_kwargs)
    return instance


def record_delete(instance: models.Model, *, user, reason: str = ""):
    """Delete with the acting user and reason on the history row."""
    instance._history_user = user
    instance._change_reason = reason
    instance.delete()


def upsert(
    model: type[models.Model], *, lookup: dict, values: dict, user, reason: str
) -> tuple[models.Model, bool]:
    """Create or update by a stable lookup; save only when a value differs.

    Returns (instance, changed). Unchanged rows are not saved, so a repeated
    load writes no history rows.
    """
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        record_save(instance, user=user, reason=reason)
        return instance, True
    changed = bool(apply_changes(instance, values))
    if changed:
        record_save(instance, user=user, reason=reason)
    return instance, changed


def apply_changes(instance: models.Model, values: Mapping[str, Any]) -> list[str]:
    """Set the fields whose value differs (a relation compared by its key); return their names."""
    changed = []
    for name, value in values.items():
        field = instance._meta.get_field(name)
        current = getattr(instance, field.attname if field.is_relation else name)
        wanted = value.pk if field.is_relation and value is not None else value
        if current != wanted:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def has_validity(history_model) -> bool:
    """Whether a history table keeps each row's end (`valid_until`, the next row's date,
    kept by a trigger on PostgreSQL: the ratings' history, milestones migration 0010)."""
    return connection.vendor == "postgresql" and any(
        f.name == "valid_until" for f in history_model._meta.concrete_fields
    )


# A history row's end is the date of the next row of the same object (by date, then id,
# as `as_of_queryset` orders them): what the triggers of milestones migrations 0010/0011
# and register 0004 write per statement, here for a whole table at once.
_VALIDITY_ENDS = (
    "UPDATE {table} AS h SET valid_until = n.next_date FROM ("
    "SELECT history_id, LEAD(history_date) OVER ("
    "PARTITION BY {key} ORDER BY history_date, history_id) AS next_date FROM {table}) AS n "
    "WHERE h.history_id = n.history_id AND h.valid_until IS DISTINCT FROM n.next_date"
)


@contextlib.contextmanager
def _constraints_checked(cursor) -> Iterator[None]:
    """The deferred foreign key checks made now: PostgreSQL alters or indexes no table with
    trigger events pending. Deferred again afterwards, as Django's constraints are."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextlib.contextmanager
def validity_deferred() -> Iterator[None]:
    """A bulk load of history rows with their ends (`valid_until`) written once afterwards.

    Every history table that keeps its rows' ends has its triggers disabled and its range
    indexes dropped for the load; then each table's ends are written by one set-based
    UPDATE (the same ends the triggers give), the indexes built again from their own
    definitions, the statistics refreshed and the triggers enabled. For the synthetic
    programme (`bench`), whose million rows otherwise pay a trigger's UPDATE and the GiST
    index on every statement. PostgreSQL only (elsewhere nothing to defer); inside a
    transaction, so a failed load takes the DDL back with it. Nothing may read the
    histories at a moment while it lasts."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("validity_deferred() runs inside transaction.atomic()")
    quote = connection.ops.quote_name
    tables = []
    with connection.cursor() as cursor, _constraints_checked(cursor):
        for model in apps.get_models():
            instance = getattr(model, "instance_type", None)
            if instance is None or not has_validity(model):
                continue
            table = model._meta.db_table
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
            triggers = [name for (name,) in cursor.fetchall()]
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = %s AND indexdef LIKE %s",
                [table, "%valid_until%"],
            )
            indexes = cursor.fetchall()
            for name in triggers:
                cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER {quote(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
            key = instance._meta.pk.column
            tables.append((quote(table), quote(key), triggers, indexes))
    yield
    with connection.cursor() as cursor, _constraints_checked(cursor):
        for table, key, triggers, indexes in tables:
            cursor.execute(_VALIDITY_ENDS.format(table=table, key=key))
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute(f"ANALYZE {table}")
            for name in triggers:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {quote(name)}")


def as_of_queryset(model: type[Model], at: datetime.datetime | None) -> QuerySet:
    """Rows of `model` as they stood at `at` (None: the live table), without ordering.

    Filters added to the result apply to the rows as they stood, because the
    choice of the latest row per object is made in a subquery first (or, for a history
    that keeps each row's end, by the one range that holds the moment). The latest is by
    date, then by history id (rows of one instant: the last written).
    """
    if at is None:
        return model.objects.order_by()
    history = model.history
    key = model._meta.pk.attname  # "id", or a one-to-one key's column ("milestone_id")
    if has_validity(history.model):
        # The rows whose [history_date, valid_until) holds the moment: one scan of the
        # index of that range, however long each object's history (GiST; the ratings'
        # SP-GiST with the columns the past dashboard reads, index-only: milestones 0012).
        return (
            history.model.objects.alias(
                _valid=Func(
                    F("history_date"),
                    F("valid_until"),
                    function="tstzrange",
                    output_field=DateTimeRangeField(),
                )
            )
            .filter(_valid__contains=at)
            .exclude(history_type="-")
            .order_by()
        )
    if connection.vendor == "postgresql":
        # DISTINCT ON walks the (id, history_date, history_id) index backwards
        # once (milestones migration 0002); simple-history's portable NOT EXISTS
        # form probes it once per row.
        latest = (
            history.filter(history_date__lte=at)
            .order_by(f"-{key}", "-history_date", "-history_id")
            .distinct(key)
            .values("history_id")
        )
        return history.filter(history_id__in=latest).exclude(history_type="-").order_by()
    # Elsewhere a portable NOT EXISTS, "latest" by date, then by history id: rows written
    # in one instant (a frozen clock in tests, a bulk import) share a date, and a rule on
    # the date alone (simple-history's `as_of`) keeps every one of them.
    upto = history.filter(history_date__lte=at)
    later = upto.filter(**{key: OuterRef(key)}).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    return upto.filter(~Exists(later)).exclude(history_type="-").order_by()


# ---------------------------------------------------------------------------
# A model's history since a watermark, read once for a whole request
# ---------------------------------------------------------------------------
# A cold page's pieces kept across edits each ask the history after their own watermark
# (`changed_since`, `added_or_deleted_since`, `keys_since`): the dashboard's status check,
# its lists' and blockers' edited milestones, "Kan SHAK slukkes?". Within
# `history_since_read_once(model, fields, scope)` they are answered from one query: each
# history row after the smallest watermark asked (and the smallest its scope's last
# request asked in this process, so the first question reads for the others too) with
# its object's row just before it; a question about an older watermark reads again.
_SINCE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("history_since", default=None)
# Per process: (scope, model) -> the smallest watermark its last request asked.
_SINCE_FLOORS: dict[tuple, int] = {}
_SINCE_SCOPES = 200


class _Since:
    """What one request read of `model`'s history since `watermark` (`rows`: history id,
    key, type and `fields` of each row since, in id order; `before`: each key's `fields`
    in its newest row up to the watermark, absent when it had none)."""

    def __init__(self, model: type[Model], fields: tuple, floor: int | None):
        self.model = model
        self.fields = fields
        self.floor = floor
        self.watermark: int | None = None
        self.asked: int | None = None
        self.rows: list[tuple] = []
        self.before: dict = {}

    def covering(self, watermark: int) -> "_Since":
        """Itself, having read the history since `watermark` or an older one."""
        self.asked = watermark if self.asked is None else min(self.asked, watermark)
        if self.watermark is None or watermark < self.watermark:
            start = watermark if self.floor is None else min(watermark, self.floor)
            self.rows, self.before = _history_since_read(self.model, start, self.fields)
            self.watermark = start
        return self

    def since(self, watermark: int) -> list[tuple]:
        return [row for row in self.rows if row[0] > watermark]

    def changed(self, watermark: int, fields) -> bool:
        """`changed_since(model, watermark, fields)` from the rows read."""
        at = [self.fields.index(f) for f in fields]
        was = dict(self.before)
        for row in self.rows:
            if row[0] > watermark:
                break
            was[row[1]] = row[3:]
        for _id, key, kind, *values in self.since(watermark):
            before = was.get(key)
            if kind != "~" or before is None or any(values[i] != before[i] for i in at):
                return True
        return False


@contextlib.contextmanager
def history_since_read_once(model: type[Model], fields, scope: tuple) -> Iterator[None]:
    """Within it, `changed_since(model, w, some of fields)`, `added_or_deleted_since(model,
    w)` and `keys_since(model, w)` are answered from one read of `model`'s history (see
    `_Since`; on PostgreSQL; elsewhere each asks as outside). `scope`: what the
    watermarks asked depend on (e.g. a page's kind and filters). Only for reading a
    page: a write inside is not seen by a question answered from an earlier read (as a
    page's stamps, `core.cache.stamps_read_once`)."""
    if connection.vendor != "postgresql":
        yield
        return
    floor_key = (*scope, model._meta.label)
    reader = _Since(model, tuple(fields), _SINCE_FLOORS.get(floor_key))
    token = _SINCE.set({**(_SINCE.get() or {}), model: reader})
    try:
        yield
    finally:
        _SINCE.reset(token)
        if reader.asked is not None:
            if floor_key not in _SINCE_FLOORS and len(_SINCE_FLOORS) >= _SINCE_SCOPES:
                _SINCE_FLOORS.clear()
            _SINCE_FLOORS[floor_key] = reader.asked


def _since_reader(model: type[Model], fields=()) -> _Since | None:
    """The request's reader of `model`'s history, if it reads `fields`."""
    reader = (_SINCE.get() or {}).get(model)
    return reader if reader is not None and set(fields) <= set(reader.fields) else None


def _history_since_read(model: type[Model], watermark: int, fields: tuple):
    """`_Since`'s one query: each history row of `model` after `watermark` (id order)
    with its object's `fields` in its newest row up to the watermark (a lateral probe,
    as `_changed_since_sql`)."""
    history = model.history.model
    quote = connection.ops.quote_name
    table = quote(history._meta.db_table)
    key = quote(history._meta.get_field(model._meta.pk.attname).column)
    columns = [quote(history._meta.get_field(f).column) for f in fields]
    sql = (
        f"SELECT s.history_id, s.{key}, s.history_type"
        + "".join(f", s.{c}" for c in columns)
        + f", b.{key} IS NOT NULL"
        + "".join(f", b.{c}" for c in columns)
        + f" FROM {table} AS s LEFT JOIN LATERAL (SELECT {key}"
        + "".join(f", {c}" for c in columns)
        + f" FROM {table} AS t WHERE t.{key} = s.{key} AND t.history_id <= %s"
        " ORDER BY t.history_id DESC LIMIT 1) AS b ON TRUE"
        " WHERE s.history_id > %s ORDER BY s.history_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [watermark, watermark])
        found = cursor.fetchall()
    n = len(fields)
    rows, before = [], {}
    for row in found:
        rows.append(tuple(row[: 3 + n]))
        if row[3 + n] and row[1] not in before:
            before[row[1]] = tuple(row[4 + n :])
    return rows, before


def added_or_deleted_since(model: type[Model], watermark: int) -> bool | None:
    """Whether a row of `model` was added or deleted by the history after `watermark`,
    from the request's read (`history_since_read_once`); None outside one."""
    reader = _since_reader(model)
    if reader is None:
        return None
    return any(row[2] != "~" for row in reader.covering(watermark).since(watermark))


def keys_since(model: type[Model], watermark: int) -> set | None:
    """The keys of `model`'s rows with history after `watermark`, from the request's read
    (`history_since_read_once`); None outside one."""
    reader = _since_reader(model)
    if reader is None:
        return None
    return {row[1] for row in reader.covering(watermark).since(watermark)}


def changed_since(model: type[Model], watermark: int, fields) -> bool:
    """Whether any row of `model` was created, deleted or had one of `fields` changed by
    the history written after the history row `watermark` (ids only grow): each history
    row since against its object's row just before the watermark. For a result built
    from `fields` alone, kept across the edits that change other fields
    (`core.cache.kept`). Within `history_since_read_once` from its read; else on
    PostgreSQL one query (`_changed_since_sql`), elsewhere two (`_changed_since_orm`)."""
    reader = _since_reader(model, fields)
    if reader is not None:
        return reader.covering(watermark).changed(watermark, fields)
    if connection.vendor == "postgresql":
        return _changed_since_sql(model, watermark, fields)
    return _changed_since_orm(model, watermark, fields)


def _changed_since_orm(model: type[Model], watermark: int, fields) -> bool:
    """`changed_since` in two small queries: the history rows since, and each object's
    row just before them."""
    history = history_model(model)
    key = model._meta.pk.attname
    since = list(
        history.objects.filter(history_id__gt=watermark)
        .order_by()
        .values_list(key, "history_type", *fields)
    )
    if not since:
        return False
    if any(row[1] != "~" for row in since):
        return True
    before = (
        history.objects.filter(**{f"{key}__in": {row[0] for row in since}})
        .filter(history_id__lte=watermark)
        .values(key)
        .annotate(last=Max("history_id"))
        .values("last")
    )
    was = {
        row[0]: row[1:]
        for row in history.objects.filter(history_id__in=before).values_list(key, *fields)
    }
    return any(was.get(row[0]) != row[2:] for row in since)


def _changed_since_sql(model: type[Model], watermark: int, fields) -> bool:
    """`changed_since` in one query (PostgreSQL): whether a history row since is not a
    change, or has no row of its object before the watermark, or differs from that row
    (its newest by history id, a lateral probe of the object's rows) in one of `fields`
    (NULL-safe, as the rows' tuples compare)."""
    history = history_model(model)
    quote = connection.ops.quote_name
    table = quote(history._meta.db_table)
    key = quote(history._meta.get_field(model._meta.pk.attname).column)
    columns = [quote(history._meta.get_field(f).column) for f in fields]
    differs = ["s.history_type <> '~'", f"b.{key} IS NULL"]
    if columns:
        differs.append(
            f"ROW({', '.join(f's.{c}' for c in columns)}) IS DISTINCT FROM "
            f"ROW({', '.join(f'b.{c}' for c in columns)})"
        )
    sql = (
        f"SELECT EXISTS (SELECT 1 FROM {table} AS s LEFT JOIN LATERAL (SELECT {key}"
        + "".join(f", {c}" for c in columns)
        + f" FROM {table} AS t WHERE t.{key} = s.{key} AND t.history_id <= %s"
        " ORDER BY t.history_id DESC LIMIT 1) AS b ON TRUE"
        f" WHERE s.history_id > %s AND ({' OR '.join(differs)}))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [watermark, watermark])
        return cursor.fetchone()[0]


def as_of_values(
    model: type[Model],
    at: datetime.datetime,
    fields,
    *,
    within: tuple[str, list] | None = None,
) -> list[tuple]:
    """`as_of_queryset(model, at).values_list(*fields)` (filtered to rows whose field
    `within[0]` is in `within[1]`) as plain tuples in key order, for reading many rows.

    On PostgreSQL one probe per key of the (key, history_date, history_id) index
    (`LATERAL … LIMIT 1` over the keys' range) instead of DISTINCT ON's walk of every
    history row up to the moment: half the time for the ratings' history (270,000 rows of
    20,000 milestones), and no model field converts the values (dates, numbers, text)."""
    history = history_model(model)
    key = model._meta.pk.attname
    if connection.vendor != "postgresql":
        rows = as_of_queryset(model, at)
        if within is not None:
            rows = rows.filter(**{f"{within[0]}__in": within[1]})
        return list(rows.order_by(key).values_list(*fields))
    quote = connection.ops.quote_name
    table = quote(history._meta.db_table)
    columns = ", ".join(f"h.{quote(history._meta.get_field(f).column)}" for f in fields)
    column = quote(history._meta.get_field(key).column)
    params: list = [at]
    extra = ""
    if within is not None:
        extra = f" AND h.{quote(history._meta.get_field(within[0]).column)} = ANY(%s)"
        params.append(list(within[1]))
    if has_validity(history):
        # The rows whose range holds the moment (`as_of_queryset`): one range index scan.
        rows = f"{table} AS h WHERE tstzrange(h.history_date, h.valid_until) @> %s::timestamptz"
    else:
        # The latest row per key at or before the moment: one probe per key.
        rows = (
            f"generate_series((SELECT MIN({column}) FROM {table}), "
            f"(SELECT MAX({column}) FROM {table})) AS g(k) CROSS JOIN LATERAL "
            f"(SELECT * FROM {table} AS t WHERE t.{column} = g.k AND t.history_date <= %s "
            "ORDER BY t.history_date DESC, t.history_id DESC LIMIT 1) AS h WHERE TRUE"
        )
    sql = f"SELECT {columns} FROM {rows} AND h.history_type <> '-'{extra} ORDER BY h.{column}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def bulk_update_with_history(objs, model, fields, *, user, reason: str, batch_size: int = 1000):
    """Update many rows of `model` at once, each with its history row (user, reason).

    On PostgreSQL one `UPDATE … FROM (VALUES …)` per batch: Django's `bulk_update`
    builds a CASE expression per field and row, which for thousands of rows costs
    more than the database. Returns the history rows written (for the caller's
    many-to-many snapshots)."""
    objs = list(objs)
    if not objs:
        return []

    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, fields, batch_size=batch_size)
    else:
        concrete = [model._meta.get_field(name) for name in fields]
        pk = model._meta.pk
        columns = [pk, *concrete]
        casts = ", ".join(f"%s::{f.db_type(connection)}" for f in columns)
        sets = ", ".join(f'"{f.column}" = v."{f.column}"' for f in concrete)
        names = ", ".join(f'"{f.column}"' for f in columns)
        table = model._meta.db_table
        with connection.cursor() as cursor:
            for start in range(0, len(objs), batch_size):
                batch = objs[start : start + batch_size]
                params = [
                    f.get_db_prep_save(getattr(obj, f.attname), connection)
                    for obj in batch
                    for f in columns
                ]
                values = ", ".join(f"({casts})" for _ in batch)
                cursor.execute(
                    f'UPDATE "{table}" AS t SET {sets} FROM (VALUES {values}) AS v({names}) '
                    f'WHERE t."{pk.column}" = v."{pk.column}"',
                    params,
                )
    return history_from_live(model, [obj.pk for obj in objs], user=user, reason=reason)


def history_from_live(
    model,
    pks,
    *,
    user,
    reason: str,
    history_type: str = "~",
    batch_size: int = 5000,
    at: datetime.datetime | None = None,
) -> list[tuple[int, int]]:
    """A history row for each of the rows `pks` of `model`, copied from the table as it
    now is, with one date (`at`, else now), the user and the reason: one `INSERT … SELECT`
    per batch.
    django-simple-history's `bulk_history_create` builds a model instance per row and
    then an INSERT of every value, which for thousands of rows costs seconds.
    Returns (history id, object id) pairs (for the caller's many-to-many snapshots)."""
    pks = list(pks)
    if not pks:
        return []
    history = history_model(model)
    quote = connection.ops.quote_name
    own = {f.column for f in model._meta.concrete_fields}
    copied = [f.column for f in history._meta.concrete_fields if f.column in own]
    names = ", ".join(quote(c) for c in copied)
    pk = quote(model._meta.pk.column)
    # PostgreSQL: the ids as one array (`= ANY(%s)`); thousands of placeholders cost
    # psycopg more to split out of the statement than the database to run it.
    array = connection.vendor == "postgresql"
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({names}, history_date, "
        "history_user_id, history_change_reason, history_type) "
        f"SELECT {names}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
        f"WHERE {pk} {'= ANY(%s)' if array else 'IN ({marks})'} "
        f"ORDER BY {pk} RETURNING history_id, {pk}"
    )
    now = at or timezone.now()
    user_id = getattr(user, "pk", None)
    written = []
    with connection.cursor() as cursor:
        for start in range(0, len(pks), batch_size):
            batch = pks[start : start + batch_size]
            if array:
                cursor.execute(sql, [now, user_id, reason or None, history_type, batch])
            else:
                cursor.execute(
                    sql.format(marks=", ".join(["%s"] * len(batch))),
                    [now, user_id, reason or None, history_type, *batch],
                )
            written += [tuple(row) for row in cursor.fetchall()]
    return written
