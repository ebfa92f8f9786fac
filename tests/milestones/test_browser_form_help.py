"""In Chromium, the forms help a person put things right (issue 15, accessibility):
after a failed htmx save focus lands on DKFDS's error summary, whose items link to their
fields; an invalid date typed is shown back with its error (Chromium's own date control
sent an empty value instead); a text over its limit is kept whole and counted, not cut;
and "Fjern" on a round's obligation asks before it removes."""

import re

import pytest
from django.utils import timezone

from core.history import system_user_get
from milestones.models import Milestone, ProgressUpdate, RoundObligation
from milestones.services import rounds
from parties.models import Membership
from tests.helpers import member, two_factor_give
from tests.milestones.test_reporting_browser import MIDT_ACTIVITY, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people_and_round():
    """The plan (reloaded: an earlier transaction=True test may have flushed it), a Region
    Midtjylland reporter "mette", a SOR-team editor "rikke" and this month's round."""
    from milestones.loader import sor_roadmap_load

    system = system_user_get()
    sor_roadmap_load(user=system)
    people = {}
    for username, party_key, role in (
        ("mette", "region-midtjylland", Membership.Role.REPORTER),
        ("rikke", "sor-team", Membership.Role.EDITOR),
    ):
        people[username] = member(username, party_key, role)
        if role == Membership.Role.EDITOR:
            two_factor_give(people[username])  # editors must have two-factor
    round_ = rounds.reporting_round_create(period=timezone.localdate().replace(day=1), user=system)
    return people, round_


# Functions, not expression strings: Playwright evaluates a string with eval(), which the
# page's Content-Security-Policy refuses.
FOCUSED_SUMMARY = "() => document.activeElement.hasAttribute('data-error-summary')"


def update_path(round_) -> str:
    return f"/plan/rapportering/{round_.period:%Y-%m}/region-midtjylland/{MIDT_ACTIVITY}/"


def test_a_failed_htmx_save_focuses_the_error_summary_whose_links_lead_to_the_fields(
    live_server, page, people_and_round
):
    _people, round_ = people_and_round
    log_in(page, live_server, "mette", update_path(round_))
    page.evaluate("window.sorplanNoReload = true")
    page.get_by_label("Procent færdig").fill("140")
    page.get_by_label("Ny forventet dato").fill("31.02.2027")
    page.get_by_role("button", name="Gem kladde").click()

    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert page.evaluate("window.sorplanNoReload") is True  # swapped in place by htmx
    page.wait_for_function(FOCUSED_SUMMARY)
    assert "Opdateringen er ikke gemt" in summary.inner_text()
    links = summary.get_by_role("link")
    assert links.count() == 2
    percent = summary.get_by_role("link", name="Procent færdig: Procent færdig skal være")
    date = summary.get_by_role("link", name="Ny forventet dato: Skriv datoen som dd.mm.åååå")
    assert date.get_attribute("href").startswith("#id_") and "proposed_date" in (
        date.get_attribute("href")
    )
    percent.click()
    assert page.evaluate("document.activeElement.id") == "id_percent_complete"
    date.click()
    assert page.evaluate("document.activeElement.id") == date.get_attribute("href")[1:]
    # The invalid date is shown back as typed, with its error; nothing was saved.
    assert page.get_by_label("Ny forventet dato").input_value() == "31.02.2027"
    assert not ProgressUpdate.objects.exists()

    # Put right, the draft saves in place and the summary is gone.
    page.get_by_label("Procent færdig").fill("40")
    page.get_by_label("Ny forventet dato").fill("")
    page.get_by_role("button", name="Gem kladde").click()
    page.get_by_text("Kladden er gemt kl.").wait_for()
    assert summary.count() == 0


def test_an_invalid_date_typed_in_the_quick_edit_comes_back_with_its_error(
    live_server, page, people_and_round
):
    milestone = Milestone.objects.get(key="sorls-i-drift-paa-nsp")
    log_in(page, live_server, "rikke", "/plan/aktiviteter/sorls-go-live/")
    row = page.locator(f"#milestone-{milestone.pk}")
    row.get_by_role("link", name="Ret").click()
    form = page.locator(f"#milestone-{milestone.pk} form")
    field = form.get_by_label("Forventet dato")
    # A text input with its format as a hint, not Chromium's date control.
    assert field.get_attribute("type") == "text"
    assert "dd.mm.åååå" in page.locator(f"#{field.get_attribute('id')}-format").inner_text()
    field.fill("31.02.2027")
    form.get_by_label("Begrundelse for ændringen").fill("NSP har flyttet releasen")
    form.get_by_role("button", name="Gem").click()
    page.locator("[data-error-summary]").wait_for()
    page.wait_for_function(FOCUSED_SUMMARY)
    form = page.locator(f"#milestone-{milestone.pk} form")
    assert form.get_by_label("Forventet dato").input_value() == "31.02.2027"
    assert "Skriv en gyldig dato" in form.locator(".form-error-message").first.inner_text()
    before = milestone.forecast_date
    milestone.refresh_from_db()
    assert milestone.forecast_date == before


def test_a_text_over_its_limit_is_kept_whole_counted_and_refused(
    live_server, page, people_and_round
):
    _people, round_ = people_and_round
    log_in(page, live_server, "mette", update_path(round_))
    field = page.get_by_label("Begrundelse for vurderingen")
    field_id = field.get_attribute("id")
    assert field.get_attribute("maxlength") is None  # the browser would cut pasted text
    hint = page.locator(f"#{field_id}-limit")
    assert hint.inner_text() == "Du kan skrive op til 1000 tegn."
    assert f"{field_id}-limit" in field.get_attribute("aria-describedby")

    field.click()
    page.keyboard.insert_text("x" * 1010)  # as a paste arrives
    assert len(field.input_value()) == 1010
    assert hint.inner_text() == "Du har 10 tegn for meget"
    page.wait_for_function(
        f"() => document.getElementById('{field_id}-limit-live').textContent.includes('10 tegn')"
    )
    page.get_by_role("button", name="Gem kladde").click()
    page.locator("[data-error-summary]").wait_for()
    assert (
        "højst 1000 tegn (du har skrevet 1010)" in page.locator(f"#{field_id}-error").inner_text()
    )
    field = page.get_by_label("Begrundelse for vurderingen")
    assert len(field.input_value()) == 1010  # kept whole, to shorten
    assert page.locator(f"#{field_id}-limit").inner_text() == "Du har 10 tegn for meget"
    field.press("End")
    for _ in range(15):
        field.press("Backspace")
    assert page.locator(f"#{field_id}-limit").inner_text() == "Du har 5 tegn tilbage"


def test_fjern_on_an_obligation_asks_before_it_removes(live_server, page, people_and_round):
    _people, round_ = people_and_round
    obligation = RoundObligation.objects.filter(
        round=round_, party__key="region-midtjylland"
    ).first()
    round_path = f"/plan/rapportering/{round_.period:%Y-%m}/"
    log_in(page, live_server, "rikke", round_path)
    # The link names what it removes (the party and activity are read out after "Fjern").
    name = re.compile(rf"^Fjern\W+{re.escape(obligation.party.name)}, ")
    page.locator("main").get_by_role("link", name=name).click()
    page.wait_for_url(f"**/plan/rapportering/pligter/{obligation.pk}/fjern/**")
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"Skal {obligation.party.name} ikke rapportere om “{obligation.activity.title}”?"
    )
    # Cancelling removes nothing.
    page.get_by_role("link", name="Annuller").click()
    page.wait_for_url(re.compile(re.escape(f"{live_server.url}{round_path}") + "$"))
    assert RoundObligation.objects.filter(pk=obligation.pk).exists()

    page.locator("main").get_by_role("link", name=name).click()
    page.get_by_role("button", name="Fjern pligten").click()
    page.wait_for_url(re.compile(re.escape(f"{live_server.url}{round_path}") + "$"))
    assert "skal ikke længere rapportere om" in page.locator("main").inner_text()
    assert not RoundObligation.objects.filter(pk=obligation.pk).exists()
    # The history keeps who removed it.
    record = RoundObligation.history.filter(id=obligation.pk).order_by("-history_id").first()
    assert record.history_type == "-" and record.history_user.username == "rikke"
