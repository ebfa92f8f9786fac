"""The lists as files (`?format=csv` / `?format=xlsx`): every row matching the filters,
Danish headers, real dates, the filters and the moment in the file, planted formula
payloads neutralised, and the page's own rights. The files are opened as a spreadsheet
program would (openpyxl, csv)."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from milestones.models import Milestone
from register.models import Entry
from tests import factories
from tests.governance.helpers import make_action, make_decision, make_risk

PAYLOADS = ['=HYPERLINK("http://x")', "+1+2", "-3+4", "@SUM(A1)", "\tTAB=1", "\rCR=1"]


def xlsx_rows(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    return sheet, [[c.value for c in row] for row in sheet.iter_rows()]


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def table(rows, first_header):
    """The header row and the rows under it (after the title and note lines)."""
    start = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    return rows[start], [r for r in rows[start + 1 :] if any(v not in (None, "") for v in r)]


@pytest.fixture
def planted(db):
    """Milestones whose titles are formula payloads, on a party of their own."""
    owner = factories.PartyFactory(key="payload-part", name="Payload-part")
    activity = factories.ActivityFactory(key="payload-aktivitet", responsible_party=owner)
    return [
        factories.MilestoneFactory(
            key=f"payload-{n}",
            title=payload,
            activity=activity,
            forecast_date=datetime.date(2027, 3, n + 1),
        )
        for n, payload in enumerate(PAYLOADS)
    ]


def test_milestones_xlsx_all_filtered_rows_dates_and_neutralised_payloads(
    client_for, editor, planted
):
    # More than one page (50) would be cut by pagination; the file has every row.
    extra = [
        factories.MilestoneFactory(activity=planted[0].activity, title=f"Ekstra {n}")
        for n in range(55)
    ]
    url = reverse("milestones:milestone_list") + "?part=payload-part&side=2&format=xlsx"
    response = client_for(editor).get(url)
    assert response.status_code == 200
    assert 'filename="milepaele-' in response["Content-Disposition"]
    sheet, rows = xlsx_rows(response)
    header, data = table(rows, "Nøgle")
    assert header[:3] == ["Nøgle", "Milepæl", "Aktivitet"]
    assert len(data) == len(PAYLOADS) + len(extra)  # the party's milestones only, all of them
    assert {r[0] for r in data} == {m.key for m in planted + extra}
    text = [str(r[0]) for r in rows[:4] if r[0]]
    assert rows[0][0] == "Milepæle"
    assert any(t.startswith("Hentet ") for t in text)
    assert any("Ansvarlig part: Payload-part" in t for t in text), text
    titles = {r[0]: r[1] for r in data}
    forecast_col = header.index("Forventet")
    for m in planted:
        # Reads back as typed (XML reads a carriage return as a line feed).
        assert titles[m.key] == m.title.replace("\r", "\n")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate  # no cell is a formula
            if isinstance(cell.value, str) and cell.value.startswith(
                ("=", "+", "-", "@", "\t", "\r")
            ):
                assert cell.quotePrefix, cell.coordinate
    dates = [r[forecast_col] for r in data if r[0].startswith("payload-")]
    assert all(isinstance(d, datetime.datetime) for d in dates)  # a real date cell
    assert sorted(d.date() for d in dates) == [m.forecast_date for m in planted]


def test_milestones_csv_neutralised_and_filtered(client_for, steering, planted):
    response = client_for(steering).get(
        reverse("milestones:milestone_list"), {"part": "payload-part", "format": "csv"}
    )
    rows = csv_rows(response)
    header, data = table(rows, "Nøgle")
    by_key = {r[0]: r for r in data}
    assert set(by_key) == {m.key for m in planted}
    for m in planted:
        assert by_key[m.key][1] == "'" + m.title  # the apostrophe keeps it text
    assert by_key["payload-0"][header.index("Forventet")] == "01-03-2027"


def test_demo_data_marked_in_the_file(client_for, editor, planted, monkeypatch):
    from milestones import exports

    Milestone.objects.filter(pk=planted[0].pk).update(demo_fields=["forecast_date"])
    monkeypatch.setattr(exports, "demo_data_loaded", lambda: True)
    response = client_for(editor).get(
        reverse("milestones:milestone_list"), {"part": "payload-part", "format": "xlsx"}
    )
    _, rows = xlsx_rows(response)
    assert any(str(r[0]).startswith("Demodata – illustrativ") for r in rows[:5])
    header, data = table(rows, "Nøgle")
    marks = {r[0]: r[header.index("Demodata i felterne")] for r in data}
    assert marks["payload-0"] == "forventet dato"
    assert marks["payload-1"] in (None, "")


def test_activity_list_export_filtered_by_track(client_for, editor):
    response = client_for(editor).get(
        reverse("milestones:activity_list"), {"spor": "external", "format": "csv"}
    )
    header, data = table(csv_rows(response), "Nøgle")
    from milestones.models import Activity

    expected = set(Activity.objects.filter(track="external").values_list("key", flat=True))
    assert expected and {r[0] for r in data} == expected
    assert "Planlagt slut" in header


@pytest.mark.parametrize(
    "name",
    [
        "milestones:milestone_list",
        "milestones:activity_list",
        "milestones:change_feed",
        "parties:list",
        "register:entry_list",
        "governance:risk_list",
        "governance:decision_list",
        "governance:action_list",
    ],
)
def test_export_answers_like_the_page(client_for, role_users, name):
    """The file has the page's rights: whoever gets the page gets the file, others the
    page's own refusal."""
    url = reverse(name)
    for role, user in role_users.items():
        page = client_for(user).get(url)
        file = client_for(user).get(url, {"format": "xlsx"})
        if page.status_code == 200:
            assert file.status_code == 200, role
            assert file["Content-Type"].startswith("application/vnd.openxml"), role
        else:
            assert file.status_code == page.status_code, role
    assert client_for(None).get(url, {"format": "csv"}).status_code == 302


def test_page_shows_the_links_with_its_filters(client_for, editor):
    response = client_for(editor).get(
        reverse("milestones:milestone_list"), {"status": "planned", "side": "2"}
    )
    html = response.content.decode()
    assert "Hent som CSV" in html and "Hent som Excel" in html
    assert "?status=planned&amp;format=csv" in html
    assert "side=2&amp;format" not in html


def test_register_export_only_visible_entries(client_for, reporter, editor):
    response = client_for(reporter).get(reverse("register:entry_list"), {"format": "csv"})
    _, data = table(csv_rows(response), "Nøgle")
    from parties.access import access_for

    visible = set(Entry.objects.visible_to(access_for(reporter)).values_list("key", flat=True))
    assert {r[0] for r in data} == visible
    everything = client_for(editor).get(reverse("register:entry_list"), {"format": "csv"})
    assert len(table(csv_rows(everything), "Nøgle")[1]) == Entry.objects.count()


def test_governance_exports(client_for, editor):
    risk = make_risk(editor, title="=risiko()", p=4, i=5)
    make_decision(editor, title="@beslutning")
    make_action(editor, title="-handling", due_on=datetime.date(2027, 1, 15))
    client = client_for(editor)
    _, rows = xlsx_rows(client.get(reverse("governance:risk_list"), {"format": "xlsx"}))
    header, data = table(rows, "Nøgle")
    row = next(r for r in data if r[0] == risk.key)
    assert row[1] == "=risiko()" and row[header.index("Score")] == 20
    header, data = table(
        csv_rows(client.get(reverse("governance:decision_list"), {"format": "csv"})), "Nøgle"
    )
    assert "'@beslutning" in [r[1] for r in data]
    _, rows = xlsx_rows(client.get(reverse("governance:action_list"), {"format": "xlsx"}))
    header, data = table(rows, "Nøgle")
    action = next(r for r in data if r[1] == "-handling")
    assert action[header.index("Frist")] == datetime.datetime(2027, 1, 15)  # noqa: DTZ001 - Excel has no time zone
    assert any("Vis: Alle" in str(r[0]) for r in rows[:4])


def test_change_feed_file_and_audit_trail(client_for, editor, steering, planted):
    from core.history import record_save

    m = planted[0]
    m.title = "Ny titel"
    record_save(m, user=editor, reason="=kilde rettet")
    today = timezone.localdate()
    client = client_for(editor)
    header, data = table(
        csv_rows(client.get(reverse("milestones:change_feed"), {"format": "csv"})), "Tidspunkt"
    )
    row = next(
        r
        for r in data
        if r[header.index("Felt")] == "Titel" and r[header.index("Efter")] == "Ny titel"
    )
    assert row[header.index("Før")] == "'" + PAYLOADS[0]
    assert row[header.index("Begrundelse")] == "'=kilde rettet"
    url = reverse("milestones:audit_trail")
    assert client_for(steering).get(url).status_code == 403
    assert (
        client_for(steering).get(url, {"siden": today, "til": today, "format": "csv"}).status_code
        == 403
    )
    page = client.get(url)
    assert page.status_code == 200 and "Revisionsspor" in page.content.decode()
    bad = client.get(url, {"siden": "2026-13-40", "til": "", "format": "xlsx"})
    assert bad.status_code == 200 and bad["Content-Type"].startswith("text/html")
    response = client.get(
        url, {"siden": today.isoformat(), "til": today.isoformat(), "format": "xlsx"}
    )
    _, rows = xlsx_rows(response)
    header, data = table(rows, "Tidspunkt")
    assert "Historik-id" in header
    row = next(r for r in data if r[header.index("Efter")] == "Ny titel")
    assert isinstance(row[0], datetime.datetime)
    assert row[header.index("Bruger-id")] == editor.pk
    old = client.get(url, {"siden": "2020-01-01", "til": "2020-01-31", "format": "csv"})
    assert table(csv_rows(old), "Tidspunkt")[1] == []
