"""Importing the register: a good file, each bad row's message, dry run, idempotency,
formula cells, the command's exit status, the upload page and who may use it."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from core.imports import ImportRefused
from core.spreadsheets import Sheet, csv_bytes, xlsx_bytes
from register.imports import build_columns, register_import, template_xlsx
from register.models import Entry

pytestmark = pytest.mark.django_db

HEADERS = [
    "Nøgle",
    "Navn",
    "Type",
    "Systemejer",
    "Leverandør",
    "SHAK-anvendelse",
    "Dato for tilstand",
    "Bekræftet af",
    "Kategori",
    "NSP-service",
    "Beløb (kr.)",
    "I produktion, forventet",
    "Aktiviteter",
]
GOOD = [
    [
        "midt-epj",
        "Midt EPJ",
        "System",
        "Region Midtjylland",
        "CGI",
        "SHAK",
        None,
        None,
        "Patientjournal",
        "nej",
        "1.500.000",
        "K2 2027",
        "sor-i-regionernes-sundheds-it",
    ],
    [
        "sds-shak-navigator",
        "SHAK Navigator",
        "System",
        "sds",
        None,
        "Udfaset",
        "2025",
        "SOR-teamet",
        "Organisationsdata",
        "nej",
        None,
        None,
        "",
    ],
    [
        "nsp-service-x",
        "NSP-service X",
        "Service",
        "SDS",
        None,
        "Ikke kortlagt",
        None,
        None,
        None,
        "ja",
        None,
        None,
        None,
    ],
]


def xlsx(rows, headers=HEADERS):
    return xlsx_bytes(Sheet(headers=headers, rows=rows))


def test_a_good_file_creates_entries_with_state_steps_and_links(system_user):
    result = register_import(data=xlsx(GOOD), filename="kortlægning.xlsx", user=system_user)
    assert [c.key for c in result.created] == ["midt-epj", "sds-shak-navigator", "nsp-service-x"]
    midt = Entry.objects.get(key="midt-epj")
    assert midt.owner.key == "region-midtjylland" and midt.supplier.key == "cgi"
    assert midt.state == "shak" and midt.category == "patient_record"
    assert str(midt.budget_amount) == "1500000.00"
    step = midt.steps.get(kind="in_production")
    assert (step.forecast_date, step.forecast_precision) == (datetime.date(2027, 4, 1), "quarter")
    assert [a.key for a in midt.activities.all()] == ["sor-i-regionernes-sundheds-it"]
    navigator = Entry.objects.get(key="sds-shak-navigator")
    assert (navigator.state, navigator.state_date, navigator.state_date_precision) == (
        "retired",
        datetime.date(2025, 1, 1),
        "year",
    )
    assert Entry.objects.get(key="nsp-service-x").is_nsp_service
    row = midt.history.earliest("history_date")
    assert row.history_change_reason == "Importeret fra kortlægning.xlsx"
    assert row.history_user == system_user
    # The entries without links were written in bulk: history is the same.
    for key in ("sds-shak-navigator", "nsp-service-x"):
        row = Entry.objects.get(key=key).history.get()
        assert (row.history_type, row.history_user, row.history_change_reason) == (
            "+",
            system_user,
            "Importeret fra kortlægning.xlsx",
        )


def test_a_large_first_import_writes_entries_steps_and_history_in_bulk(system_user):
    rows = [
        [
            f"stor-{i}",
            f"System {i}",
            "System",
            "SDS",
            None,
            "SHAK",
            None,
            None,
            None,
            None,
            None,
            "K2 2027",
            None,
        ]
        for i in range(300)
    ]
    register_import(data=xlsx(rows), filename="stor.xlsx", user=system_user)
    assert Entry.objects.filter(key__startswith="stor-").count() == 300
    assert Entry.history.filter(key__startswith="stor-", history_user=system_user).count() == 300
    from register.models import Step

    steps = Step.objects.filter(entry__key__startswith="stor-", kind="in_production")
    assert steps.count() == 300
    assert Step.history.filter(history_change_reason="Importeret fra stor.xlsx").count() == 300
    assert register_import(data=xlsx(rows), filename="stor.xlsx", user=system_user).written == 0


def test_a_second_import_of_the_same_file_changes_nothing(system_user):
    data = xlsx(GOOD)
    register_import(data=data, filename="a.xlsx", user=system_user)
    rows = {m: m.history.count() for m in (Entry,)}
    again = register_import(data=data, filename="a.xlsx", user=system_user)
    assert again.written == 0 and len(again.unchanged) == 3
    assert {m: m.history.count() for m in (Entry,)} == rows


def test_a_changed_file_updates_by_key_and_says_which_columns(system_user):
    register_import(data=xlsx(GOOD), filename="a.xlsx", user=system_user)
    changed = [row[:] for row in GOOD]
    changed[0][5] = "SHAK og SOR"
    changed[0][11] = "K3 2027"
    preview = register_import(data=xlsx(changed), filename="b.xlsx", user=system_user, dry_run=True)
    (update,) = preview.updated
    assert update.key == "midt-epj"
    assert update.fields == ["SHAK-anvendelse", "I produktion, forventet"]
    assert Entry.objects.get(key="midt-epj").state == "shak"  # a dry run writes nothing
    register_import(data=xlsx(changed), filename="b.xlsx", user=system_user)
    midt = Entry.objects.get(key="midt-epj")
    assert midt.state == "shak_and_sor"
    assert midt.history.latest("history_date").history_change_reason == "Importeret fra b.xlsx"


def test_bulk_writes_record_history_with_links_and_steps(system_user):
    """New and changed rows are written in bulk: each entry gets one history row that
    records its activities, as a single save would; a changed step one more row."""
    from register.models import Step

    register_import(data=xlsx(GOOD), filename="a.xlsx", user=system_user)
    midt = Entry.objects.get(key="midt-epj")
    (created,) = midt.history.all()
    assert created.history_type == "+"
    assert [a.activity.key for a in created.activities.all()] == ["sor-i-regionernes-sundheds-it"]
    changed = [row[:] for row in GOOD]
    changed[0][5] = "SHAK og SOR"
    changed[0][11] = "K3 2027"
    register_import(data=xlsx(changed), filename="b.xlsx", user=system_user)
    midt = Entry.objects.get(key="midt-epj")
    assert (midt.state, midt.version) == ("shak_and_sor", 2)
    row = midt.history.order_by("-history_id").first()
    assert (row.history_type, row.history_user, row.history_change_reason, row.version) == (
        "~",
        system_user,
        "Importeret fra b.xlsx",
        2,
    )
    assert [a.activity.key for a in row.activities.all()] == ["sor-i-regionernes-sundheds-it"]
    step = midt.steps.get(kind="in_production")
    assert (step.forecast_date, step.version) == (datetime.date(2027, 7, 1), 2)
    assert Step.history.filter(id=step.pk).count() == 2


def test_a_row_saved_by_someone_since_the_preview_goes_through_the_version_check(system_user):
    """The bulk path writes only entries unchanged since they were read; a changed one
    is written one by one through the services."""
    from register import services
    from register.imports import RegisterImport

    register_import(data=xlsx(GOOD), filename="a.xlsx", user=system_user)
    changed = [row[:] for row in GOOD]
    changed[0][5] = "SHAK og SOR"
    spec = RegisterImport(user=system_user)
    from core.imports import parse

    rows = parse(spec, xlsx(changed), "b.xlsx")
    midt = Entry.objects.get(key="midt-epj")
    services.entry_update(
        entry_id=midt.pk,
        version=midt.version,
        user=system_user,
        data={"description": "Rettet imens"},
        fields=("description",),
    )
    left = spec.write_changed([r for r in rows if r.values["key"] == "midt-epj"], reason="x")
    assert [r.values["key"] for r in left] == ["midt-epj"]
    assert Entry.objects.get(key="midt-epj").state == "shak"


def test_a_dry_run_writes_nothing(system_user):
    preview = register_import(data=xlsx(GOOD), filename="a.xlsx", user=system_user, dry_run=True)
    assert len(preview.created) == 3 and preview.written == 0
    assert not Entry.objects.filter(key__in=["midt-epj", "nsp-service-x"]).exists()


def test_each_bad_row_is_reported_in_danish_and_nothing_is_written(system_user):
    bad = [
        GOOD[0],
        [
            "ukendt-part",
            "X",
            "System",
            "Region Atlantis",
            None,
            "SHAK",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "ukendt-tilstand",
            "X",
            "System",
            "SDS",
            None,
            "Delvist",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "daarlig-dato",
            "X",
            "System",
            "SDS",
            None,
            "SHAK",
            None,
            None,
            None,
            None,
            None,
            "snart",
            None,
        ],
        [
            "midt-epj",
            "Dublet",
            "System",
            "SDS",
            None,
            "SHAK",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "kun-sor-uden-dato",
            "X",
            "System",
            "SDS",
            None,
            "Kun SOR",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "Ikke En Nøgle",
            "X",
            "System",
            "SDS",
            "Region Midtjylland",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "findes-ikke",
        ],
    ]
    with pytest.raises(ImportRefused) as refused:
        register_import(data=xlsx(bad), filename="fejl.xlsx", user=system_user)
    assert refused.value.errors == [
        "Række 3, kolonne «Systemejer»: Parten «Region Atlantis» findes ikke.",
        "Række 4, kolonne «SHAK-anvendelse»: «Delvist» er ikke en af: Ikke kortlagt, SHAK, SHAK+, SHAK og SOR, Kun SOR, Udfaset.",
        "Række 5, kolonne «I produktion, forventet»: «snart» er ikke en dato; skriv fx 14-03-2026, marts 2026, K1 2026 eller 2026.",
        "Række 6, kolonne «Nøgle»: nøglen «midt-epj» står også i række 2.",
        "Række 8, kolonne «Nøgle»: «Ikke En Nøgle» kan ikke bruges som nøgle: kun små bogstaver, tal og bindestreger (fx ikke-en-noegle).",
        "Række 8, kolonne «Leverandør»: It-leverandøren «Region Midtjylland» findes ikke.",
        "Række 8, kolonne «Aktiviteter»: Aktiviteten «findes-ikke» findes ikke.",
    ]
    assert not Entry.objects.filter(key="midt-epj").exists()
    # With those fixed, the rule across columns speaks too (before anything is written).
    with pytest.raises(ImportRefused) as refused:
        register_import(data=xlsx([GOOD[0], bad[5]]), filename="fejl.xlsx", user=system_user)
    assert refused.value.errors == [
        "Række 3, kolonne «Dato for tilstand»: Angiv datoen for “Kun SOR” (med præcision).",
        "Række 3, kolonne «Bekræftet af»: Angiv, hvem der har bekræftet “Kun SOR”.",
    ]
    assert not Entry.objects.filter(key="midt-epj").exists()


def test_formula_cells_are_read_as_text(system_user):
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws.append(["Nøgle", "Navn", "Type", "Systemejer", "Beskrivelse"])
    ws.append(["formel", '=HYPERLINK("http://evil.example","klik")', "System", "SDS", "=1+1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    register_import(data=buffer.getvalue(), filename="f.xlsx", user=system_user)
    entry = Entry.objects.get(key="formel")
    assert entry.name == '=HYPERLINK("http://evil.example","klik")'
    assert entry.description == "=1+1"


def test_csv_with_semicolons_and_a_bom(system_user):
    data = csv_bytes(Sheet(headers=HEADERS, rows=[GOOD[2]]))
    register_import(data=data, filename="r.csv", user=system_user)
    assert Entry.objects.get(key="nsp-service-x").state == "not_mapped"


def test_the_template_has_danish_headers_and_drop_downs_and_imports_once_filled(system_user):
    data = template_xlsx()
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook.worksheets[0]
    headers = [c.value for c in ws[6]]  # after the title, three notes and a blank row
    assert headers == [c.header for c in build_columns()]
    assert "SHAK-anvendelse" in headers and "I produktion, baseline" in headers
    validations = ws.data_validations.dataValidation
    assert len(validations) == len([c for c in build_columns() if c.choices])
    state_list = workbook["Lister"]
    values = {state_list.cell(row=r, column=c).value for r in range(1, 10) for c in range(1, 12)}
    assert {"Ikke kortlagt", "Kun SOR", "Udfaset", "Patientjournal"} <= values
    # Filled in, the template imports.
    filled = {"Nøgle": "fra-skabelon", "Navn": "Fra skabelonen", "Type": "Register"}
    filled["Systemejer"] = "SUM-koncernen"
    ws.append([filled.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    register_import(data=buffer.getvalue(), filename="skabelon.xlsx", user=system_user)
    assert Entry.objects.get(key="fra-skabelon").owner.key == "sum-koncernen"


def test_the_command_imports_and_exits_non_zero_on_a_bad_file(tmp_path, capsys):
    good = tmp_path / "god.xlsx"
    good.write_bytes(xlsx(GOOD))
    call_command("import_register", str(good), "--dry-run")
    assert "Prøvekørsel, intet gemt: 3 oprettet" in capsys.readouterr().out
    assert not Entry.objects.filter(key="midt-epj").exists()
    call_command("import_register", str(good))
    assert Entry.objects.filter(key="midt-epj").exists()
    bad = tmp_path / "fejl.csv"
    bad.write_bytes(csv_bytes(Sheet(headers=HEADERS, rows=[["x", "X", "Maskine", "SDS"]])))
    with pytest.raises(CommandError, match="ikke importeret"):
        call_command("import_register", str(bad))
    assert "«Maskine» er ikke en af" in capsys.readouterr().err
    with pytest.raises(CommandError, match="kan ikke læses"):
        call_command("import_register", str(tmp_path / "findes-ikke.xlsx"))


def test_an_editor_previews_then_confirms_an_upload(client_for, editor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(editor)
    upload = SimpleUploadedFile("kortlægning.xlsx", xlsx(GOOD))
    response = client.post(reverse("register:import"), {"file": upload})
    assert response.status_code == 200
    result = response.context["result"]
    assert len(result.created) == 3
    assert "3 oprettes, 0 ændres, 0 er uændrede" in response.content.decode()
    assert not Entry.objects.filter(key="midt-epj").exists()
    token = response.context["token"]
    response = client.post(reverse("register:import_confirm"), {"token": token})
    assert response.status_code == 302
    assert Entry.objects.get(key="midt-epj").history.earliest("history_date").history_user == editor
    from django.core.files.storage import default_storage

    assert not default_storage.exists(f"imports/register-{token}.xlsx")  # the upload is gone
    # The token is used up.
    response = client.post(reverse("register:import_confirm"), {"token": "gammel"})
    assert response.status_code == 302 and response["Location"] == reverse("register:import")


def test_a_bad_upload_shows_every_error_and_writes_nothing(client_for, editor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = [["x", "X", "System", "Region Atlantis"], ["y", "Y", "Maskine", "SDS"]]
    response = client_for(editor).post(
        reverse("register:import"), {"file": SimpleUploadedFile("fejl.xlsx", xlsx(bad))}
    )
    body = response.content.decode()
    assert "fejl.xlsx er ikke importeret: 2 fejl" in body
    assert "Række 2, kolonne «Systemejer»: Parten «Region Atlantis» findes ikke." in body
    assert not Entry.objects.filter(key__in=["x", "y"]).exists()
    response = client_for(editor).post(
        reverse("register:import"), {"file": SimpleUploadedFile("noter.txt", b"x")}
    )
    assert response.context["form"].errors["file"] == [
        "Filen skal være et Excel-regneark (.xlsx) eller en CSV-fil (.csv)."
    ]


def test_a_reporter_cannot_import(client_for, reporter):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(reporter).post(
        reverse("register:import"), {"file": SimpleUploadedFile("a.xlsx", xlsx(GOOD))}
    )
    assert response.status_code == 403
    assert not Entry.objects.filter(key="midt-epj").exists()


def test_the_editor_downloads_the_template(client_for, editor):
    response = client_for(editor).get(reverse("register:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
