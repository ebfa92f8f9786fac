"""In Chromium: an editor invites a person, who opens the mail's link, chooses a password,
lands on their own page, and later logs in with it through the log-in page."""

import re

import pytest

from core.history import system_user_get
from core.models import OutboxMessage
from parties.models import Membership
from tests.conftest import BROWSER_TIMEOUT_MS
from tests.factories import PASSWORD
from tests.helpers import browser_log_in, member, two_factor_give

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Ny-Rapportoer-2026!"


def log_in(page, url, username, password):
    page.goto(f"{url}/konto/log-ind/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.locator("main").get_by_role("button", name="Log ind").click()


def test_an_editor_invites_a_person_who_accepts_and_logs_in(live_server, browser):
    from milestones.loader import sor_roadmap_load

    sor_roadmap_load(user=system_user_get())
    editor = member(
        "b-redaktoer", "sor-team", Membership.Role.EDITOR, first_name="Eva", last_name="Redaktør"
    )
    two_factor_give(editor)  # editors must have it; the code step follows the password

    context = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen")
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.goto(f"{live_server.url}/konto/log-ind/")
    browser_log_in(page, editor, PASSWORD)
    page.get_by_role("link", name="Personer", exact=True).click()
    page.get_by_role("link", name="Invitér en person").click()
    page.get_by_label("Fornavn").fill("Nanna")
    page.get_by_label("Efternavn").fill("Ny")
    page.get_by_label("E-mail").fill("nanna@example.invalid")
    page.get_by_label("Part").select_option(label="Region Midtjylland")
    page.get_by_label("Rolle").select_option(label="Rapportør for part")
    page.get_by_label("Begrundelse").fill("Ny rapportør for Region Midtjylland")
    page.get_by_role("button", name="Send invitationen").click()
    page.get_by_text("Invitationen er sendt til nanna@example.invalid.").wait_for()
    page.get_by_role("heading", name="Nanna Ny").wait_for()
    context.close()

    body = OutboxMessage.objects.get(address="nanna@example.invalid").body_text
    assert "Eva Redaktør har inviteret dig" in body
    path = re.search(r"/konto/invitation/\S+/", body).group(0)

    context = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen")
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.goto(f"{live_server.url}{path}")
    page.get_by_role("heading", name="Velkommen til sorplan").wait_for()
    page.get_by_label("Adgangskode", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Gentag adgangskoden").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Gem adgangskoden og log ind").click()
    page.get_by_role("heading", name="Min profil").wait_for()
    page.get_by_text("Region Midtjylland: Rapportør for part").wait_for()
    page.locator("header").get_by_role("button", name="Log ud").click()
    page.wait_for_url("**/konto/log-ind/")

    # The link is used up; the password works on the log-in page.
    page.goto(f"{live_server.url}{path}")
    page.get_by_role("heading", name="Linket virker ikke").wait_for()
    log_in(page, live_server.url, "nanna@example.invalid", NEW_PASSWORD)
    page.get_by_role("link", name="Nanna Ny").wait_for()
    context.close()
