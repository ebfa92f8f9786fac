"""The live dashboard's body is assembled from sections each cached on its own
(`reports.views.dashboard._sections`), its governance section under the records' stamp:
after every kind of edit the next read is the page a fresh render gives (nothing
stale, in both languages, for each filter), and a section whose figures the edit did
not change is not rendered again."""

import dataclasses
import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.loaddata import Scale, load_data_generate
from core.dates import today
from core.history import record_save, system_user_get
from milestones.models import Activity, Dependency, Milestone, ProgressUpdate, RolloutPhase
from milestones.services import plan as plan_services
from milestones.services.status import status_rebuild
from register.models import Entry, ShakState
from register.services import entry_state_set
from tests.governance.helpers import make_risk
from tests.helpers import forecast_move
from tests.reports.helpers import milestone_update_as_system

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

SECTIONS = ("status", "slipped", "blockers", "due_done", "round", "switch_off", "rollout")


@pytest.fixture
def programme(db):
    load_data_generate(
        scale=Scale(parties=6, activities=30, milestones_per_activity=5, rounds=3, months=8)
    )
    status_rebuild()


def _plain(html: str) -> str:
    """The page without what differs between two renders of the same data (the masked
    CSRF token)."""
    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1", html)


def _read(client, params, language):
    response = client.get(reverse("reports:dashboard"), params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    names = {t.name for t in response.templates}
    return _plain(response.content.decode()), {
        s for s in SECTIONS if f"reports/_board_{s}.html" in names
    }


def _fresh(client, params, language) -> str:
    cache.clear()
    return _read(client, params, language)[0]


_move = milestone_update_as_system


def _edits():
    """(what, edit, sections it may change): each a real save through a service."""
    user = system_user_get()
    milestones = Milestone.objects.filter(key__startswith="load-", status="planned")

    def forecast():
        m = milestones.filter(forecast_date__isnull=False).order_by("pk")[3]
        forecast_move(m, 300, user=user)

    def reached():
        _move(milestones.order_by("pk")[5], status="done", actual_date=today())

    def dependency():
        first, second = milestones.order_by("-pk")[:2]
        if not Dependency.objects.filter(predecessor=second, successor=first).exists():
            plan_services.dependency_add(predecessor=second, successor=first, user=user)

    def progress():
        update = ProgressUpdate.objects.filter(status__in=["submitted", "accepted"]).first()
        update.risks = "Test: en ny risiko i runden"
        record_save(update, user=user, reason="Test", clean=False)

    def register():
        entry = Entry.objects.exclude(state=ShakState.RETIRED).order_by("key").first()
        entry_state_set(
            entry_id=entry.pk,
            version=entry.version,
            user=user,
            state=ShakState.RETIRED,
            date=today(),
            confirmed_by="Test",
            reason="Test",
        )

    def rollout():
        phase = RolloutPhase.objects.filter(milestone__isnull=False).order_by("number").first()
        if phase is not None:
            _move(phase.milestone, forecast_date=today() + datetime.timedelta(days=77))

    def governance():
        make_risk(user, title="Testrisiko: leverandøren er stoppet", p=5, i=5)

    def confidence():
        from governance.models import DeliveryConfidence
        from governance.services import records

        current = DeliveryConfidence.objects.filter(activity__isnull=True).first()
        records.confidence_set(
            activity=None,
            level="amber",
            justification="Test: regionerne indhenter",
            version=current.version if current else 0,
            user=user,
        )

    return [
        ("forecast moved", forecast),
        ("milestone reached", reached),
        ("dependency added", dependency),
        ("progress update", progress),
        ("register edit", register),
        ("roll-out phase's milestone moved", rollout),
        ("governance record", governance),
        ("programme's delivery confidence", confidence),
    ]


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("filters", ["", "party", "track"])
def test_every_edit_shows_on_the_next_read(programme, client_for, editor, language, filters):
    client = client_for(editor)
    activity = Activity.objects.filter(key__startswith="load-").order_by("key").first()
    params = {
        "": {},
        "party": {"part": activity.responsible_party.key},
        "track": {"spor": activity.track},
    }[filters]
    _read(client, params, language)
    for what, edit in _edits():
        edit()
        cached, _rendered = _read(client, params, language)
        assert cached == _fresh(client, params, language), what
    assert "Testrisiko: leverandøren er stoppet" in cached
    assert "Test: regionerne indhenter" in cached


def test_a_section_is_rendered_again_only_when_what_it_shows_changes(programme, client_for, editor):
    client = client_for(editor)
    _html, rendered = _read(client, {}, "da")
    assert rendered == set(SECTIONS)  # cold: every section
    _html, rendered = _read(client, {}, "da")
    assert rendered == set()  # warm: the page's HTML

    update = ProgressUpdate.objects.filter(status__in=["submitted", "accepted"]).first()
    update.risks = "Test: en ny risiko i runden"
    record_save(update, user=system_user_get(), reason="Test", clean=False)
    html, rendered = _read(client, {}, "da")
    assert "Test: en ny risiko i runden" in html
    assert "round" in rendered
    assert not rendered & {"status", "slipped", "blockers", "due_done", "rollout"}

    # The other language is its own entry: rendered, then kept.
    _html, rendered = _read(client, {}, "en")
    assert rendered == set(SECTIONS)
    _html, rendered = _read(client, {}, "en")
    assert rendered == set()


def test_a_warm_dashboard_reads_the_stamps_once(programme, client_for, editor):
    """Warm, the dashboard asks what the trivial page asks and one query for all the
    stamps its parts are keyed by (its governance section's too)."""
    client = client_for(editor)
    url = reverse("reports:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as trivial:
        client.get(reverse("accessibility"))
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    stamps = [q for q in warm.captured_queries if "MAX(history_id)" in q["sql"]]
    assert len(stamps) == 1
    assert len(warm.captured_queries) <= len(trivial.captured_queries) + 1


def test_the_trend_moves_with_its_chosen_milestones_only(programme, client_for, editor):
    """The trend's series are cached under the chosen milestones' history: a forecast of
    one of them moved shows on the next read (the page's HTML with it); an edit of
    another milestone reads no history of the chosen ones again."""
    from reports.selectors.trend import milestone_trend, milestone_trend_cached

    client = client_for(editor)
    chosen = list(
        Milestone.objects.filter(
            key__startswith="load-", status="planned", forecast_date__isnull=False
        ).order_by("pk")[:2]
    )
    params = {"m": [m.key for m in chosen]}
    url = reverse("reports:trend")

    def series(trend):
        return [(s.milestone.id, s.milestone.forecast_date, s.points) for s in trend.series]

    client.get(url, params)
    first = chosen[0]
    forecast_move(first, 200)
    response = client.get(url, params)
    shown = series(response.context["trend"])
    ids = [m.pk for m in chosen]
    assert shown == series(milestone_trend(milestone_ids=ids))
    assert shown[0][1] == first.forecast_date + datetime.timedelta(days=200)
    assert _plain(response.content.decode()) == _plain(
        (cache.clear(), client.get(url, params))[1].content.decode()
    )

    other = Milestone.objects.exclude(pk__in=ids).filter(key__startswith="load-").first()
    _move(other, title="Omdøbt i testen")
    with CaptureQueriesContext(connection) as ctx:
        cached = milestone_trend_cached(milestone_ids=ids)
    assert series(cached) == series(milestone_trend(milestone_ids=ids))
    assert not any('historicalmilestone"."forecast_date' in q["sql"] for q in ctx.captured_queries)


def test_a_milestone_edit_that_moves_nothing_shown_renders_the_status_and_gate_not_again(
    programme, client_for, editor
):
    """A forecast moved a day earlier on a milestone on track, due after the lists'
    horizon and no line's worst: its colour, the counts and every reason shown stay, so
    neither the status lines nor "Kan SHAK slukkes?" are rendered again (they were keyed
    by the figures' and the plan's stamps, which every milestone edit moves); the page is
    still the one a fresh render gives."""
    from milestones.models import MilestoneStatus, StatusRollup

    client = client_for(editor)
    _read(client, {}, "da")
    worst = set(StatusRollup.objects.values_list("worst_milestone_id", flat=True))
    horizon = today() + datetime.timedelta(days=120)
    rating = (
        MilestoneStatus.objects.filter(
            rag="green",
            slip_days__lte=-2,
            forecast_end__gt=horizon,
            milestone__status="planned",
            milestone__forecast_date__isnull=False,
        )
        .exclude(milestone_id__in=worst)
        .select_related("milestone")
        .order_by("milestone_id")
        .first()
    )
    assert rating is not None
    m = rating.milestone
    forecast_move(m, -1, reason="Test: en dag tidligere")
    assert MilestoneStatus.objects.get(milestone_id=m.pk).rag == "green"
    html, rendered = _read(client, {}, "da")
    assert not rendered & {"status", "switch_off"}
    assert html == _fresh(client, {}, "da")


def test_the_governance_section_follows_the_milestones_only_while_notes_name_them(
    programme, client_for, editor
):
    """The governance section's HTML is keyed by the milestones' stamp only while open
    exception notes (which name milestones) are shown: a milestone renamed without notes
    renders it not again; with a note, its milestone renamed shows on the next read."""
    from governance.services import records
    from milestones.models import MilestoneStatus

    client = client_for(editor)
    url = reverse("reports:dashboard")
    client.get(url)
    other = Milestone.objects.filter(key__startswith="load-").order_by("-pk").first()
    _move(other, title="Omdøbt uden afvigelser")
    response = client.get(url)
    assert "reports/_governance.html" not in {t.name for t in response.templates}

    red = Milestone.objects.get(
        pk=MilestoneStatus.objects.filter(rag="red", milestone__key__startswith="load-")
        .order_by("milestone_id")
        .values_list("milestone_id", flat=True)
        .first()
    )
    records.exception_raise(
        milestone=red,
        cause="Test: leverandøren mangler folk",
        consequences="Forsinkelse.",
        options="Udskyd.",
        recommendation="Tilfør ressourcer.",
        user=editor,
    )
    assert red.title in _read(client, {}, "da")[0]
    _move(red, title="Afvigelsens milepæl, omdøbt")
    html = _read(client, {}, "da")[0]
    assert "Afvigelsens milepæl, omdøbt" in html
    assert html == _fresh(client, {}, "da")


def test_two_minutes_of_a_day_share_the_sections_and_link_each_to_its_own(
    programme, client_for, editor
):
    """A past day's sections are shared by its minutes (keyed by the day and what they
    show), yet their links (the tracks', "Se alle på tidslinjen": `{% querystring %}`)
    carry the minute asked for: the second minute's page is the one a fresh render gives,
    with no link to the first."""
    client = client_for(editor)
    day = today() - datetime.timedelta(days=20)
    first, second = {"som_den_var": f"{day}T05:00"}, {"som_den_var": f"{day}T05:01"}
    _read(client, first, "da")
    html, rendered = _read(client, second, "da")
    assert rendered <= {"switch_off"}  # the others came from the first minute's
    assert "som_den_var=" + f"{day}T05%3A01" in html
    assert f"{day}T05%3A00" not in html and "sorplanMomentHole" not in html
    assert html == _fresh(client, second, "da")


def _context_of(response) -> dict:
    """What the dashboard's sections are rendered with (a cold read's context)."""
    keys = ("board", "party_page", "party_first", "party_first_slice", "confidence")
    keys += ("show_confidence", "point", "form", "tracks", "round_url")
    return {key: response.context[key] for key in keys}


@pytest.mark.parametrize("past", [False, True], ids=["live", "past"])
def test_a_section_keyed_without_the_day_shows_no_day_outside_its_digest(
    programme, client_for, editor, past
):
    """The sections are keyed by what they show, not the day: the same figures shown on
    another day (the day alone moved: a day later, a month later, a month back) either
    give the section another digest or the same HTML, for every section but the one
    keyed by the minute. Fails on a key too coarse for a date it shows (the due list's
    "til og med", the month end the changes are measured from, the day the change feed's
    link ends at)."""
    from django.template.loader import render_to_string

    from reports.views import dashboard as view

    client = client_for(editor)
    params = {"som_den_var": f"{today() - datetime.timedelta(days=20)}T05:00"} if past else {}
    response = client.get(reverse("reports:dashboard"), params)
    context = _context_of(response)
    request = response.wsgi_request
    holed = view._with_moment_hole(request) if past else request
    board = context["board"]
    shared, apart = set(), set()
    for days in (1, 40, -33):
        point = dataclasses.replace(board.point, today=board.point.today + datetime.timedelta(days))
        other = {**context, "board": dataclasses.replace(board, point=point), "point": point}
        for name, shows in view._SECTIONS.items():
            if name in view._MINUTE_SECTIONS:
                continue
            same = view._digest(shows(board, context)) == view._digest(shows(other["board"], other))
            html = render_to_string(f"reports/_board_{name}.html", context, holed)
            again = render_to_string(f"reports/_board_{name}.html", other, holed)
            assert not same or html == again, (name, days)
            (shared if same else apart).add(name)
    assert "due_done" in apart and "status" in apart  # the dates they show
    assert {"slipped", "blockers", "round"} <= shared  # nothing of the day outside


@pytest.mark.parametrize("language", ["da", "en"])
def test_two_days_that_show_the_same_share_their_sections(programme, client_for, editor, language):
    """Two past days: the second renders only the sections whose shown figures or dates
    differ from the first's (the others come from the first day's entries) and its page
    is the one a fresh render gives; a change to what a shared section shows (a concern
    written in the round, dated before both days) renders that section anew."""
    client = client_for(editor)
    first = {"som_den_var": f"{today() - datetime.timedelta(days=30)}T05:00"}
    second = {"som_den_var": f"{today() - datetime.timedelta(days=31)}T05:00"}
    _read(client, first, language)
    html, rendered = _read(client, second, language)
    assert rendered != set(SECTIONS)
    assert html == _fresh(client, second, language)
    _read(client, first, language)
    again, rendered = _read(client, second, language)
    assert rendered == set() and again == html


def test_two_minutes_share_the_governance_section_and_each_names_its_own(
    programme, client_for, editor
):
    """The governance section at a past moment is keyed by the records' stamp and the day,
    not the minute: a second minute of the day renders it not again, yet names its own
    minute ("som de så ud den …") and its page is the one a fresh render gives."""
    client = client_for(editor)
    make_risk(system_user_get(), title="Testrisiko: før øjeblikkene", p=4, i=4)
    day = today()
    first = {"som_den_var": f"{day}T00:01"}
    second = {"som_den_var": f"{day}T00:02"}
    url = reverse("reports:dashboard")
    response = client.get(url, first)
    assert "reports/_governance.html" in {t.name for t in response.templates}
    response = client.get(url, second)
    assert "reports/_governance.html" not in {t.name for t in response.templates}
    html = _plain(response.content.decode())
    named = re.findall(r"som de så ud den ([^<]*)\.</p>", html)
    assert len(named) == 1 and "00:02" in named[0], named
    assert "sorplanAtHole" not in html and "00:01" not in html
    assert html == _fresh(client, second, "da")


def _governance_rendered(client, params) -> tuple[str, bool]:
    response = client.get(reverse("reports:dashboard"), params)
    assert response.status_code == 200
    return _plain(response.content.decode()), "reports/_governance.html" in {
        t.name for t in response.templates
    }


def test_past_days_with_the_same_records_share_the_governance_section(
    programme, client_for, editor, reporter
):
    """A past moment's governance section is keyed by the records' stamps at the moment
    and a month before its day, not the day: another day with the same records renders
    it not again and reads no record's history; the overdue actions still go by the day
    (an action due between two days shows on the later one only); every page is the one
    a fresh render gives, for a reader of every record and for a reporter."""
    from governance.models import Action, Risk
    from tests.governance.helpers import make_action

    user = system_user_get()
    now = today()
    make_risk(user, title="Testrisiko: gammel", p=4, i=4)
    make_action(
        user, title="Testhandling: frist midt imellem", due_on=now - datetime.timedelta(days=15)
    )
    long_ago = timezone.now() - datetime.timedelta(days=90)
    for model in (Risk, Action):
        model.history.all().update(history_date=long_ago)
    cache.clear()

    def moment(days, minute="07"):
        return {"som_den_var": f"{now - datetime.timedelta(days=days)}T10:{minute}"}

    for client in (client_for(editor), client_for(reporter)):
        cache.clear()
        html, rendered = _governance_rendered(client, moment(20))
        assert rendered and "Testrisiko: gammel" in html
        assert "Testhandling: frist midt imellem" not in html
        with CaptureQueriesContext(connection) as queries:
            html, rendered = _governance_rendered(client, moment(19, "41"))
        assert not rendered and "Testrisiko: gammel" in html
        history = [
            q["sql"]
            for q in queries.captured_queries
            if 'FROM "governance_historical' in q["sql"]
            and not q["sql"].startswith("SELECT (SELECT")  # the stamps
        ]
        assert history == []
        assert html == _fresh(client, moment(19, "41"), "da")
        # Past the action's due date: overdue, rendered once more, then shared again.
        html, rendered = _governance_rendered(client, moment(10))
        assert rendered and "Testhandling: frist midt imellem" in html
        html, rendered = _governance_rendered(client, moment(9))
        assert not rendered and "Testhandling: frist midt imellem" in html
        named = re.findall(r"som de så ud den ([^<]*)\.</p>", html)
        assert len(named) == 1 and "10:07" in named[0]
        assert html == _fresh(client, moment(9), "da")


def test_the_switch_off_digest_kept_apart_is_the_summarys_and_read_without_it(
    programme, client_for, editor, monkeypatch
):
    """ "Kan SHAK slukkes?"'s digest now is kept on its own (`summary_digest_now`): after
    every kind of edit it is the digest of the summary built from nothing, and a cold
    dashboard after a forecast moved reads the digest, not the whole summary (nothing of
    `reports.selectors.switch_off.SwitchOff` is unpickled); an edit that changes what the
    section shows renders it again with the new figures."""
    from reports.selectors.status import dashboard
    from reports.selectors.switch_off import SwitchOff
    from reports.templatetags import switch_off as tags

    def digests():
        board = dashboard()
        kept = tags.board_digest(board)
        built = tags.summary(at=None, today=board.point.today, party=None, track="")[1]
        cache.clear()
        return kept, built, tags.board_digest(dashboard())

    for what, edit in _edits():
        kept, built, fresh = digests()
        assert kept == built == fresh, what
        edit()
        assert len(set(digests())) == 1, what

    client = client_for(editor)
    _read(client, {}, "da")
    moved = (
        Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
        .order_by("pk")
        .first()
    )
    # The first read after it rendered the section reads ahead what that build read
    # (`core.cache.read_ahead`), the summary among it; the next reads what this one did.
    forecast_move(moved, 3)
    _read(client, {}, "da")
    forecast_move(moved, -3)
    read = []
    get, get_many = cache.get, cache.get_many

    def one(key, *args, **kwargs):
        found = get(key, *args, **kwargs)
        read.append(found)
        return found

    def many(keys, *args, **kwargs):
        found = get_many(keys, *args, **kwargs)
        read.extend(found.values())
        return found

    monkeypatch.setattr(cache, "get", one)
    monkeypatch.setattr(cache, "get_many", many)
    html, rendered = _read(client, {}, "da")
    monkeypatch.undo()
    assert read and "switch_off" not in rendered
    summaries = [v for v in read if isinstance(getattr(v, "value", None), tuple)]
    assert not any(isinstance(x, SwitchOff) for v in summaries for x in v.value)
    assert html == _fresh(client, {}, "da")

    entry = Entry.objects.exclude(state=ShakState.RETIRED).order_by("key").first()
    entry_state_set(
        entry_id=entry.pk,
        version=entry.version,
        user=system_user_get(),
        state=ShakState.RETIRED,
        date=today(),
        confirmed_by="Test",
        reason="Test",
    )
    html, rendered = _read(client, {}, "da")
    assert "switch_off" in rendered
    assert html == _fresh(client, {}, "da")
