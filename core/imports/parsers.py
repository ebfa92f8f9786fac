"""The per-column parsers: each takes the normalised cell (None when empty) and
returns a value or raises CellError with a Danish message. Dates come as a day, a
month, a quarter or a year, with their precision."""

import datetime
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from .spec import CellError


def _suggested_key(value: str) -> str:
    danish = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})
    return slugify(value.lower().translate(danish))


def slug_key(*, example: str = "region-midt-epj") -> Callable[[Any], str]:
    """A record's stable key: small letters, digits and hyphens (a suggestion when not)."""

    def parse_key(cell) -> str:
        value = str(cell)
        if slugify(value) != value:
            raise CellError(
                _(
                    "«%(value)s» kan ikke bruges som nøgle: kun små bogstaver, tal og bindestreger (fx %(example)s)."
                )
                % {"value": value, "example": _suggested_key(value) or example}
            )
        return value

    return parse_key


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
