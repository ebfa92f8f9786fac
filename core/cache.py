"""Data-version stamps, and results and page HTML cached under them.

A page declares the models it depends on; `stamp(models=...)` reads the newest
history row (id and date) of each in one query, so any save through the
services (which always writes a history row, `core.history`) changes the
stamp and a cached entry keyed by it is simply not found again. Models without
history (a baseline's entries) are watched by their newest id (`rows=`).

Writes that bypass history (QuerySet.update, bulk_create) are not seen until
the cached entry expires.

A past moment has its own stamp (`stamp(..., at=moment)`): the newest history at
or before it. Services date their history rows now, so that stamp never changes
after the moment: edits made since leave a point-in-time page warm, and every
moment between two changes on the same day shares one entry (the stamp and the
day are the key, not the minute asked for).
"""

import datetime
import hashlib
import weakref
from collections.abc import Callable, Sequence

from django.core.cache import cache
from django.db import connection
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import translation

from .dates import today

# The stamp's SQL per list of models, built once: looking up `Model.history`
# builds a manager class each time.
_STAMP_SQL: dict[tuple, str] = {}


def stamp(
    *,
    models: Sequence[type[Model]],
    rows: Sequence[type[Model]] = (),
    at: datetime.datetime | None = None,
) -> tuple:
    """A stamp that changes whenever a row of `models` (with history) or a new row of
    `rows` (without history) is saved: one query, the same for the same lists.

    With `at`, the stamp of the data as it stood then: the newest history at or
    before `at` (rows without history are watched whole, as they are read whole)."""
    key = (tuple(models), tuple(rows), at is not None)
    sql = _STAMP_SQL.get(key)
    if sql is None:
        sql = _STAMP_SQL[key] = _stamp_sql(models, rows, past=at is not None)
    with connection.cursor() as cursor:
        name = _prepared(cursor, sql)
        if name:
            past = at is not None
            cursor.execute(f"EXECUTE {name}" + ("(%s)" if past else ""), [at] if past else None)
        else:
            cursor.execute(sql.replace("$1", "%s"), [at] * sql.count("$1") or None)
        return tuple(str(value) for value in cursor.fetchone())


# Planning the stamp's many subqueries costs more than running them (at the large scale
# about 5 ms planned, 1 ms run, for the dashboard's 29), and a warm page is little more
# than its stamp: on PostgreSQL each kept connection (CONN_MAX_AGE) prepares it once.
# Prepared statements belong to the session and outlive a rollback.
_PREPARED: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()


def _prepared(cursor, sql: str) -> str:
    """The name of the stamp's prepared statement on this connection ("": none); named
    by its SQL, so two threads can never give one name to two stamps."""
    if connection.vendor != "postgresql" or not connection.settings_dict.get("CONN_MAX_AGE"):
        return ""
    name = "sorplan_stamp_" + hashlib.sha256(sql.encode()).hexdigest()[:20]
    done = _PREPARED.setdefault(connection.connection, set())
    if name not in done:
        cursor.execute(f"PREPARE {name} AS {sql}")
        done.add(name)
    return name


def _stamp_sql(with_history, without_history, *, past: bool = False) -> str:
    quote = connection.ops.quote_name
    where = " WHERE history_date <= $1" if past else ""
    parts = []
    for model in with_history:
        table = quote(model.history.model._meta.db_table)
        parts.append(f"(SELECT MAX(history_id) FROM {table}{where})")
        parts.append(f"(SELECT MAX(history_date) FROM {table}{where})")
    for model in without_history:
        parts.append(f"(SELECT MAX(id) FROM {quote(model._meta.db_table)})")
    return "SELECT " + ", ".join(parts)


def _key(namespace: str, parts: tuple) -> str:
    """The cache key of `parts` in `namespace`, for the active language (see `cached`)."""
    parts = (*parts, translation.get_language())
    return f"sorplan:{namespace}:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached[T](namespace: str, parts: tuple, build: Callable[[], T], *, seconds: int) -> T:
    """`build()`'s result, cached for `seconds` under `parts` (a stamp among them) in
    the app's `namespace`; built again when the parts change or the entry expires.

    Keyed by the active language too: a result may hold words translated while it was
    built (a track's name, a status), which must not reach a reader of the other."""
    key = _key(namespace, parts)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, seconds)
    return value


def cached_many[K, T](
    namespace: str,
    parts: dict[K, tuple],
    build: Callable[[list[K]], dict[K, T]],
    *,
    seconds: int,
) -> dict[K, T]:
    """Many results at once, each cached under its own `parts` (one round trip to the
    cache); `build(missing)` computes those not found, in one go."""
    keys = {item: _key(namespace, p) for item, p in parts.items()}
    found = cache.get_many(list(keys.values()))
    result = {item: found[key] for item, key in keys.items() if key in found}
    missing = [item for item in parts if item not in result]
    if missing:
        built = build(missing)
        cache.set_many({keys[item]: built[item] for item in missing}, seconds)
        result.update(built)
    return result


def page_html(
    request,
    *,
    namespace: str,
    parts: tuple,
    build: Callable[[], tuple[str, dict]],
    seconds: int,
) -> tuple[str, dict]:
    """A page's main content as HTML, from `build()` -> (template, context), cached
    under `parts` (the page's kind, the stamp of its dependencies and the reader's
    rights that change it), the day, the full query string and the language.

    Returns (html, context); the context is empty when the HTML came from the cache.
    """
    context = {}

    def render_content() -> str:
        nonlocal context
        template, context = build()
        return render_to_string(template, context, request)

    key = (
        *parts,
        today().isoformat(),
        request.get_full_path(),
        translation.get_language(),
    )
    html = cached(namespace, key, render_content, seconds=seconds)
    return html, context
