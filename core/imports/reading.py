"""Reading a file (.xlsx, or .csv in UTF-8 with `;` or `,`) into data rows by
column: the header row found, unknown and missing columns refused, formula-looking
cells read as the text they hold."""

import csv
import datetime
import io
from typing import Any

from django.utils.translation import gettext as _

from ..spreadsheets import is_formula_like
from .spec import MAX_ROWS, ImportRefused, ImportSpec


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
