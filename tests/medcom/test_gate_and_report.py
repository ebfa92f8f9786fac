"""The switch-off gate's MedCom condition, the status report's section, the import."""

import io

import pytest
from django.core.exceptions import PermissionDenied

from core.imports import ImportRefused
from core.spreadsheets import Sheet, xlsx_bytes
from medcom.imports import build_columns, medcom_import
from medcom.models import Certification, CertState, MessageType
from parties.access import access_for
from reports import report_medcom
from reports.selectors import switch_off as gate
from tests.medcom.conftest import set_state

pytestmark = pytest.mark.django_db


def _condition():
    return {c.key: c for c in gate.switch_off(with_burndown=False).conditions}["medcom"]


def test_the_gate_is_not_tracked_without_rows(db):
    assert _condition().status == "not_tracked"


def test_the_gate_holds_only_when_every_row_is_in_production(rows):
    condition = _condition()
    assert condition.status == "fails" and condition.count == 8 and condition.total == 8
    for row in list(rows.values())[:-1]:
        set_state(row, CertState.CERTIFIED, reference="C")
        set_state(row, CertState.IN_PRODUCTION)
    condition = _condition()
    assert condition.status == "fails" and condition.count == 1
    assert [what for what, _url in condition.left] == ["FHIR01: 1 række"]
    last = list(rows.values())[-1]
    set_state(last, CertState.CERTIFIED, reference="C")
    assert _condition().count == 1  # certified alone is not enough
    set_state(last, CertState.IN_PRODUCTION)
    assert _condition().status == "holds"


def test_the_report_section(rows, message_types):
    import datetime

    from django.utils import timezone

    since = timezone.now() - datetime.timedelta(days=1)
    set_state(rows[("a", "hen", "sends")], CertState.CERTIFIED, reference="C")
    section = report_medcom.medcom_section(at=None, since=since)
    by_state = {s["state"]: s for s in section["by_state"]}
    assert by_state["certified"]["count"] == 1 and by_state["certified"]["change"] == "+1"
    assert section["total"] == 8 and section["types"] == 2


def _file(rows) -> bytes:
    headers = [c.header for c in build_columns()]
    return xlsx_bytes(Sheet(headers=headers, rows=rows))


def test_import_is_all_or_nothing_and_idempotent(systems, message_types, editor, system_user):
    data = _file(
        [
            ["sys-a", "HEN01", "Sender", "Under udvikling", None, "K2 2027", "", "", ""],
            ["sys-b", "FHIR01", "Modtager", "Certificeret", "01-11-2026", "", "C-2", "", ""],
        ]
    )
    access = access_for(editor)
    preview = medcom_import(data=data, filename="m.xlsx", user=editor, access=access, dry_run=True)
    assert len(preview.created) == 2 and not Certification.objects.exists()
    medcom_import(data=data, filename="m.xlsx", user=editor, access=access)
    assert Certification.objects.get(entry__key="sys-b").state == "certified"
    again = medcom_import(data=data, filename="m.xlsx", user=editor, access=access)
    assert len(again.unchanged) == 2
    bad = _file(
        [
            ["sys-a", "HEN01", "Sender", "I test", None, "", "", "", ""],
            ["sys-a", "HEN01", "Modtager", "Afvist i test", None, "", "", "", ""],
        ]
    )
    with pytest.raises(ImportRefused) as refused:
        medcom_import(data=bad, filename="b.xlsx", user=editor, access=access)
    assert refused.value.errors == [
        "Række 3, kolonne «Begrundelse for afvisning»: Skriv, hvorfor testen er afvist."
    ]
    assert (
        Certification.objects.get(entry__key="sys-a", direction="sends").state == "in_development"
    )


def test_a_supplier_imports_only_its_own_rows_and_moves(systems, message_types, reporter_a):
    access = access_for(reporter_a)
    data = _file(
        [
            ["sys-a", "HEN01", "Sender", "Klar til test", None, "", "", "", ""],
            ["sys-b", "HEN01", "Sender", "Under udvikling", None, "", "", "", ""],
            ["sys-a", "FHIR01", "Sender", "Certificeret", None, "", "", "", ""],
        ]
    )
    with pytest.raises(ImportRefused) as refused:
        medcom_import(data=data, filename="l.xlsx", user=reporter_a, access=access)
    assert refused.value.errors == [
        "Række 3: Du kan kun ændre rækker for de leverandører, du rapporterer for.",
        "Række 4: Kun MedCom og SOR-teamet kan sætte “Certificeret”.",
    ]
    assert not Certification.objects.exists()
    ok = _file([["sys-a", "HEN01", "Sender", "Klar til test", None, "", "", "", ""]])
    medcom_import(data=ok, filename="l.xlsx", user=reporter_a, access=access)
    assert Certification.objects.get().state == "ready_for_test"


def test_the_import_page_refuses_an_outsider(client_for, outsider, reporter):
    from django.urls import reverse

    assert client_for(outsider).get(reverse("medcom:import")).status_code == 403
    assert client_for(reporter).get(reverse("medcom:import")).status_code in (200, 403)
    _ = PermissionDenied


def test_the_upload_page_previews_the_three_key_columns_then_imports(
    client_for, systems, message_types, editor
):
    """The matrix's import through the shared import body: the preview names each row
    by system, message type and direction (one column each), then the confirm writes."""
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client = client_for(editor)
    data = _file([["sys-a", "HEN01", "Modtager", "Under udvikling", None, "", "", "", ""]])
    response = client.post(
        reverse("medcom:import"), {"file": SimpleUploadedFile("matrix.xlsx", data)}
    )
    body = response.content.decode()
    assert "1 oprettes, 0 ændres, 0 er uændrede" in body
    headers = re.findall(r'<th scope="col">([^<]*)</th>', body.split("<thead>")[1])
    assert headers[:4] == ["Række", "System", "Meddelelsestype", "Retning"]
    assert "<td>2</td><td><code>sys-a</code></td><td>HEN01</td><td>Modtager</td>" in body
    assert not Certification.objects.exists()
    response = client.post(reverse("medcom:import_confirm"), {"token": response.context["token"]})
    assert response.status_code == 302 and response["Location"] == reverse("medcom:matrix")
    row = Certification.objects.get()
    assert (row.entry.key, row.direction, row.state) == ("sys-a", "receives", "in_development")


def test_the_import_medcom_command(systems, message_types, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "matrix.xlsx"
    path.write_bytes(_file([["sys-a", "HEN01", "Sender", "Klar til test", None, "", "", "", ""]]))
    out = io.StringIO()
    call_command("import_medcom", str(path), "--dry-run", stdout=out)
    assert "Række 2: sys-a / HEN01 / sends oprettes" in out.getvalue()
    assert not Certification.objects.exists()
    call_command("import_medcom", str(path), stdout=out)
    assert Certification.objects.get().state == "ready_for_test"


@pytest.fixture
def late_november():
    import datetime

    import time_machine

    # The clock ticks: each history record gets its own moment, as in real use.
    with time_machine.travel(datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)):
        yield


def test_the_pdf_section_shows_the_figures_and_the_cutovers(
    late_november, rows, report_media, tmp_path
):
    """The rendered PDF's MedCom section, read back by pdftotext: the matrix's figures,
    the change since the last report and the message type whose cut-over is near with
    the suppliers not yet certified for it."""
    import datetime

    from core.history import system_user_get
    from reports import services as report_services
    from tests.reports.helpers import pdf_text

    for direction in ("sends", "receives"):
        set_state(rows[("a", "fhir", direction)], CertState.CERTIFIED, reference="C-1")
    set_state(rows[("a", "hen", "sends")], CertState.CERTIFIED, reference="C-2")
    set_state(rows[("a", "hen", "sends")], CertState.IN_PRODUCTION)
    import time_machine

    # November's report, made on 2 December.
    with time_machine.travel(datetime.datetime(2026, 12, 2, 9, tzinfo=datetime.UTC), tick=False):
        report, _ = report_services.status_report_generate(
            period=datetime.date(2026, 11, 1), user=system_user_get()
        )
        text = pdf_text(report_services.status_report_pdf(report), tmp_path)
    section = text[text.index("8. MedCom: meddelelsestyper og certificering") :]
    section = section[: section.index("9. Tidslinje")]
    counts = {state: Certification.objects.filter(state=state).count() for state in CertState}
    total = sum(counts.values())
    assert counts[CertState.CERTIFIED] >= 2 and counts[CertState.IN_PRODUCTION] == 1
    # The facts: message types, rows, certified, in production (figures before labels).
    figures = (
        f"{MessageType.objects.count()} {total} {counts[CertState.CERTIFIED]} 1 meddelelsestyper"
    )
    assert figures in section
    assert f"Ændring siden 1. november 2026 00:00: rækker i alt +{total}." in section
    # The states' table: last period (no report before), this period, change.
    for state in CertState:
        n = counts[state]
        assert f"{state.label} 0 {n} {'+' if n else '±'}{n}" in section, state
    # FHIR01's cut-over (January 2027) is within three months; only B is not certified.
    cutovers = section[section.index("Overgang til SOR inden for tre måneder") :]
    assert "FHIR01" in cutovers and "januar 2027" in cutovers
    assert "Leverandør B" in cutovers and "Leverandør A" not in cutovers
    assert "HEN01" not in cutovers  # its cut-over (June 2026) has passed
