"""The one formula-safe spreadsheet writer: every .xlsx and .csv the product writes.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` (and, in
some, a tab or carriage return before them) as a formula, so a name typed into
sorplan could become a command on the reader's machine ("CSV injection"). Every
text cell is therefore neutralised: in .xlsx it is stored as a text cell with
Excel's quote prefix (the value reads back exactly as typed, and is never a
formula); in .csv it is prefixed with an apostrophe. Numbers and real dates are
written as such (dates stay dates in .xlsx).
"""

import csv
import datetime
import io
import re
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
DATE_FORMAT = "dd-mm-yyyy"
DATETIME_FORMAT = "dd-mm-yyyy hh:mm"


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralised(value):
    """The text as a spreadsheet may show it without running it (CSV): `'` in front."""
    if is_formula_like(value):
        return "'" + value
    return value


@dataclass
class Sheet:
    """One table to write: headers, rows, and optional title and note lines above it.

    `choices` maps a column index (0-based) to the values a person may pick in
    it: the .xlsx gets a drop-down list (data validation) for that column.
    """

    headers: Sequence[str]
    rows: Iterable[Sequence] = ()
    title: str = ""
    notes: Sequence[str] = ()
    name: str = "Ark1"
    choices: dict[int, Sequence[str]] = field(default_factory=dict)
    widths: dict[int, int] = field(default_factory=dict)
    # Rows reserved for drop-downs below the data (for a template with no rows).
    validation_rows: int = 1000
    # A filter button on each header (the table's rows as the range).
    autofilter: bool = False


def _cell_value(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; callers pass local time
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if value is None:
        return None
    if isinstance(value, (int, float, Decimal, datetime.date)):
        return value
    return str(value)


class _Formats:
    """The workbook's cell formats, made once each (XlsxWriter wants one object per look)."""

    def __init__(self, workbook):
        self.workbook = workbook
        self.made = {}
        # By boldness, then text: no key tuple made and hashed for each of 150,000 cells.
        self.texts: dict[bool, dict[str, tuple[str, object]]] = {False: {}, True: {}}

    def of(self, *, bold: bool = False, number: str = "", quote: bool = False):
        key = (bold, number, quote)
        if key not in self.made:
            spec = {"bold": bold} if bold else {}
            if number:
                spec["num_format"] = number
            if quote:
                spec["quote_prefix"] = True
            self.made[key] = self.workbook.add_format(spec) if spec else None
        return self.made[key]

    def text(self, value: str, bold: bool) -> tuple[str, object]:
        """A text cell's text and format, made once per text: the same few labels, dates
        and names fill most of a long sheet's cells (220,000 in the report's appendix)."""
        texts = self.texts[bold]
        found = texts.get(value)
        if found is None:
            # A carriage return as the line feed XML reads it as (XlsxWriter would write
            # it escaped, `_x000D_`, which openpyxl's reading, our imports', keeps as text).
            text = value.replace("\r\n", "\n").replace("\r", "\n")
            # Control characters XML 1.0 cannot hold: left out (openpyxl refused them).
            text = _CONTROL.sub("", text)
            found = texts[value] = (
                text,
                self.of(bold=bold, quote=is_formula_like(value)),
            )
        return found


def _write_row(ws, formats: _Formats, row: int, values: Sequence, *, bold: bool = False) -> None:
    """One row's cells: text always as text (never a formula, `write_string`), a text
    that looks like a formula with Excel's quote prefix, numbers and dates as such."""
    for column, raw in enumerate(values):
        if type(raw) is str and raw:  # most cells of a long sheet: nothing to convert
            ws.write_string(row, column, *formats.text(raw, bold))
            continue
        value = _cell_value(raw)
        if value is None or value == "":  # an empty text is an empty cell
            if bold:
                ws.write_blank(row, column, None, formats.of(bold=True))
            continue
        if isinstance(value, str):
            ws.write_string(row, column, *formats.text(value, bold))
        elif isinstance(value, datetime.datetime):
            ws.write_datetime(row, column, value, formats.of(bold=bold, number=DATETIME_FORMAT))
        elif isinstance(value, datetime.date):
            ws.write_datetime(row, column, value, formats.of(bold=bold, number=DATE_FORMAT))
        else:
            ws.write_number(row, column, value, formats.of(bold=bold))


def xlsx_bytes(*sheets: Sheet, created: datetime.datetime | None = None) -> bytes:
    """An .xlsx workbook with one worksheet per `Sheet`.

    Written by XlsxWriter in its constant-memory mode: each row goes to a temporary
    file as it comes, so a 20,000-row sheet holds no cells in memory (the status
    report's appendix), at about a third of openpyxl's CPU. `created` (naive, local
    time) fixes the workbook's creation and modification time and the zip parts'
    stamps, so the same figures give the same bytes (a frozen report's appendix).
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties({"author": "sorplan", **({"created": created} if created else {})})
    formats = _Formats(workbook)
    hidden = 0
    for sheet in sheets:
        ws = workbook.add_worksheet(sheet.name[:31])
        lead = [[sheet.title]] if sheet.title else []
        lead += [[note] for note in sheet.notes]
        header_row = len(lead) + (1 if lead else 0)  # 0-based; one empty row before the table
        ws.freeze_panes(header_row + 1, 0)
        for index, header in enumerate(sheet.headers):
            width = sheet.widths.get(index) or min(max(len(str(header)) + 4, 12), 60)
            ws.set_column(index, index, width)
        for n, values in enumerate(lead):
            _write_row(ws, formats, n, values, bold=bool(sheet.title) and n == 0)
        _write_row(ws, formats, header_row, list(sheet.headers), bold=True)
        last = header_row
        for values in sheet.rows:
            last += 1
            _write_row(ws, formats, last, list(values))
        if sheet.autofilter:
            ws.autofilter(header_row, 0, max(last, header_row + 1), len(sheet.headers) - 1)
        if sheet.choices:
            hidden += 1
            _add_choice_lists(
                workbook,
                formats,
                ws,
                sheet,
                title="Lister" if hidden == 1 else f"Lister{hidden}",
                first_row=header_row + 1,
                last_row=max(last, header_row + sheet.validation_rows),  # 0-based, inclusive
            )
    workbook.close()
    if created is None:
        return buffer.getvalue()
    return _zip_restamped(buffer.getvalue(), created)


def _zip_restamped(data: bytes, moment: datetime.datetime) -> bytes:
    """The same zip archive with every part stamped `moment` (XlsxWriter stamps 1980)."""
    stamp = max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0))  # zip's earliest date
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as target,
    ):
        for info in source.infolist():
            part = zipfile.ZipInfo(info.filename, date_time=stamp)
            part.compress_type = zipfile.ZIP_DEFLATED
            part.external_attr = info.external_attr
            # Part by part in chunks: the 20,000-row sheet's XML is never whole in memory.
            with source.open(info) as data_in, target.open(part, "w") as data_out:
                shutil.copyfileobj(data_in, data_out, 1 << 20)
    return out.getvalue()


def _add_choice_lists(
    workbook, formats, ws, sheet: Sheet, *, title: str, first_row: int, last_row: int
) -> None:
    """Drop-downs for the choice columns, their values on a hidden sheet (no length limit)."""
    lists = workbook.add_worksheet(title)
    lists.hide()
    columns = [[str(value) for value in values] for _index, values in sorted(sheet.choices.items())]
    # Each list in its own column, written row by row (the constant-memory mode's order).
    for row in range(max((len(values) for values in columns), default=0)):
        _write_row(
            lists, formats, row, [values[row] if row < len(values) else None for values in columns]
        )
    for n, (index, values) in enumerate(sorted(sheet.choices.items())):
        letter = xl_col_to_name(n)
        ws.data_validation(
            first_row,
            index,
            last_row,
            index,
            {
                "validate": "list",
                "source": f"='{title}'!${letter}$1:${letter}${max(len(values), 1)}",
                "ignore_blank": True,
                "error_title": "Ugyldig værdi",
                "error_message": "Vælg en værdi fra listen.",
            },
        )


def csv_bytes(sheet: Sheet, *, delimiter: str = ";") -> bytes:
    """A .csv in UTF-8 with a byte-order mark (Excel reads æøå right), `;` by default
    (the Danish list separator). Title and notes come first, then an empty line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if sheet.title:
        writer.writerow([neutralised(sheet.title)])
    for note in sheet.notes:
        writer.writerow([neutralised(note)])
    if sheet.title or sheet.notes:
        writer.writerow([])
    writer.writerow([neutralised(h) for h in sheet.headers])
    for values in sheet.rows:
        writer.writerow([_csv_value(v) for v in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value) -> str:
    value = _cell_value(value)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%d-%m-%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return neutralised(value)
