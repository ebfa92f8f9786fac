"""The monthly status report's full list of milestones as a spreadsheet (embedded in
the PDF when the appendix keeps only red and yellow milestones)."""

import datetime
import io

from milestones.demo import DEMO_NOTICE

XLSX_COLUMNS = (
    ("activity", "Aktivitet"),
    ("party", "Ansvarlig"),
    ("title", "Milepæl"),
    ("baseline", "Baseline"),
    ("forecast", "Forventet"),
    ("actual", "Faktisk"),
    ("slip_days", "Forsinkelse (dage)"),
    ("rag_label", "RAG"),
    ("previous_rag_label", "Forrige RAG"),
    ("rag_reason", "Begrundelse"),
    ("this_period", "I perioden"),
)


def milestones_xlsx(data: dict) -> bytes:
    """Every milestone of the report as an .xlsx workbook (from the frozen figures)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    # Write-only: a large programme's list is written row by row, quickly.
    workbook = Workbook(write_only=True)
    if data.get("demo"):
        # First, so nobody reads the figures as facts.
        notice = workbook.create_sheet("Demodata")
        title = WriteOnlyCell(notice, value="Demodata – illustrativ")
        title.font = Font(bold=True)
        notice.append([title])
        notice.append([str(DEMO_NOTICE)])
    sheet = workbook.create_sheet("Milepæle")
    for column, width in zip(
        "ABCDEFGHIJK", (40, 24, 48, 16, 16, 16, 12, 12, 12, 60, 12), strict=True
    ):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    rows = data.get("all_milestones", [])
    sheet.auto_filter.ref = f"A1:K{len(rows) + 1}"
    bold = Font(bold=True)
    header = []
    for _key, label in XLSX_COLUMNS:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append(
            [row.get(key) if row.get(key) is not None else "" for key, _label in XLSX_COLUMNS]
        )
    # A fixed creation time keeps the workbook the same for the same figures.
    moment = datetime.datetime.fromisoformat(data["as_of"]).replace(tzinfo=None)
    workbook.properties.created = moment
    workbook.properties.modified = moment
    workbook.properties.creator = "sorplan"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
