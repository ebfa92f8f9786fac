"""The trend and the timeline after an edit: what an edit cannot change is not read or
rendered again, and the page is what a render from an empty cache gives."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.dates import today
from core.history import system_user_get
from milestones.models import Activity, Milestone
from milestones.services import plan as plan_services
from tests.helpers import forecast_move

from .test_dashboard_sections import _plain, programme  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache", "programme")]


def _same_as_from_nothing(client, url, params=None) -> str:
    served = _plain(client.get(url, params).content.decode())
    cache.clear()
    fresh = _plain(client.get(url, params).content.decode())
    assert served == fresh
    return served


def _list_totals(queries) -> list[str]:
    """The dashboard lists' totals: one aggregate of four filtered counts of the ratings."""
    return [q["sql"] for q in queries if q["sql"].count("FILTER (WHERE") >= 4]


def test_the_trend_after_an_edit_counts_no_list_totals(client_for, steering):
    """The trend shows the dashboard's lists' rows, not their totals: after an edit that
    leaves the rows as they were it counts nothing over the ratings, nor does the dashboard
    (its totals move by the edit), and the page is the page from nothing; an edit that
    moves a shown milestone reaches it."""
    client = client_for(steering)
    url = reverse("reports:trend")
    client.get(url)
    shown = client.get(url).context  # warm: no context
    assert shown is None or "candidates" not in shown
    # Far ahead and not slipped, moved a day earlier: in none of the lists before or after.
    far = (
        Milestone.objects.filter(key__startswith="load-", status="planned")
        .filter(forecast_date__gt=today() + datetime.timedelta(days=400))
        .filter(materialised_status__slip_days__lte=0)
        .order_by("pk")
        .first()
    )
    forecast_move(far, -1)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    assert not _list_totals(ctx.captured_queries)
    _same_as_from_nothing(client, url)
    forecast_move(far, -1)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("reports:dashboard"))
    # Nor the dashboard: its totals move by what the edited milestone counts in.
    assert not _list_totals(ctx.captured_queries)
    _same_as_from_nothing(client, reverse("reports:dashboard"))
    slipped = client.get(url, {"maaneder": "6"}).context["candidates"][0]
    forecast_move(Milestone.objects.get(pk=slipped.id), 90)
    page = _same_as_from_nothing(client, url, {"maaneder": "6"})
    assert slipped.key in page


def test_the_timeline_renders_again_only_when_what_it_shows_changed(client_for, steering):
    """The timeline's content is laid out and rendered under the digest of what it shows,
    its outline (the activities' order) cached under the activities' and parties' stamp:
    a milestone moved on another page renders no chart; one moved on the page shows at
    once; a renamed activity moves the outline; each read is the page from nothing."""
    client = client_for(steering)
    url = reverse("reports:timeline")
    params = {"part": ""}

    def charted(response) -> bool:
        return "reports/charts/gantt.svg" in [t.name for t in response.templates]

    first = client.get(url, params)
    assert charted(first)
    shown = {m.id for a in first.context["timeline"].activities for m in a.milestones}
    elsewhere = (
        Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
        .exclude(pk__in=shown)
        .order_by("pk")
        .first()
    )
    forecast_move(elsewhere, 3)
    assert not charted(client.get(url, params))
    _same_as_from_nothing(client, url, params)
    on_page = Milestone.objects.filter(pk__in=shown, forecast_date__isnull=False).first()
    forecast_move(on_page, 40)
    assert charted(client.get(url, params))
    _same_as_from_nothing(client, url, params)
    activity = Activity.objects.filter(key__startswith="load-").order_by("-pk").first()
    plan_services.activity_update(
        activity_id=activity.pk,
        version=activity.version,
        user=system_user_get(),
        data={"title": "Aaa først på tidslinjen"},
        reason="Nyt navn",
    )
    _same_as_from_nothing(client, url, params)


def _built(response, name: str) -> bool:
    """Whether the page's content was built in this request (its context has `name`),
    not served whole from the cache."""
    assert response.status_code == 200
    return any(name in layer for context in response.context or [] for layer in context)


def _first_draft():
    """A new progress update saved as a draft (a "+" history row: the dashboard's data
    version moves, as the load test's reporters move it)."""
    from milestones.models import ProgressUpdate, RoundObligation
    from milestones.services import updates

    obligation = next(
        o
        for o in RoundObligation.objects.select_related("round", "party", "activity").order_by(
            "-round__period", "pk"
        )
        if not ProgressUpdate.objects.filter(
            round=o.round, party=o.party, activity=o.activity
        ).exists()
    )
    updates.progress_update_save(
        round_=obligation.round,
        party=obligation.party,
        activity=obligation.activity,
        values={"narrative": "Kladde"},
        proposals=[],
        version=0,
        user=system_user_get(),
    )


@pytest.mark.parametrize(
    ("route", "built_by"), [("reports:timeline", "timeline"), ("reports:trend", "candidates")]
)
def test_a_write_the_page_does_not_show_leaves_it_warm(client_for, steering, route, built_by):
    """The timeline and the trend are cached under the stamp of what they read
    (`timeline_version`, `trend_version`), not the whole dashboard's data version: a
    progress update's first draft (which moves that version) builds neither again and
    each is the page from nothing; a shown milestone moved and a renamed party build it
    again, and the page is the page from nothing."""
    from parties.models import Party
    from reports.selectors import snapshot

    client = client_for(steering)
    url = reverse(route)
    assert _built(client.get(url), built_by)
    assert not _built(client.get(url), built_by)
    version = snapshot.data_version()
    _first_draft()
    assert snapshot.data_version() != version  # the old key moved: it would build again
    assert not _built(client.get(url), built_by)
    _same_as_from_nothing(client, url)

    first = client.get(url, {"maaneder": "6"})  # another address: built, what it shows read
    if built_by == "timeline":
        milestone = next(m for a in first.context["timeline"].activities for m in a.milestones)
    else:
        milestone = first.context["candidates"][0]
    forecast_move(Milestone.objects.get(pk=milestone.id), 90)
    assert _built(client.get(url), built_by)
    _same_as_from_nothing(client, url)

    party = Party.objects.get(pk=milestone.activity.party.id)
    party.name = "Aaa omdøbt part"
    party.save()
    page = client.get(url)
    assert _built(page, built_by)
    assert "Aaa omdøbt part" in _same_as_from_nothing(client, url)
