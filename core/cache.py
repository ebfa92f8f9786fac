"""Data-version stamps, and results and page HTML cached under them.

A page declares the models it depends on; `stamp(models=...)` reads the newest
history row (id and date) of each in one query, so any save through the
services (which always writes a history row, `core.history`) changes the
stamp and a cached entry keyed by it is simply not found again. Models without
history (a baseline's entries) are watched by their newest id (`rows=`).

Writes that bypass history (QuerySet.update, bulk_create) are not seen until
the cached entry expires. A model may declare history rows that change nothing a
cached page shows (`STAMP_QUIET_HISTORY`, e.g. a progress update's draft saved
again): its stamps leave them out.

A past moment has its own stamp (`stamp(..., at=moment)`): the newest history row at
or before it (by date, then id: one index probe per history). Services date their history rows now, so that stamp never changes
after the moment: edits made since leave a point-in-time page warm, and every
moment between two changes on the same day shares one entry (the stamp and the
day are the key, not the minute asked for). Its value is kept under the live stamp
(`_stamp_query`): a warm past page reads the live stamp's cheap query instead.
"""

import contextlib
import contextvars
import datetime
import hashlib
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as _DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as _DjangoRedisClient
from django.db import connection
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import translation

from .dates import today
from .sql import compiled_once

# The stamps read once for a whole request (`stamps_read_once`):
# (at, "history" or "rows", model) -> its values.
_SCOPE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("stamp_scope", default=None)


@contextlib.contextmanager
def stamps_read_once(
    *,
    models: Sequence[type[Model]],
    rows: Sequence[type[Model]] = (),
    at: datetime.datetime | None = None,
) -> Iterator[None]:
    """Within it, every `stamp(...)` of these models (and `rows`) at `at` is answered from
    one query read on entry, instead of one query per caller: a page whose pieces each
    ask for the stamp of what they read reads them all at once. Only for reading a page
    (a write inside would not be seen); other models and moments query as before. At a
    past moment the live stamp read to key it (`_stamp_query`) answers their live stamps
    too (a past page's pieces that read the data as it is now)."""
    live = _read_stamp(models, rows, None) if at is not None else None
    found = _stamp_query(models, rows, at, live=live)
    known = dict(_SCOPE.get() or {})
    for when, values in ((at, found), (None, live)) if live else ((at, found),):
        for i, model in enumerate(models):
            known[(when, "history", model)] = values[2 * i : 2 * i + 2]
        for i, model in enumerate(rows):
            known[(when, "rows", model)] = values[2 * len(models) + i : 2 * len(models) + i + 1]
    token = _SCOPE.set(known)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def stamp(
    *,
    models: Sequence[type[Model]],
    rows: Sequence[type[Model]] = (),
    at: datetime.datetime | None = None,
    counts: Sequence[type[Model]] = (),
) -> tuple:
    """A stamp that changes whenever a row of `models` (with history) or a new row of
    `rows` (without history) is saved: one query, the same for the same lists.

    With `at`, the stamp of the data as it stood then: the newest history at or
    before `at` (rows without history are watched whole, as they are read whole).

    `counts`: the number of rows of each of these models now, last in the stamp, read
    in the same query (a page that is shown otherwise when large asks it with its stamp).
    Inside `stamps_read_once` for these models (and no `counts`), no query."""
    known = _SCOPE.get()
    if known is not None and not counts:
        try:
            return (
                *(v for m in models for v in known[(at, "history", m)]),
                *(v for m in rows for v in known[(at, "rows", m)]),
            )
        except KeyError:
            pass
    return _stamp_query(models, rows, at, counts)


# How long a past moment's stamp is kept under the live stamp (`_stamp_query`).
STAMP_AT_SECONDS = 3600


def _stamp_query(models, rows, at, counts=(), live=None) -> tuple:
    """The stamp's one query; at a past moment its value kept under the live stamp
    (`live`, when the caller has read it)."""
    if at is not None and not counts:
        # A past moment's stamp reads each history's newest row at the moment (an index
        # probe each, `_stamp_sql`; it walked each history back to the moment before).
        # It moves only with a history row written since (dated at or before the
        # moment), which moves the live stamp too (newest ids, one cheap query): every
        # request with the same live data reuses it.
        live = live or _read_stamp(models, rows, None)
        return cached(
            "core",
            (
                "stamp-at",
                1,
                tuple(m._meta.label for m in models),
                tuple(m._meta.label for m in rows),
                at.isoformat(),
                live,
            ),
            lambda: _read_stamp(models, rows, at),
            seconds=STAMP_AT_SECONDS,
            once=False,  # one index probe per history: cheaper than the lock
        )
    return _read_stamp(models, rows, at, counts)


def _read_stamp(models, rows, at, counts=()) -> tuple:
    sql, _none = _stamp_sql_once(tuple(models), tuple(rows), at is not None, tuple(counts))
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


def _quiet_sql(model) -> str:
    """The condition that leaves out the history rows `model` declares quiet (its
    `STAMP_QUIET_HISTORY`, history field -> value: rows that change nothing a cached
    page shows, e.g. a draft saved again); "" when it declares none."""
    quiet = getattr(model, "STAMP_QUIET_HISTORY", None)
    if not quiet:
        return ""
    quote = connection.ops.quote_name
    matches = " AND ".join(
        f"{quote(field)} = '{str(value).replace(chr(39), chr(39) * 2)}'"
        for field, value in quiet.items()
    )
    return f"NOT COALESCE({matches}, FALSE)"


def history_newest_sql(model, where: str = "") -> str:
    """A subquery for the newest history row's id of `model` among those `where` picks (a
    condition on its history table, e.g. "activity_id = $1"), its quiet rows left out as
    `stamp` leaves them: for a stamp of one record's rows rather than a whole model's
    (an activity's page, `milestones.selectors.activity_page_stamp`), run by
    `stamp_sql_read`."""
    table = connection.ops.quote_name(model.history.model._meta.db_table)
    conditions = [c for c in (where, _quiet_sql(model)) if c]
    # With a condition, `history_id + 0`: for MAX(history_id) the planner would walk the
    # whole history backwards by its key, filtering for the few rows (15 ms for one
    # activity's progress updates), instead of reading those few by their index.
    newest = "MAX(history_id + 0)" if where else "MAX(history_id)"
    return (
        f"(SELECT {newest} FROM {table}"
        + (" WHERE " + " AND ".join(f"({c})" for c in conditions) if conditions else "")
        + ")"
    )


def stamp_sql_read(sql: str, value) -> tuple:
    """The values of a stamp query of one parameter (`$1`, as many times as it is used;
    parts from `history_newest_sql`), as text like `stamp`'s: prepared once per kept
    connection, as `stamp`'s are (planning its subqueries costs more than running them)."""
    with connection.cursor() as cursor:
        name = _prepared(cursor, sql)
        if name:
            cursor.execute(f"EXECUTE {name}(%s)", [value])
        else:
            cursor.execute(sql.replace("$1", "%s"), [value] * sql.count("$1"))
        return tuple(str(v) for v in cursor.fetchone())


@compiled_once
def _stamp_sql_once(models: tuple, rows: tuple, past: bool, counts: tuple) -> tuple[str, tuple]:
    """The stamp's SQL per list of models, built once per process (`core.sql`, the one home
    of that): looking up `Model.history` builds a manager class each time."""
    return _stamp_sql(models, rows, past=past, counts=counts), ()


def _stamp_sql(with_history, without_history, *, past: bool = False, counts=()) -> str:
    quote = connection.ops.quote_name
    parts = []
    for model in with_history:
        table = quote(model.history.model._meta.db_table)
        conditions = [c for c in ("history_date <= $1" if past else "", _quiet_sql(model)) if c]
        where = " WHERE " + " AND ".join(conditions) if conditions else ""
        if past:
            # The newest history row dated at or before the moment, read backwards from
            # the moment on the history's (history_date, id) index (`SIMPLE_HISTORY_DATE_
            # INDEX = "composite"`): one probe, however much history was written since.
            # `MAX(history_id) … WHERE history_date <= $1` walked the id index down from
            # the newest row, through every row dated after the moment (the progress
            # updates' half a year of history). Its id is the row's, the newest by date
            # (ties by id): that of `MAX(history_id)` wherever the history was written in
            # date order, as the services write it (dated now).
            parts.append(
                f"(SELECT history_id FROM {table}{where}"
                " ORDER BY history_date DESC, history_id DESC LIMIT 1)"
            )
        else:
            parts.append(f"(SELECT MAX(history_id) FROM {table}{where})")
        parts.append(f"(SELECT MAX(history_date) FROM {table}{where})")
    for model in without_history:
        parts.append(f"(SELECT MAX(id) FROM {quote(model._meta.db_table)})")
    for model in counts:
        parts.append(f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)})")
    return "SELECT " + ", ".join(parts)


def _key(namespace: str, parts: tuple) -> str:
    """The cache key of `parts` in `namespace`, for the active language (see `cached`)."""
    parts = (*parts, translation.get_language())
    return f"sorplan:{namespace}:" + hashlib.sha256(repr(parts).encode()).hexdigest()


# ---------------------------------------------------------------------------
# Reading ahead: one round trip for the entries a page reads
# ---------------------------------------------------------------------------
# A cold page (the dashboard after an edit) builds its content from some 25 cached pieces,
# each asked of the cache on its own: on Redis 25 round trips, more of a cold request's
# time than its queries on a loaded machine. Within `read_ahead(scope)` the first build
# (an entry missing, its lock taken) also reads, in the same round trip, every entry that
# the last build in the same scope found in this process; the pieces are then answered
# from what was read. A warm page asks few entries outside any build (the dashboard four:
# its HTML, the switch-off section's register part, the governance section's shape and
# HTML), each a round trip of its own and most of what a warm page pays beyond the
# trivial page: the scope's first read of the cache also reads, in the same round trip,
# every entry the scope's last request asked outside a build. Reading an entry earlier
# in the same request changes no answer: an entry's key holds the stamps of what it is
# built from, and a kept entry is checked (`still_holds`) when it is used, as when it is
# read; an entry that was missing is asked again through the lock (`_once`), which reads
# the cache itself.
_AHEAD: contextvars.ContextVar["_ReadAhead | None"] = contextvars.ContextVar(
    "cache_read_ahead", default=None
)
# Per process: scope -> the keys its last build found (at most `_AHEAD_MOST` each, for at
# most `_AHEAD_SCOPES` scopes; a scope past that starts again with none).
_AHEAD_KEYS: dict[tuple, tuple[str, ...]] = {}
# Per process: scope -> the keys its last request asked outside a build (as many scopes;
# past that the oldest is forgotten: a past moment's scope is its minute, of which the
# load test asks many once).
_AHEAD_ASKED: dict[tuple, tuple[str, ...]] = {}
_AHEAD_MOST = 100
_AHEAD_SCOPES = 200


class _ReadAhead:
    """What one request's scope read ahead (`read`, None until its first read of the
    cache; `asked`, every key asked of the cache so far), the keys asked outside a build
    (`outside`) and those found since its first build (`found`), remembered for the next
    request; `building`, the builds under way; `built`, whether the build's read-ahead
    was done; `builds`, whether it is done at all (`read_ahead(builds=)`)."""

    def __init__(self, scope: tuple, builds: bool):
        self.scope = scope
        self.builds = builds
        self.read: dict | None = None
        self.asked: set[str] = set()
        self.outside: dict[str, None] = {}
        self.found: dict[str, None] = {}
        self.building = 0
        self.built = False

    def get_many(self, keys: list[str]) -> dict:
        if not self.building:
            self.outside.update(dict.fromkeys(keys))
        if self.read is None:
            # The scope's first read: with it what its last request asked outside a build.
            ahead = [key for key in _AHEAD_ASKED.get(self.scope, ()) if key not in keys]
            found = cache.get_many([*keys, *ahead])
            self.read = {key: found[key] for key in ahead if key in found}
            self.asked = {*keys, *ahead}
            return {key: found[key] for key in keys if key in found}
        found = {key: self.read[key] for key in keys if key in self.read}
        unread = [key for key in keys if key not in self.asked]
        if unread:
            found.update(cache.get_many(unread))
            self.asked.update(unread)
        if self.built:
            self.found.update(dict.fromkeys(key for key in keys if key in found))
        return found


@contextlib.contextmanager
def read_ahead(*scope, builds: bool = True) -> Iterator[None]:
    """Within it, the first read of the cache also reads every entry the scope's last
    request asked outside a build, and the first build of a missing entry every entry the
    scope's last build found, each in one round trip with its own (`scope`: what the
    entries read depend on, e.g. a page's kind, the reader's rights and its query string;
    the language is added). `builds=False`: a scope whose builds ask other entries each
    time (a past moment's, another day's): only the first."""
    scope = (*scope, translation.get_language())
    state = _ReadAhead(scope, builds)
    token = _AHEAD.set(state)
    try:
        yield
    finally:
        _AHEAD.reset(token)
        if state.outside:
            _AHEAD_ASKED.pop(scope, None)
            if len(_AHEAD_ASKED) >= _AHEAD_SCOPES:
                _AHEAD_ASKED.pop(next(iter(_AHEAD_ASKED)))
            _AHEAD_ASKED[scope] = tuple(state.outside)[:_AHEAD_MOST]
        if state.built:
            if scope not in _AHEAD_KEYS and len(_AHEAD_KEYS) >= _AHEAD_SCOPES:
                _AHEAD_KEYS.clear()
            _AHEAD_KEYS[scope] = tuple(state.found)[:_AHEAD_MOST]


def _get(key: str):
    """`cache.get(key)`, answered from what was read ahead (`read_ahead`) where it was."""
    state = _AHEAD.get()
    if state is None:
        return cache.get(key)
    return state.get_many([key]).get(key)


def _get_many(keys: list[str]) -> dict:
    """`cache.get_many(keys)`, answered from what was read ahead where it was."""
    state = _AHEAD.get()
    return cache.get_many(keys) if state is None else state.get_many(keys)


def _found_and_read_ahead(keys: list[str]) -> dict:
    """`cache.get_many(keys)` asked of the cache itself, not of what was read ahead; in the
    same round trip, at a scope's first build, the entries its last build found (kept for
    `_get`)."""
    state = _AHEAD.get()
    if state is None or state.built or not state.builds:
        return cache.get_many(keys)
    state.built = True
    ahead = [
        key
        for key in _AHEAD_KEYS.get(state.scope, ())
        if key not in keys and key not in state.asked
    ]
    found = cache.get_many([*keys, *ahead])
    if state.read is None:
        state.read = {}
    state.read.update({key: found[key] for key in ahead if key in found})
    state.asked.update(ahead)
    return {key: found[key] for key in keys if key in found}


def _read_ahead_forget(keys) -> None:
    """Entries just stored: not answered from what was read before."""
    state = _AHEAD.get()
    if state is not None and state.read is not None:
        for key in keys:
            state.read.pop(key, None)
            state.asked.discard(key)


@contextlib.contextmanager
def _building() -> Iterator[None]:
    """A build under way: the entries it asks are not asked outside a build."""
    state = _AHEAD.get()
    if state is not None:
        state.building += 1
    try:
        yield
    finally:
        if state is not None:
            state.building -= 1


# A missing entry is built once (single flight): the first asker takes a lock in the
# cache (`cache.add`, atomic on Redis and in local memory) and builds; the others wait
# for the value, polling every `_POLL` seconds for up to `settings.CACHE_BUILD_WAIT`,
# then build it themselves (a slow or lost builder costs time, never an error or a wrong
# page). The lock expires by itself after `_LOCK_SECONDS` should its holder die.
_POLL = 0.05
_LOCK_SECONDS = 60


def _wait_seconds() -> float:
    return float(getattr(settings, "CACHE_BUILD_WAIT", 30.0))


def _once[T](
    lock: str, keys: list[str], build: Callable[[], T], ready: Callable[[dict], T | None]
) -> T:
    """`build()` run by one asker of `keys` at a time (under the cache lock `lock`), or
    the value that another asker's build stored: `ready(found)` turns what the cache
    holds of `keys` into the value, or None while it is not there (or no longer holds).
    Waits at most `settings.CACHE_BUILD_WAIT`, then builds without the lock."""
    deadline = time.monotonic() + _wait_seconds()
    token = uuid.uuid4().hex
    while True:
        if cache.add(lock, token, _LOCK_SECONDS):
            try:
                # Stored by a builder that finished since this asker looked; in the same
                # round trip, the entries a build in this scope found last time
                # (`read_ahead`).
                value = ready(_found_and_read_ahead(keys))
                if value is not None:
                    return value
                with _building():
                    return build()
            finally:
                # Not a lock that another asker took after ours expired.
                if cache.get(lock) == token:
                    cache.delete(lock)
        while True:
            if time.monotonic() >= deadline:
                with _building():
                    return build()
            time.sleep(_POLL)
            found = cache.get_many([*keys, lock])
            if lock not in found:
                break
        value = ready(found)
        if value is not None:
            return value
        # The builder failed (or its result no longer holds): the next takes the lock.


def _stored[T](key: str, build: Callable[[], T], seconds: int) -> Callable[[], T]:
    """`build`, its result stored under `key` for `seconds`."""

    def build_and_store() -> T:
        value = build()
        cache.set(key, value, seconds)
        _read_ahead_forget([key])
        return value

    return build_and_store


def cached[T](
    namespace: str, parts: tuple, build: Callable[[], T], *, seconds: int, once: bool = True
) -> T:
    """`build()`'s result, cached for `seconds` under `parts` (a stamp among them) in
    the app's `namespace`; built again when the parts change or the entry expires.
    Built once however many ask at the same time (see `_once`); with `once=False` by each
    asker, without the lock's four round trips (for a build as cheap as one query: a
    stamp at a moment, a past dashboard read from the moment store).

    Keyed by the active language too: a result may hold words translated while it was
    built (a track's name, a status), which must not reach a reader of the other."""
    key = _key(namespace, parts)
    value = _get(key)
    if value is not None:
        return value
    if not once:
        return _stored(key, build, seconds)()
    return _once(
        f"{key}:building", [key], _stored(key, build, seconds), lambda found: found.get(key)
    )


def kept[T](
    namespace: str,
    parts: tuple,
    build: Callable[[], T],
    *,
    still_holds: Callable[[T], bool],
    seconds: int,
) -> T:
    """`build()`'s result cached under `parts` (the stamps of what always changes it) and
    reused while `still_holds(result)`: for a result that many edits of its data leave
    as it is, which `still_holds` tells from the edits since it was built (e.g. their
    history after a watermark kept in the result). Built again and replaced otherwise,
    once however many ask at the same time (see `_once`).
    Keyed by the active language too (see `cached`)."""
    key = _key(namespace, parts)
    value = _get(key)
    if value is not None and still_holds(value):
        return value

    def ready(found: dict) -> T | None:
        value = found.get(key)
        return value if value is not None and still_holds(value) else None

    return _once(f"{key}:building", [key], _stored(key, build, seconds), ready)


def cached_many[K, T](
    namespace: str,
    parts: dict[K, tuple],
    build: Callable[[list[K]], dict[K, T]],
    *,
    seconds: int,
) -> dict[K, T]:
    """Many results at once, each cached under its own `parts` (one round trip to the
    cache); `build(missing)` computes those not found, in one go: once for the same
    missing set however many ask at the same time (see `_once`)."""
    keys = {item: _key(namespace, p) for item, p in parts.items()}
    found = _get_many(list(keys.values()))
    result = {item: found[key] for item, key in keys.items() if key in found}
    missing = [item for item in parts if item not in result]
    if not missing:
        return result
    missing_keys = sorted(keys[item] for item in missing)

    def build_and_store() -> dict[K, T]:
        built = build(missing)
        cache.set_many({keys[item]: built[item] for item in missing}, seconds)
        _read_ahead_forget(missing_keys)
        return built

    def ready(found: dict) -> dict[K, T] | None:
        if any(key not in found for key in missing_keys):
            return None
        return {item: found[keys[item]] for item in missing}

    result.update(_once(_many_lock(namespace, missing_keys), missing_keys, build_and_store, ready))
    return result


def kept_many[K, T](
    namespace: str,
    parts: dict[K, tuple],
    build: Callable[[list[K]], dict[K, T]],
    *,
    still_holding: Callable[[dict[K, T]], set[K]],
    seconds: int,
) -> dict[K, T]:
    """`cached_many` whose found results are reused only while `still_holding(found)`
    (given all of them at once, so one check serves many) names them, as `kept` does
    for one; the others are built again with those not found, in one go (`build` may
    leave out an item it finds nothing for: it is not in the result). Built once for the
    same missing set however many ask at the same time (see `_once`): a waiter takes the
    builder's stored results once they hold (an item the build left out is not stored,
    so its waiters build it themselves)."""
    keys = {item: _key(namespace, p) for item, p in parts.items()}
    found = _get_many(list(keys.values()))
    result = {item: found[key] for item, key in keys.items() if key in found}
    stale: dict[str, T] = {}
    if result:
        holding = still_holding(result)
        stale = {keys[item]: value for item, value in result.items() if item not in holding}
        result = {item: value for item, value in result.items() if item in holding}
    missing = [item for item in parts if item not in result]
    if not missing:
        return result
    missing_keys = sorted(keys[item] for item in missing)

    def build_and_store() -> dict[K, T]:
        built = build(missing)  # may leave out an item it finds nothing for
        cache.set_many({keys[item]: value for item, value in built.items()}, seconds)
        _read_ahead_forget(missing_keys)
        return built

    def ready(found: dict) -> dict[K, T] | None:
        if any(key not in found for key in missing_keys):
            return None
        # Entries found stale above and not stored again since need no second check.
        if any(found[key] == value for key, value in stale.items()):
            return None
        stored = {item: found[keys[item]] for item in missing}
        return stored if still_holding(stored) >= set(missing) else None

    result.update(_once(_many_lock(namespace, missing_keys), missing_keys, build_and_store, ready))
    return result


def _many_lock(namespace: str, keys: list[str]) -> str:
    """The single-flight lock of building the entries `keys` (sorted) at once."""
    return f"sorplan:{namespace}:building:" + hashlib.sha256("|".join(keys).encode()).hexdigest()


def page_html(
    request,
    *,
    namespace: str,
    parts: tuple,
    build: Callable[[], tuple[str, dict]],
    seconds: int,
    once: bool = True,
) -> tuple[str, dict]:
    """A page's main content as HTML, from `build()` -> (template, context), cached
    under `parts` (the page's kind, the stamp of its dependencies and the reader's
    rights that change it), the day, the full query string and the language; `once` as
    `cached`'s.

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
    html = cached(namespace, key, render_content, seconds=seconds, once=once)
    return html, context


# ---------------------------------------------------------------------------
# The cache backend: Django's Redis cache, its client kept
# ---------------------------------------------------------------------------


class _KeptRedisClient(_DjangoRedisClient):
    """Django's Redis cache client builds a new `redis.Redis` for every operation, and
    each builds its table of some 170 response callbacks: about 0.1-0.3 ms, more than the
    command itself (a cold dashboard asks the cache 50 times). One `redis.Redis` per
    connection pool instead; it is safe to share between threads (the pool hands each
    command a connection)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(_DjangoRedisCache):
    """`django.core.cache.backends.redis.RedisCache` with its client kept
    (`_KeptRedisClient`); the settings use it wherever the cache URL names Redis."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _KeptRedisClient
