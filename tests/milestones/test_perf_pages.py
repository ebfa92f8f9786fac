"""The plan's heavy pages cost the same whatever the size of the programme.

The roadmap (whole for a small plan; summarised, and paged by track or party, for
a large one), the activity page and the round matrix (by party for a large round)
make the same number of queries with few and with many activities; what they
show of a large plan agrees with the plan's own roll-ups; RAG reasons are worded
when read. Synthetic programmes come from `generate_load_data`'s generator.
"""

import datetime
import pickle
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from bench.cleanup import load_data_clear
from bench.loaddata import Scale, load_data_generate
from core.history import record_save
from milestones import selectors
from milestones.dates import format_plan_date
from milestones.models import (
    Activity,
    ActivityPlanVersion,
    Baseline,
    Dependency,
    Milestone,
    ProgressUpdate,
    RoundObligation,
)
from milestones.rag import Rag, milestone_rag, rags_for, rollup
from milestones.selectors import status
from milestones.services import plan as plan_services
from parties.models import Party
from tests.helpers import forecast_move

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    """Large plans' pages are cached under a stamp of the newest history rows; start empty."""
    cache.clear()
    yield
    cache.clear()


def grow(activities: int, milestones_per_activity: int = 2) -> None:
    """Replace the synthetic programme with one of `activities` activities (besides the
    SOR plan's 24), with history, dependencies and three monthly rounds."""
    load_data_clear()
    load_data_generate(
        scale=Scale(
            parties=4,
            activities=activities,
            milestones_per_activity=milestones_per_activity,
            rounds=3,
            months=4,
        )
    )


def get(client, url: str) -> tuple[int, str]:
    """(queries, html) of a GET that must succeed."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def cold_and_warm(client, url: str) -> tuple[int, int]:
    cache.clear()
    cold, _html = get(client, url)
    warm, _html = get(client, url)
    return cold, warm


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def rename(milestone, title: str, editor) -> None:
    """A milestone renamed through the plan's service (a real edit)."""
    plan_services.milestone_update(
        milestone_id=milestone.pk, version=milestone.version, user=editor, data={"title": title}
    )


def _main(html: str) -> str:
    """The page's main content (the header's forms carry a fresh CSRF token each time)."""
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def current_round():
    return selectors.round_current(today=timezone.localdate())


# ---------------------------------------------------------------------------
# Roadmap
# ---------------------------------------------------------------------------
def test_a_small_plan_is_shown_whole_with_the_same_queries(client_for, steering):
    client = client_for(steering)
    url = reverse("milestones:roadmap")
    counts = {}
    for n in (10, 30):  # 34 and 54 activities with the SOR plan's 24: at most ROADMAP_ALL
        grow(n)
        counts[n], html = get(client, url)
        assert html.count('<article class="sp-activity">') == Activity.objects.count()
        assert "sp-pagination" not in html and "sp-roadmap-summary" not in html
    assert counts[10] == counts[30]


def test_a_large_plan_is_summarised_and_paged_with_the_same_queries(client_for, editor):
    client = client_for(editor)
    url = reverse("milestones:roadmap")
    counts = {}
    for n in (70, 200):
        grow(n)
        activity = Activity.objects.filter(key__startswith="load-").order_by("key").first()
        party = activity.responsible_party.key
        pages = [
            url,
            f"{url}?side=2",
            f"{url}?spor={activity.track}",
            f"{url}?spor={activity.track}&side=2",
            f"{url}?part={party}",
            f"{url}?plan=plan-000-milepaelsplan-wip&baseline=plan-001-beskrivelse-af-aktiviteter",
        ]
        counts[n] = [cold_and_warm(client, page) for page in pages]
        # Warm: how many activities there are, the data version, then the cached HTML.
        assert all(warm < cold for cold, warm in counts[n])
    assert counts[70] == counts[200], counts


def test_the_summary_counts_and_rolls_up_as_the_plan_does(client_for, steering):
    grow(70)
    client = client_for(steering)
    _queries, html = get(client, reverse("milestones:roadmap"))
    total = Activity.objects.count()
    assert f"Planen har {total} aktiviteter." in text(html)
    today = timezone.localdate()
    baseline = status.baseline_for(None)[0]
    summary = selectors.roadmap_summary(plan_version=None, baseline=baseline, today=today)
    assert summary.activity_count == total
    assert sum(row.milestone_count for row in summary.tracks) == Milestone.objects.count()
    for row in summary.parties + summary.tracks:
        activities = list(selectors.roadmap_activities(track=row.track, party_id=row.party_id))
        status.attach_rollups(activities, today=today, baseline=baseline)
        expected = status.party_rollup(activities)
        assert len(activities) == row.activity_count
        assert (row.rollup.rag, row.rollup.counts, row.rollup.worst_milestone_id) == (
            expected.rag,
            expected.counts,
            expected.worst_milestone_id,
        )
        assert row.rollup.reason == expected.reason
    # Each party row leads to its activities in that track.
    first = summary.parties[0]
    assert f"?spor={first.track}&amp;part={first.party_key}" in html


def test_a_track_of_a_large_plan_is_shown_a_page_at_a_time(client_for, steering):
    grow(70)
    client = client_for(steering)
    track = Activity.Track.EXTERNAL
    in_track = Activity.objects.filter(track=track).count()
    assert in_track > selectors.ROADMAP_PAGE_SIZE
    _queries, html = get(client, f"{reverse('milestones:roadmap')}?spor={track}&side=2")
    assert html.count('<article class="sp-activity">') == selectors.ROADMAP_PAGE_SIZE
    page_text = text(html)
    assert f"({in_track} aktiviteter)" in page_text  # the track's count, not the page's
    assert f"Aktivitet 11-20 af {in_track}." in page_text
    assert "Side 2 af" in page_text and f"?spor={track}&amp;side=3" in html
    assert "Partens milepæle samlet" in page_text


def test_a_save_shows_on_the_next_request_of_a_large_plan(client_for, editor):
    grow(70)
    client = client_for(editor)
    milestone = Milestone.objects.filter(key__startswith="load-").order_by("key").first()
    url = f"{reverse('milestones:roadmap')}?part={milestone.activity.responsible_party.key}"
    _queries, before = get(client, url)
    assert milestone.title in before
    rename(milestone, "Omdøbt milepæl i et stort program", editor)
    _queries, after = get(client, url)
    assert "Omdøbt milepæl i et stort program" in after


def _first_dated():
    """The first synthetic milestone (by key) with a forecast: the one the tests move."""
    return (
        Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
        .order_by("key")
        .first()
    )


def _track_page_of(milestone) -> str:
    """The roadmap's page of the milestone's track and party that shows its activity."""
    activity = milestone.activity
    in_order = list(
        selectors.roadmap_activities(track=activity.track, party_id=activity.responsible_party_id)
    )
    side = in_order.index(activity) // selectors.ROADMAP_PAGE_SIZE + 1
    party = activity.responsible_party.key
    return f"{reverse('milestones:roadmap')}?spor={activity.track}&part={party}&side={side}"


def test_a_track_page_shows_an_edit_on_the_next_request_to_every_reader(
    client_for, editor, steering
):
    """Each activity's block is cached on its own: an edit shows on the next request,
    to an editor (with the edit links) and a reader (without), in Danish and English."""
    grow(70)
    milestone = Milestone.objects.filter(key__startswith="load-").order_by("key").first()
    activity = milestone.activity
    url = _track_page_of(milestone)
    edit_link = reverse("milestones:activity_edit", args=[activity.key])
    editing, reading, in_english = client_for(editor), client_for(steering), client_for(steering)
    in_english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for client in (editing, reading, in_english):
        get(client, url)
    rename(milestone, "Omdøbt milepæl på sporets side", editor)
    _queries, as_editor = get(editing, url)
    _queries, as_reader = get(reading, url)
    _queries, english = get(in_english, url)
    for html in (as_editor, as_reader, english):
        assert "Omdøbt milepæl på sporets side" in html
        assert html.count('<article class="sp-activity">') == min(
            selectors.ROADMAP_PAGE_SIZE,
            Activity.objects.filter(
                track=activity.track, responsible_party=activity.responsible_party
            ).count(),
        )
    assert edit_link in as_editor and edit_link not in as_reader
    # The rows follow the reader's language (here its dates: the catalogues' English is
    # compiled by `make`, the formats are the project's own).
    milestone.refresh_from_db()
    when = {}
    for language in ("da", "en"):
        with translation.override(language):
            when[language] = format_plan_date(milestone.forecast_date, milestone.forecast_precision)
    assert when["da"] != when["en"]
    assert when["da"] in as_reader and when["en"] not in as_reader
    assert when["en"] in english and when["da"] not in english


def test_a_track_pages_blocks_follow_the_own_assessment_and_the_plan_versions(
    client_for, steering, editor
):
    """What a block shows besides its activity and milestones (the party's own assessment,
    the plan versions) is read only for blocks to render, under its part of the stamp:
    a change of either shows on the next request."""
    grow(70)
    client = client_for(steering)
    update = (
        ProgressUpdate.objects.filter(
            activity__key__startswith="load-", status=ProgressUpdate.Status.SUBMITTED
        )
        .exclude(self_rag="")
        .order_by("activity__key")
        .first()
    )
    activity = update.activity
    url = _track_page_of(activity.milestones.order_by("pk").first())

    def block(html: str) -> str:
        link = reverse("milestones:activity_detail", args=[activity.key])
        return html.split(f'<a href="{link}">', 1)[1].split("</article>", 1)[0]

    _queries, html = get(client, url)
    colour = "red" if update.self_rag != "red" else "green"
    assert f'sp-self-rag"><span class="sp-rag sp-rag--{colour}"' not in block(html)
    update.self_rag, update.self_rag_reason = colour, "Vurderet igen"
    record_save(update, user=editor, reason="Ny vurdering", clean=False)
    _queries, html = get(client, url)
    assert f'sp-self-rag"><span class="sp-rag sp-rag--{colour}"' in block(html)
    baseline = Baseline.objects.filter(is_plan_version=True).order_by("sequence").first()
    assert not activity.appearances.filter(baseline=baseline).exists()
    appearance = ActivityPlanVersion(activity=activity, baseline=baseline, title_in_document="x")
    record_save(appearance, user=editor)
    _queries, html = get(client, url)
    assert f'title="{baseline.name}">{baseline.short_label}</span>' in block(html)


def test_a_forecast_moved_shows_its_rating_on_the_track_page_as_the_rule_has_it(
    client_for, steering, editor
):
    """The page's RAG is read from the materialised rows, which follow the edit."""
    grow(70)
    client = client_for(steering)
    milestone = _first_dated()
    url = _track_page_of(milestone)
    get(client, url)
    forecast_move(milestone, 400, user=editor, reason="Flyttet et år frem")
    milestone.refresh_from_db()
    _queries, html = get(client, url)
    today = timezone.localdate()
    rating = rags_for([milestone], today=today)[milestone.pk]
    block = html.split(reverse("milestones:milestone_detail", args=[milestone.key]))[1]
    row = block.split("</tr>")[0]
    assert f"sp-rag--{rating.rag}" in row
    activities = list(
        selectors.roadmap_activities(
            track=milestone.activity.track, party_id=milestone.activity.responsible_party_id
        )
    )
    expected = next(a for a in activities if a.pk == milestone.activity_id)
    status.attach_rollups([expected], today=today, baseline=status.baseline_for(None)[0])
    assert expected.rag_rollup.label in html


def test_a_forecast_moved_on_a_track_page_reads_only_what_it_changed(client_for, editor):
    """After a forecast moved on the page, its activity's block is rendered again from the
    parts kept per activity (plan versions, own assessment, delivery confidence: none is
    read), the track's summary without counting the ratings again; the page is the page
    an empty cache renders, and a part changed since shows (the own assessment)."""
    from governance.models import DeliveryConfidence
    from milestones.services.status import status_rebuild

    grow(70)
    status_rebuild()  # the ratings of today, as the daily re-rate leaves them
    client = client_for(editor)
    milestone = _first_dated()
    url = _track_page_of(milestone)
    get(client, url)
    forecast_move(milestone, 5, precision=None, user=editor, reason="Flyttet")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url).content.decode()
    read = " ".join(q["sql"] for q in ctx.captured_queries)
    for model in (ProgressUpdate, ActivityPlanVersion, DeliveryConfidence):
        assert f'FROM "{model._meta.db_table}"' not in read, model
    assert 'WHERE "rated_on"' not in read  # status_current kept
    cache.clear()
    _queries, fresh = get(client, url)
    assert _main(html) == _main(fresh)

    # The heading and filters (cached on their own) follow a party renamed.
    other = (
        Party.objects.filter(pk__in=Activity.objects.values("responsible_party_id"))
        .exclude(pk=milestone.activity.responsible_party_id)
        .first()
    )
    other.name = "Omdøbt part i vælgeren"
    record_save(other, user=editor, clean=False)
    _queries, html = get(client, url)
    assert "Omdøbt part i vælgeren</option>" in html
    cache.clear()
    _queries, fresh = get(client, url)
    assert _main(html) == _main(fresh)

    update = ProgressUpdate.objects.filter(
        activity=milestone.activity, party=milestone.activity.responsible_party
    ).first()
    if update is not None:
        update.self_rag, update.self_rag_reason = "red", "Vurderet igen i testen"
        update.status = ProgressUpdate.Status.SUBMITTED
        record_save(update, user=editor, reason="Ny vurdering", clean=False)
        _queries, html = get(client, url)
        cache.clear()
        _queries, fresh = get(client, url)
        assert _main(html) == _main(fresh)


# ---------------------------------------------------------------------------
# Activity page
# ---------------------------------------------------------------------------
def test_the_activity_page_makes_the_same_queries_in_a_small_and_a_large_plan(client_for, editor):
    """A small plan's page (at most ROADMAP_ALL activities) is live; a large plan's is
    cached as HTML (one query for its stamp cold, its content's queries only cold): each
    costs the same however many milestones there are."""
    client = client_for(editor)
    counts = {}
    for n, per_activity in ((10, 2), (30, 4), (70, 2), (200, 6)):
        grow(n, per_activity)
        activity = Activity.objects.get(key="load-akt-0001")
        url = reverse("milestones:activity_detail", args=[activity.key])
        cache.clear()
        counts[n], html = get(client, url)
        assert html.count('<tr id="milestone-') == per_activity
        # Its milestones' predecessors are linked.
        links = [d for m in activity.milestones.all() for d in m.predecessor_links.all()]
        assert links
        for link in links:
            assert reverse("milestones:milestone_detail", args=[link.predecessor.key]) in html
        warm, again = get(client, url)
        assert again.count('<tr id="milestone-') == per_activity
        if n > 60:
            assert warm < counts[n]
    assert counts[10] == counts[30]
    assert counts[70] == counts[200]


def test_a_forecast_saved_in_the_quick_edit_shows_on_its_activitys_page_right_after(
    client_for, editor
):
    """The editor's save of a large plan's forecast (the quick edit's form, no htmx)
    redirects to the activity's cached page, which shows the new date and the message;
    another activity's page shows what it showed before, and each page is what it is
    built anew."""
    grow(70)
    client = client_for(editor)
    milestone = (
        Milestone.objects.filter(
            key__startswith="load-", forecast_date__isnull=False, actual_date__isnull=True
        )
        .order_by("key")
        .first()
    )
    other = Activity.objects.filter(key__startswith="load-").exclude(pk=milestone.activity_id)
    other_url = reverse("milestones:activity_detail", args=[other.order_by("key").first().key])
    url = reverse("milestones:activity_detail", args=[milestone.activity.key])
    _queries, before = get(client, url)
    _queries, other_before = get(client, other_url)
    new_date = milestone.forecast_date + datetime.timedelta(days=40)
    shown = format_plan_date(new_date, milestone.forecast_precision)
    assert shown not in text(_main(before))
    quick = reverse("milestones:milestone_quick", args=[milestone.key])
    form = client.get(quick).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        forecast_date=new_date.strftime("%d.%m.%Y"), change_reason="Ny dato fra leverandøren"
    )
    response = client.post(quick, data, follow=True)
    assert response.redirect_chain[0][0].startswith(url)
    page = response.content.decode()
    assert "Milepælen er gemt." in page and shown in text(_main(page))
    _queries, other_after = get(client, other_url)
    assert _main(other_after) == _main(other_before)
    cache.clear()
    _queries, fresh = get(client, url)
    # The same page below the message.
    assert _main(fresh).split("<h1", 1)[1] == _main(page).split("<h1", 1)[1]


# ---------------------------------------------------------------------------
# Round matrix
# ---------------------------------------------------------------------------
def test_a_large_round_is_shown_by_party_with_the_same_queries(client_for, editor):
    client = client_for(editor)
    counts = {}
    for n in (150, 300):
        grow(n)
        round_ = current_round()
        assert RoundObligation.objects.filter(round=round_).count() > selectors.ROUND_ALL
        url = reverse("milestones:reporting_round", args=[f"{round_.period:%Y-%m}"])
        party = RoundObligation.objects.filter(round=round_).order_by("pk").first().party
        counts[n] = [
            cold_and_warm(client, url),
            cold_and_warm(client, f"{url}?side=2"),
            cold_and_warm(client, f"{url}?part={party.key}"),
        ]
    assert counts[150] == counts[300], counts


def test_a_large_rounds_parties_follow_what_they_show_not_the_milestones(client_for, editor):
    """The round's counts and parties' table are cached under the stamp of obligations,
    updates and parties: a milestone's edit leaves them (the warm page's queries), a
    party renamed through the services shows on the next request."""
    grow(150)
    client = client_for(editor)
    round_ = current_round()
    url = reverse("milestones:reporting_round", args=[f"{round_.period:%Y-%m}"])
    get(client, url)
    warm, before = get(client, url)
    milestone = Milestone.objects.filter(key__startswith="load-").order_by("key").first()
    rename(milestone, "Omdøbt milepæl uden for runden", editor)
    after_milestone, html = get(client, url)
    assert after_milestone == warm and _main(html) == _main(before)
    party = selectors.round_party_counts(round_, today=timezone.localdate())[0].party
    renamed = Party.objects.get(pk=party.pk)
    renamed.name = "Aaa omdøbt part i runden"
    record_save(renamed, user=editor, reason="Nyt navn")
    after_party, html = get(client, url)
    assert after_party > warm
    assert "Aaa omdøbt part i runden" in html and f">{party.name}</a>" not in html


def test_a_large_round_counts_each_party_as_the_matrix_does(client_for, editor):
    grow(150)
    round_ = current_round()
    today = timezone.localdate()
    matrix = selectors.round_matrix(round_, today=today)
    rows = selectors.round_party_counts(round_, today=today)
    assert [r.party.name for r in rows] == [row.party.name for row in matrix.rows]
    for counted, row in zip(rows, matrix.rows, strict=True):
        expected = dict.fromkeys(selectors.CellState.ORDER, 0)
        for cell in row.cells:
            expected[cell.state] += 1
        assert counted.counts == expected
    url = reverse("milestones:reporting_round", args=[f"{round_.period:%Y-%m}"])
    _queries, html = get(client_for(editor), url)
    page = text(html)
    assert f"I alt {matrix.total}" in page
    for _state, label, n in matrix.count_items:
        assert f"{label} {n}" in page
    first = rows[0]
    assert f'href="?part={first.party.key}"' in html
    assert "Vælg en part ovenfor for at tilføje en pligt til den." in page


def test_a_party_of_a_large_round_shows_its_cells_and_keeps_the_party(client_for, editor):
    grow(150)
    client = client_for(editor)
    round_ = current_round()
    period = f"{round_.period:%Y-%m}"
    url = reverse("milestones:reporting_round", args=[period])
    obligations = RoundObligation.objects.filter(round=round_)
    party = obligations.order_by("pk").first().party
    own = obligations.filter(party=party)
    _queries, html = get(client, f"{url}?part={party.key}")
    assert html.count('scope="rowgroup"') == 1 and party.name in html
    shown = min(own.count(), selectors.ROUND_CELL_PAGE_SIZE)
    assert html.count('<td><a href="/plan/aktiviteter/') == shown
    first_page = selectors.round_obligations(round_, party_id=party.pk)[:shown]
    for obligation in first_page:
        assert reverse("milestones:activity_detail", args=[obligation.activity.key]) in html
    other = obligations.exclude(party=party).select_related("activity").first()
    assert other.activity.title not in html
    # The add form offers the party and its own activities only, and keeps the party.
    add_url = reverse("milestones:reporting_obligation_add", args=[period])
    assert f'action="{add_url}?part={party.key}"' in html
    response = client.post(f"{add_url}?part={party.key}", {"party": party.pk, "activity": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="form-error-message"' in page and party.name in page
    assert page.count('scope="rowgroup"') == 1
    # Removing an obligation nobody has started leads back to the party.
    activity = Activity.objects.filter(responsible_party=party).exclude(
        pk__in=own.values("activity")
    )
    fresh = activity.first() or Activity.objects.exclude(pk__in=own.values("activity")).first()
    obligation = RoundObligation.objects.create(round=round_, party=party, activity=fresh)
    response = client.post(
        reverse("milestones:reporting_obligation_remove", args=[obligation.pk])
        + f"?part={party.key}"
    )
    assert response.status_code == 302
    assert response.url == f"{url}?part={party.key}"
    assert not RoundObligation.objects.filter(pk=obligation.pk).exists()


# ---------------------------------------------------------------------------
# RAG reasons
# ---------------------------------------------------------------------------
def test_reasons_are_worded_in_the_language_they_are_read_in():
    today = timezone.localdate()
    overdue = Milestone(pk=1, title="M", forecast_date=today.replace(year=today.year - 1))
    with translation.override("da"):
        rag = milestone_rag(overdue, baseline_entry=None, today=today)
        up = rollup([(overdue, rag)])
    kept = pickle.loads(pickle.dumps((rag, up)))  # as a cache keeps them
    assert kept == (rag, up) and rag.rag == Rag.RED
    for language in ("da", "en"):
        with translation.override(language):
            fresh = milestone_rag(overdue, baseline_entry=None, today=today)
            assert kept[0].reason == fresh.reason
            assert kept[1].reason == rollup([(overdue, fresh)]).reason == f"M: {fresh.reason}"


def test_an_activitys_page_is_keyed_by_what_it_shows_not_the_whole_plan(client_for, editor):
    """A large plan's activity page is cached under the stamp of what it shows
    (`selectors.activity_page_stamp`): an edit of another activity's milestone leaves it
    warm (its content not built again); an edit of its own milestone, or a title change of
    a predecessor in another activity that it names, shows on the next request; and each
    page is what it is built anew."""
    grow(70, 3)
    client = client_for(editor)
    link = (
        Dependency.objects.filter(successor__activity__key__startswith="load-")
        .exclude(predecessor__activity=F("successor__activity"))
        .select_related("successor__activity", "predecessor")
        .order_by("pk")
        .first()
    )
    if link is None:  # the generator links within activities only: link across
        successor = Milestone.objects.filter(key__startswith="load-").order_by("pk").first()
        predecessor = (
            Milestone.objects.filter(key__startswith="load-")
            .exclude(activity=successor.activity)
            .order_by("pk")
            .first()
        )
        link = plan_services.dependency_add(
            predecessor=predecessor, successor=successor, user=editor
        )
    activity = link.successor.activity
    url = reverse("milestones:activity_detail", args=[activity.key])
    get(client, url)
    warm, _html = get(client, url)

    # Another activity's milestone, neither this activity's nor a predecessor of one.
    elsewhere = (
        Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
        .exclude(activity=activity)
        .exclude(successor_links__successor__activity=activity)
        .exclude(activity=link.predecessor.activity)
        .order_by("pk")
        .first()
    )
    forecast_move(elsewhere, 3, precision=None, user=editor, reason="Ny dato")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert response.context is None or "milestones" not in response.context  # not built
    assert len(ctx.captured_queries) == warm

    # Its own milestone renamed: on the next request.
    own = activity.milestones.order_by("pk").first()
    rename(own, "Egen milepæl omdøbt", editor)
    _queries, html = get(client, url)
    assert "Egen milepæl omdøbt" in html

    # A predecessor in another activity, named on this page, renamed: on the next request.
    predecessor = Milestone.objects.get(pk=link.predecessor_id)
    rename(predecessor, "Forgænger omdøbt", editor)
    _queries, html = get(client, url)
    assert "Forgænger omdøbt" in html
    cache.clear()
    _queries, fresh = get(client, url)
    assert _main(fresh).split("<h1", 1)[1] == _main(html).split("<h1", 1)[1]


def test_an_activitys_page_after_its_milestone_moved_reads_only_its_milestones(client_for, editor):
    """The pieces of an activity's page that its milestones do not change (plan versions,
    involved parties, the party's own assessment: `views.roadmap._activity_parts`) are
    kept per activity under the values of its stamp that watch them: a forecast moved
    reads none of them, and the page is the page built anew; a plan version, a
    participant and an own assessment added each show on the next request, as built anew."""
    from milestones.models import ActivityParticipant

    grow(70, 3)
    client = client_for(editor)
    own = (
        Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
        .order_by("pk")
        .first()
    )
    activity = own.activity
    url = reverse("milestones:activity_detail", args=[activity.key])
    get(client, url)

    def same_as_built_anew() -> str:
        _queries, html = get(client, url)
        cache.clear()
        _queries, fresh = get(client, url)
        assert _main(fresh).split("<h1", 1)[1] == _main(html).split("<h1", 1)[1]
        return html

    forecast_move(own, 3, precision=None, user=editor, reason="Ny dato")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    read = " ".join(q["sql"] for q in ctx.captured_queries)
    for model in (ActivityPlanVersion, ActivityParticipant, ProgressUpdate):
        assert f'FROM "{model._meta.db_table}"' not in read, model
    same_as_built_anew()

    baseline = (
        Baseline.objects.filter(is_plan_version=True)
        .exclude(appearances__activity=activity)
        .order_by("sequence")
        .first()
    )
    if baseline is not None:
        record_save(
            ActivityPlanVersion(
                activity=activity, baseline=baseline, title_in_document="Ny i planversionen"
            ),
            user=editor,
        )
        assert "Ny i planversionen" in same_as_built_anew()
    party = Party.objects.exclude(pk=activity.responsible_party_id).order_by("pk").first()
    if not activity.activityparticipant_set.filter(party=party).exists():
        record_save(ActivityParticipant(activity=activity, party=party), user=editor)
        assert party.name in same_as_built_anew()
    update = ProgressUpdate.objects.filter(
        activity=activity, party=activity.responsible_party
    ).first()
    if update is not None:
        update.self_rag, update.self_rag_reason = "red", "Egen vurdering på aktivitetens side"
        update.status = ProgressUpdate.Status.SUBMITTED
        record_save(update, user=editor, reason="Ny vurdering", clean=False)
        assert "Egen vurdering på aktivitetens side" in same_as_built_anew()


def test_the_baselines_are_read_once_per_change_of_theirs(client_for, editor):
    """A large plan's track page and activity page take the baselines from the cache
    (`selectors.baselines_cached`, under their part of the page's stamp): a forecast
    moved reads none; another baseline activated shows at once on both, as built anew."""
    from milestones.services.baselines import baseline_activate

    grow(70)
    client = client_for(editor)
    milestone = _first_dated()
    urls = [
        _track_page_of(milestone),
        reverse("milestones:activity_detail", args=[milestone.activity.key]),
    ]
    for url in urls:
        get(client, url)
    forecast_move(milestone, 2, precision=None, user=editor, reason="Flyttet")
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert not any('FROM "milestones_baseline"' in q["sql"] for q in ctx.captured_queries)
    other = Baseline.objects.filter(is_active=False).order_by("sequence").first()
    baseline_activate(baseline_id=other.pk, user=editor, reason="Ny aktiv")
    for url in urls:
        _queries, html = get(client, url)
        assert (
            f"{other.name} (aktiv)" in html or other.name in html.split("aktive baseline:")[1][:300]
        )
        cache.clear()
        _queries, fresh = get(client, url)
        assert _main(html).split("<h1", 1)[1] == _main(fresh).split("<h1", 1)[1]
