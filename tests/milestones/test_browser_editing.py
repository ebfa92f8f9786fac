"""An editor logs in through the real log-in page, changes a forecast date in place on the
activity page (htmx), gives a reason, and finds the change in the history (Chromium)."""

import os
from pathlib import Path

import pytest

from core.history import system_user_get
from milestones.models import Milestone
from parties.models import Membership
from tests.factories import PASSWORD
from tests.helpers import browser_log_in, member, two_factor_give

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SORPLAN_SCREENSHOTS", "/tmp/sorplan-screenshots"))


@pytest.fixture
def plan_and_editor():
    """The plan (an earlier transaction=True test may have flushed it; loading is
    idempotent) and a SOR-team editor with a password."""
    from milestones.loader import sor_roadmap_load

    sor_roadmap_load(user=system_user_get())
    user = member(
        "rikke", "sor-team", Membership.Role.EDITOR, first_name="Rikke", last_name="Redaktør"
    )
    two_factor_give(user)  # editors must have two-factor
    return user


def test_editor_changes_a_forecast_in_place_and_sees_it_in_the_history(
    live_server, page, plan_and_editor
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    milestone = Milestone.objects.get(key="sorls-i-drift-paa-nsp")
    activity_url = f"{live_server.url}/plan/aktiviteter/sorls-go-live/"

    page.goto(activity_url)
    assert "/konto/log-ind/" in page.url
    browser_log_in(page, plan_and_editor, PASSWORD)
    page.wait_for_url(activity_url)
    # A marker that a full page load would wipe: the edit must happen in place.
    page.evaluate("window.sorplanNoReload = true")

    row = page.locator(f"#milestone-{milestone.pk}")
    row.get_by_role("link", name="Ret").click()
    form = page.locator(f"#milestone-{milestone.pk} form")
    form.wait_for()
    form.get_by_label("Forventet dato").fill("2027-09-01")
    # Without a reason the move is refused in the row, and the date typed is kept.
    form.get_by_role("button", name="Gem").click()
    error = page.locator(f"#milestone-{milestone.pk} .form-error-message").get_by_text(
        "Skriv hvorfor den forventede dato flyttes."
    )
    error.wait_for()
    form = page.locator(f"#milestone-{milestone.pk} form")
    assert form.get_by_label("Forventet dato").input_value() == "2027-09-01"
    page.screenshot(path=SHOTS / "01-quick-edit-reason-required.png", full_page=True)

    form.get_by_label("Begrundelse for ændringen").fill("NSP har flyttet releasen")
    form.get_by_role("button", name="Gem").click()
    saved = page.locator(f"#milestone-{milestone.pk}")
    saved.get_by_text("Gemt.").wait_for()
    assert "1. september 2027" in saved.inner_text()
    assert page.evaluate("window.sorplanNoReload") is True
    assert page.url == activity_url
    page.screenshot(path=SHOTS / "02-quick-edit-saved.png", full_page=True)

    milestone.refresh_from_db()
    assert (str(milestone.forecast_date), milestone.version) == ("2027-09-01", 2)

    page.locator("main").get_by_role("link", name="Historik").click()
    page.wait_for_url(f"{live_server.url}/plan/aktiviteter/sorls-go-live/historik/")
    page.goto(f"{live_server.url}/plan/milepaele/{milestone.key}/historik/")
    newest = page.locator(".sp-history-entry").first
    text = newest.inner_text()
    assert "Rikke Redaktør" in text
    assert "NSP har flyttet releasen" in text
    assert "Forventet dato" in text and "1. september 2027" in text
    page.screenshot(path=SHOTS / "03-history.png", full_page=True)
