"""The dashboard, timeline and trend pages: who may read them, the point in time,
filters in the URL, and that the number of queries does not grow with the plan."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from bench.cleanup import load_data_clear
from bench.loaddata import Scale, load_data_generate
from milestones.models import Milestone
from milestones.selectors.materialised import status_current
from milestones.services.status import status_rebuild
from reports import selectors
from tests.reports.helpers import (
    ago,
    change_at,
    days,
    make_activity,
    make_milestone,
    make_party,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

PAGES = ["reports:dashboard", "reports:timeline", "reports:trend"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", ["editor", "steering", "reporter"])
def test_every_member_may_read_the_pages(request, client_for, name, role):
    response = client_for(request.getfixturevalue(role)).get(reverse(name))
    assert response.status_code == 200
    # Read-only: nothing on these pages posts anything (log-out and language aside).
    body = response.content.decode()
    main = body[body.index('id="main-content"') :]
    assert 'method="post"' not in main


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_log_in(client_for, name):
    response = client_for(None).get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_outsider_gets_the_no_membership_page(client_for, outsider, name):
    response = client_for(outsider).get(reverse(name))
    assert response.status_code == 403
    assert "parties/no_membership.html" in [t.name for t in response.templates]


def test_log_in_lands_on_the_dashboard(client, steering):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("login"), {"username": steering.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert response.resolver_match.view_name == "reports:dashboard"


def test_dashboard_shows_the_figures_of_the_selector(client_for, steering):
    response = client_for(steering).get(reverse("reports:dashboard"))
    board = response.context["board"]
    html = response.content.decode()
    assert f'sp-rag--{board.overall.rollup.rag} sp-rag--large">{board.overall.rollup.label}' in html
    assert board.overall.rollup.reason in html
    for line in board.tracks:
        assert line.label in html
    assert "KOMBIT: kommunernes tilslutning til SORUS" in html


@pytest.mark.usefixtures("past_baseline")
def test_point_in_time_shows_what_was_true_then(client_for, steering):
    """Create, change, and check both moments: the page and the selector agree."""
    party = make_party("t-fortid", ago(120))
    act = make_activity(party, "t-akt-fortid", ago(120))
    ms = make_milestone(act, "t-skifter", forecast=days(100), when=ago(100), baseline=days(100))
    change_at(ms, ago(10), forecast_date=days(250))
    make_milestone(act, "t-senere", forecast=days(40), when=ago(5))

    before = selectors.dashboard(as_of=ago(50), party="t-fortid", use_cache=False)
    (line,) = before.parties
    assert line.rollup.rag == "green"
    assert line.rollup.total == 1  # the later milestone did not exist yet
    assert before.point.today == ago(50).date()

    now = selectors.dashboard(party="t-fortid", use_cache=False)
    assert now.parties[0].rollup.rag == "red"
    assert {m.key for m in now.slipped} == {"t-skifter"}

    moment = timezone.localtime(ago(50)).strftime("%Y-%m-%dT%H:%M")
    client = client_for(steering)
    response = client.get(reverse("reports:dashboard"), {"som_den_var": moment, "part": "t-fortid"})
    html = response.content.decode()
    when = timezone.localtime(ago(50))
    assert f"Som den så ud den {formats.date_format(when, 'j. F Y')} kl. {when:%H:%M}" in html
    assert response.context["board"].parties[0].rollup.rag == "green"
    assert "t-senere" not in html and "Milepæl t-senere" not in html
    # "Due in 90 days" counts from that day: the milestone due 150 days after it is not listed.
    assert response.context["board"].due_soon == []

    live = client.get(reverse("reports:dashboard"), {"part": "t-fortid"}).content.decode()
    assert "sp-past-banner" not in live
    assert "Milepæl t-senere" in live


def test_point_in_time_accepts_a_date_and_refuses_the_future(client_for, steering):
    client = client_for(steering)
    response = client.get(reverse("reports:dashboard"), {"som_den_var": "2026-01-05"})
    assert response.context["board"].point.at == timezone.make_aware(
        datetime.datetime(2026, 1, 5)  # noqa: DTZ001
    )
    assert "Som den så ud den 5. januar 2026 kl. 00:00" in response.content.decode()

    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.get(reverse("reports:dashboard"), {"som_den_var": future})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tidspunktet ligger i fremtiden" in html
    assert not response.context["board"].point.is_past
    # What the user typed is kept (a date alone as its midnight: the picker blanks a bare date).
    assert f'value="{future}T00:00"' in html

    response = client.get(reverse("reports:dashboard"), {"som_den_var": "i går"})
    assert "Skriv tidspunktet som" in response.content.decode()


def test_filters_are_kept_in_the_url(client_for, steering):
    client = client_for(steering)
    response = client.get(reverse("reports:dashboard"), {"part": "kombit", "spor": "external"})
    board = response.context["board"]
    assert board.party.key == "kombit" and board.track == "external"
    assert {line.party.key for line in board.parties} == {"kombit"}
    html = response.content.decode()
    # Links to the other pages carry the same filters.
    assert re.search(r'href="/tidslinje/\?part=kombit&amp;spor=external"', html)
    timeline = client.get(reverse("reports:timeline"), {"part": "kombit"}).context["timeline"]
    assert {a.activity.party.key for a in timeline.activities} == {"kombit"}


def test_htmx_gets_the_body_only(client_for, steering):
    response = client_for(steering).get(reverse("reports:dashboard"), HTTP_HX_REQUEST="true")
    names = [t.name for t in response.templates]
    assert "reports/_dashboard_body.html" in names
    assert "base.html" not in names


def test_trend_page_draws_chosen_milestones_with_a_table(client_for, steering):
    party = make_party("t-mta", ago(100))
    act = make_activity(party, "t-akt-mta", ago(100))
    ms = make_milestone(act, "t-mta-1", forecast=days(90), when=ago(90))
    change_at(ms, ago(40), forecast_date=days(120))
    response = client_for(steering).get(reverse("reports:trend"), {"m": ["t-mta-1"]})
    html = response.content.decode()
    assert [s.milestone.key for s in response.context["trend"].series] == ["t-mta-1"]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="sp-chart sp-mta"' in html
    assert "<polyline" in html
    assert "Trendanalysen som tabel" in html
    assert f'id="m-{ms.pk}" name="m" value="t-mta-1" checked' in html


def test_the_cache_follows_the_history(client_for, steering):
    client = client_for(steering)
    party = make_party("t-cache")
    act = make_activity(party, "t-akt-cache")
    ms = make_milestone(act, "t-cache-ms", forecast=days(30), baseline=days(30))
    first = client.get(reverse("reports:dashboard"), {"part": "t-cache"}).context["board"]
    assert first.parties[0].rollup.rag == "green"
    change_at(ms, forecast_date=days(400))
    second = client.get(reverse("reports:dashboard"), {"part": "t-cache"}).context["board"]
    assert second.parties[0].rollup.rag == "red"


def _count(client, url, params=None) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_plan(client_for, steering):
    """10 and 200 synthetic activities (with history): the same number of queries."""
    client = client_for(steering)
    moment = timezone.localtime(ago(40)).strftime("%Y-%m-%dT%H:%M")
    pages = [
        (reverse("reports:dashboard"), {}),
        (reverse("reports:dashboard"), {"som_den_var": moment}),
        (reverse("reports:dashboard"), {"part": "load-part-001"}),
        (reverse("reports:dashboard"), {"spor": "external"}),
        (reverse("reports:dashboard"), {"parter_side": "2"}),
        (reverse("reports:timeline"), {}),
        (reverse("reports:timeline"), {"som_den_var": moment}),
        (reverse("reports:trend"), {}),
    ]
    counts = {}
    for activities in (10, 200):
        load_data_clear()
        load_data_generate(
            scale=Scale(
                parties=4, activities=activities, milestones_per_activity=2, rounds=3, months=4
            )
        )
        assert Milestone.objects.filter(key__startswith="load-").count() == 2 * activities
        # The generator writes past the services; rated once, the live pages read the rows.
        status_rebuild()
        assert status_current(timezone.localdate())
        counts[activities] = [_count(client, url, params) for url, params in pages]
    assert counts[10] == counts[200], counts
    load_data_clear()
    assert not Milestone.objects.filter(key__startswith="load-").exists()


def test_the_party_table_shows_the_worst_and_pages_through_all(client_for, steering):
    """160 parties were one long table: the worst 12 are shown, "vis alle" pages through
    every party, worst first, the page in the URL."""
    load_data_generate(
        scale=Scale(parties=30, activities=60, milestones_per_activity=1, rounds=1, months=3)
    )
    status_rebuild()
    client = client_for(steering)
    url = reverse("reports:dashboard")
    response = client.get(url)
    board = response.context["board"]
    assert len(board.parties) > 30
    html = response.content.decode()
    table = html[html.index('id="h-parties"') : html.index('id="h-slipped"')]
    assert table.count('<th scope="row">') == 12
    assert f"Vis alle {len(board.parties)} parter" in table
    assert "?parter_side=1#h-parties" in table
    for line in board.parties[:12]:
        assert f">{line.label}</a>" in table
    assert f">{board.parties[12].label}</a>" not in table

    response = client.get(url, {"parter_side": "2"})
    page = response.context["party_page"]
    assert [line.key for line in page.object_list] == [line.key for line in board.parties[25:50]]
    html = response.content.decode()
    table = html[html.index('id="h-parties"') : html.index('id="h-slipped"')]
    assert table.count('<th scope="row">') == len(board.parties[25:50])
    assert 'aria-label="Sider med parter"' in table
    assert "?parter_side=1#h-parties" in table and 'rel="prev"' in table
    # Worst first across the pages.
    ranks = {"red": 3, "yellow": 2, "green": 1, "grey": 1, "done": 0, "cancelled": 0}
    ordered = [ranks[line.rollup.rag] for line in board.parties]
    assert ordered == sorted(ordered, reverse=True)
    # A page past the end shows the last one; nonsense the first.
    last = page.paginator.num_pages
    assert client.get(url, {"parter_side": "99"}).context["party_page"].number == last
    assert client.get(url, {"parter_side": "x"}).context["party_page"].number == 1
