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
