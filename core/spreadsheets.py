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
import dataclasses
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.utils import get_column_letter

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


# The workbook is written as SpreadsheetML directly: each cell is a few characters of
# text, where openpyxl's write-only mode builds a cell object and serialises it through
# et_xmlfile (no lxml in the lock): 3 s of the status report's 20,000-row sheet, now
# about a tenth of that. openpyxl still reads workbooks (the imports, the tests).
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_OFFICE_CT = "application/vnd.openxmlformats-officedocument"
# Cell formats (`s` of a cell), in styles.xml's order.
_PLAIN, _BOLD, _QUOTED, _DATE, _DATETIME, _BOLD_QUOTED = range(6)
_STYLES = (
    f'<styleSheet xmlns="{_MAIN_NS}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATETIME_FORMAT}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b val="1"/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# XML 1.0 allows no other control characters (openpyxl refused them); they are dropped.
_XML_ILLEGAL = {c: None for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}
_EPOCH = datetime.datetime(1899, 12, 30)  # noqa: DTZ001 - Excel's day 0, naive as its cells


def _xml_text(value: str) -> str:
    return (
        value.translate(_XML_ILLEGAL)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _sheet_name_ref(name: str) -> str:
    """A sheet's name as a formula or defined name refers to it."""
    return "'" + name.replace("'", "''") + "'"


def _cell_xml(ref: str, raw, bold: bool) -> str:
    """One cell: text as an inline string (never a formula), numbers and dates as numbers."""
    value = _cell_value(raw)
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        quoted = is_formula_like(value)
        style = (_BOLD_QUOTED if quoted else _BOLD) if bold else (_QUOTED if quoted else _PLAIN)
        text = _xml_text(value)
        space = ' xml:space="preserve"' if text.strip() != text else ""
        s = f' s="{style}"' if style else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if isinstance(value, datetime.datetime):
        delta = value - _EPOCH
        number = repr(delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400)
        style = _DATETIME
    elif isinstance(value, datetime.date):
        number, style = str((value - _EPOCH.date()).days), _DATE
    else:
        number = repr(value) if isinstance(value, float) else str(value)
        style = _BOLD if bold else _PLAIN
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="n"><v>{number}</v></c>'


def _row_xml(number: int, values: Sequence, letters: list[str], *, bold: bool = False) -> str:
    while len(letters) < len(values):
        letters.append(get_column_letter(len(letters) + 1))
    cells = "".join(
        _cell_xml(f"{letters[i]}{number}", value, bold) for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


@dataclass
class _Part:
    """A worksheet as written: its name, whether hidden, and its autofilter's range."""

    name: str
    hidden: bool = False
    filter_ref: str = ""


def _worksheet(archive, path: str, stamp, sheet: Sheet, lists_name: str, *, table=True) -> str:
    """Write one `Sheet` (streamed, a chunk of rows at a time); return its autofilter range.

    A `table` has its title, notes and header row above the rows, frozen below the
    header; otherwise (a hidden sheet of drop-down values) the rows start at the top."""
    lead = [[sheet.title]] if sheet.title else []
    lead += [[note] for note in sheet.notes]
    header_row = len(lead) + (1 if lead else 0) + 1 if table else 0
    width_of = len(sheet.headers)
    letters: list[str] = []
    pane = (
        f'<pane ySplit="{header_row}" topLeftCell="A{header_row + 1}" activePane="bottomLeft"'
        ' state="frozen"/><selection pane="bottomLeft" activeCell="A1" sqref="A1"/>'
        if table
        else '<selection activeCell="A1" sqref="A1"/>'
    )
    head = [
        f'<worksheet xmlns="{_MAIN_NS}"><sheetViews><sheetView workbookViewId="0">{pane}'
        '</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
    ]
    if sheet.headers:
        head.append("<cols>")
        for index, header in enumerate(sheet.headers):
            width = sheet.widths.get(index) or min(max(len(str(header)) + 4, 12), 60)
            head.append(
                f'<col min="{index + 1}" max="{index + 1}" width="{width}" customWidth="1"/>'
            )
        head.append("</cols>")
    head.append("<sheetData>")
    if table:
        for n, values in enumerate(lead, start=1):
            head.append(_row_xml(n, values, letters, bold=bool(sheet.title) and n == 1))
        if lead:
            head.append(f'<row r="{len(lead) + 1}"/>')
        head.append(_row_xml(header_row, list(sheet.headers), letters, bold=True))
    part = zipfile.ZipInfo(path, date_time=stamp)
    part.compress_type = zipfile.ZIP_DEFLATED
    last = header_row
    with archive.open(part, "w") as out:
        out.write("".join(head).encode("utf-8"))
        chunk: list[str] = []
        for values in sheet.rows:
            last += 1
            chunk.append(_row_xml(last, list(values), letters))
            if len(chunk) == 1000:
                out.write("".join(chunk).encode("utf-8"))
                chunk = []
        chunk.append("</sheetData>")
        filter_ref = ""
        if sheet.autofilter:
            filter_ref = (
                f"A{header_row}:{get_column_letter(max(width_of, 1))}{max(last, header_row + 1)}"
            )
            chunk.append(f'<autoFilter ref="{filter_ref}"/>')
        if sheet.choices:
            last_row = max(last, header_row + sheet.validation_rows)
            chunk.append(f'<dataValidations count="{len(sheet.choices)}">')
            for n, (index, values) in enumerate(sorted(sheet.choices.items()), start=1):
                letter, column = get_column_letter(n), get_column_letter(index + 1)
                formula = _xml_text(
                    f"={_sheet_name_ref(lists_name)}!${letter}$1:${letter}${max(len(values), 1)}"
                )
                chunk.append(
                    f'<dataValidation type="list" allowBlank="1"'
                    f' errorTitle="Ugyldig værdi" error="Vælg en værdi fra listen."'
                    f' sqref="{column}{header_row + 1}:{column}{last_row}">'
                    f"<formula1>{formula}</formula1></dataValidation>"
                )
            chunk.append("</dataValidations>")
        chunk.append(
            '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
            "</worksheet>"
        )
        out.write("".join(chunk).encode("utf-8"))
    return filter_ref


def _choice_sheet(sheet: Sheet) -> Sheet:
    """The hidden sheet holding a sheet's drop-down values: each list in its own column."""
    columns = [[str(value) for value in values] for _index, values in sorted(sheet.choices.items())]
    depth = max((len(values) for values in columns), default=0)
    return Sheet(
        headers=[],
        rows=[
            [values[row] if row < len(values) else None for values in columns]
            for row in range(depth)
        ],
    )


def xlsx_bytes(*sheets: Sheet, created: datetime.datetime | None = None) -> bytes:
    """An .xlsx workbook with one worksheet per `Sheet` (and a hidden one per sheet with
    drop-downs, holding their values: no length limit).

    Rows stream into the archive as they come, so a 20,000-row sheet is never held
    whole (the status report's appendix). `created` (naive, local time) fixes the
    workbook's creation and modification time and every part's stamp, so the same
    figures give the same bytes (a frozen report's appendix).
    """
    moment = created or datetime.datetime.now().replace(microsecond=0)  # noqa: DTZ005 - local
    stamp = max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0))  # zip's earliest date
    buffer = io.BytesIO()
    parts: list[_Part] = []
    names = {sheet.name[:31] for sheet in sheets}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:

        def write(path: str, text: str) -> None:
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))

        queue = [(sheet, False) for sheet in sheets]
        index = 0
        while index < len(queue):
            sheet, hidden = queue[index]
            index += 1
            name = sheet.name[:31]
            lists_name = ""
            if sheet.choices:
                lists_name = "Lister" if "Lister" not in names else f"Lister{len(names)}"
                names.add(lists_name)
                queue.insert(
                    index, (dataclasses.replace(_choice_sheet(sheet), name=lists_name), True)
                )
            path = f"xl/worksheets/sheet{len(parts) + 1}.xml"
            parts.append(_Part(name, hidden))
            parts[-1].filter_ref = _worksheet(
                archive, path, stamp, sheet, lists_name, table=not hidden
            )
        _package_parts(write, parts, moment)
    return buffer.getvalue()


def _package_parts(write, parts: list["_Part"], moment: datetime.datetime) -> None:
    """The workbook's other parts: content types, relationships, properties, styles."""
    iso = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    sheets = range(1, len(parts) + 1)
    write(
        "[Content_Types].xml",
        f'<Types xmlns="{_CT_NS}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE_CT}.spreadsheetml.'
        'sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE_CT}.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{_OFFICE_CT}.extended-properties'
        '+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_OFFICE_CT}.'
            'spreadsheetml.worksheet+xml"/>'
            for n in sheets
        )
        + "</Types>",
    )
    write(
        "_rels/.rels",
        f'<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{_PKG_REL_NS}/metadata/core-properties"'
        ' Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>",
    )
    write(
        "docProps/app.xml",
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
        'properties"><Application>sorplan</Application></Properties>',
    )
    write(
        "docProps/core.xml",
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://'
        'purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>sorplan</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{iso}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{iso}</dcterms:modified>'
        "</cp:coreProperties>",
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        f"{_xml_text(_sheet_name_ref(part.name))}!"
        f"{re.sub(r'([A-Z]+)([0-9]+)', r'$\1$\2', part.filter_ref)}</definedName>"
        for n, part in enumerate(parts)
        if part.filter_ref
    )
    write(
        "xl/workbook.xml",
        f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><bookViews><workbookView'
        ' activeTab="0"/></bookViews><sheets>'
        + "".join(
            f'<sheet name="{_xml_text(part.name)}" sheetId="{n}"'
            f'{' state="hidden"' if part.hidden else ""} r:id="rId{n}"/>'
            for n, part in zip(sheets, parts, strict=True)
        )
        + "</sheets>"
        + (f"<definedNames>{filters}</definedNames>" if filters else "")
        + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>',
    )
    write(
        "xl/_rels/workbook.xml.rels",
        f'<Relationships xmlns="{_PKG_REL_NS}">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{_REL_NS}/worksheet"'
            f' Target="worksheets/sheet{n}.xml"/>'
            for n in sheets
        )
        + f'<Relationship Id="rId{len(parts) + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>",
    )
    write("xl/styles.xml", _STYLES)


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
