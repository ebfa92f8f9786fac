"""A track's page of the roadmap and a party's page cold after an edit: what each reads,
and that it is the page rendered from nothing."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.cache import stamp as data_stamp
from milestones import selectors
from milestones.dates import format_plan_date
from milestones.models import Activity, Baseline, Milestone
from milestones.selectors.lists import ACTIVITY_PAGE_PARTS
from milestones.services import plan as plan_services
from milestones.services.status import status_rebuild
from parties.models import Party
from tests.factories import BaselineFactory, MilestoneFactory, PartyFactory
from tests.helpers import forecast_move

from .test_perf_pages import _first_dated, _main, _track_page_of, fresh_cache, grow  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_stamp_part_is_the_values_that_watch_it_in_either_kind_of_stamp():
    """`selectors.stamp_part` takes a part of a models' stamp (two values a model) and of
    an activity page's stamp (one value a part): the one helper for both."""
    MilestoneFactory()  # with its activity: history of each model, ids apart
    PartyFactory()
    BaselineFactory()
    models = (Activity, Milestone, Baseline, Party)
    whole = data_stamp(models=models)
    assert len(set(whole[1::2])) == len(models)  # each model's newest history: its own time
    assert selectors.stamp_part(whole, (Baseline,), of=models) == data_stamp(models=(Baseline,))
    assert selectors.stamp_part(whole, (Party, Activity), of=models) == (
        *data_stamp(models=(Party,)),
        *data_stamp(models=(Activity,)),
    )
    page = tuple(f"value of {name}" for name in ACTIVITY_PAGE_PARTS)
    assert selectors.stamp_part(page, ("baselines",), of=ACTIVITY_PAGE_PARTS, width=1) == (
        "value of baselines",
    )
    assert selectors.stamp_part(page, ("parties", "activity"), of=ACTIVITY_PAGE_PARTS, width=1) == (
        "value of parties",
        "value of activity",
    )


# ---------------------------------------------------------------------------
# A large plan's track page and a party's page: blocks keyed by their milestones' stamp
# ---------------------------------------------------------------------------
def _milestones_read(queries) -> list[set[int]]:
    """For each query that read milestones as rows (not a stamp's subquery), the ids of
    the activities whose milestones it read."""
    table = f'"{Milestone._meta.db_table}"'
    found = []
    for query in queries:
        sql = query["sql"]
        if sql.startswith(f"SELECT {table}.") and f" FROM {table}" in sql:
            where = sql.split(f'{table}."activity_id" IN (', 1)
            ids = where[1].split(")", 1)[0] if len(where) > 1 else ""
            found.append({int(i) for i in ids.split(",") if i.strip()})
    return found


def _read(client, url: str) -> tuple[list, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return ctx.captured_queries, response.content.decode()


def _as_from_nothing(client, url: str, html: str) -> None:
    cache.clear()
    _queries, fresh = _read(client, url)
    assert _main(html) == _main(fresh)


@pytest.fixture
def large_plan():
    grow(70, 3)
    status_rebuild()  # the ratings of today, as the daily re-rate leaves them


def _track_page() -> tuple[str, Activity, Activity]:
    """A track page of two or more activities of one party: (url, the first activity on
    it, another)."""
    first = _first_dated().activity
    url = _track_page_of(first.milestones.order_by("pk").first())
    track, party = first.track, first.responsible_party_id
    shown = list(selectors.roadmap_activities(track=track, party_id=party))
    side = shown.index(first) // selectors.ROADMAP_PAGE_SIZE
    page = shown[side * selectors.ROADMAP_PAGE_SIZE : (side + 1) * selectors.ROADMAP_PAGE_SIZE]
    other = next(a for a in page if a.pk != first.pk and a.milestones.exists())
    return url, first, other


def test_a_track_page_after_a_forecast_moved_reads_the_milestones_of_its_block_only(
    client_for, editor, large_plan
):
    """A large plan's track page reads its activities with their milestones' stamp, not
    their milestones: a forecast moved on the page reads that activity's milestones
    alone, one moved elsewhere in the plan reads none; each time the page is the page an
    empty cache renders."""
    client = client_for(editor)
    url, first, _other = _track_page()
    assert _read_after_a_move(client, url, _first_dated(), editor) == [{first.pk}]
    elsewhere = _dated_except(activity__track=first.track)
    assert _read_after_a_move(client, url, elsewhere, editor) == []


def _read_after_a_move(client, url: str, milestone, editor) -> list[set[int]]:
    """The activities whose milestones the page (visited first) read after `milestone`'s
    forecast moved; the page is the page an empty cache renders."""
    _read(client, url)
    forecast_move(milestone, 5, precision=None, user=editor, reason="Flyttet")
    queries, html = _read(client, url)
    _as_from_nothing(client, url, html)
    return _milestones_read(queries)


def _dated_except(**outside) -> Milestone:
    """The first synthetic milestone with a forecast outside what `outside` names."""
    return (
        Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
        .exclude(**outside)
        .order_by("pk")
        .first()
    )


def test_a_track_pages_blocks_follow_a_milestone_moved_deleted_and_rated_anew(
    client_for, editor, large_plan
):
    """What changes an activity's block without a history row of its own milestones
    still reaches it: a milestone moved to another activity on the page (out of one block,
    into the other), one deleted, a baseline entry (no history) that rates a milestone
    anew; each time as an empty cache renders the page."""
    from milestones.models import BaselineEntry

    client = client_for(editor)
    url, first, other = _track_page()
    moved = first.milestones.order_by("pk").first()
    _read(client, url)
    plan_services.milestone_update(
        milestone_id=moved.pk,
        version=moved.version,
        user=editor,
        data={"activity": other, "title": "Flyttet til en anden aktivitet"},
    )
    _queries, html = _read(client, url)
    moved_url = reverse("milestones:milestone_detail", args=[moved.key])
    assert moved_url in _block(html, other) and moved_url not in _block(html, first)
    _as_from_nothing(client, url, html)

    _read(client, url)
    gone = other.milestones.exclude(pk=moved.pk).order_by("pk").first()
    gone_url = reverse("milestones:milestone_detail", args=[gone.key])
    assert gone_url in html
    plan_services.milestone_delete(milestone_id=gone.pk, version=gone.version, user=editor)
    _queries, html = _read(client, url)
    assert gone_url not in html
    _as_from_nothing(client, url, html)

    # Against a baseline chosen that is not the active one the page rates by the rule:
    # an entry of it (no history, no rating stored) rates the milestone anew.
    baseline = BaselineFactory(is_active=False)
    chosen = f"{url}&baseline={baseline.key}"
    _queries, html = _read(client, chosen)
    before = _block(html, first)
    dated = first.milestones.filter(forecast_date__isnull=False).order_by("pk").first()
    BaselineEntry.objects.create(
        baseline=baseline,
        milestone=dated,
        date=dated.forecast_date - datetime.timedelta(days=200),
        precision=dated.forecast_precision,
    )
    _queries, html = _read(client, chosen)
    assert _block(html, first) != before  # its slip against the entry
    _as_from_nothing(client, chosen, html)


def _block(html: str, activity) -> str:
    link = reverse("milestones:activity_detail", args=[activity.key])
    return html.split(f'<a href="{link}">', 1)[1].split("</article>", 1)[0]


def test_a_partys_page_after_a_forecast_moved_reads_the_milestones_of_its_activity_only(
    client_for, editor, large_plan
):
    """A party's page reads its activities with their milestones' stamp: a forecast moved
    of one of them reads that activity's milestones alone, one of another party's none; a
    milestone moved away and one deleted leave its activity's part; each time the page an
    empty cache renders."""
    client = client_for(editor)
    milestone = _first_dated()
    first = milestone.activity
    url = reverse("parties:detail", args=[first.responsible_party.key])
    assert _read_after_a_move(client, url, milestone, editor) == [{first.pk}]
    elsewhere = _dated_except(activity__responsible_party=first.responsible_party)
    assert _read_after_a_move(client, url, elsewhere, editor) == []

    _read(client, url)
    away = first.milestones.order_by("pk").last()
    plan_services.milestone_update(
        milestone_id=away.pk,
        version=away.version,
        user=editor,
        data={"activity": elsewhere.activity, "title": "Flyttet til en anden part"},
    )
    _queries, html = _read(client, url)
    assert "Flyttet til en anden part" not in html
    _as_from_nothing(client, url, html)

    _read(client, url)
    gone = first.milestones.order_by("pk").first()
    plan_services.milestone_delete(milestone_id=gone.pk, version=gone.version, user=editor)
    _queries, html = _read(client, url)
    assert f"<li>{gone.title}:" not in html
    _as_from_nothing(client, url, html)


def test_a_partys_page_is_the_same_html_as_before_its_parts_were_cached(
    client_for, steering, large_plan
):
    """Each activity's part is the markup the page rendered inline: the heading linking the
    activity, then its milestones' titles and dates."""
    milestone = _first_dated()
    activity = milestone.activity
    _queries, html = _read(
        client_for(steering), reverse("parties:detail", args=[activity.responsible_party.key])
    )
    link = reverse("milestones:activity_detail", args=[activity.key])
    shown = [
        f"<li>{m.title}: {format_plan_date(m.forecast_date, m.forecast_precision)}</li>"
        for m in activity.milestones.order_by("sort_order", "forecast_date", "title", "pk")
        if not m.actual_date and not m.actual_date_unknown
    ]
    assert f'\n  <h3 class="h4"><a href="{link}">{activity.title}</a></h3>\n  <ul>' in html
    for item in shown:
        assert item in html


def test_a_partys_count_and_coordinated_parties_follow_their_own_edits(
    client_for, editor, large_plan
):
    """A party's page keeps its number of activities and the parties it coordinates under
    their part of its stamp: an activity given to the party and a party it now
    coordinates each show on the next request, as an empty cache renders the page."""
    from core.history import record_save

    client = client_for(editor)
    party = _first_dated().activity.responsible_party
    url = reverse("parties:detail", args=[party.key])
    count = party.responsible_activities.count()
    _queries, html = _read(client, url)
    assert f"{count} aktiviteter" in html
    given = Activity.objects.exclude(responsible_party=party).order_by("pk").first()
    plan_services.activity_update(
        activity_id=given.pk,
        version=given.version,
        user=editor,
        data={"responsible_party": party},
        reason="Ny ansvarlig",
    )
    _queries, html = _read(client, url)
    assert f"{count + 1} aktiviteter" in html
    _as_from_nothing(client, url, html)

    _read(client, url)
    other = Party.objects.exclude(pk=party.pk).exclude(coordinator=party).order_by("pk").first()
    other.coordinator = party
    other.name = "Nu koordineret af parten"
    record_save(other, user=editor, clean=False)
    _queries, html = _read(client, url)
    assert "Nu koordineret af parten</a>" in html.split("Koordinerer", 1)[1]
    _as_from_nothing(client, url, html)
