"""A past moment's figures stored once computed (`models.MomentSnapshot`): the dashboard
at `?som_den_var=` (`selectors.status.dashboard`) and its "Kan SHAK slukkes?" summary
(`selectors.switch_off.switch_off`) read the cache, then the stored row, then compute
and store (write-through): a moment asked once is never computed again, in any worker,
after a restart. Filled ahead for the days just ended by the daily beat task
(`tasks.moment_snapshots_store`) and for days back by `build_moment_snapshots`.

Keyed as the cache keys a past moment: by the stamps of the data as it stood then (any
history row written since with a date at or before the moment moves them), the day, the
filters and the active language (the figures hold words translated while they were
built), digested (`key_of`); and by the packing's format (`FORMAT`: the shape of the
dataclasses pickled, so a deploy that changes them reads no old row; other formats are
pruned, `prune`). A failed read or write never fails the page: it is logged and the
figures computed as before.
"""

import dataclasses
import datetime
import hashlib
import logging
import pickle
import time
import typing
import zlib
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone, translation

from core.cache import cached

from .models import MomentSnapshot

logger = logging.getLogger(__name__)

DASHBOARD = "dashboard"
SWITCH_OFF = "switch-off"
# A past moment's dashboard sections as HTML (`reports.views.dashboard._sections`), keyed
# by what each shows, not by the stamps: their own format (`html_format`).
SECTIONS = "sections"
# A past moment's dashboard main content as HTML (`reports.views.dashboard._past_main`),
# the minute in holes, keyed by what it shows: the sections' format (`html_format`).
PAGE = "page"

# Raise when what is pickled changes in a way the dataclasses' fields do not show (a
# field's meaning, a value's type).
_MANUAL_VERSION = 2  # 2: the rows' own `__reduce__`, not a pickler of this module's


def _shape(roots) -> list[tuple[str, tuple[str, ...]]]:
    """Every dataclass reachable from `roots` by their fields' types, with its fields."""
    seen: dict[type, tuple[str, ...]] = {}
    queue = list(roots)

    def types_in(hint):
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            yield hint
        for arg in typing.get_args(hint):
            yield from types_in(arg)

    while queue:
        cls = queue.pop()
        if cls in seen:
            continue
        seen[cls] = tuple(f.name for f in dataclasses.fields(cls))
        try:
            hints = typing.get_type_hints(cls)
        except Exception:  # a hint naming what the module imports for typing only
            hints = {}
        for hint in hints.values():
            queue.extend(types_in(hint))
    return sorted((f"{c.__module__}.{c.__qualname__}", names) for c, names in seen.items())


def _format() -> int:
    from .selectors.status import Dashboard
    from .selectors.switch_off import SwitchOff

    shape = repr((_MANUAL_VERSION, _shape((Dashboard, SwitchOff))))
    return zlib.crc32(shape.encode()) & 0x7FFFFFFF


_FORMAT: int | None = None


def current_format() -> int:
    """The packing's format: the manual version and the dataclasses' shape, as one number."""
    global _FORMAT
    if _FORMAT is None:
        _FORMAT = _format()
    return _FORMAT


# Raise when the HTML a section renders to changes by code that `html_format` does not
# read (a view's context, a template tag outside the modules listed there).
_HTML_VERSION = 2  # 2: the main content stored (PAGE), the switch-off section shared
# What the dashboard's stored sections are rendered by: their templates (and what they
# include), the template tags' modules and the compiled catalogues.
_HTML_SOURCES = (
    "templates/reports/_dashboard_main.html",
    "templates/reports/_dashboard_body.html",
    "templates/reports/_point_banner.html",
    "templates/reports/_filter_fields.html",
    "templates/_track_select.html",
    "templates/reports/_board_switch_off.html",
    "templates/reports/_switch_off_summary.html",
    "templates/register/_state.html",
    "templates/reports/_board_status.html",
    "templates/reports/_party_table.html",
    "templates/reports/_board_slipped.html",
    "templates/reports/_board_blockers.html",
    "templates/reports/_board_due_done.html",
    "templates/reports/_board_round.html",
    "templates/reports/_round_table.html",
    "templates/reports/_board_rollout.html",
    "templates/reports/_rollout.html",
    "templates/reports/_milestone_link.html",
    "templates/governance/_confidence_level.html",
    "reports/templatetags/board.py",
    "reports/templatetags/switch_off.py",
    "reports/templatetags/filter_form.py",
    "parties/templatetags/ui.py",
    "core/forms.py",
    "milestones/templatetags/plan.py",
    "milestones/dates.py",
)
_HTML_FORMAT: int | None = None


def html_format() -> int:
    """The stored sections' format: the figures' format, `_HTML_VERSION` and the bytes of
    what renders them (`_HTML_SOURCES`, every catalogue under `LOCALE_PATHS`), as one
    number: a deploy that changes a template, a tag or a translation reads no old HTML."""
    global _HTML_FORMAT
    if _HTML_FORMAT is None:
        from django.conf import settings

        base = settings.BASE_DIR
        paths = [base / name for name in _HTML_SOURCES]
        for locale in settings.LOCALE_PATHS:
            paths += sorted(locale.glob("*/LC_MESSAGES/*.mo"))
        digest = zlib.crc32(repr((_HTML_VERSION, current_format())).encode())
        for path in paths:
            digest = zlib.crc32(path.read_bytes() if path.exists() else b"-", digest)
        _HTML_FORMAT = digest & 0x7FFFFFFF
    return _HTML_FORMAT


_HTML_KINDS = (SECTIONS, PAGE)


def _format_of(kind: str) -> int:
    return html_format() if kind in _HTML_KINDS else current_format()


def key_of(parts: tuple) -> str:
    """The stored row's key of `parts` (stamps, day, filters) in the active language."""
    return hashlib.sha256(repr((*parts, translation.get_language())).encode()).hexdigest()


def pack(value) -> bytes:
    """`value` pickled (the slotted rows pickle as their fields' values by their own
    `__reduce__`, `milestones.rag.pickled_as_fields`) and compressed."""
    return zlib.compress(pickle.dumps(value, protocol=5), 6)


def unpack(data) -> object:
    return pickle.loads(zlib.decompress(bytes(data)))


def _guarded(what: str, run: Callable[[], object]):
    """`run()`, or None when the database (or the unpickling) fails: logged, never raised.
    Inside a transaction in a savepoint, so a failed statement leaves it usable."""
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                return run()
        return run()
    except Exception:  # the database, or a row that no longer unpickles (a class gone)
        logger.exception("Moment snapshot %s failed", what)
        return None


def read(kind: str, key: str):
    """The stored value of `key` (`key_of`) in the current format, or None."""

    def run():
        data = _read_data(kind, key)
        return None if data is None else unpack(data)

    return _guarded("read", run)


def read_many(kind: str, keys) -> dict[str, object]:
    """The stored values of `keys` in the kind's format, by key (one query); {} if it failed."""

    def run():
        rows = MomentSnapshot.objects.filter(
            kind=kind, format=_format_of(kind), key__in=list(keys)
        ).values_list("key", "data")
        return {key: unpack(data) for key, data in rows}

    return _guarded("read", run) or {}


def store_many(kind: str, day: datetime.date, values: dict[str, object]) -> bool:
    """Store each of `values` under its key (once: rows already there are left), in one
    statement; False if it failed."""
    if not values:
        return True

    def run():
        MomentSnapshot.objects.bulk_create(
            [
                MomentSnapshot(kind=kind, format=_format_of(kind), key=key, day=day, data=pack(v))
                for key, v in values.items()
            ],
            ignore_conflicts=True,
        )
        return True

    return bool(_guarded("write", run))


def store(kind: str, key: str, day: datetime.date, value) -> bool:
    """Store `value` under `key` (once: a row already there is left); False if it failed."""
    return bool(_guarded("write", lambda: _store_data(kind, key, day, pack(value))))


# How long a stored value is kept in the cache, packed.
CACHE_SECONDS = 600


def stored_or_built[T](kind: str, parts: tuple, day: datetime.date, build: Callable[[], T]) -> T:
    """The value stored under `parts`, else `build()`'s, stored; kept in the cache as
    it is stored, packed (caching its bytes is a copy, where caching the figures pickled
    them again: ~10 ms a new moment), and built once however many ask at the same time
    (`core.cache.cached`)."""
    key = key_of(parts)

    def packed() -> bytes:
        found = _guarded("read", lambda: _read_data(kind, key))
        if found is not None:
            return found
        data = pack(build())
        _guarded("write", lambda: _store_data(kind, key, day, data))
        return data

    data = cached("moment-store", (kind, _format_of(kind), key), packed, seconds=CACHE_SECONDS)
    try:
        return unpack(data)
    except Exception:  # a row that no longer unpickles (a class gone): computed again
        logger.exception("Moment snapshot read failed")
        return build()


def _read_data(kind: str, key: str) -> bytes | None:
    data = (
        MomentSnapshot.objects.filter(kind=kind, format=_format_of(kind), key=key)
        .values_list("data", flat=True)
        .first()
    )
    return None if data is None else bytes(data)


def _store_data(kind: str, key: str, day: datetime.date, data: bytes) -> bool:
    MomentSnapshot.objects.bulk_create(
        [MomentSnapshot(kind=kind, format=_format_of(kind), key=key, day=day, data=data)],
        ignore_conflicts=True,
    )
    return True


def ensure(kind: str, parts: tuple, day: datetime.date, build: Callable[[], object]) -> int:
    """Store `build()` under `parts` unless a row is there already: 1 if it stored."""
    key = key_of(parts)
    if MomentSnapshot.objects.filter(kind=kind, format=current_format(), key=key).exists():
        return 0
    return int(store(kind, key, day, build()))


def prune() -> int:
    """Delete the rows of another format than the current (a deploy changed the shape,
    or, for the sections' HTML, what renders them)."""
    from django.db.models import Q

    return (
        MomentSnapshot.objects.exclude(kind__in=_HTML_KINDS, format=html_format())
        .exclude(~Q(kind__in=_HTML_KINDS), format=current_format())
        .delete()[0]
    )


def demo_forget(*, by=None) -> dict[str, int]:
    """Empty the store after the demo data is loaded (the last of `DEMO_DATA_EXTRA_LOADERS`):
    the demo's loaders write history dated in the past, which a stamp at a moment stored
    before them need not see (`core.cache.stamp` reads each history's newest row at the
    moment), so what was stored may no longer be what the data says. Each moment is
    computed again on its first visit (the demo is small). `by` as the other loaders."""
    deleted = MomentSnapshot.objects.all().delete()[0]
    return {"gemte tidligere tidspunkter glemt": deleted} if deleted else {}


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _first_minute_with(when: datetime.datetime) -> datetime.datetime:
    """The first minute a reader can ask (`?som_den_var=` is to the minute) whose data
    holds a change made at `when` (a moment reads history dated at or before it)."""
    minute = when.replace(second=0, microsecond=0)
    return minute if minute == when else minute + datetime.timedelta(minutes=1)


def moments_of_days(first: datetime.date, last: datetime.date) -> dict:
    """For each day from `first` to `last`, a moment of every state its data held: its
    start, the first minute after each change that day (any history the stamps watch,
    `snapshot.WATCHED_MODELS` and MedCom's) and its end (23:59). Distinct minutes only;
    two with the same stamps are the same state (one row, `ensure`)."""
    from medcom.models import Certification, MessageType

    from .selectors import snapshot

    start, end = _day_start(first), _day_start(last + datetime.timedelta(days=1))
    changes: set[datetime.datetime] = set()
    for model in (*snapshot.WATCHED_MODELS, Certification, MessageType):
        changes.update(
            model.history.filter(history_date__gte=start, history_date__lt=end)
            .order_by()
            .values_list("history_date", flat=True)
            .distinct()
        )
    days: dict[datetime.date, set[datetime.datetime]] = {}
    day = first
    while day <= last:
        days[day] = {_day_start(day), day_end(day)}
        day += datetime.timedelta(days=1)
    for when in changes:
        minute = _first_minute_with(when)
        day = timezone.localdate(minute)
        if day in days and minute <= day_end(day):
            days[day].add(minute)
    return {day: sorted(moments) for day, moments in days.items()}


def store_moment(at: datetime.datetime) -> int:
    """The unfiltered dashboard's figures and its switch-off summary at `at` (a past
    moment), stored unless there: the rows written (0-2), in the active language; then
    its sections' HTML for each set of rights (`views.dashboard.sections_store`)."""
    from .selectors import status, switch_off
    from .selectors.moments import point_in_time

    point = point_in_time(at)
    if point.at is None:
        return 0
    written = ensure(
        DASHBOARD,
        status.moment_parts(status.dashboard_parts(point, None, None)),
        point.today,
        lambda: status.dashboard_build(point, None, None),
    )
    written += ensure(
        SWITCH_OFF,
        switch_off.moment_parts(point.at, point.today, None, None),
        point.today,
        lambda: switch_off.summary_computed(point.at, point.today),
    )
    from .views.dashboard import sections_store

    sections_store(point)
    return written


def store_days(first: datetime.date, last: datetime.date, *, languages=None) -> dict:
    """Every state of the days from `first` to `last` (`moments_of_days`) stored in each
    of `languages` (default: the site's, `settings.LANGUAGE_CODE`; a reader of another
    computes and stores a moment on its first visit); prunes other formats first.
    Returns counts: moments, rows written, bytes written."""
    from django.conf import settings

    pruned = prune()
    moments = moments_of_days(first, last)
    before = _bytes()
    written = 0
    for language in languages or [settings.LANGUAGE_CODE]:
        with translation.override(language):
            for day_moments in moments.values():
                for at in day_moments:
                    written += store_moment(at)
    return {
        "days": len(moments),
        "moments": sum(map(len, moments.values())),
        "written": written,
        "bytes": _bytes() - before,
        "pruned": pruned,
    }


def _bytes() -> int:
    from django.db.models import Sum
    from django.db.models.functions import Length

    return MomentSnapshot.objects.aggregate(n=Sum(Length("data")))["n"] or 0


def day_end(day: datetime.date) -> datetime.datetime:
    """The last minute a reader can ask of `day` (23:59 Europe/Copenhagen): the day's
    state at its end, which every minute after the day's last change shares."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))


def backfill(days: int, *, languages=None, today: datetime.date | None = None) -> str:
    """Every state of the `days` days back from yesterday stored (`store_days`); the
    line the commands print about it (days, moments, rows and bytes written, seconds)."""
    from core.dates import today as today_get

    started = time.perf_counter()
    last = (today or today_get()) - datetime.timedelta(days=1)
    found = store_days(last - datetime.timedelta(days=days - 1), last, languages=languages)
    per_day = found["bytes"] / found["days"] if found["days"] else 0
    return (
        f"Tidligere tidspunkter gemt: {found['days']} dage, {found['moments']} tidspunkter, "
        f"{found['written']} rækker skrevet ({found['bytes'] / 1e6:.1f} MB, "
        f"{per_day / 1e3:.0f} kB pr. dag), {found['pruned']} forældede slettet, "
        f"på {time.perf_counter() - started:.0f} s"
    )
