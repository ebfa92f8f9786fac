"""A person logs in through the real log-in page and reads the roadmap (Chromium via Playwright)."""

import re

import pytest

from core.history import system_user_get
from milestones.demo import DEMO_PASSWORD
from parties.models import Membership
from tests.helpers import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan_and_reader():
    from milestones.loader import sor_roadmap_load

    sor_roadmap_load(user=system_user_get())
    return member(
        "laeser",
        "sor-styregruppe",
        Membership.Role.STEERING,
        password=DEMO_PASSWORD,
        first_name="Lise",
        last_name="Læser",
    )


def test_log_in_and_read_the_roadmap(live_server, page, plan_and_reader, tmp_path):
    page.goto(f"{live_server.url}/plan/")
    # Sent to the log-in page first.
    assert "/konto/log-ind/" in page.url
    page.get_by_role("heading", name="Log ind").wait_for()
    page.get_by_label("Brugernavn").fill("laeser")
    page.get_by_label("Adgangskode").fill("forkert")
    page.locator("main").get_by_role("button", name="Log ind").click()
    page.get_by_text("Brugernavn og adgangskode passer ikke sammen").wait_for()
    assert page.get_by_label("Brugernavn").input_value() == "laeser"  # nothing typed lost
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{live_server.url}/plan/")

    assert page.get_by_role("heading", level=1).inner_text() == "Roadmap: Fuld overgang til SOR"
    for track in [
        "Interne parter – it og drift",
        "Interne parter – øvrig it i SUM-koncernen",
        "Eksterne parter",
    ]:
        page.get_by_role("heading", level=2, name=track).wait_for()
    medcom = page.locator(
        "article", has_text="Udfasning af SHAK til SOR-koder skal kunne understøttes"
    )
    medcom_text = medcom.inner_text()
    assert "december 2023" in medcom_text
    assert 'Kilden: "medio december 2023"' in medcom_text
    # Milestones without a stated date say so; done-without-date says so.
    page.get_by_text("dato ikke fastsat").first.wait_for()
    page.get_by_text("nået, dato ukendt").first.wait_for()
    # The header shows the user and their party; the skip link goes to the content.
    page.get_by_text("Lise Læser").wait_for()
    assert page.locator(".sp-user-parties").inner_text().strip().endswith("Styregruppen")
    assert page.locator("a.skipnav").get_attribute("href") == "#main-content"
    page.screenshot(path=str(tmp_path / "roadmap.png"), full_page=True)

    # Filter by track.
    page.get_by_label("Spor").select_option(label="Eksterne parter")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(r"spor=external"))
    assert page.get_by_role("heading", level=2).count() == 1

    # The language switch is on every page.
    page.get_by_role("button", name="English").click()
    page.locator('html[lang="en"]').wait_for(state="attached")
