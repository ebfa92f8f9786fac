"""The steering group logs in through the real log-in page, reads the dashboard,
the timeline and the trend chart, and moves the point in time (Chromium)."""

import datetime
import re

import pytest
from django.utils import formats, timezone

from core.history import system_user_get
from milestones.demo import DEMO_PASSWORD
from milestones.models import Baseline
from parties.models import Membership
from tests.helpers import member
from tests.reports.helpers import (
    ago,
    change_at,
    days,
    make_activity,
    make_milestone,
    make_party,
    save_at,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan_and_steering():
    from milestones.loader import sor_roadmap_load

    sor_roadmap_load(user=system_user_get())
    user = member(
        "styre",
        "sor-styregruppe",
        Membership.Role.STEERING,
        password=DEMO_PASSWORD,
        first_name="Sara",
        last_name="Styregruppe",
    )
    # A baseline active for a year, and a milestone whose forecast moved against
    # it, so the trend chart has a line and the past looks different from now.
    for old in Baseline.objects.filter(is_active=True):
        old.is_active = False
        save_at(old)
    save_at(Baseline(key="t-browser-baseline", name="Testbaseline", is_active=True), ago(400))
    party = make_party("t-browser", ago(200), name="Testpart i browseren")
    act = make_activity(party, "t-browser-akt", ago(200), title="Browsertestens aktivitet")
    ms = make_milestone(
        act, "t-browser-ms", forecast=days(90), when=ago(150), title="Skrider", baseline=days(90)
    )
    change_at(ms, ago(80), forecast_date=days(140))
    change_at(ms, ago(20), forecast_date=days(200))
    return user


def test_steering_group_reads_dashboard_timeline_and_trend(
    live_server, page, plan_and_steering, tmp_path
):
    page.goto(f"{live_server.url}/")
    assert "/konto/log-ind/" in page.url
    page.get_by_label("Brugernavn").fill("styre")
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{live_server.url}/")

    # The dashboard, first in the menu.
    assert page.get_by_role("heading", level=1).inner_text() == "Overblik"
    nav = page.get_by_role("navigation", name="Hovedmenu")
    assert nav.get_by_role("link").first.inner_text() == "Overblik"
    page.locator(".sp-overall .sp-rag--large").wait_for()
    for heading in [
        "Samlet status",
        "Status pr. spor",
        "Status pr. ansvarlig part",
        "Forsinkede og skredne milepæle",
        "Hvad blokerer hvem",
        "Milepæle de næste 90 dage",
        "Rapporteringsrunden",
        "Behov for hjælp og risici",
        "KOMBIT: kommunernes tilslutning til SORUS",
    ]:
        page.get_by_role("heading", name=heading).first.wait_for()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    # Filter by party: kept in the URL.
    page.get_by_label("Ansvarlig part", exact=True).select_option(label="Testpart i browseren")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(r"part=t-browser"))
    page.get_by_role("link", name="Skrider").first.wait_for()

    # The timeline, with its table alternative.
    nav.get_by_role("link", name="Tidslinje").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Tidslinje"
    gantt = page.locator("svg.sp-gantt")
    gantt.wait_for()
    assert gantt.locator("polygon").count() >= 1
    page.get_by_text("Tidslinjen som tabel").click()
    page.locator(".sp-table-alternative table").wait_for()
    page.screenshot(path=str(tmp_path / "timeline.png"), full_page=True)

    # The trend chart, for the milestone that slipped.
    page.goto(f"{live_server.url}/trend/?m=t-browser-ms&maaneder=12")
    assert page.get_by_role("heading", level=1).inner_text() == "Milepælstrendanalyse"
    mta = page.locator("svg.sp-mta")
    mta.wait_for()
    assert mta.locator("polyline").count() == 1
    page.get_by_role("img", name="Milepælstrendanalyse (MTA)").wait_for()
    page.screenshot(path=str(tmp_path / "trend.png"), full_page=True)

    # Move the point in time back, on the dashboard.
    nav.get_by_role("link", name="Overblik").click()
    moment = timezone.localtime(ago(100)).replace(hour=8, minute=0)
    page.get_by_label("Som den så ud den", exact=True).fill(moment.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(r"som_den_var="))
    banner = page.locator(".sp-past-banner")
    expected = f"Som den så ud den {formats.date_format(moment, 'j. F Y')} kl. 08:00"
    assert expected in banner.inner_text()
    lead = page.locator(".font-lead").first.inner_text()
    assert formats.date_format(moment.date(), "j. F Y") in lead
    # The milestone that has slipped since still followed its baseline then.
    page.get_by_label("Ansvarlig part", exact=True).select_option(label="Testpart i browseren")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(r"part=t-browser"))
    assert "som_den_var=" in page.url
    row = page.locator("#h-parties + div tr", has_text="Testpart i browseren")
    assert "Grøn" in row.inner_text() and "Følger baseline" in row.inner_text()
    page.screenshot(path=str(tmp_path / "dashboard-past.png"), full_page=True)
    # Back to now: red, slipped.
    page.get_by_role("link", name="Vis status lige nu").click()
    page.locator(".sp-past-banner").wait_for(state="detached")
    row = page.locator("#h-parties + div tr", has_text="Testpart i browseren")
    assert "Rød" in row.inner_text()
    assert moment < timezone.now() - datetime.timedelta(days=50)
