"""The monthly status report's full list of milestones as a spreadsheet (embedded in
the PDF when the appendix keeps only red and yellow milestones), written by the one
formula-safe writer (core.spreadsheets): a milestone titled "=HYPERLINK(…)" stays text."""

import datetime

from core.spreadsheets import Sheet, xlsx_bytes
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
KEYS = tuple(key for key, _label in XLSX_COLUMNS)
WIDTHS = (40, 24, 48, 16, 16, 16, 12, 12, 12, 60, 12)


def milestones_xlsx(data: dict) -> bytes:
    """Every milestone of the report as an .xlsx workbook (from the frozen figures)."""
    sheets = []
    if data.get("demo"):
        # First, so nobody reads the figures as facts.
        sheets.append(
            Sheet(
                name="Demodata",
                title="Demodata – illustrativ",
                notes=[str(data.get("demo_notice") or DEMO_NOTICE)],
                headers=[],
            )
        )
    rows = data.get("all_milestones", [])
    sheets.append(
        Sheet(
            name="Milepæle",
            headers=[label for _key, label in XLSX_COLUMNS],
            rows=(
                ["" if (value := row.get(key)) is None else value for key in KEYS] for row in rows
            ),
            widths=dict(enumerate(WIDTHS)),
            autofilter=True,
        )
    )
    # A fixed creation time keeps the workbook the same for the same figures.
    moment = datetime.datetime.fromisoformat(data["as_of"]).replace(tzinfo=None)
    return xlsx_bytes(*sheets, created=moment)
