"""Importing the plan (activities and milestones) from a spreadsheet: a good file,
per-row Danish errors and nothing written, dry run, a second import changes nothing,
formula-looking cells read as text, the history reason, the command, the template and
the upload page with its rights."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from core.imports import ImportRefused
from core.spreadsheets import Sheet, csv_bytes, xlsx_bytes
from milestones.imports import plan_import
from milestones.models import Activity, DatePrecision, Milestone

pytestmark = pytest.mark.django_db

HEADERS = ["Type", "Nøgle", "Titel", "Aktivitet", "Spor", "Ansvarlig part", "Forventet", "Status"]
GOOD = [
    [
        "Aktivitet",
        "import-aktivitet",
        "Importeret aktivitet",
        None,
        "Eksterne parter",
        "rsi",
        None,
        None,
    ],
    [
        "Milepæl",
        "import-milepael",
        '=HYPERLINK("x")',
        "import-aktivitet",
        None,
        None,
        "K2 2027",
        "Planlagt",
    ],
    ["Milepæl", "import-dag", "Dagsdato", "import-aktivitet", None, None, "14-03-2027", None],
]


def xlsx(rows, headers=HEADERS):
    return xlsx_bytes(Sheet(headers=headers, rows=rows))


def test_a_good_file_creates_activities_and_milestones_and_imports_again_as_unchanged(editor):
    result = plan_import(data=xlsx(GOOD), filename="plan.xlsx", user=editor)
    assert len(result.created) == 3
    activity = Activity.objects.get(key="import-aktivitet")
    assert activity.responsible_party.key == "rsi" and activity.track == "external"
    milestone = Milestone.objects.get(key="import-milepael")
    assert milestone.title == '=HYPERLINK("x")'  # a formula-looking cell is text
    assert milestone.activity == activity
    assert milestone.forecast_date == datetime.date(2027, 4, 1)
    assert milestone.forecast_precision == DatePrecision.QUARTER
    assert Milestone.objects.get(key="import-dag").forecast_date == datetime.date(2027, 3, 14)
    assert milestone.history.first().history_change_reason == "Importeret fra plan.xlsx"
    assert milestone.history.first().history_user == editor
    again = plan_import(data=xlsx(GOOD), filename="plan.xlsx", user=editor)
    assert len(again.unchanged) == 3 and not again.created and not again.updated
    assert milestone.history.count() == 1


def test_an_update_by_key_names_the_changed_columns_and_csv_works(editor):
    plan_import(data=xlsx(GOOD), filename="plan.xlsx", user=editor)
    rows = [["Milepæl", "import-dag", "Dagsdato", None, None, None, "2027", None]]
    data = csv_bytes(
        Sheet(
            headers=[
                "Type",
                "Nøgle",
                "Titel",
                "Aktivitet",
                "Spor",
                "Ansvarlig part",
                "Forventet",
                "Status",
            ],
            rows=rows,
        )
    )
    preview = plan_import(data=data, filename="ret.csv", user=editor, dry_run=True)
    assert [c.fields for c in preview.updated] == [["Forventet"]]
    assert Milestone.objects.get(key="import-dag").forecast_precision == DatePrecision.DAY
    plan_import(data=data, filename="ret.csv", user=editor)
    moved = Milestone.objects.get(key="import-dag")
    assert (moved.forecast_date, moved.forecast_precision) == (datetime.date(2027, 1, 1), "year")
    assert moved.history.first().history_change_reason == "Importeret fra ret.csv"


def test_bad_cells_are_refused_with_row_and_column_and_nothing_is_written(editor):
    bad = [
        ["Aktivitet", "Ikke En Nøgle", "X", None, "Eksterne parter", "rsi", None, None],
        ["Milepæl", "forkert-dato", "X", "import-aktivitet", None, None, "13-2027", None],
        *GOOD,
        ["Milepæl", "import-dag", "Igen", "import-aktivitet", None, None, None, None],
    ]
    with pytest.raises(ImportRefused) as refused:
        plan_import(data=xlsx(bad), filename="fejl.xlsx", user=editor)
    text = "\n".join(refused.value.errors)
    assert "Række 2, kolonne «Nøgle»: «Ikke En Nøgle» kan ikke bruges som nøgle" in text
    assert "(fx ikke-en-noegle)" in text
    assert "Række 3, kolonne «Forventet»" in text
    assert "Række 7, kolonne «Nøgle»: nøglen «import-dag» står også i række 6." in text
    assert not Activity.objects.filter(key="import-aktivitet").exists()


def test_rows_that_break_the_plans_rules_are_refused_and_nothing_is_written(editor):
    bad = [
        ["Aktivitet", "ny-uden-part", "X", None, "Eksterne parter", None, None, None],
        ["Milepæl", "uden-aktivitet", "X", "findes-ikke", None, None, None, None],
        ["Milepæl", "forkert-status", "X", "import-aktivitet", None, None, None, "Sat på pause"],
        ["Aktivitet", "med-forventet", "Y", None, "Eksterne parter", "rsi", "2027", None],
        *GOOD,
    ]
    with pytest.raises(ImportRefused) as refused:
        plan_import(data=xlsx(bad), filename="fejl.xlsx", user=editor)
    text = "\n".join(refused.value.errors)
    assert "Række 2, kolonne «Ansvarlig part»: skal udfyldes for en ny aktivitet." in text
    assert "Række 3, kolonne «Aktivitet»: Aktiviteten «findes-ikke» findes ikke." in text
    assert (
        "Række 4, kolonne «Status»: «Sat på pause» er ikke en af: Planlagt, I gang, Nået, Aflyst"
        in text
    )
    assert "Række 5, kolonne «Forventet»: gælder kun milepæle" in text
    assert len(refused.value.errors) == 4
    assert not Activity.objects.filter(key__in=["import-aktivitet", "med-forventet"]).exists()
    assert not Milestone.objects.filter(key__startswith="import-").exists()


def test_the_command_with_dry_run_and_errors(editor, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(xlsx(GOOD))
    out = io.StringIO()
    call_command("import_plan", str(path), "--dry-run", stdout=out)
    assert "Prøvekørsel, intet gemt: 3 oprettet" in out.getvalue()
    assert not Activity.objects.filter(key="import-aktivitet").exists()
    call_command("import_plan", str(path), stdout=io.StringIO())
    assert Milestone.objects.filter(key="import-milepael").exists()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes(
            Sheet(headers=HEADERS, rows=[["Milepæl", "x", None, None, None, None, None, None]])
        )
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="intet er gemt"):
        call_command("import_plan", str(bad), stderr=err)
    assert "kolonne «Titel»: skal udfyldes." in err.getvalue()


def test_the_template_has_danish_headers_and_drop_downs(client_for, editor, reporter):
    response = client_for(editor).get(reverse("milestones:plan_import_template"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    headers = [c.value for c in next(r for r in sheet.iter_rows() if r[0].value == "Type")]
    assert headers[:3] == ["Type", "Nøgle", "Titel"]
    assert sheet.data_validations.dataValidation  # the choice columns' lists
    assert client_for(reporter).get(reverse("milestones:plan_import_template")).status_code == 403


def test_the_upload_page_previews_then_imports(client_for, editor, steering):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(editor)
    upload = SimpleUploadedFile("plan.xlsx", xlsx(GOOD))
    preview = client.post(reverse("milestones:plan_import"), {"file": upload})
    html = preview.content.decode()
    assert "3 oprettes" in html and "Importeret aktivitet" in html
    assert not Activity.objects.filter(key="import-aktivitet").exists()
    token = html.split('name="token" value="')[1].split('"')[0]
    done = client.post(reverse("milestones:plan_import_confirm"), {"token": token})
    assert done.status_code == 302
    assert Milestone.objects.filter(key="import-milepael").exists()
    assert client_for(steering).get(reverse("milestones:plan_import")).status_code == 403
    assert client.get(reverse("milestones:plan_import_confirm")).status_code == 405
