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
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
DATE_FORMAT = "dd-mm-yyyy"
DATETIME_FORMAT = "dd-mm-yyyy hh:mm"
BOLD = Font(bold=True)


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


def _row_cells(ws, values: Sequence, *, bold: bool = False) -> list:
    """One row's cells for a write-only worksheet (text as text, dates formatted)."""
    cells = []
    for raw in values:
        value = _cell_value(raw)
        cell = WriteOnlyCell(ws)
        if isinstance(value, str):
            # Assigning a string beginning with "=" would make openpyxl write a
            # formula; set the text and its type explicitly instead.
            cell.value = value
            cell.data_type = "s"
            if is_formula_like(value):
                cell.quotePrefix = True
        else:
            cell.value = value
            if isinstance(value, datetime.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
        if bold:
            cell.font = BOLD
        cells.append(cell)
    return cells


def xlsx_bytes(*sheets: Sheet, created: datetime.datetime | None = None) -> bytes:
    """An .xlsx workbook with one worksheet per `Sheet`.

    Written in openpyxl's write-only mode: rows stream to the file as they come, so a
    20,000-row sheet holds no cell objects in memory (the status report's appendix).
    `created` (naive, local time) fixes the workbook's creation and modification
    time, so the same figures give the same bytes (a frozen report's appendix).
    """
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        ws = workbook.create_sheet(title=sheet.name[:31])
        lead = [[sheet.title]] if sheet.title else []
        lead += [[note] for note in sheet.notes]
        header_row = len(lead) + (1 if lead else 0) + 1  # one empty row before the table
        # What the sheet's XML says before its rows must be set before the first row.
        ws.freeze_panes = f"A{header_row + 1}"
        for index, header in enumerate(sheet.headers):
            width = sheet.widths.get(index) or min(max(len(str(header)) + 4, 12), 60)
            ws.column_dimensions[get_column_letter(index + 1)].width = width
        for n, values in enumerate(lead):
            ws.append(_row_cells(ws, values, bold=bool(sheet.title) and n == 0))
        if lead:
            ws.append([])
        ws.append(_row_cells(ws, list(sheet.headers), bold=True))
        last = header_row
        for values in sheet.rows:
            last += 1
            ws.append(_row_cells(ws, list(values)))
        if sheet.autofilter:
            ws.auto_filter.ref = (
                f"A{header_row}:{get_column_letter(len(sheet.headers))}{max(last, header_row + 1)}"
            )
        if sheet.choices:
            _add_choice_lists(
                workbook, ws, sheet, header_row, max(last, header_row + sheet.validation_rows)
            )
    workbook.properties.creator = "sorplan"
    buffer = io.BytesIO()
    if created is None:
        workbook.save(buffer)
        return buffer.getvalue()
    # openpyxl's save() stamps "modified" with the clock and the zip stamps each part
    # with the time it was written; a fixed moment needs both fixed.
    workbook.properties.created = created
    workbook.properties.modified = created
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).write_data()
    return _zip_restamped(buffer.getvalue(), created)


def _zip_restamped(data: bytes, moment: datetime.datetime) -> bytes:
    """The same zip archive with every part stamped `moment` (not the time it was written)."""
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


def _add_choice_lists(workbook, ws, sheet: Sheet, header_row: int, last_row: int) -> None:
    """Drop-downs for the choice columns, their values on a hidden sheet (no length limit)."""
    title = "Lister" if "Lister" not in workbook.sheetnames else f"Lister{len(workbook.sheetnames)}"
    lists = workbook.create_sheet(title=title)
    lists.sheet_state = "hidden"
    columns = [[str(value) for value in values] for _index, values in sorted(sheet.choices.items())]
    # Each list in its own column, written row by row.
    for row in range(max((len(values) for values in columns), default=0)):
        lists.append(
            [
                _row_cells(lists, [values[row]])[0] if row < len(values) else None
                for values in columns
            ]
        )
    for n, (index, values) in enumerate(sorted(sheet.choices.items()), start=1):
        letter = get_column_letter(n)
        validation = DataValidation(
            type="list",
            formula1=f"='{title}'!${letter}$1:${letter}${max(len(values), 1)}",
            allow_blank=True,
        )
        validation.error = "Vælg en værdi fra listen."
        validation.errorTitle = "Ugyldig værdi"
        ws.data_validations.append(validation)
        column = get_column_letter(index + 1)
        validation.add(f"{column}{header_row + 1}:{column}{last_row}")


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
