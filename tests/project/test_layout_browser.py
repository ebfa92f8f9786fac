"""The main menu on a laptop screen: with every entry a superuser editor has (14), it
wraps instead of running off the right edge (DKFDS keeps it on one row; seen at 1366 px)."""

import pytest

from parties.models import Membership
from tests.factories import PASSWORD
from tests.helpers import browser_log_in, member, two_factor_give

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 1024])
def test_every_menu_entry_is_on_screen(loaded_plan, live_server, page, width):
    user = member("t-super-redaktoer", "sor-team", Membership.Role.EDITOR)
    user.is_superuser = user.is_staff = True
    user.save()
    two_factor_give(user)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + "/")
    browser_log_in(page, user, PASSWORD)
    menu = page.get_by_role("navigation", name="Hovedmenu")
    menu.get_by_role("link", name="Administration").wait_for()
    entries = menu.get_by_role("link").all()
    assert len(entries) >= 14
    for entry in entries:
        box = entry.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, entry.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_new_api_token_and_the_token_table_fit_on_screen(loaded_plan, live_server, page):
    """Seen at 1366 px: the token (one unbroken 60-character word) ran out of its green
    box, and the table of tokens sat in the form's narrow column with its last column
    ("Tilbagekald") scrolled out of sight."""
    user = member("t-styregruppe-noegle", "sor-styregruppe", Membership.Role.STEERING)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + "/profil/tokens/")
    browser_log_in(page, user, PASSWORD)
    page.get_by_label("Navn").fill("Regionens planværktøj")
    page.get_by_role("button", name="Opret nøgle").click()
    token = page.get_by_test_id("new-token")
    token.wait_for()
    box = page.locator("#ny-noegle").bounding_box()
    text = token.bounding_box()
    assert text["x"] + text["width"] <= box["x"] + box["width"]
    revoke = page.get_by_role("link", name="Tilbagekald nøglen Regionens planværktøj")
    link = revoke.bounding_box()
    assert link["x"] + link["width"] <= 1366
    assert revoke.evaluate("el => el.closest('.table--responsive-scroll').scrollWidth") <= (
        revoke.evaluate("el => el.closest('.table--responsive-scroll').clientWidth")
    )
