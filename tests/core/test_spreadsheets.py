"""The formula-safe writer: planted formulas come out as text, dates as dates."""

import csv
import datetime
import io
import zipfile

from openpyxl import load_workbook

from core.spreadsheets import Sheet, csv_bytes, neutralised, xlsx_bytes

PAYLOADS = ["=1+1", "+41", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd", '=HYPERLINK("http://x")']


def test_each_formula_prefix_is_neutralised():
    for payload in PAYLOADS:
        assert neutralised(payload) == "'" + payload
    assert neutralised("Region Midtjylland") == "Region Midtjylland"
    assert neutralised(5) == 5


def test_xlsx_stores_formula_looking_text_as_text_and_dates_as_dates():
    data = xlsx_bytes(
        Sheet(
            headers=["Navn", "Dato", "Antal"],
            rows=[[p, datetime.date(2026, 3, 14), 3] for p in PAYLOADS],
            title="Registeret",
            notes=["Udtrukket 1. december 2026"],
        )
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "Registeret"
    assert ws["A2"].value == "Udtrukket 1. december 2026"
    assert [c.value for c in ws[4]] == ["Navn", "Dato", "Antal"]
    for row, payload in enumerate(PAYLOADS, start=5):
        cell = ws.cell(row=row, column=1)
        assert cell.data_type == "s", payload  # never "f" (formula)
        # (XML keeps a carriage return as a line feed; the cell is text either way.)
        assert cell.value == payload.replace("\r", "\n")
        assert cell.quotePrefix
        date_cell = ws.cell(row=row, column=2)
        assert date_cell.value.date() == datetime.date(2026, 3, 14)
        assert date_cell.is_date
        assert ws.cell(row=row, column=3).value == 3


def test_xlsx_choice_lists_become_drop_downs():
    data = xlsx_bytes(
        Sheet(headers=["Nøgle", "Tilstand", "Ja/nej"], choices={1: ["SHAK", "Kun SOR"], 2: ["Ja"]})
    )
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook["Ark1"]
    validations = ws.data_validations.dataValidation
    assert len(validations) == 2
    assert validations[0].type == "list"
    assert "B2" in str(validations[0].sqref) and "C2" in str(validations[1].sqref)
    lists = workbook["Lister"]
    assert lists.sheet_state == "hidden"
    assert [lists.cell(row=r, column=1).value for r in (1, 2)] == ["SHAK", "Kun SOR"]
    assert lists.cell(row=1, column=2).value == "Ja"  # each list keeps its own column


def test_csv_is_utf8_with_bom_semicolons_and_neutralised_cells():
    data = csv_bytes(
        Sheet(
            headers=["Navn", "Dato"],
            rows=[[p, datetime.date(2026, 3, 14)] for p in PAYLOADS] + [["Ærø", None]],
            title="=Titel",
        )
    )
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["'=Titel"]
    assert rows[1] == []
    assert rows[2] == ["Navn", "Dato"]
    for row, payload in zip(rows[3:], PAYLOADS, strict=False):
        assert row == ["'" + payload, "14-03-2026"]
    assert rows[-1] == ["Ærø", ""]


def test_a_fixed_moment_gives_the_same_bytes_whenever_it_is_written():
    """A frozen report's appendix: openpyxl stamps "modified" and each zip part with the
    clock; with `created` given, neither the hour nor the year it is written shows."""
    import time_machine

    sheet = Sheet(
        name="Milepæle", headers=["Navn", "Dato"], rows=[["A", datetime.date(2027, 1, 4)]]
    )
    moment = datetime.datetime(2027, 3, 1, 8, 0, tzinfo=datetime.UTC).replace(tzinfo=None)
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        first = xlsx_bytes(sheet, created=moment)
    with time_machine.travel(
        datetime.datetime(2029, 7, 9, 17, 31, 7, tzinfo=datetime.UTC), tick=False
    ):
        later = xlsx_bytes(sheet, created=moment)
    assert first == later
    with zipfile.ZipFile(io.BytesIO(later)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2027, 3, 1, 8, 0, 0)}
        assert b"2027-03-01T08:00:00Z" in archive.read("docProps/core.xml")
    assert load_workbook(io.BytesIO(later))["Milepæle"]["A2"].value == "A"


def test_xlsx_keeps_markup_characters_and_spaces_drops_control_characters():
    """Text that looks like markup stays text; control characters XML cannot hold are
    left out; an empty text is an empty cell; a second sheet's drop-downs."""
    texts = ["a & b <c> \"d\" 'e'", "  indrykket  ", "Ærø\x01\x0b", "linje\nto"]
    data = xlsx_bytes(
        Sheet(headers=["Tekst", "Tal", "Tom"], rows=[[t, 1.25, ""] for t in texts]),
        Sheet(name="Andet", headers=["Valg"], rows=[["x"]], choices={0: ["A & B", "C"]}),
    )
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook["Ark1"]
    assert [ws.cell(row=r, column=1).value for r in range(2, 6)] == [
        "a & b <c> \"d\" 'e'",
        "  indrykket  ",
        "Ærø",
        "linje\nto",
    ]
    assert ws["B2"].value == 1.25 and ws["B2"].data_type == "n"
    assert ws["C2"].value is None  # an empty text is an empty cell
    assert ws.freeze_panes == "A2"
    lists = workbook["Lister"]
    assert lists.sheet_state == "hidden"
    assert [lists["A1"].value, lists["A2"].value] == ["A & B", "C"]
    (validation,) = workbook["Andet"].data_validations.dataValidation
    assert validation.formula1 == "'Lister'!$A$1:$A$2"  # OOXML keeps a formula without its =


def test_the_same_text_bold_in_the_header_and_plain_in_the_rows_keeps_each_look():
    """Texts are worded once per text and boldness: the header's bold "Navn" and a row's
    plain "Navn" (and its formula-looking twin) are told apart, an empty text is no cell."""
    data = xlsx_bytes(
        Sheet(headers=["Navn", "=Navn"], rows=[["Navn", "=Navn"], ["", "Navn"]], title="Navn")
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].font.b and ws["A3"].font.b and ws["B3"].font.b and ws["B3"].quotePrefix
    assert ws["A4"].value == "Navn" and not ws["A4"].font.b and not ws["A4"].quotePrefix
    assert ws["B4"].value == "=Navn" and ws["B4"].quotePrefix and not ws["B4"].font.b
    assert ws["A5"].value is None and ws["B5"].value == "Navn" and not ws["B5"].font.b
