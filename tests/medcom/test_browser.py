"""A supplier's reporter reports a row ready for test; MedCom's reporter finds it on
the work list and certifies it; the matrix shows it certified (Chromium)."""

import pytest

from core.history import system_user_get
from medcom import services
from medcom.models import Certification
from milestones.loader import sor_roadmap_load
from parties.access import access_for
from parties.models import Membership, Party
from register import services as register_services
from tests.factories import PASSWORD
from tests.helpers import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, url, username):
    page.goto(url)
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log ind").click()
    page.wait_for_url(url)


def test_a_supplier_reports_ready_and_medcom_certifies(live_server, page, browser):
    system = system_user_get()
    sor_roadmap_load(user=system)
    supplier = Party.objects.create(
        key="lev-browser",
        name="Browserleverandøren",
        kind=Party.Kind.IT_SUPPLIER,
        side=Party.Side.EXTERNAL,
        coordinator=Party.objects.get(key="it-leverandoerer"),
    )
    editor = member("b-editor", "sor-team", Membership.Role.EDITOR)
    member("b-lev", supplier, Membership.Role.REPORTER)
    member("b-medcom", "medcom", Membership.Role.REPORTER)
    entry = register_services.entry_create(
        user=editor,
        data={
            "key": "browser-epj",
            "name": "Browser-EPJ",
            "kind": "system",
            "owner": Party.objects.get(key="region-midtjylland"),
            "supplier": supplier,
        },
    )
    message_type = services.message_type_create(
        access=access_for(editor),
        user=editor,
        data={"code": "HEN99", "name": "Henvisning", "family": "edifact_oioxml"},
    )
    row = services.certification_create(
        access=access_for(editor),
        user=editor,
        entry=entry,
        message_type=message_type,
        direction="sends",
        state="in_development",
    )

    # The supplier: its page, the row's form offers no test result, "klar til test".
    supplier_url = f"{live_server.url}/medcom/leverandoerer/lev-browser/"
    _log_in(page, supplier_url, "b-lev")
    page.get_by_role("link", name="Opdatér Browser-EPJ HEN99 Sender").first.click()
    state = page.get_by_label("Ny tilstand")
    options = state.locator("option").all_inner_texts()
    assert "Certificeret" not in options
    state.select_option(label="Klar til test")
    page.get_by_role("button", name="Gem").click()
    page.wait_for_url(supplier_url)
    page.get_by_text("Ændringerne er gemt.").wait_for()
    assert Certification.objects.get(pk=row.pk).state == "ready_for_test"

    # MedCom: the work list, "Registrér resultat", certified with a reference.
    medcom = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen")
    other = medcom.new_page()
    work_list = f"{live_server.url}/medcom/arbejdsliste/"
    _log_in(other, work_list, "b-medcom")
    other.get_by_role("link", name="Registrér resultat Browser-EPJ HEN99 Sender").click()
    other.get_by_label("Ny tilstand").select_option(label="Certificeret")
    other.get_by_label("Test-/certifikatreference").fill("CERT-2026-17")
    other.get_by_role("button", name="Gem").click()
    other.wait_for_url(work_list)
    other.get_by_text("Ingen rækker venter på test.").wait_for()
    other.goto(f"{live_server.url}/medcom/")
    cell = other.locator(".sp-matrix tbody tr", has_text="Browserleverandøren")
    cell.locator(".sp-cert--certified").wait_for()
    assert "1/1" in cell.inner_text()
    medcom.close()
    row = Certification.objects.get(pk=row.pk)
    assert row.state == "certified" and row.reference == "CERT-2026-17" and row.certified_on
