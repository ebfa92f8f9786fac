"""In Chromium: a region reporter logs in through the real log-in page, fills in the
update, saves a draft (htmx, in place), submits; the SOR-team editor logs in, finds it
in the round's matrix and accepts it with the proposed date."""

import datetime
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from core.history import system_user_get
from milestones.models import Milestone, ProgressUpdate
from milestones.services import rounds
from parties.models import Membership
from tests.factories import PASSWORD
from tests.helpers import browser_log_in, member, two_factor_give

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SORPLAN_SCREENSHOTS", "/tmp/sorplan-screenshots")) / "reporting"
MIDT_ACTIVITY = "sor-tilpasning-region-midtjylland"


@pytest.fixture
def people_and_round():
    """The plan (an earlier transaction=True test may have flushed it; loading is
    idempotent), a Region Midtjylland reporter and a SOR-team editor with passwords,
    and this month's round."""
    from milestones.loader import sor_roadmap_load

    sor_roadmap_load(user=system_user_get())
    people = {}
    for username, first, last, party_key, role in (
        ("mette", "Mette", "Midt", "region-midtjylland", Membership.Role.REPORTER),
        ("rikke", "Rikke", "Redaktør", "sor-team", Membership.Role.EDITOR),
    ):
        user = member(username, party_key, role, first_name=first, last_name=last)
        if role == Membership.Role.EDITOR:
            two_factor_give(user)  # editors must have two-factor
        people[username] = user
    round_ = rounds.reporting_round_create(
        period=timezone.localdate().replace(day=1), user=system_user_get()
    )
    return people, round_


def log_in(page, live_server, username, next_path):
    page.goto(f"{live_server.url}{next_path}")
    assert "/konto/log-ind/" in page.url
    browser_log_in(page, User.objects.get(username=username), PASSWORD)
    page.wait_for_url(f"{live_server.url}{next_path}")


def test_region_reporter_drafts_and_submits_and_the_editor_accepts(
    live_server, page, people_and_round
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    people, round_ = people_and_round
    milestone = Milestone.objects.get(key=f"{MIDT_ACTIVITY}-klar")
    mail.outbox.clear()

    # The reporter --------------------------------------------------------
    log_in(page, live_server, "mette", "/plan/rapportering/")
    main = page.locator("main")
    assert "Jeres opdateringer" in main.inner_text()
    page.screenshot(path=SHOTS / "00-reporter-home.png", full_page=True)
    main.get_by_role("link", name="Skriv opdatering").first.click()
    page.wait_for_url(f"**/plan/rapportering/{round_.period:%Y-%m}/region-midtjylland/**")
    page.evaluate("window.sorplanNoReload = true")

    page.get_by_label("Status i ord").fill(
        "Patientjournalen kører med SOR-koder i test.\nProduktion afventer leverandøren."
    )
    page.get_by_label("Jeres egen vurdering (RAG)").select_option("yellow")
    page.get_by_label("Begrundelse for vurderingen").fill("Leverandøren er to uger bagud.")
    page.get_by_label("Procent færdig").fill("140")
    page.get_by_role("button", name="Gem kladde").click()
    # Out of range: refused in place, with a Danish message, and nothing typed lost.
    page.locator("#id_percent_complete-error").wait_for()
    assert "mellem 0 og 100" in page.locator("#id_percent_complete-error").inner_text()
    assert page.get_by_label("Begrundelse for vurderingen").input_value() == (
        "Leverandøren er to uger bagud."
    )
    page.screenshot(path=SHOTS / "01-draft-refused.png", full_page=True)

    page.get_by_label("Procent færdig").fill("70")
    page.get_by_role("button", name="Gem kladde").click()
    page.get_by_text("Kladden er gemt kl.").wait_for()
    assert page.evaluate("window.sorplanNoReload") is True  # saved in place (htmx)
    assert "Kladde" in page.locator("#update-status").inner_text()  # out-of-band update
    update = ProgressUpdate.objects.get()
    assert update.status == "draft" and update.percent_complete == 70
    page.screenshot(path=SHOTS / "02-draft-saved.png", full_page=True)

    page.get_by_label("Opnået i perioden").fill("Integrationstest gennemført.")
    page.get_by_label("Næste skridt").fill("Go-live i produktion.")
    page.get_by_label("Behov for hjælp fra styregruppen").fill("Pres på leverandøren <b>nu</b>")
    page.get_by_label("Ny forventet dato").fill("2027-06-15")
    # The date proposal's reason (the register's entries below have one each too).
    page.locator("div.sp-proposal").get_by_label("Begrundelse", exact=True).fill(
        "Leverandørens release er flyttet."
    )
    page.get_by_role("button", name="Indsend til SOR-teamet").click()
    # HTML is refused with a Danish message, tied to its field.
    page.locator("#id_help_needed-error").wait_for()
    assert "uden HTML-koder" in page.locator("#id_help_needed-error").inner_text()
    page.screenshot(path=SHOTS / "03-html-refused.png", full_page=True)
    page.get_by_label("Behov for hjælp fra styregruppen").fill("Pres på leverandøren.")
    page.get_by_role("button", name="Indsend til SOR-teamet").click()
    page.wait_for_url(f"{live_server.url}/plan/rapportering/opdateringer/{update.pk}/")
    page.get_by_text("Opdateringen er indsendt").wait_for()
    page.screenshot(path=SHOTS / "04-submitted.png", full_page=True)
    update.refresh_from_db()
    assert update.status == "submitted" and update.submitted_by == people["mette"]
    assert [m.to for m in mail.outbox] == [[people["rikke"].email]]

    page.locator("header").get_by_role("button", name="Log ud").click()
    page.wait_for_url("**/konto/log-ind/**")

    # The SOR-team editor ---------------------------------------------------
    round_path = f"/plan/rapportering/{round_.period:%Y-%m}/"
    log_in(page, live_server, "rikke", round_path)
    main = page.locator("main")
    assert "Indsendt" in main.inner_text()
    page.screenshot(path=SHOTS / "05-round-matrix.png", full_page=True)
    main.get_by_role("link", name="Se opdateringen").click()
    page.wait_for_url(f"{live_server.url}/plan/rapportering/opdateringer/{update.pk}/")
    assert "Leverandørens release er flyttet." in page.locator("main").inner_text()
    checkbox = page.get_by_role("checkbox")
    assert checkbox.is_checked()
    page.get_by_label("Kommentar til parten").fill("Tak – datoen er flyttet.")
    page.screenshot(path=SHOTS / "06-review.png", full_page=True)
    page.get_by_role("button", name="Godkend").click()
    page.get_by_text("Opdateringen er godkendt").wait_for()
    page.screenshot(path=SHOTS / "07-accepted.png", full_page=True)

    update.refresh_from_db()
    milestone.refresh_from_db()
    assert update.status == "accepted" and update.reviewed_by == people["rikke"]
    assert milestone.forecast_date == datetime.date(2027, 6, 15)
    history = milestone.history.order_by("-history_id").first()
    assert history.history_user == people["rikke"]
    assert history.history_change_reason.startswith("Fra Region Midtjyllands opdatering for ")
    assert len(mail.outbox) == 2 and mail.outbox[1].to == [people["mette"].email]

    # The editor also keeps KOMBIT's roll-out: the pilot's bulk form.
    page.goto(f"{live_server.url}/plan/udrulning/fase/2/")
    page.get_by_label("Status for Aalborg").select_option("in_test")
    page.get_by_label("Dato for Aalborg").fill("2026-11-02")
    page.get_by_role("button", name="Gem ændringer").click()
    page.get_by_text("1 kommune(r) er opdateret.").wait_for()
    page.screenshot(path=SHOTS / "08-rollout-pilot.png", full_page=True)
    page.goto(f"{live_server.url}/plan/udrulning/")
    page.screenshot(path=SHOTS / "09-rollout-overview.png", full_page=True)
