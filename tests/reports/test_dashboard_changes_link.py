"""The dashboard's overview links to the change feed, one click to "what changed
since": the moment of the last published status report (what the steering group
last read), or the first day of the previous month when none is published yet."""

import datetime
import html
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from reports.models import StatusReport
from reports.services import report_as_of
from tests.reports.helpers import published_report_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache", "report_media")]

NOW = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Copenhagen"))
FEED = reverse("milestones:change_feed")


def changes_link(response) -> tuple[str, str]:
    """(href, text) of the link to the change feed."""
    found = re.findall(
        rf'<a href="({re.escape(FEED)}\?[^"]*)">([^<]*)</a>', response.content.decode()
    )
    assert len(found) == 1, found
    href, text = found[0]
    return html.unescape(href), " ".join(text.split())


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_without_a_report_the_link_starts_at_the_previous_month(client_for, steering, at_now):
    href, text = changes_link(client_for(steering).get(reverse("reports:dashboard")))
    assert href == f"{FEED}?siden=2026-10-01"
    assert text == "Ændringer i planen siden 1. oktober 2026"


def test_the_link_starts_at_the_last_published_report_and_follows_a_new_one(
    client_for, steering, at_now
):
    client = client_for(steering)
    published_report_make(datetime.date(2026, 9, 1))
    href, text = changes_link(client.get(reverse("reports:dashboard")))
    assert href == f"{FEED}?siden=2026-10-01"  # September's report: as of 1 October
    # The page is cached; publishing October's report must show on the next request.
    published_report_make(datetime.date(2026, 10, 1))
    href, text = changes_link(client.get(reverse("reports:dashboard")))
    assert href == f"{FEED}?siden=2026-11-01"
    assert text == "Ændringer i planen siden 1. november 2026"


def test_a_draft_report_does_not_move_the_link(client_for, steering, at_now):
    period = datetime.date(2026, 10, 1)
    StatusReport.objects.create(period=period, as_of=report_as_of(period))
    href, _text = changes_link(client_for(steering).get(reverse("reports:dashboard")))
    assert href == f"{FEED}?siden=2026-10-01"


def test_a_past_moment_links_to_the_changes_up_to_that_day(client_for, steering, at_now):
    published_report_make(datetime.date(2026, 10, 1))  # published now, after the moment shown
    url = reverse("reports:dashboard") + "?som_den_var=2026-10-15T12:00"
    href, text = changes_link(client_for(steering).get(url))
    assert href == f"{FEED}?siden=2026-09-01&til=2026-10-15"
    assert text == "Ændringer i planen siden 1. september 2026"


def test_the_link_opens_the_change_feed_from_that_day(client_for, steering, at_now):
    client = client_for(steering)
    href, _text = changes_link(client.get(reverse("reports:dashboard")))
    response = client.get(href)
    assert response.status_code == 200
    assert response.context["since"] == datetime.date(2026, 10, 1)


def test_the_htmx_body_has_the_link_too(client_for, steering, at_now):
    response = client_for(steering).get(
        reverse("reports:dashboard"), headers={"HX-Request": "true"}
    )
    href, _text = changes_link(response)
    assert href == f"{FEED}?siden=2026-10-01"
