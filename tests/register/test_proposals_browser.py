"""A region's reporter proposes a state move in the monthly update, the SOR-team
accepts it, and the readiness page changes (Chromium)."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from core.history import system_user_get
from milestones.loader import sor_roadmap_load
from milestones.services import rounds
from parties.models import Membership
from tests.conftest import BROWSER_TIMEOUT_MS
from tests.factories import PASSWORD
from tests.helpers import browser_log_in, member, two_factor_give
from tests.register.conftest import make_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _new_page(browser):
    context = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen")
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    return context, page


def _log_in(page, url, username):
    page.goto(url)
    browser_log_in(page, User.objects.get(username=username), PASSWORD)
    page.wait_for_url(url)


def test_a_region_proposes_a_state_move_and_the_sor_team_accepts_it(live_server, browser):
    sor_roadmap_load(user=system_user_get())  # an earlier transaction test may have flushed it
    member("mette", "region-midtjylland", Membership.Role.REPORTER)
    two_factor_give(member("rikke", "sor-team", Membership.Role.EDITOR))  # editors must have it
    system = system_user_get()
    entry = make_entry(system, "midt-epj", "region-midtjylland", name="Midt EPJ", state="shak")
    today = timezone.localdate()
    round_ = rounds.reporting_round_create(period=today, user=system)
    edit_url = (
        f"{live_server.url}/plan/rapportering/{round_.period:%Y-%m}/region-midtjylland/"
        "sor-tilpasning-region-midtjylland/"
    )

    reporter, page = _new_page(browser)
    _log_in(page, edit_url, "mette")
    page.get_by_label("Status i ord").fill("EPJ kører nu kun med SOR-koder.")
    page.get_by_label("Jeres egen vurdering (RAG)").select_option("green")
    page.get_by_label("Begrundelse for vurderingen").fill("Overgangen er gennemført.")
    page.get_by_label("Procent færdig").fill("100")
    page.get_by_label("Opnået i perioden").fill("SHAK slået fra i EPJ.")
    page.get_by_label("Næste skridt").fill("Ingen.")
    page.get_by_text("Midt EPJ", exact=True).click()  # opens the entry's proposal
    page.get_by_label("Ny SHAK-anvendelse").select_option("sor_only")
    page.get_by_label("Dato for tilstanden").fill(today.isoformat())
    page.get_by_label("Bekræftet af").fill("Ida Systemejer")
    page.get_by_role("button", name="Indsend til SOR-teamet").click()
    page.get_by_text("Opdateringen er indsendt").wait_for()
    update_url = page.url
    reporter.close()

    editor, page = _new_page(browser)
    _log_in(page, f"{live_server.url}/kan-shak-slukkes/", "rikke")
    assert "1 post i registeret bruger stadig SHAK" in page.locator(".sp-gate-answer").inner_text()
    page.goto(update_url)
    box = page.get_by_label("Godkend forslaget for Midt EPJ", exact=False)
    assert box.is_checked()
    page.get_by_role("button", name="Godkend", exact=True).click()
    page.get_by_text("Opdateringen er godkendt").wait_for()
    page.goto(f"{live_server.url}/kan-shak-slukkes/")
    page.locator(".sp-gate-answer").wait_for()
    assert "bruger stadig SHAK" not in page.locator(".sp-gate-answer").inner_text()
    editor.close()
    entry.refresh_from_db()
    assert entry.state == "sor_only"
