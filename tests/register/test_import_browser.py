"""An editor imports the template with one bad row, reads the error, fixes the file,
imports again, and sees the readiness page change (Chromium)."""

import io

import pytest
from openpyxl import load_workbook

from core.history import system_user_get
from milestones.loader import sor_roadmap_load
from parties.models import Membership
from register.imports import template_xlsx
from tests.factories import PASSWORD
from tests.helpers import browser_log_in, member, two_factor_give

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _filled_template(rows) -> bytes:
    workbook = load_workbook(io.BytesIO(template_xlsx()))
    ws = workbook.worksheets[0]
    headers = [c.value for c in ws[6]]
    for values in rows:
        ws.append([values.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_editor_fixes_a_bad_row_and_the_readiness_page_changes(live_server, page, tmp_path):
    sor_roadmap_load(user=system_user_get())  # an earlier transaction test may have flushed it
    user = member("rikke", "sor-team", Membership.Role.EDITOR)
    two_factor_give(user)  # editors must have two-factor
    good = {"Nøgle": "midt-epj", "Navn": "Midt EPJ", "Type": "System"}
    good |= {"Systemejer": "Region Midtjylland", "SHAK-anvendelse": "SHAK"}
    bad = {"Nøgle": "syd-lab", "Navn": "Syd lab", "Type": "System"}
    bad |= {"Systemejer": "Region Atlantis", "SHAK-anvendelse": "SHAK+"}
    first = tmp_path / "kortlaegning.xlsx"
    first.write_bytes(_filled_template([good, bad]))

    page.goto(f"{live_server.url}/register/import/")
    browser_log_in(page, user, PASSWORD)
    page.wait_for_url(f"{live_server.url}/register/import/")

    page.get_by_label("Regneark").set_input_files(str(first))
    page.get_by_role("button", name="Vis hvad der ændres").click()
    alert = page.get_by_role("alert")
    alert.get_by_text("kortlaegning.xlsx er ikke importeret: 1 fejl").wait_for()
    assert (
        "Række 8, kolonne «Systemejer»: Parten «Region Atlantis» findes ikke." in alert.inner_text()
    )

    bad["Systemejer"] = "Region Syddanmark"
    second = tmp_path / "kortlaegning-rettet.xlsx"
    second.write_bytes(_filled_template([good, bad]))
    page.get_by_label("Regneark").set_input_files(str(second))
    page.get_by_role("button", name="Vis hvad der ændres").click()
    page.get_by_text("2 oprettes, 0 ændres, 0 er uændrede. Intet er gemt endnu.").wait_for()
    page.get_by_role("button", name="Importér", exact=True).click()
    page.get_by_text("kortlaegning-rettet.xlsx er importeret: 2 oprettet").wait_for()

    page.goto(f"{live_server.url}/kan-shak-slukkes/")
    answer = page.locator(".sp-gate-answer").inner_text()
    assert "Nej: " in answer and "bruger stadig SHAK" in answer
    page.get_by_role("link", name="Midt EPJ").wait_for()
