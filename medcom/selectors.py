"""Reads of MedCom's matrix, for its pages, the switch-off gate and the status report.

The matrix page's queries do not grow with the data: one query for the message
types, one for the suppliers, and aggregates grouped by supplier, message type,
direction and state. A row's lateness is the milestones' rule (`milestones.rag`)
with the message type's cut-over as the baseline. The pages are cached as HTML
under `data_version()` (`core.cache.page_html`, see `medcom.views`).
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q, Value
from django.utils import timezone
from django.utils.translation import ngettext

from core.cache import cached, kept, stamp
from core.history import as_of_queryset, changed_since
from milestones.rag import BaselineDate, MilestoneRag, Rag, milestone_rag
from parties.models import Membership, Party
from register.models import Entry
from register.selectors import (
    Burndown,
    BurndownPoint,
    _end_of_day,
    month_end,
    next_month_end,
)

from .models import (
    CERTIFIED_STATES,
    SHORT_LABELS,
    STATE_RANK,
    Certification,
    CertState,
    Direction,
    MessageType,
)

SUPPLIERS_PER_PAGE = 25
TYPES_PER_PAGE = 12
# A message type's page lists its rows a page at a time (100 suppliers send or receive
# a type over about 70 rows).
ROWS_PER_PAGE = 25
PROGRESS_MONTHS = 24
# The status report's look-ahead for cut-overs.
CUTOVER_HORIZON_MONTHS = 3
# A cached page lives at most this long (writes that bypass history are seen then).
PAGE_CACHE_SECONDS = 600
# What the matrix, a message type's page and a supplier's page show: rows, types,
# suppliers and their systems' names, the suppliers' reporters.
PAGE_MODELS = (Certification, MessageType, Party, Entry, Membership)


def data_version() -> tuple:
    """The data-version stamp of MedCom's pages (`core.cache.stamp`, one query): it
    changes whenever a row, a message type, a supplier, a system or a membership is
    saved through the services."""
    return stamp(models=PAGE_MODELS)


# What the matrix reads of a certification row (`matrix`): its supplier's system, message
# type, direction and state. An edit of anything else (a note, a reference, a planned
# date) leaves every matrix page as it was (`matrix_version`).
MATRIX_ROW_FIELDS = ("entry_id", "message_type_id", "direction", "state")
# What a message type's and a supplier's pages read of a row: all but its note (and what
# every save changes, its version and time): a note edited leaves them as they were
# (`row_pages_version`).
ROW_PAGE_FIELDS = tuple(
    field.attname
    for field in Certification._meta.concrete_fields
    if field.name not in ("id", "note", "version", "updated_at")
)


@dataclass(frozen=True)
class _MatrixMark:
    """The certification history at which what a page reads of the rows last changed
    (`shown`), as checked up to the history row `checked`: nothing of its fields
    (`MATRIX_ROW_FIELDS`, `ROW_PAGE_FIELDS`) changed between the two."""

    shown: tuple
    checked: int


def _history_id(value: str) -> int:
    """A stamp's history id (`core.cache.stamp` gives text; "None" for an empty table)."""
    return int(value) if value not in ("None", "") else 0


def matrix_version(version: tuple | None = None) -> tuple:
    """The stamp of the matrix's pages: MedCom's data version (`data_version()`, or the
    one read already) with the certification rows' part replaced by the newest history
    that changed what the matrix reads of them (`MATRIX_ROW_FIELDS`), so that a row's note
    edited leaves the matrix warm. After an edit one check, `core.history.changed_since`
    (one query on PostgreSQL) from the history last checked; its answer is kept under the
    stamp read, so the requests after it make no query for it."""
    return _shown_version("matrix", MATRIX_ROW_FIELDS, version)


def row_pages_version(version: tuple | None = None) -> tuple:
    """The stamp of a message type's and a supplier's pages, as `matrix_version` for what
    they read of the rows (`ROW_PAGE_FIELDS`): a row's note edited leaves them warm."""
    return _shown_version("row-pages", ROW_PAGE_FIELDS, version)


def _shown_version(name: str, fields: tuple, version: tuple | None) -> tuple:
    """MedCom's data version with the rows' part the newest history that changed
    `fields` of a row (`matrix_version`), kept under `name`."""
    version = version or data_version()
    rows_part, newest = version[:2], _history_id(version[0])
    # A mark that held up to now is stored again checked up to now (its `shown` kept), so
    # the next check reads only the history after this one, not all since the mark was
    # first built (the bench's edits: hundreds of one row's, each probing its history).
    last: dict = {"checked": None, "shown": None}

    def holds(found: _MatrixMark) -> bool:
        if found.checked == newest:
            return True
        if last["checked"] != found.checked:  # asked again under the lock: checked once
            unchanged = found.checked < newest and not changed_since(
                Certification, found.checked, fields
            )
            last.update(checked=found.checked, shown=found.shown if unchanged else None)
        return False

    def mark() -> _MatrixMark:
        return kept(
            "medcom",
            (f"{name}-mark", 1),
            lambda: _MatrixMark(last["shown"] or rows_part, newest),
            still_holds=holds,
            seconds=PAGE_CACHE_SECONDS,
        )

    shown = cached(
        "medcom", (f"{name}-shown", 1, rows_part), lambda: mark().shown, seconds=PAGE_CACHE_SECONDS
    )
    return (*shown, *version[2:])


# ---------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MatrixFilters:
    state: str | None = None
    family: str | None = None
    supplier: Party | None = None


@dataclass
class Badge:
    """One direction of a cell: the least advanced state of the supplier's systems."""

    direction: str
    direction_label: str
    state: str
    label: str
    short_label: str
    systems: int


@dataclass
class Cell:
    message_type: MessageType
    badges: list[Badge] = field(default_factory=list)


@dataclass
class MatrixRow:
    supplier: Party
    cells: list[Cell]
    total: int = 0
    certified: int = 0


@dataclass
class Matrix:
    message_types: list[MessageType]
    rows: list[MatrixRow]
    supplier_page: object
    type_page: object
    columns: list[tuple[MessageType, int, int]]  # (message type, certified, rows)
    by_state: list[tuple[str, str, int]]
    total: int


def filtered_rows(access, filters: MatrixFilters):
    rows = Certification.objects.visible_to(access).order_by()
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.family:
        rows = rows.filter(message_type__family=filters.family)
    if filters.supplier is not None:
        rows = rows.filter(entry__supplier=filters.supplier)
    return rows


def matrix(access, filters: MatrixFilters, *, supplier_page=1, type_page=1) -> Matrix:
    """Suppliers (rows) × message types (columns), a page of each, with the counts of
    certified rows per supplier and per message type over every page."""
    rows = filtered_rows(access, filters)
    types = MessageType.objects.all()
    if filters.family:
        types = types.filter(family=filters.family)
    # Both are read whole (tens of types, a hundred or so suppliers) and paged here: one
    # query each, not a count and a page.
    types_paged = Paginator(list(types), TYPES_PER_PAGE).get_page(type_page)
    message_types = list(types_paged.object_list)
    supplier_ids = rows.values("entry__supplier_id")
    suppliers = list(Party.objects.filter(pk__in=supplier_ids).order_by("name"))
    suppliers_paged = Paginator(suppliers, SUPPLIERS_PER_PAGE).get_page(supplier_page)
    page_suppliers = list(suppliers_paged.object_list)
    page_ids = [s.pk for s in page_suppliers]

    cells: dict[tuple[int, int, str], dict[str, int]] = defaultdict(dict)
    for supplier_id, type_id, direction, state, n in (
        rows.filter(entry__supplier_id__in=page_ids, message_type__in=message_types)
        .values_list("entry__supplier_id", "message_type_id", "direction", "state")
        .annotate(n=Count("id"))
    ):
        cells[(supplier_id, type_id, direction)][state] = n
    per_supplier: dict[int, Counter] = defaultdict(Counter)
    for supplier_id, state, n in (
        rows.filter(entry__supplier_id__in=page_ids)
        .values_list("entry__supplier_id", "state")
        .annotate(n=Count("id"))
    ):
        per_supplier[supplier_id][state] += n
    # Per message type and state over every row: the columns' counts (the page's types)
    # and, summed, the counts by state.
    per_type: dict[int, Counter] = defaultdict(Counter)
    by_state: Counter = Counter()
    for type_id, state, n in rows.values_list("message_type_id", "state").annotate(n=Count("id")):
        per_type[type_id][state] += n
        by_state[state] += n

    # The labels translated once, not once per badge (a page has ~600).
    directions = [(direction, str(label)) for direction, label in Direction.choices]
    labels = {
        state: (str(CertState(state).label), str(SHORT_LABELS[state])) for state in STATE_RANK
    }
    matrix_rows = []
    for supplier in page_suppliers:
        row_cells = []
        for message_type in message_types:
            badges = []
            for direction, direction_label in directions:
                states = cells.get((supplier.pk, message_type.pk, direction))
                if not states:
                    continue
                worst = min(states, key=lambda s: (STATE_RANK[s], s != CertState.REJECTED))
                badges.append(
                    Badge(direction, direction_label, worst, *labels[worst], sum(states.values()))
                )
            row_cells.append(Cell(message_type, badges))
        counts = per_supplier[supplier.pk]
        matrix_rows.append(
            MatrixRow(
                supplier,
                row_cells,
                total=sum(counts.values()),
                certified=sum(counts[s] for s in CERTIFIED_STATES),
            )
        )
    columns = [
        (t, sum(per_type[t.pk][s] for s in CERTIFIED_STATES), sum(per_type[t.pk].values()))
        for t in message_types
    ]
    return Matrix(
        message_types=message_types,
        rows=matrix_rows,
        supplier_page=suppliers_paged,
        type_page=types_paged,
        columns=columns,
        by_state=[
            (value, str(label), by_state.get(value, 0)) for value, label in CertState.choices
        ],
        total=sum(by_state.values()),
    )


# ---------------------------------------------------------------------------
# A row's lateness against the cut-over
# ---------------------------------------------------------------------------
def row_rag(row: Certification, *, today: datetime.date) -> MilestoneRag:
    """The row rated by the milestones' rule: the message type's cut-over is its baseline."""
    message_type = row.message_type
    baseline = (
        BaselineDate(message_type.cutover_date, message_type.cutover_precision)
        if message_type.cutover_date
        else None
    )
    return milestone_rag(row, baseline_entry=baseline, today=today)


@dataclass
class RatedRow:
    row: Certification
    rag: MilestoneRag

    @property
    def is_late(self) -> bool:
        return self.rag.rag in (Rag.RED, Rag.YELLOW)


def _rated(rows, today) -> list[RatedRow]:
    return [RatedRow(r, row_rag(r, today=today)) for r in rows]


@dataclass
class MessageTypeStatus:
    message_type: MessageType
    rows: list[RatedRow]
    certified: list[RatedRow]
    not_certified: list[RatedRow]
    late: list[RatedRow]
    not_ready_at_cutover: int

    # The page's views of the rows (`?vis=`): late first, then the rest not certified,
    # then the certified; or one of the three groups.
    VIEWS = ("forsinket", "ikke-certificeret", "certificeret")

    def listed(self, view: str) -> list[RatedRow]:
        """The rows of a view, each once (`VIEWS`; anything else: every row)."""
        if view == "forsinket":
            return self.late
        if view == "ikke-certificeret":
            return self.not_certified
        if view == "certificeret":
            return self.certified
        return sorted(self.rows, key=lambda r: (not r.is_late, r.row.is_certified))


def message_type_status(message_type, access, *, today: datetime.date) -> MessageTypeStatus:
    """Who is certified, who is not, who is late against the cut-over (the rows the
    person may read)."""
    rows = list(
        Certification.objects.visible_to(access)
        .filter(message_type=message_type)
        .select_related("entry", "entry__supplier", "message_type")
        .order_by("entry__supplier__name", "entry__name", "direction")
    )
    rated = _rated(rows, today)
    return MessageTypeStatus(
        message_type=message_type,
        rows=rated,
        certified=[r for r in rated if r.row.is_certified],
        not_certified=[r for r in rated if not r.row.is_certified],
        late=[r for r in rated if r.is_late],
        not_ready_at_cutover=sum(1 for r in rows if not_ready_at_cutover(r)),
    )


def not_ready_at_cutover(row: Certification) -> bool:
    """The cut-over has a date and the row was not in production by its end."""
    end = row.message_type.cutover_period_end
    if end is None or end >= timezone.localdate():
        return False
    return not (row.in_production_on and row.in_production_on <= end)


@dataclass
class SupplierStatus:
    supplier: Party
    systems: list  # (entry, [RatedRow])
    overdue: list[RatedRow]
    contacts: list


def supplier_status(supplier: Party, *, today: datetime.date) -> SupplierStatus:
    """A supplier's systems and their rows, its overdue rows and its reporters."""
    rows = list(
        Certification.objects.filter(entry__supplier=supplier)
        .select_related("entry", "message_type")
        .order_by("entry__name", "message_type__code", "direction")
    )
    rated = _rated(rows, today)
    by_entry: dict[int, list[RatedRow]] = defaultdict(list)
    for r in rated:
        by_entry[r.row.entry_id].append(r)
    systems = [(e, by_entry.get(e.pk, [])) for e in supplier.maintained_register_entries.all()]
    contacts = list(
        Membership.objects.filter(party=supplier, role=Membership.Role.REPORTER)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    return SupplierStatus(
        supplier=supplier,
        systems=systems,
        overdue=[r for r in rated if r.is_late],
        contacts=[m.user for m in contacts],
    )


def work_list(access):
    """MedCom's work list: rows ready for test or in test, oldest first."""
    return (
        Certification.objects.visible_to(access)
        .filter(state__in=[CertState.READY_FOR_TEST, CertState.IN_TEST])
        .select_related("entry", "entry__supplier", "message_type")
        .order_by("ready_for_test_on", "entry__supplier__name", "message_type__code")
    )


# ---------------------------------------------------------------------------
# Over time
# ---------------------------------------------------------------------------
def progress(*, at: datetime.datetime | None = None) -> Burndown:
    """Certified rows (`actual`) and rows in production (`forecast`) at each month end
    from history, as the burn-down's points (so the house chart draws them)."""
    today = timezone.localdate(at) if at else timezone.localdate()
    history = Certification.history.order_by("history_date", "history_id")
    if at is not None:
        history = history.filter(history_date__lte=at)
    events = list(history.values_list("id", "history_date", "history_type", "state"))
    points: list[BurndownPoint] = []
    if events:
        start = month_end(timezone.localdate(events[0][1]))
        oldest = today.replace(day=1)
        for _ in range(PROGRESS_MONTHS - 1):
            oldest = (oldest - datetime.timedelta(days=1)).replace(day=1)
        start = max(start, month_end(oldest))
        current: dict[int, str] = {}
        index = 0
        month = start
        while True:
            cut_date = min(month, today)
            cut = _end_of_day(cut_date) if at is None or cut_date < today else at
            while index < len(events) and events[index][1] < cut:
                pk, _when, kind, state = events[index]
                if kind == "-":
                    current.pop(pk, None)
                else:
                    current[pk] = state
                index += 1
            states = Counter(current.values())
            points.append(
                BurndownPoint(
                    cut_date,
                    actual=states[CertState.CERTIFIED] + states[CertState.IN_PRODUCTION],
                    forecast=states[CertState.IN_PRODUCTION],
                )
            )
            if month >= today:
                break
            month = next_month_end(month)
    return Burndown(points=points, switch_off=None, today=today)


def not_ready_by_type() -> list[tuple[MessageType, int, int]]:
    """Per message type whose cut-over has passed: (type, rows not in production by
    its end, rows)."""
    rows = Certification.objects.select_related("message_type").only(
        "in_production_on", "message_type"
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    types = {}
    for row in rows:
        end = row.message_type.cutover_period_end
        if end is None or end >= timezone.localdate():
            continue
        types[row.message_type_id] = row.message_type
        counts[row.message_type_id][1] += 1
        if not_ready_at_cutover(row):
            counts[row.message_type_id][0] += 1
    return [(types[pk], n, total) for pk, (n, total) in counts.items() if types]


# ---------------------------------------------------------------------------
# The switch-off gate and the status report
# ---------------------------------------------------------------------------
@dataclass
class GateStatus:
    tracked: bool
    total: int
    not_ready: int
    types: int
    left: list[tuple[str, str]]  # (what, message type key) of the first rows not ready


def gate(*, at: datetime.datetime | None = None, limit: int = 10) -> GateStatus:
    """Every message type certified and in production for every supplier system that
    sends or receives it (as it stood at `at`). Not tracked while no message type or
    row is registered. What is left is named by message type (no supplier's rows, so
    every member may read it), the most rows first."""
    # Counted by one aggregate over the rows as they stood (not 4,000 rows read to count).
    counted = (
        as_of_queryset(Certification, at)
        .values("message_type_id")
        .annotate(n=Count("id"), waiting=Count("id", filter=~Q(state=CertState.IN_PRODUCTION)))
        .order_by()
    )
    total = 0
    waiting: Counter = Counter()
    for row in counted:
        total += row["n"]
        if row["waiting"]:
            waiting[row["message_type_id"]] = row["waiting"]
    # By the message type's own id (a history row's `pk` is its history id).
    types = {t.id: t for t in as_of_queryset(MessageType, at).only("id", "code", "key")}
    if not total or not types:
        return GateStatus(tracked=False, total=total, not_ready=0, types=len(types), left=[])
    left = []
    for type_id, n in sorted(
        waiting.items(), key=lambda item: (-item[1], getattr(types.get(item[0]), "code", ""))
    )[:limit]:
        message_type = types.get(type_id)
        if message_type is None:
            continue
        left.append(
            (
                ngettext("%(code)s: %(n)s række", "%(code)s: %(n)s rækker", n)
                % {"code": message_type.code, "n": n},
                message_type.key,
            )
        )
    return GateStatus(
        tracked=True,
        total=total,
        not_ready=sum(waiting.values()),
        types=len(types),
        left=left,
    )


def state_counts(at: datetime.datetime | None) -> dict[str, int]:
    return states_counted(at)[0]


def states_counted(*moments: datetime.datetime | None) -> list[dict[str, int]]:
    """The matrix's rows counted by state as they stood at each of `moments` (None: now),
    in one query: an aggregate per moment (not its 4,000 rows read to count), joined by
    UNION ALL in SQL (Django's `union` writes the as-of subquery's order by position; each
    part a derived table, as SQLite takes no parenthesised SELECT in a compound one)."""
    parts, params = [], []
    for i, at in enumerate(moments):
        sql, part_params = (
            as_of_queryset(Certification, at)
            .values("state")
            .annotate(n=Count("id"), moment=Value(i))
            .values_list("moment", "state", "n")
            .order_by()
            .query.sql_with_params()
        )
        parts.append(f"SELECT * FROM ({sql}) AS counted_{i}")
        params.extend(part_params)
    found = [dict.fromkeys(CertState.values, 0) for _at in moments]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for i, state, n in cursor.fetchall():
            if state in found[i]:
                found[i][state] = n
    return found


def cutovers_within(*, today: datetime.date, months: int = CUTOVER_HORIZON_MONTHS):
    """Message types whose cut-over ends within `months` from today, each with the
    suppliers (names) not yet certified for it."""
    from milestones.rag import add_months

    horizon = add_months(today, months)
    soon = [
        t
        for t in MessageType.objects.exclude(cutover_date=None)
        if today <= t.cutover_period_end <= horizon
    ]
    waiting: dict[int, set[str]] = defaultdict(set)
    for type_id, supplier in (
        Certification.objects.filter(message_type__in=soon)
        .exclude(state__in=CERTIFIED_STATES)
        .values_list("message_type_id", "entry__supplier__name")
    ):
        waiting[type_id].add(supplier or "")
    return [(t, sorted(waiting.get(t.pk, ()))) for t in sorted(soon, key=lambda t: t.cutover_date)]
