"""The session-timeout warning in Chromium: DKFDS's modal appears before the idle session
ends, "Bliv logget ind" keeps the session, and at the end the page goes to log-in."""

import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rigtig-Adgangskode-2026"


def test_the_warning_appears_and_staying_logged_in_works(live_server, page, settings):
    UserFactory(username="t-traet", password=PASSWORD)
    # Short times so the test does not wait for hours: warned after 2 s, out after 7 s.
    settings.SESSION_IDLE_TIMEOUT = 7
    settings.SESSION_WARNING_SECONDS = 5
    page.goto(f"{live_server.url}/konto/log-ind/?next=/tilgaengelighed/")
    page.get_by_label("Brugernavn").fill("t-traet")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{live_server.url}/tilgaengelighed/")

    dialog = page.get_by_role("dialog", name="Du bliver snart logget ud")
    dialog.wait_for(state="hidden")
    dialog.wait_for(state="visible", timeout=5_000)
    dialog.get_by_role("button", name="Bliv logget ind").click()
    dialog.wait_for(state="hidden", timeout=3_000)
    assert page.url == f"{live_server.url}/tilgaengelighed/"

    # Left alone, the warning comes back and then the page goes to log-in.
    page.wait_for_url("**/konto/log-ind/?next=%2Ftilgaengelighed%2F", timeout=10_000)
