"""The plan's lists after an edit: each row's HTML and the filter form are cached on their
own (`milestones.views.plan.cached_rows`, `filter_form_html`), so an edit renders again
only what it changed. The page after an edit is the page rendered from nothing, and what
a row shows from other records (its activity, its party, its rating) reaches it."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from milestones.models import Activity, Milestone, ProgressUpdate, ReportingRound
from milestones.selectors import status
from milestones.services import plan as plan_services
from parties.models import Party
from tests.helpers import forecast_move

from .test_perf_lists import grow
from .test_perf_pages import fresh_cache, get  # noqa: F401

pytestmark = pytest.mark.django_db


def _first_milestone() -> Milestone:
    return (
        Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
        .order_by("forecast_date", "title", "pk")
        .first()
    )


def _rename(record, editor, title: str) -> None:
    """A new title for an activity or a milestone, through its service."""
    if isinstance(record, Milestone):
        save, name = plan_services.milestone_update, "milestone_id"
    else:
        save, name = plan_services.activity_update, "activity_id"
    save(
        **{name: record.pk},
        version=record.version,
        user=editor,
        data={"title": title},
        reason="Nyt navn",
    )


def _same_as_from_nothing(client, url: str) -> str:
    """The page as served now (rows partly from the cache) is the page rendered from an
    empty cache."""
    _queries, served = get(client, url)
    cache.clear()
    _queries, fresh = get(client, url)
    assert _unmasked(served) == _unmasked(fresh)
    return served


def _unmasked(html: str) -> str:
    """The page without its CSRF tokens (masked afresh on every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.parametrize("size", [5, 70])  # a small plan's list is live, a large one cached
def test_after_an_edit_each_list_is_what_it_would_be_rendered_whole(client_for, editor, size):
    grow(size, 3)
    client = client_for(editor)
    urls = [
        reverse("milestones:milestone_list"),
        reverse("milestones:milestone_list") + "?sorter=part",
        reverse("milestones:activity_list"),
    ]
    for url in urls:
        get(client, url)
    milestone = _first_milestone()
    forecast_move(milestone, 400, precision=None, user=editor, reason="Flyttet et år")
    for url in urls:
        _same_as_from_nothing(client, url)


def test_a_renamed_activity_and_party_reach_the_cached_rows(client_for, editor):
    grow(70)
    client = client_for(editor)
    milestone = _first_milestone()
    activity = milestone.activity
    url = reverse("milestones:milestone_list")
    activities_url = reverse("milestones:activity_list") + f"?q={activity.key}"
    get(client, url)
    get(client, activities_url)
    _rename(activity, editor, "Omdøbt aktivitet i rækken")
    # A party renamed outside the services (no history): its rows follow their label.
    Party.objects.filter(pk=activity.responsible_party_id).update(short_name="Omdøbt part")
    assert "Omdøbt aktivitet i rækken" in _same_as_from_nothing(client, url)
    page = _same_as_from_nothing(client, activities_url)
    assert "Omdøbt aktivitet i rækken" in page


def test_the_filter_form_follows_a_new_goal(client_for, editor):
    from milestones.models import Goal

    grow(70)
    client = client_for(editor)
    url = reverse("milestones:milestone_list")
    get(client, url)
    goal = Goal.objects.order_by("pk").first()
    goal.title = "Et nyt mål på listen"
    goal.save()  # a history row: the form's stamp moves, the plan's milestones are as they were
    assert "Et nyt mål på listen" in get(client, url)[1]


def test_the_self_assessment_is_the_responsible_partys_latest(system_user):
    grow(5)
    activity = Activity.objects.filter(key__startswith="load-").order_by("key").first()
    other = Party.objects.exclude(pk=activity.responsible_party_id).order_by("pk").first()
    ProgressUpdate.objects.filter(activity=activity).delete()
    rounds = [
        ReportingRound.objects.get_or_create(
            period=datetime.date(2030, month, 1),
            defaults={
                "opens_on": datetime.date(2030, month, 1),
                "due_on": datetime.date(2030, month, 20),
            },
        )[0]
        for month in (1, 2, 3)
    ]

    def update(round_, party, state, rag, reason=""):
        return ProgressUpdate.objects.create(
            round=round_,
            party=party,
            activity=activity,
            status=state,
            self_rag=rag,
            self_rag_reason=reason,
        )

    accepted, submitted, draft = (
        ProgressUpdate.Status.ACCEPTED,
        ProgressUpdate.Status.SUBMITTED,
        ProgressUpdate.Status.DRAFT,
    )
    update(rounds[0], activity.responsible_party, accepted, "green")
    latest = update(rounds[1], activity.responsible_party, submitted, "yellow", "Lidt bagud")
    update(rounds[2], activity.responsible_party, draft, "red")  # a draft is never shown
    update(rounds[2], other, accepted, "red")  # another party's is not the activity's own
    bare = Activity.objects.filter(key__startswith="load-").exclude(pk=activity.pk).first()
    ProgressUpdate.objects.filter(activity=bare).delete()
    rows = list(Activity.objects.filter(pk__in=[activity.pk, bare.pk]).order_by("pk"))
    status.attach_self_assessments(rows)
    by_pk = {a.pk: a.self_assessment for a in rows}
    assert by_pk[activity.pk] == latest
    assert by_pk[activity.pk].self_rag_reason == "Lidt bagud"
    assert by_pk[bare.pk] is None


def test_a_large_plans_activity_page_is_cached_but_its_facts_and_edits_are_live(
    client_for, editor, steering
):
    from governance.services import records

    grow(70)
    milestone = _first_milestone()
    activity = milestone.activity
    url = reverse("milestones:activity_detail", args=[activity.key])
    client = client_for(steering)
    cold, before = get(client, url)
    # Governance's facts are read on every request, not from the plan's cached HTML.
    records.confidence_set(
        activity=activity,
        level="amber_red",
        justification="Skredet en måned.",
        version=0,
        user=editor,
    )
    facts, page = get(client, url)
    assert "Skredet en måned." in page and "Skredet en måned." not in before
    assert facts < cold  # the plan's content still from the cache (a confidence is no plan edit)
    rag = page.index("RAG efter reglen")
    assert rag < page.index("Leveringssikkerhed") < page.index("Partens egen vurdering")
    forecast_move(milestone, 400, precision=None, user=editor, reason="Flyttet et år")
    after = _same_as_from_nothing(client_for(editor), url)
    assert "Skredet en måned." in after


def test_a_large_plans_party_pages_follow_an_edit_and_show_members_live(client_for, editor):
    from parties.models import Membership

    grow(70)
    client = client_for(editor)
    activity = _first_milestone().activity
    party = activity.responsible_party
    list_url = reverse("parties:list")
    party_url = reverse("parties:detail", args=[party.key])
    get(client, list_url)
    get(client, party_url)
    _rename(activity, editor, "Omdøbt aktivitet hos parten")
    assert "Omdøbt aktivitet hos parten" in _same_as_from_nothing(client, party_url)
    _same_as_from_nothing(client, list_url)
    Membership.objects.create(party=party, user=editor, role=Membership.Role.REPORTER)
    _queries, page = get(client, party_url)
    assert "Brugere" in page and (editor.get_full_name() or editor.username) in page


def test_an_activity_rows_own_assessment_is_read_only_for_the_rows_rendered(client_for, editor):
    """The activity list's rows are cached under the progress updates' part of the stamp:
    a milestone's edit elsewhere renders the page without reading any progress update,
    and a new own assessment reaches the row at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grow(70)
    client = client_for(editor)
    milestone = _first_milestone()
    activity = milestone.activity
    elsewhere = (
        Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
        .exclude(activity=activity)
        .order_by("pk")
        .first()
    )
    url = reverse("milestones:activity_list") + f"?q={activity.key}"
    get(client, url)
    forecast_move(elsewhere, 400, precision=None, user=editor, reason="Flyttet et år")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    assert not [q for q in ctx.captured_queries if "milestones_progressupdate" in q["sql"]]
    assert any("milestones_statusrollup" in q["sql"] for q in ctx.captured_queries)  # cold
    round_ = ReportingRound.objects.create(
        period=datetime.date(2031, 1, 1),
        opens_on=datetime.date(2031, 1, 1),
        due_on=datetime.date(2031, 1, 20),
    )
    ProgressUpdate.objects.create(  # a history row: the progress updates' stamp moves
        round=round_,
        party=activity.responsible_party,
        activity=activity,
        status=ProgressUpdate.Status.ACCEPTED,
        self_rag="red",
        self_rag_reason="En ny egen vurdering i rækken",
    )
    assert "En ny egen vurdering i rækken" in _same_as_from_nothing(client, url)


@pytest.mark.parametrize("size", [5, 70])  # the feed's entries are kept at any size
def test_the_change_feed_after_edits_is_the_feed_rendered_from_nothing(client_for, editor, size):
    """The feed's entries are kept across edits (`milestones.history.entries_kept`) while
    the names they show hold: a forecast moved leaves them, a renamed activity and
    milestone, a renamed party and a deleted milestone reach every entry naming them."""
    grow(size, 3)
    client = client_for(editor)
    milestone = _first_milestone()
    activity = milestone.activity
    party = activity.responsible_party
    urls = [
        reverse("milestones:change_feed"),
        reverse("milestones:change_feed") + f"?aktivitet={activity.key}",
    ]
    forecast_move(milestone, 400, precision=None, user=editor, reason="Flyttet et år")
    _rename(Milestone.objects.get(pk=milestone.pk), editor, "Før omdøbningen")
    for url in urls:
        get(client, url)
    forecast_move(
        Milestone.objects.get(pk=milestone.pk),
        400,
        precision=None,
        user=editor,
        reason="Flyttet et år",
    )
    for url in urls:
        _same_as_from_nothing(client, url)
    _rename(activity, editor, "Omdøbt aktivitet i ændringerne")
    page = _same_as_from_nothing(client, urls[1])
    assert page.count("(Omdøbt aktivitet i ændringerne)") >= 2  # the older entries too
    party.name = "Omdøbt part i ændringerne"
    party.save()  # a history row of the party
    _same_as_from_nothing(client, urls[1])
    _rename(Milestone.objects.get(pk=milestone.pk), editor, "Efter omdøbningen")
    assert "Efter omdøbningen" in _same_as_from_nothing(client, urls[0])
    detail = reverse("milestones:milestone_detail", args=[milestone.key])
    assert f'href="{detail}">Efter omdøbningen</a>' in get(client, urls[1])[1]
    plan_services.milestone_delete(
        milestone_id=milestone.pk,
        version=Milestone.objects.get(pk=milestone.pk).version,
        user=editor,
        reason="Slettet",
    )
    page = _same_as_from_nothing(client, urls[0])
    # Its entries, kept from before, now link to its history instead of its page.
    assert f'href="{detail}">Efter omdøbningen</a>' not in page
    assert f'href="{detail}historik/">Efter omdøbningen</a>' in page


def test_the_change_feeds_kept_entries_are_not_read_again_after_an_edit(client_for, editor):
    """After a forecast moved, only the new entry's history rows are read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grow(70, 3)
    client = client_for(editor)
    url = reverse("milestones:change_feed")
    get(client, url)
    milestone = _first_milestone()
    forecast_move(milestone, 400, precision=None, user=editor, reason="Flyttet et år")
    newest = Milestone.history.filter(id=milestone.pk).order_by("-history_id").first()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    read = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "milestones_historicalmilestone"."id"')
    ]
    assert len(read) == 1, read
    ids = re.search(r'"history_id" IN \(([^)]*)\)', read[0]).group(1).split(",")
    # The new row and the version before it: the other 49 entries are kept.
    assert str(newest.history_id) in [i.strip() for i in ids] and len(ids) <= 2, ids
    # The moved milestone's name is read once: by the check when a kept entry names it (from
    # its newest history row, `history._changed_since(now=)`), else for the new entry, and
    # never again there (`history._Names(known)`).
    named = [q for q in ctx.captured_queries if 'FROM "milestones_milestone"' in q["sql"]]
    assert len(named) <= 1, named
    # Moved again (as the bench's edit does): the kept entry of the first move names it, so
    # the check names it from its history and no query reads the milestones.
    forecast_move(milestone, 1, precision=None, user=editor, reason="Flyttet igen")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    named = [q for q in ctx.captured_queries if 'FROM "milestones_milestone"' in q["sql"]]
    assert not named, named
    _same_as_from_nothing(client, url)


def test_a_tracks_summary_is_the_whole_plans_rows_of_that_track(client_for, editor):
    """A track's page reads its track's stored roll-ups alone
    (`materialised.stored_track_rollups`): the same rows, roll-ups and party choices as the
    whole plan's summary, before and after an edit; the page after the edit is the page
    rendered from nothing."""
    from django.utils import timezone

    from milestones import selectors
    from milestones.selectors.materialised import stored_track_rollups

    grow(70, 3)
    baseline = status.baseline_for(None)[0]
    milestone = _first_milestone()
    track = milestone.activity.track
    url = reverse("milestones:roadmap") + f"?spor={track}"
    client = client_for(editor)
    get(client, url)

    def agree():
        cache.clear()
        today = timezone.localdate()
        whole = selectors.roadmap_summary(plan_version=None, baseline=baseline, today=today)
        for each in {row.track for row in whole.tracks}:
            assert stored_track_rollups(each) is not None
            one = selectors.roadmap_summary(
                plan_version=None, baseline=baseline, today=today, track=each
            )
            assert one.tracks == [row for row in whole.tracks if row.track == each]
            assert one.parties == [row for row in whole.parties if row.track == each]
            assert one.party_choices == whole.party_choices

    agree()
    get(client, url)
    forecast_move(milestone, 400, precision=None, user=editor, reason="Flyttet et år")
    _same_as_from_nothing(client, url)
    agree()


def test_a_tracks_summary_is_kept_across_an_edit_that_moves_no_roll_up(client_for, editor):
    """A track's page keeps its summary under the stored roll-ups' stamp
    (`selectors.roadmap._track_summary_kept`): a forecast moved that changes no roll-up
    reads none again (a key of the plan's whole stamp would), one that changes them
    builds it anew; each page equals the page rendered from nothing, and the kept summary
    the one built afresh."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from core.cache import stamp as data_stamp
    from milestones import selectors
    from milestones.models import StatusRollup

    grow(70, 3)
    baseline = status.baseline_for(None)[0]
    client = client_for(editor)
    quiet = None
    for milestone in Milestone.objects.filter(
        key__startswith="load-", forecast_date__isnull=False, actual_date__isnull=True
    ).order_by("pk")[:40]:
        url = reverse("milestones:roadmap") + f"?spor={milestone.activity.track}"
        get(client, url)
        before = StatusRollup.history.count()
        forecast_move(milestone, 1, user=editor)
        if StatusRollup.history.count() == before:
            quiet = milestone
            break
    assert quiet is not None, "no forecast move left every roll-up as it was"
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    read = " ".join(q["sql"] for q in ctx.captured_queries)
    assert 'FROM "milestones_statusrollup"' not in read
    _same_as_from_nothing(client, url)

    def kept_is_fresh(track):
        today = timezone.localdate()
        kept = selectors.roadmap_summary(
            plan_version=None,
            baseline=baseline,
            today=today,
            track=track,
            rollups=data_stamp(models=(StatusRollup,)),
        )
        cache.clear()
        fresh = selectors.roadmap_summary(
            plan_version=None, baseline=baseline, today=today, track=track
        )
        assert kept.stored
        assert (kept.tracks, kept.parties, kept.party_choices) == (
            fresh.tracks,
            fresh.parties,
            fresh.party_choices,
        )

    track = quiet.activity.track
    kept_is_fresh(track)
    # A year's move turns it red: its roll-ups move, and so the kept summary's key.
    before = StatusRollup.history.count()
    forecast_move(quiet, 400, precision=None, user=editor, reason="Flyttet et år")
    assert StatusRollup.history.count() > before
    _same_as_from_nothing(client, url)
    get(client, url)
    forecast_move(quiet, -400, precision=None, user=editor, reason="Tilbage")
    _same_as_from_nothing(client, url)
    kept_is_fresh(track)


@pytest.mark.parametrize("cap", [5, 100_000])
def test_the_change_feeds_count_is_kept_past_the_cap_and_counted_again_under_it(
    client_for, editor, cap, monkeypatch
):
    """The feed's count (`views.history._feed_count`): past the cap it stays "more than"
    across new history without counting again; under it, it is counted again after each
    edit and is the feed's own count. Either way the page is the page from nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from milestones import history
    from milestones.views import history as history_views

    monkeypatch.setattr(history_views, "FEED_COUNT_CAP", cap)
    grow(70, 3)
    client = client_for(editor)
    url = reverse("milestones:change_feed")
    get(client, url)
    forecast_move(_first_milestone(), 400, precision=None, user=editor, reason="Flyttet et år")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    counted = [q for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*) FROM")]
    total = history.feed().count()
    if cap < total:
        assert not counted
        assert "Mere end 5 ændringer" in page
    else:
        assert len(counted) == 1
        shown = re.search(r"([\d.\u00a0]+) ændringer", page).group(1)
        assert int(re.sub(r"\D", "", shown)) == total
    _same_as_from_nothing(client, url)


def test_the_whole_feeds_keys_from_its_compiled_sql_are_the_query_sets(editor):
    """The unfiltered change feed's keys come from SQL compiled once
    (`history.CompiledFeed`): the same keys as `feed()` at any slice, counted the same."""
    from milestones import history

    grow(70, 3)
    forecast_move(_first_milestone(), 3, user=editor)
    keys = history.feed_keys(party=None, activity=None, user=None, since=None, until=None)
    assert isinstance(keys, history.CompiledFeed)
    whole = history.feed()
    total = whole.count()
    for start, stop in ((0, 50), (50, 100), (total - 7, total + 50), (3, 4)):
        assert keys[start:stop] == list(whole[start:stop])
    assert keys[total - 2 :] == list(whole[total - 2 :])
    for most in (1, total, total + 1):
        assert history.feed_count_to(keys, most) == history.feed_count_to(whole, most)
    party = Party.objects.filter(responsible_activities__isnull=False).first()
    assert not isinstance(history.feed_keys(party=party), history.CompiledFeed)


def _count_shown(html: str) -> int:
    return int(re.search(r'role="status">(\d+) milepæle', html).group(1))


def _counted_milestones(queries) -> bool:
    return any(
        'SELECT COUNT(*) AS "__count" FROM "milestones_milestone"' in q["sql"] for q in queries
    )


def test_the_milestone_lists_count_is_kept_until_a_milestone_is_added_or_deleted(
    client_for, editor
):
    """The unfiltered list's count is kept across edits that add or delete no milestone
    (not counted again after a forecast moved) and follows one added and one deleted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grow(70)
    client = client_for(editor)
    url = reverse("milestones:milestone_list")
    assert _count_shown(get(client, url)[1]) == Milestone.objects.count()
    forecast_move(_first_milestone(), 3, precision=None, user=editor, reason="Lidt senere")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert not _counted_milestones(ctx.captured_queries)
    assert _count_shown(response.content.decode()) == Milestone.objects.count()
    added = plan_services.milestone_create(
        user=editor,
        data={
            "activity": _first_milestone().activity,
            "title": "En ny milepæl på listen",
            "forecast_date": datetime.date(2020, 1, 1),
        },
        reason="Ny",
    )
    total = Milestone.objects.count()
    page = _same_as_from_nothing(client, url)
    assert _count_shown(page) == total
    assert "En ny milepæl på listen" in page  # the earliest forecast: the first row
    # Filtered, the list counts its own milestones (the kept count is the whole list's).
    track_url = f"{url}?spor={added.activity.track}"
    tracked = Milestone.objects.filter(activity__track=added.activity.track).count()
    assert _count_shown(_same_as_from_nothing(client, track_url)) == tracked
    added.refresh_from_db()
    plan_services.milestone_delete(
        milestone_id=added.pk, version=added.version, user=editor, reason="Udgår"
    )
    page = _same_as_from_nothing(client, url)
    assert _count_shown(page) == total - 1
    assert "En ny milepæl på listen" not in page


def test_the_milestone_lists_rows_read_as_values_follow_an_edit_on_the_page(client_for, editor):
    """The list's rows are keyed by values read for them (no milestone read as a model
    when every row is cached): a forecast moved on the page and a rating not of today
    (the rule's, read whole) each reach the page, equal to the page from nothing."""
    from milestones.models import MilestoneStatus

    grow(70)
    client = client_for(editor)
    url = reverse("milestones:milestone_list")
    get(client, url)
    milestone = _first_milestone()
    forecast_move(milestone, 1, precision=None, user=editor, reason="En dag senere")
    milestone.refresh_from_db()
    page = _same_as_from_nothing(client, url)
    assert f'id="milestone-{milestone.pk}"' in page
    # A stored rating of yesterday: the page rates by the rule, as before.
    MilestoneStatus.objects.filter(milestone=milestone).update(
        rated_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    forecast_move(milestone, 1, precision=None, user=editor, reason="En dag mere")
    _same_as_from_nothing(client, url)
    html = get(client, url + "?baseline=" + status.baseline_for(None)[0].key)[1]
    assert f'id="milestone-{milestone.pk}"' in html
