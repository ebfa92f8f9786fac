"""The import engine with a small spec of its own (no domain): reading both file
kinds, every error collected in Danish, dry run, upsert, all or nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from core import imports
from core.imports import Column, ImportRefused, ImportSpec
from core.spreadsheets import Sheet, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


class GroupSpec(ImportSpec):
    """Imports auth groups by name, the only table the engine test needs."""

    key = "name"
    columns = [
        Column("Navn", "name", imports.text(max_length=150), required=True),
        Column("Farve", "colour", imports.choice([("r", "Rød"), ("g", "Grøn")], default="g")),
        Column("Dato", "when", imports.plan_date()),
        Column("Aktiv", "active", imports.boolean()),
        Column("Beløb", "amount", imports.decimal(minimum=Decimal(0))),
        Column("Antal", "count", imports.integer()),
    ]

    def __init__(self):
        self.written = []

    def prepare(self, rows):
        self.existing = set(Group.objects.values_list("name", flat=True))

    def check(self, row):
        if row.values["name"] == "forbudt":
            yield "name", "det navn er forbeholdt."

    def changes(self, row):
        return [] if row.values["name"] in self.existing else None

    def write(self, row, *, reason):
        if row.values["name"] == "fejler-ved-gem":
            raise ValidationError({"name": "databasen sagde nej."})
        Group.objects.create(name=row.values["name"])
        self.written.append((row.values, reason))


HEADERS = ["Navn", "Farve", "Dato", "Aktiv", "Beløb", "Antal"]


def xlsx(rows, **kw):
    return xlsx_bytes(Sheet(headers=HEADERS, rows=rows, **kw))


def test_a_good_xlsx_file_is_imported_with_every_value_parsed():
    spec = GroupSpec()
    data = xlsx(
        [
            ["a", "Rød", datetime.date(2026, 3, 14), "ja", "1.234,50", 3],
            ["b", "g", "K2 2026", "nej", 10, None],
            ["c", None, "marts 2026", None, None, None],
            ["d", None, "2027", None, None, None],
        ],
        title="Grupper",
        notes=["En note"],
    )
    result = imports.run(spec, data, filename="grupper.xlsx")
    assert [c.action for c in result.changes] == ["create"] * 4
    values = [v for v, _reason in spec.written]
    assert values[0]["colour"] == "r" and values[0]["active"] is True
    assert values[0]["when"] == (datetime.date(2026, 3, 14), "day")
    assert values[0]["amount"] == Decimal("1234.50") and values[0]["count"] == 3
    assert values[1]["when"] == (datetime.date(2026, 4, 1), "quarter")
    assert values[2]["when"] == (datetime.date(2026, 3, 1), "month")
    assert values[3]["when"] == (datetime.date(2027, 1, 1), "year")
    assert spec.written[0][1] == "Importeret fra grupper.xlsx"
    assert result.written == 4


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("bom", [True, False])
def test_csv_with_either_delimiter_and_with_or_without_bom(delimiter, bom):
    data = csv_bytes(
        Sheet(headers=HEADERS, rows=[["a", "Rød", "14.03.2026", "x", "", ""]]), delimiter=delimiter
    )
    if not bom:
        data = data.removeprefix("\ufeff".encode())
    result = imports.run(GroupSpec(), data, filename="g.CSV")
    assert result.created[0].row.values["when"] == (datetime.date(2026, 3, 14), "day")
    assert Group.objects.filter(name="a").exists()


def test_every_bad_cell_is_reported_with_row_and_column_and_nothing_is_written():
    data = xlsx(
        [
            ["ok", None, None, None, None, None],
            ["a", "Blå", "31-02-2026", "måske", "-5", "1,5"],
            [None, None, "snart", None, None, None],
            ["ok", None, None, None, None, None],
        ]
    )
    with pytest.raises(ImportRefused) as refused:
        imports.run(GroupSpec(), data, filename="g.xlsx")
    assert refused.value.errors == [
        "Række 3, kolonne «Farve»: «Blå» er ikke en af: Rød, Grøn.",
        "Række 3, kolonne «Dato»: «31-02-2026» er ikke en dato; skriv fx 14-03-2026, marts 2026, K1 2026 eller 2026.",
        "Række 3, kolonne «Aktiv»: skriv «ja» eller «nej» (her «måske»).",
        "Række 3, kolonne «Beløb»: skal være mindst 0.",
        "Række 3, kolonne «Antal»: skal være et helt tal (her «1,5»).",
        "Række 4, kolonne «Navn»: skal udfyldes.",
        "Række 4, kolonne «Dato»: «snart» er ikke en dato; skriv fx 14-03-2026, marts 2026, K1 2026 eller 2026.",
        "Række 5, kolonne «Navn»: nøglen «ok» står også i række 2.",
    ]
    assert not Group.objects.exists()


def test_a_rule_across_the_row_and_a_refused_save_roll_everything_back():
    with pytest.raises(ImportRefused) as refused:
        imports.run(GroupSpec(), xlsx([["forbudt"] + [None] * 5]), filename="g.xlsx")
    assert refused.value.errors == ["Række 2, kolonne «Navn»: det navn er forbeholdt."]
    with pytest.raises(ImportRefused) as refused:
        imports.run(
            GroupSpec(),
            xlsx([["først"] + [None] * 5, ["fejler-ved-gem"] + [None] * 5]),
            filename="g.xlsx",
        )
    assert refused.value.errors == ["Række 3, kolonne «Navn»: databasen sagde nej."]
    assert not Group.objects.filter(name="først").exists()


def test_a_dry_run_previews_and_writes_nothing_and_a_second_run_changes_nothing():
    data = xlsx([["a"] + [None] * 5, ["b"] + [None] * 5])
    Group.objects.create(name="a")
    preview = imports.run(GroupSpec(), data, filename="g.xlsx", dry_run=True)
    assert [c.key for c in preview.created] == ["b"]
    assert [c.key for c in preview.unchanged] == ["a"]
    assert preview.written == 0
    assert not Group.objects.filter(name="b").exists()
    imports.run(GroupSpec(), data, filename="g.xlsx")
    again = imports.run(GroupSpec(), data, filename="g.xlsx")
    assert again.written == 0 and len(again.unchanged) == 2


def test_formula_cells_are_read_as_their_text():
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws.append(HEADERS)
    ws.append(["=1+1", None, None, None, None, None])  # a real formula cell
    ws.append(['=HYPERLINK("http://x","klik")'])
    buffer = io.BytesIO()
    workbook.save(buffer)
    spec = GroupSpec()
    imports.run(spec, buffer.getvalue(), filename="g.xlsx")
    assert sorted(Group.objects.values_list("name", flat=True)) == [
        "=1+1",
        '=HYPERLINK("http://x","klik")',
    ]
    # And a neutralised cell from the CSV writer reads back as typed.
    spec = GroupSpec()
    imports.run(spec, csv_bytes(Sheet(headers=HEADERS, rows=[["@SUM(A1)"]])), filename="g.csv")
    assert Group.objects.filter(name="@SUM(A1)").exists()


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"x", "g.txt", "Filen skal være et Excel-regneark (.xlsx) eller en CSV-fil (.csv)."),
        (b"not a zip", "g.xlsx", "Filen kan ikke læses som et Excel-regneark (.xlsx)."),
        (
            "Navn;Farve\n".encode("latin-1") + "Ærø;Rød\n".encode("latin-1"),
            "g.csv",
            "Filen er ikke gemt som UTF-8. Gem den som «CSV UTF-8» og prøv igen.",
        ),
        (b"Noget;Andet\nx;y\n", "g.csv", "Filen har ingen overskriftsrække med kolonnen «Navn»."),
        (b"Navn;Farve\n", "g.csv", "Filen har ingen rækker under overskrifterne."),
        (
            b"Navn;Farv\nx;y\n",
            "g.csv",
            "Kolonnen «Farv» kendes ikke. Brug skabelonens overskrifter.",
        ),
    ],
)
def test_a_bad_file_is_refused_with_one_clear_message(data, filename, message):
    with pytest.raises(ImportRefused) as refused:
        imports.run(GroupSpec(), data, filename=filename)
    assert refused.value.errors == [message]


@pytest.fixture(autouse=True)
def danish():
    from django.utils import translation

    with translation.override("da"):
        yield
