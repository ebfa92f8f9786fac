"""The plan's lists (milestones, activities, the change feed, the parties and a party's
page) cost the same whatever the size of the programme: paged, counted by SQL, RAG read
from the materialised rows, and a large plan's content cached as HTML under the lists'
data version, so an edit shows on the next request."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from milestones.models import Activity, Milestone, MilestoneStatus
from milestones.selectors import status
from milestones.services import plan as plan_services
from milestones.services.status import status_rebuild
from milestones.views import history as history_views
from parties.models import Party

from .test_perf_pages import cold_and_warm, fresh_cache, get, text  # noqa: F401
from .test_perf_pages import grow as grow_unrated

pytestmark = pytest.mark.django_db


def grow(activities: int, milestones_per_activity: int = 2) -> None:
    """A synthetic programme with its materialised status built, as the bench has it
    (the generator writes past the services, so it is rated once at the end)."""
    grow_unrated(activities, milestones_per_activity)
    status_rebuild()


def list_urls() -> list[str]:
    party = Activity.objects.filter(key__startswith="load-").order_by("key").first()
    party = party.responsible_party
    return [
        reverse("milestones:milestone_list"),
        reverse("milestones:milestone_list") + "?sorter=part&side=2",
        reverse("milestones:activity_list"),
        reverse("milestones:change_feed"),
        reverse("parties:list"),
        reverse("parties:detail", args=[party.key]),
    ]


def test_the_lists_make_the_same_queries_in_a_larger_plan(client_for, editor):
    client = client_for(editor)
    counts = {}
    for n in (70, 160):
        grow(n, 3)
        # Once a minute a request refreshes the session's expiry and the demo flag: let
        # that fall on a page not counted.
        get(client, reverse("accessibility"))
        counts[n] = [cold_and_warm(client, url) for url in list_urls()]
        # The cached lists (all but the parties' pages) are cheaper warm than cold.
        assert all(warm < cold for cold, warm in counts[n][:4]), counts[n]
    assert counts[70] == counts[160], counts


def test_a_small_plans_lists_are_live_with_the_same_queries(client_for, steering):
    client = client_for(steering)
    counts = {}
    for n in (5, 20):
        grow(n)
        get(client, reverse("accessibility"))
        # From nothing at each size: the feed's entries are kept across requests.
        cache.clear()
        counts[n] = [get(client, url)[0] for url in list_urls()]
    assert counts[5] == counts[20], counts


def test_the_lists_rag_is_the_rules(client_for, steering):
    grow(70, 3)
    today = timezone.localdate()
    baseline = status.baseline_for(None)[0]
    milestones = list(Milestone.objects.select_related("materialised_status"))
    read = {m.pk: m for m in milestones}
    status.attach_materialised_rags(milestones, today=today, baseline=baseline)
    rated = list(Milestone.objects.all())
    status.attach_rags(rated, today=today, baseline=baseline)
    assert {m.pk: m.rag for m in rated} == {pk: m.rag for pk, m in read.items()}

    activities = list(Activity.objects.all())
    status.attach_materialised_rollups(activities, today=today, baseline=baseline)
    expected = list(Activity.objects.prefetch_related("milestones"))
    status.attach_rollups(expected, today=today, baseline=baseline)
    by_pk = {a.pk: a.rag_rollup for a in activities}
    for activity in expected:
        got = by_pk[activity.pk]
        assert (got.rag, got.counts, got.worst_milestone_id, got.reason) == (
            activity.rag_rollup.rag,
            activity.rag_rollup.counts,
            activity.rag_rollup.worst_milestone_id,
            activity.rag_rollup.reason,
        )


def test_without_materialised_rows_the_lists_rate_by_the_rule(client_for, steering):
    grow_unrated(70)
    today = timezone.localdate()
    baseline = status.baseline_for(None)[0]
    activities = list(Activity.objects.all())
    status.attach_materialised_rollups(activities, today=today, baseline=baseline)
    expected = list(Activity.objects.prefetch_related("milestones"))
    status.attach_rollups(expected, today=today, baseline=baseline)
    by_pk = {a.pk: a.rag_rollup for a in activities}
    assert [(by_pk[a.pk].rag, by_pk[a.pk].counts) for a in expected] == [
        (a.rag_rollup.rag, a.rag_rollup.counts) for a in expected
    ]


def test_a_row_not_rated_today_is_rated_by_the_rule(steering):
    grow(5)
    today = timezone.localdate()
    baseline = status.baseline_for(None)[0]
    milestone = Milestone.objects.filter(key__startswith="load-").order_by("key").first()
    MilestoneStatus.objects.filter(pk=milestone.pk).update(
        rated_on=today - datetime.timedelta(days=1), rag="red", reason_code="late_red"
    )
    row = Milestone.objects.select_related("materialised_status").get(pk=milestone.pk)
    status.attach_materialised_rags([row], today=today, baseline=baseline)
    rule = Milestone.objects.get(pk=milestone.pk)
    status.attach_rags([rule], today=today, baseline=baseline)
    assert row.rag == rule.rag


def test_an_edit_shows_on_the_next_request_of_a_large_plans_list(client_for, editor):
    grow(70)
    client = client_for(editor)
    milestone = Milestone.objects.filter(key__startswith="load-").order_by("title").first()
    url = reverse("milestones:milestone_list") + f"?q={milestone.key}"
    _queries, before = get(client, url)
    assert milestone.title in before
    plan_services.milestone_update(
        milestone_id=milestone.pk,
        version=milestone.version,
        user=editor,
        data={"title": "Omdøbt milepæl på listen"},
    )
    _queries, after = get(client, url)
    assert "Omdøbt milepæl på listen" in after
    _queries, feed = get(client, reverse("milestones:change_feed"))
    assert "Omdøbt milepæl på listen" in feed


def test_the_change_feed_counts_up_to_its_cap(client_for, steering, monkeypatch):
    grow(5)
    client = client_for(steering)
    monkeypatch.setattr(history_views, "FEED_COUNT_CAP", 60)
    _queries, html = get(client, reverse("milestones:change_feed"))
    assert "Mere end 60 ændringer" in text(html)
    assert "Side 1 af 2" in text(html)
    _queries, html = get(client, reverse("milestones:change_feed") + "?side=2")
    assert len(re.findall(r'<li class="sp-history-entry">', html)) == 10


def test_the_party_list_is_paged_and_counted(client_for, steering):
    grow(5)
    client = client_for(steering)
    shown = Party.objects.exclude(kind=Party.Kind.MUNICIPALITY).count()
    _queries, html = get(client, reverse("parties:list"))
    assert f"{shown} parter" in text(html)
    assert html.count('<td><a href="/parter/') == min(shown, 50)
