"""In Chromium: the SOR-team editor creates a meeting (its agenda drafted from the
records), sends out the agenda, records a decision and two actions, and writes the
minutes; a steering-group participant then reads it all."""

import os
import re
from pathlib import Path

import pytest

from core.history import system_user_get
from governance.models import Decision, Meeting
from parties.models import Membership
from tests.governance.helpers import make_decision
from tests.helpers import member, two_factor_give
from tests.milestones.test_reporting_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SORPLAN_SCREENSHOTS", "/tmp/sorplan-screenshots")) / "governance"


@pytest.fixture
def people():
    from milestones.loader import sor_roadmap_load

    sor_roadmap_load(user=system_user_get())
    found = {}
    for username, first, last, party_key, role in (
        ("rikke", "Rikke", "Redaktør", "sor-team", Membership.Role.EDITOR),
        ("svend", "Svend", "Styregruppe", "sor-styregruppe", Membership.Role.STEERING),
    ):
        found[username] = member(username, party_key, role, first_name=first, last_name=last)
    two_factor_give(found["rikke"])  # editors must have a second factor to sign in
    return found


def test_a_meeting_from_agenda_to_minutes(live_server, page, browser, people):
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_decision(people["rikke"], title="Skal ID27 udskydes?")

    log_in(page, live_server, "rikke", "/styring/moeder/nyt/")
    page.get_by_label("Titel").fill("Styregruppemøde december")
    page.get_by_label("Dato").fill("2030-12-10")
    page.get_by_label("Sted").fill("Sundhedsdatastyrelsen")
    page.get_by_label("Deltagere").select_option(label="Svend Styregruppe")
    page.get_by_role("button", name="Opret").click()
    page.wait_for_url(re.compile(r".*/styring/moeder/(?!nyt/)[^/]+/$"))
    main = page.locator("main")
    assert "Skal ID27 udskydes?" in main.locator(".sp-agenda").inner_text()
    page.screenshot(path=SHOTS / "00-agenda.png", full_page=True)

    main.get_by_role("button", name="Udsend dagsordenen").click()
    assert "Dagsordenen er udsendt." in page.locator("body").inner_text()

    page.get_by_label("Beslutningsanmodning").select_option(label="Skal ID27 udskydes?")
    page.get_by_label("Beslutning", exact=True).fill("ID27 udskydes til 2031.")
    page.get_by_role("button", name="Registrér beslutningen").click()
    assert "Beslutningen er registreret." in page.locator("body").inner_text()

    for title in ("Opdatér planen", "Orientér regionerne"):
        form = page.locator("form[aria-label='Registrér en handling']")
        form.get_by_label("Titel").fill(title)
        form.get_by_label("Ansvarlig part").select_option(label="DIS/SOR-teamet")
        form.get_by_label("Frist").fill("2031-01-15")
        form.get_by_role("button", name="Registrér handlingen").click()
        assert "Handlingen er registreret." in page.locator("body").inner_text()

    page.get_by_role("textbox", name="Referat").fill("Styregruppen besluttede at udskyde ID27.")
    page.get_by_label("Mødet er afholdt").check()
    page.get_by_role("button", name="Gem referatet").click()
    assert "Referatet er gemt." in page.locator("body").inner_text()
    page.screenshot(path=SHOTS / "01-held.png", full_page=True)

    meeting = Meeting.objects.get()
    assert meeting.status == "held"
    assert Decision.objects.get(title="Skal ID27 udskydes?").meeting == meeting
    assert set(meeting.actions.values_list("title", flat=True)) == {
        "Opdatér planen",
        "Orientér regionerne",
    }

    # The steering-group participant reads the meeting.
    other = browser.new_context(locale="da-DK").new_page()
    log_in(other, live_server, "svend", f"/styring/moeder/{meeting.key}/")
    text = other.locator("main").inner_text()
    assert "ID27 udskydes til 2031." in text and "Orientér regionerne" in text
    assert "Styregruppen besluttede at udskyde ID27." in text
    assert other.locator("main form").count() == 0
