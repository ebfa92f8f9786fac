"""The one import engine: a spreadsheet (.xlsx, or .csv in UTF-8 with `;` or `,`) in,
validated all or nothing, previewed, then upserted by key.

An app describes its file with an `ImportSpec`: the columns (Danish headers, a
parser each), which column is the key, and three callbacks: `prepare` (load what
exists, once), `changes` (what a row would change: None for a new record) and
`write` (save one row, with the history reason). The engine reads the file,
parses every cell, and collects *every* error as "Række N, kolonne «X»: …" (N is
the row number the spreadsheet program shows); with one error nothing is
written. A dry run stops after the preview. Formula-looking cells are read as
the text they hold, never evaluated.

The engine knows no domain: parties, states and the like are the spec's parsers.
"""

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .spreadsheets import is_formula_like

MAX_ROWS = 20_000


class CellError(ValueError):
    """A cell's value cannot be read; the message says why, in Danish."""


class ImportRefused(Exception):
    """The file was not imported; `errors` lists every reason (nothing was written)."""

    def __init__(self, errors: Sequence[str]):
        super().__init__("; ".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class Column:
    """One column of the file: its Danish header, the name the spec uses, its parser."""

    header: str
    name: str
    parse: Callable[[Any], Any]
    required: bool = False
    hint: str = ""
    # The values a person may pick (the template's drop-down list).
    choices: Sequence[str] = ()


@dataclass
class Row:
    number: int
    values: dict[str, Any]


@dataclass
class Change:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"

    row: Row
    action: str
    fields: list[str] = field(default_factory=list)  # headers of the changed columns

    @property
    def key(self):
        return self.row.values.get("_key")


@dataclass
class ImportResult:
    filename: str
    dry_run: bool
    changes: list[Change]

    def _with(self, action):
        return [c for c in self.changes if c.action == action]

    @property
    def created(self) -> list[Change]:
        return self._with(Change.CREATE)

    @property
    def updated(self) -> list[Change]:
        return self._with(Change.UPDATE)

    @property
    def unchanged(self) -> list[Change]:
        return self._with(Change.UNCHANGED)

    @property
    def written(self) -> int:
        return 0 if self.dry_run else len(self.created) + len(self.updated)


class ImportSpec:
    """What a file holds and how a row is saved. Subclass per kind of file."""

    columns: Sequence[Column] = ()
    key: str = "key"

    def prepare(self, rows: list[Row]) -> None:
        """Load what the rows refer to and what exists, once (not per row)."""

    def check(self, row: Row) -> Iterable[tuple[str | None, str]]:
        """Rules across a row's columns: (column name or None, message) for each problem."""
        return ()

    def changes(self, row: Row) -> list[str] | None:
        """The names of the columns this row would change; None when it is new."""
        raise NotImplementedError

    def write(self, row: Row, *, reason: str) -> None:
        raise NotImplementedError

    def write_new(self, rows: list[Row], *, reason: str) -> list[Row]:
        """Create several new records at once (a large first import); return the rows
        left for `write`. By default every row goes through `write`."""
        return rows

    def reason(self, filename: str) -> str:
        # History's reason is data, kept in Danish whatever the page's language.
        return f"Importeret fra {filename}"

    # -- helpers --------------------------------------------------------------
    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def cell_error(number: int, header: str | None, message: str) -> str:
    if header is None:
        return _("Række %(row)s: %(message)s") % {"row": number, "message": message}
    return _("Række %(row)s, kolonne «%(column)s»: %(message)s") % {
        "row": number,
        "column": header,
        "message": message,
    }


# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------
def _normalise(value):
    """A cell as the parsers see it: text stripped, empty as None, dates as dates."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date()
        return value
    if isinstance(value, str):
        value = value.strip()
        # A neutralised cell written by core.spreadsheets reads back as typed.
        if value.startswith("'") and is_formula_like(value[1:]):
            value = value[1:]
        return value or None
    return value


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula cell reads as its formula's text, never its result.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportRefused([_("Filen kan ikke læses som et Excel-regneark (.xlsx).")]) from error
    try:
        ws = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 50:
                raise ImportRefused([_("Filen har mere end %(max)s rækker.") % {"max": MAX_ROWS}])
            rows.append((number, [_normalise(v) for v in values]))
        return rows
    finally:
        workbook.close()


def _csv_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            [_("Filen er ikke gemt som UTF-8. Gem den som «CSV UTF-8» og prøv igen.")]
        ) from error


def _csv_rows(text: str, delimiter: str) -> list[tuple[int, list]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    for values in reader:
        if reader.line_num > MAX_ROWS + 50:
            raise ImportRefused([_("Filen har mere end %(max)s rækker.") % {"max": MAX_ROWS}])
        rows.append((reader.line_num, [_normalise(v) for v in values]))
    return rows


def _find_header(rows, spec: ImportSpec):
    """(index in rows, {column index: Column}) of the header row: the first row
    naming the key column (title and note rows above it are allowed)."""
    by_header = {c.header.casefold(): c for c in spec.columns}
    key_header = spec.column(spec.key).header.casefold()
    for index, (_number, values) in enumerate(rows[:30]):
        headers = [str(v).casefold() if v is not None else "" for v in values]
        if key_header in headers:
            return (
                index,
                {i: by_header.get(h) for i, h in enumerate(headers) if h},
                [values[i] for i, h in enumerate(headers) if h and h not in by_header],
            )
    return None, {}, []


def read_rows(spec: ImportSpec, data: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    """The data rows as (row number, {column name: raw cell}); file-level errors refused."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        candidates = [_xlsx_rows(data)]
    elif name.endswith(".csv"):
        text = _csv_text(data)
        candidates = [_csv_rows(text, ";"), _csv_rows(text, ",")]
    else:
        raise ImportRefused(
            [_("Filen skal være et Excel-regneark (.xlsx) eller en CSV-fil (.csv).")]
        )
    for rows in candidates:
        index, columns, unknown = _find_header(rows, spec)
        if index is not None:
            break
    else:
        raise ImportRefused(
            [
                _("Filen har ingen overskriftsrække med kolonnen «%(column)s».")
                % {"column": spec.column(spec.key).header}
            ]
        )
    errors = []
    present = {c.name for c in columns.values() if c is not None}
    for column in spec.columns:
        if column.required and column.name not in present:
            errors.append(_("Filen mangler kolonnen «%(column)s».") % {"column": column.header})
    for header in unknown:
        errors.append(
            _("Kolonnen «%(column)s» kendes ikke. Brug skabelonens overskrifter.")
            % {"column": header}
        )
    if errors:
        raise ImportRefused(errors)
    out = []
    for number, values in rows[index + 1 :]:
        if all(v is None for v in values):
            continue
        out.append(
            (
                number,
                {
                    column.name: values[i] if i < len(values) else None
                    for i, column in columns.items()
                    if column is not None
                },
            )
        )
    if not out:
        raise ImportRefused([_("Filen har ingen rækker under overskrifterne.")])
    return out


# ---------------------------------------------------------------------------
# Parsing, checking, previewing, writing
# ---------------------------------------------------------------------------
def parse(spec: ImportSpec, data: bytes, filename: str) -> list[Row]:
    """Every row parsed and checked; refused with every error found."""
    errors: list[str] = []
    rows: list[Row] = []
    seen: dict[Any, int] = {}
    headers = {c.name: c.header for c in spec.columns}
    for number, raw in read_rows(spec, data, filename):
        values: dict[str, Any] = {}
        row_errors = []
        for column in spec.columns:
            if column.name not in raw:
                continue
            cell = raw[column.name]
            if cell is None and column.required:
                row_errors.append(cell_error(number, column.header, _("skal udfyldes.")))
                continue
            try:
                values[column.name] = column.parse(cell)
            except CellError as error:
                row_errors.append(cell_error(number, column.header, str(error)))
        key = values.get(spec.key)
        if key is not None and key != "":
            if key in seen:
                row_errors.append(
                    cell_error(
                        number,
                        headers[spec.key],
                        _("nøglen «%(key)s» står også i række %(other)s.")
                        % {"key": key, "other": seen[key]},
                    )
                )
            else:
                seen[key] = number
        values["_key"] = key
        errors.extend(row_errors)
        rows.append(Row(number, values))
    if errors:
        raise ImportRefused(errors)
    spec.prepare(rows)
    for row in rows:
        for name, message in spec.check(row):
            errors.append(cell_error(row.number, headers.get(name) if name else None, message))
    if errors:
        raise ImportRefused(errors)
    return rows


def run(spec: ImportSpec, data: bytes, *, filename: str, dry_run: bool = False) -> ImportResult:
    """Import a file: all rows or none. Raises ImportRefused with every error.

    A dry run returns the preview (creates, updates, unchanged) and writes nothing.
    """
    rows = parse(spec, data, filename)
    headers = {c.name: c.header for c in spec.columns}
    changes = []
    for row in rows:
        changed = spec.changes(row)
        if changed is None:
            changes.append(Change(row, Change.CREATE))
        elif changed:
            changes.append(Change(row, Change.UPDATE, [headers.get(n, n) for n in changed]))
        else:
            changes.append(Change(row, Change.UNCHANGED))
    result = ImportResult(filename=filename, dry_run=dry_run, changes=changes)
    if dry_run:
        return result
    reason = spec.reason(filename)
    with transaction.atomic():
        errors = []
        new = [c.row for c in changes if c.action == Change.CREATE]
        left = {id(row) for row in spec.write_new(new, reason=reason)} if new else set()
        for change in changes:
            if change.action == Change.UNCHANGED:
                continue
            if change.action == Change.CREATE and id(change.row) not in left:
                continue  # written by write_new
            try:
                with transaction.atomic():
                    spec.write(change.row, reason=reason)
            except ValidationError as error:
                errors.extend(_validation_messages(change.row.number, error, headers))
        if errors:
            raise ImportRefused(errors)  # leaves the outer block: nothing is kept
    return result


def _validation_messages(number: int, error: ValidationError, headers) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            cell_error(number, headers.get(name), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [cell_error(number, None, message) for message in error.messages]


# ---------------------------------------------------------------------------
# Parsers: each takes the normalised cell (None when empty) and returns a value
# or raises CellError with a Danish message.
# ---------------------------------------------------------------------------
def text(*, max_length: int | None = None, default: str = "") -> Callable[[Any], str]:
    def parse_text(value) -> str:
        if value is None:
            return default
        if isinstance(value, datetime.date):
            value = value.strftime("%d-%m-%Y")
        value = str(value)
        if max_length and len(value) > max_length:
            raise CellError(
                _("højst %(max)s tegn (her %(n)s).") % {"max": max_length, "n": len(value)}
            )
        return value

    return parse_text


def choice(options: Iterable[tuple[str, str]], *, default: str | None = None):
    """A value by its label or its stored value, case-insensitive."""
    options = [(str(value), str(label)) for value, label in options]
    lookup = {}
    for value, label in options:
        lookup[label.casefold()] = value
        lookup[value.casefold()] = value

    def parse_choice(cell):
        if cell is None:
            if default is None:
                raise CellError(_("skal udfyldes."))
            return default
        found = lookup.get(str(cell).casefold())
        if found is None:
            raise CellError(
                _("«%(value)s» er ikke en af: %(options)s.")
                % {"value": cell, "options": ", ".join(label for _v, label in options)}
            )
        return found

    return parse_choice


_TRUE = {"ja", "j", "x", "1", "sand", "true", "yes"}
_FALSE = {"nej", "n", "0", "falsk", "false", "no"}


def boolean(*, default: bool = False):
    def parse_boolean(cell) -> bool:
        if cell is None:
            return default
        if isinstance(cell, bool):
            return cell
        word = str(cell).casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise CellError(_("skriv «ja» eller «nej» (her «%(value)s»).") % {"value": cell})

    return parse_boolean


def integer(*, minimum: int | None = None):
    def parse_integer(cell) -> int | None:
        if cell is None:
            return None
        number = _number(cell)
        if number != number.to_integral_value():
            raise CellError(_("skal være et helt tal (her «%(value)s»).") % {"value": cell})
        if minimum is not None and number < minimum:
            raise CellError(_("skal være mindst %(min)s.") % {"min": minimum})
        return int(number)

    return parse_integer


def decimal(*, minimum: Decimal | None = None, places: int = 2):
    def parse_decimal(cell) -> Decimal | None:
        if cell is None:
            return None
        number = _number(cell)
        if minimum is not None and number < minimum:
            raise CellError(_("skal være mindst %(min)s.") % {"min": minimum})
        return number.quantize(Decimal(1).scaleb(-places))

    return parse_decimal


def _number(cell) -> Decimal:
    if isinstance(cell, bool):
        raise CellError(_("skal være et tal (her «%(value)s»).") % {"value": cell})
    if isinstance(cell, (int, float, Decimal)):
        return Decimal(str(cell))
    raw = str(cell).replace(" ", "").replace("\xa0", "").removesuffix("kr.").removesuffix("kr")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", raw):  # Danish thousands: 1.500.000
        raw = raw.replace(".", "")
    elif "," in raw:  # Danish: 1.234.567,50
        raw = raw.replace(".", "").replace(",", ".")
    try:
        return Decimal(raw)
    except InvalidOperation as error:
        raise CellError(_("skal være et tal (her «%(value)s»).") % {"value": cell}) from error


def lookup(load: Callable[[], dict[str, Any]], *, what: str, required: bool = False):
    """A record by any of the names `load()` returns for it (e.g. key, name, short name),
    compared case-insensitively. `load` is called once, on the first cell."""
    cache: dict[str, Any] = {}

    def parse_lookup(cell):
        if cell is None:
            if required:
                raise CellError(_("skal udfyldes."))
            return None
        if not cache:
            cache.update({str(k).casefold(): v for k, v in load().items()})
            cache.setdefault("\x00", None)  # loaded, even when empty
        found = cache.get(str(cell).casefold())
        if found is None:
            raise CellError(_("%(what)s «%(value)s» findes ikke.") % {"what": what, "value": cell})
        return found

    return parse_lookup


def many(one: Callable[[Any], Any]):
    """Several values in one cell, separated by commas or semicolons."""

    def parse_many(cell) -> list:
        if cell is None:
            return []
        return [one(part.strip()) for part in re.split(r"[,;\n]", str(cell)) if part.strip()]

    return parse_many


# -- dates -----------------------------------------------------------------
DAY, MONTH, QUARTER, YEAR = "day", "month", "quarter", "year"

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januar", "jan", "january"),
            ("februar", "feb", "february"),
            ("marts", "mar", "march"),
            ("april", "apr"),
            ("maj", "may"),
            ("juni", "jun", "june"),
            ("juli", "jul", "july"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt", "oct", "october"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_DAY_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$"), ("d", "m", "y")),
]
_MONTH_NUMERIC = [
    (re.compile(r"^(\d{4})-(\d{1,2})$"), ("y", "m")),
    (re.compile(r"^(\d{1,2})[-./](\d{4})$"), ("m", "y")),
]
_MONTH_NAMED = re.compile(r"^([a-zæøå]+)\.?\s+(\d{4})$")
_QUARTER = [
    re.compile(r"^[kq]\s*([1-4])[\s-]+(\d{4})$"),
    re.compile(r"^([1-4])\.\s*kvartal\s+(\d{4})$"),
]
_QUARTER_YEAR_FIRST = re.compile(r"^(\d{4})[\s-]+[kq]\s*([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")

DATE_HINT = "14-03-2026, marts 2026, K1 2026 eller 2026"


def _bad_date(cell) -> CellError:
    return CellError(
        _("«%(value)s» er ikke en dato; skriv fx %(examples)s.")
        % {"value": cell, "examples": DATE_HINT}
    )


def read_plan_date(cell) -> tuple[datetime.date, str]:
    """(first day of the period, precision) from a cell: a day, a month, a quarter or a year."""
    if isinstance(cell, datetime.datetime):
        return cell.date(), DAY
    if isinstance(cell, datetime.date):
        return cell, DAY
    if isinstance(cell, int) and 1900 <= cell <= 2200:
        return datetime.date(cell, 1, 1), YEAR
    raw = str(cell).strip().casefold()
    try:
        for pattern, order in _DAY_PATTERNS:
            if match := pattern.match(raw):
                parts = dict(zip(order, map(int, match.groups()), strict=True))
                return datetime.date(parts["y"], parts["m"], parts["d"]), DAY
        for pattern, order in _MONTH_NUMERIC:
            if match := pattern.match(raw):
                parts = dict(zip(order, map(int, match.groups()), strict=True))
                return datetime.date(parts["y"], parts["m"], 1), MONTH
        if match := _MONTH_NAMED.match(raw):
            month = MONTHS.get(match.group(1))
            if month:
                return datetime.date(int(match.group(2)), month, 1), MONTH
        for pattern in _QUARTER:
            if match := pattern.match(raw):
                quarter, year = int(match.group(1)), int(match.group(2))
                return datetime.date(year, 3 * quarter - 2, 1), QUARTER
        if match := _QUARTER_YEAR_FIRST.match(raw):
            year, quarter = int(match.group(1)), int(match.group(2))
            return datetime.date(year, 3 * quarter - 2, 1), QUARTER
        if match := _YEAR.match(raw):
            return datetime.date(int(match.group(1)), 1, 1), YEAR
    except ValueError as error:  # e.g. 31-02-2026
        raise _bad_date(cell) from error
    raise _bad_date(cell)


def plan_date():
    """A date with its precision: (date, precision), or (None, "day") when empty."""

    def parse_plan_date(cell):
        if cell is None:
            return None, DAY
        return read_plan_date(cell)

    return parse_plan_date


def date():
    """A day (no coarser precision)."""

    def parse_date(cell):
        if cell is None:
            return None
        value, precision = read_plan_date(cell)
        if precision != DAY:
            raise CellError(
                _("skal være en dag, fx 14-03-2026 (her «%(value)s»).") % {"value": cell}
            )
        return value

    return parse_date


def format_plan_date(value: datetime.date | None, precision: str) -> str:
    """A date as the importer reads it back (the template's and an export's form)."""
    if value is None:
        return ""
    if precision == YEAR:
        return str(value.year)
    if precision == QUARTER:
        return f"K{(value.month - 1) // 3 + 1} {value.year}"
    if precision == MONTH:
        return f"{value.month:02d}-{value.year}"
    return value.strftime("%d-%m-%Y")
