"""The live dashboard reads the materialised status (`reports.selectors.current`); its
figures are those of the replay that rates every milestone by the rule
(`plan_snapshot`), on a synthetic programme after edits through the services, for
the whole programme, a party and a track. While the rows do not hold for today
(before the daily re-rate), the dashboard replays."""

import datetime

import pytest

from bench.loaddata import Scale, load_data_generate
from core.dates import today as today_get
from core.history import system_user_get
from milestones.models import Activity, Milestone, MilestoneStatus
from milestones.selectors.materialised import status_current
from milestones.services import plan as plan_services
from milestones.services.status import status_rebuild
from reports.selectors import point_in_time
from reports.selectors.status import dashboard_build
from tests.helpers import forecast_move
from tests.reports.helpers import milestone_update_as_system, synthetic_programme

pytestmark = pytest.mark.django_db


def _rollup(r):
    return (r.rag, dict(r.counts), r.worst_milestone_id, r.worst_title, r.worst)


def _line(line):
    return (
        line.key,
        line.label,
        _rollup(line.rollup),
        _rollup(line.previous) if line.previous else None,
        line.change,
    )


def _figures(board):
    """Everything the dashboard shows, as plain values."""
    return {
        "baseline": board.baseline_name,
        "overall": _line(board.overall),
        "tracks": [_line(t) for t in board.tracks],
        "parties": [_line(p) for p in board.parties],
        "due_soon": [(m.id, m.rag, m.forecast_end, m.party.key) for m in board.due_soon],
        "due_soon_total": board.due_soon_total,
        "slipped": [(m.id, m.rag, m.overdue_days, m.activity.key) for m in board.slipped],
        "slipped_total": board.slipped_total,
        "completed": [(m.id, m.actual_date, m.status) for m in board.completed],
        "completed_total": board.completed_total,
        "blockers": [
            (
                b.milestone.id,
                b.expected,
                [(d.milestone.id, d.threatened, d.depth) for d in b.dependants],
                b.dependant_count,
                b.threatened_count,
                b.walk_capped,
            )
            for b in board.blockers
        ],
        "blockers_total": board.blockers_total,
        "concerns": [
            (c.party.key, c.activity.key if c.activity else None, c.activity_title, c.risks)
            for c in board.concerns
        ],
        "concerns_total": board.concerns_total,
        "rollout": (
            [(p.number, p.milestone.id if p.milestone else None) for p in board.rollout.phases]
            if board.rollout
            else None
        ),
        "party_choices": [p.key for p in board.party_choices],
    }


def _edit_the_programme():
    """Moves, a reached milestone and an override, through the services."""
    user = system_user_get()
    milestones = list(Milestone.objects.filter(key__startswith="load-").order_by("pk"))
    for m in milestones[:40:4]:
        forecast_move(
            m, to=m.forecast_date + datetime.timedelta(days=150) if m.forecast_date else today_get()
        )
    done = milestones[41]
    done.refresh_from_db()
    plan_services.milestone_update(
        milestone_id=done.pk,
        version=done.version,
        user=user,
        data={
            "status": Milestone.Status.DONE,
            "actual_date": today_get() - datetime.timedelta(days=3),
        },
    )
    red = milestones[43]
    red.refresh_from_db()
    plan_services.milestone_update(
        milestone_id=red.pk,
        version=red.version,
        user=user,
        data={"rag_override": "red", "rag_override_reason": "Test: leverandøren er stoppet"},
    )


@pytest.fixture
def programme(db, fresh_cache):
    load_data_generate(
        scale=Scale(
            parties=8,
            activities=40,
            milestones_per_activity=6,
            rounds=3,
            months=10,
        )
    )
    status_rebuild()
    _edit_the_programme()


def test_the_materialised_dashboard_has_the_replays_figures(programme):
    point = point_in_time(None)
    # The rows hold for today, so the dashboard reads them (else both sides would replay).
    assert status_current(point.today)
    party = Activity.objects.filter(key__startswith="load-").first().responsible_party.key
    for party_key, track in [
        (None, None),
        (party, None),
        (None, "external"),
        (party, "internal_it"),
    ]:
        replayed = _figures(dashboard_build(point, party_key, track, materialised=False))
        read = _figures(dashboard_build(point, party_key, track))
        assert read == replayed, (party_key, track)
    whole = _figures(dashboard_build(point, None, None))
    # The comparison has something to compare.
    assert whole["slipped_total"] > 0 and whole["due_soon_total"] > 0
    assert whole["blockers"] and whole["completed_total"] > 0
    assert len(whole["parties"]) >= 8


def test_stale_ratings_are_not_read(programme):
    point = point_in_time(None)
    fresh = _figures(dashboard_build(point, None, None))
    # Ratings of yesterday (the daily re-rate has not run): the dashboard replays.
    MilestoneStatus.objects.update(rated_on=point.today - datetime.timedelta(days=1))
    MilestoneStatus.objects.filter(rag="red").update(rag="green")
    assert not status_current(point.today)
    assert _figures(dashboard_build(point, None, None)) == fresh


def _tables_read(queries) -> set[str]:
    """The live tables whose rows a request's queries read (a column of theirs selected;
    history tables, stamps and counts aside)."""
    import re

    return {
        name
        for q in queries
        for name in re.findall(r'"(\w+)"\."\w+"', q["sql"])
        if "historical" not in name
    }


def test_each_piece_is_recomputed_only_when_what_it_depends_on_changes(programme):
    """The live dashboard's pieces are cached under their own dependencies: a moved
    forecast recomputes the figures and reuses the round; a progress update saved
    recomputes the round and reuses the figures; both equal the replay afterwards."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.history import record_save
    from milestones.models import ProgressUpdate

    point = point_in_time(None)
    dashboard_build(point, None, None)  # warm
    milestone = Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
    milestone = milestone.order_by("pk")[5]
    forecast_move(milestone, 400)
    with CaptureQueriesContext(connection) as ctx:
        read = _figures(dashboard_build(point, None, None))
    tables = _tables_read(ctx.captured_queries)
    assert "milestones_milestonestatus" in tables
    assert "milestones_progressupdate" not in tables
    assert read == _figures(dashboard_build(point, None, None, materialised=False))

    update = ProgressUpdate.objects.filter(status__in=["submitted", "accepted"]).first()
    update.risks = "Test: en ny risiko"
    record_save(update, user=system_user_get(), reason="Test", clean=False)
    with CaptureQueriesContext(connection) as ctx:
        read = _figures(dashboard_build(point, None, None))
    tables = _tables_read(ctx.captured_queries)
    assert "milestones_progressupdate" in tables
    assert "milestones_milestonestatus" not in tables
    assert read == _figures(dashboard_build(point, None, None, materialised=False))
    assert any(c[3] == "Test: en ny risiko" for c in read["concerns"])


def test_the_trend_reads_the_dashboards_lists_without_the_rest(programme):
    """`dashboard_lists` (the trend page's) gives the dashboard's own lists and party
    choices, live from the same cached piece, and the whole dashboard for a past moment."""
    from reports.selectors.status import dashboard, dashboard_lists

    party = Activity.objects.filter(key__startswith="load-").first().responsible_party.key
    for party_key, track in [(None, None), (party, None), (None, "external")]:
        board = dashboard(party=party_key, track=track)
        lists = dashboard_lists(party=party_key, track=track)
        for name in ("slipped", "due_soon", "completed"):
            assert [m.id for m in getattr(lists, name)] == [m.id for m in getattr(board, name)]
        assert lists.party_choices == board.party_choices
        assert (lists.party, lists.track) == (board.party, board.track)
    past = point_in_time(None).moment - datetime.timedelta(days=40)
    assert isinstance(dashboard_lists(as_of=past), type(dashboard(as_of=past)))


def _blocker_values(rows):
    return [
        (
            b.milestone.id,
            b.milestone.forecast_end,
            b.expected,
            [
                (d.milestone.id, d.threatened, d.depth, d.milestone.forecast_end)
                for d in b.dependants
            ],
            b.dependant_count,
            b.threatened_count,
        )
        for b in rows
    ]


@pytest.mark.parametrize("track", [None, "external"])
def test_blockers_are_kept_across_edits_that_cannot_change_them(programme, track):
    """`current.blockers_kept` gives what `current.blockers` finds after every edit: an
    edit of a milestone no candidate reaches reuses them (two small queries, no walk, no
    ratings read whole); an edit of a dependant reached, and a milestone that slips to
    become the most delayed candidate, find them again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from milestones.models import Dependency
    from reports.selectors import current, snapshot

    scoped = current.Scoped(
        today=point_in_time(None).today, parties=snapshot.party_refs(None), track=track
    )

    def kept():
        return current.blockers_kept(
            scoped, shown=6, stamps=current.piece_stamps(), due_days=90, recent_days=60
        )

    def fresh():
        return _blocker_values(current.blockers(scoped, shown=6))

    first = kept()
    assert first and _blocker_values(first) == fresh()
    found = current._blockers_found(scoped, shown=6, watermark=0)
    predecessors = set(Dependency.objects.values_list("predecessor_id", flat=True))

    # A milestone no candidate reaches, and with no successors (it cannot become one):
    # a new one, its forecast then moved.
    activity = Activity.objects.filter(key__startswith="load-").order_by("key").first()
    aside = plan_services.milestone_create(
        user=system_user_get(),
        data={
            "activity": activity,
            "key": "t-aside",
            "title": "Ingen afhænger af den",
            "forecast_date": today_get() + datetime.timedelta(days=40),
        },
    )
    assert aside.pk not in found.looked_at and aside.pk not in predecessors
    assert _blocker_values(kept()) == fresh()
    forecast_move(aside, 30)
    with CaptureQueriesContext(connection) as ctx:
        again = kept()
    assert _blocker_values(again) == _blocker_values(first) == fresh()
    assert len(ctx.captured_queries) == 2  # the stamps; the edited since with their ratings

    # A dependant reached and shown moves past its blocker: no longer threatened.
    shown = next(d.milestone for b in first for d in b.dependants if d.threatened)
    forecast_move(Milestone.objects.get(pk=shown.id), 900)
    moved = kept()
    assert _blocker_values(moved) == fresh()
    assert _blocker_values(moved) != _blocker_values(first)

    # A milestone with successors, not walked, slips to be the most delayed: a candidate.
    slipping = (
        Milestone.objects.filter(
            key__startswith="load-",
            forecast_date__isnull=False,
            pk__in=predecessors,
            status__in=["planned", "in_progress"],
        )
        .exclude(pk__in=list(found.looked_at))
        .order_by("pk")
        .first()
    )
    if slipping is not None:
        forecast_move(slipping, 2000)
        assert _blocker_values(kept()) == fresh()


def _list_values(lists):
    return {
        name: [(m.id, m.forecast_end, m.rag.rag, m.actual_date) for m in getattr(lists, name)]
        for name in ("due_soon", "slipped", "completed")
    } | {
        name: getattr(lists, name)
        for name in ("due_soon_total", "slipped_total", "completed_total", "blockers_total")
    }


@pytest.mark.parametrize("track", [None, "external"])
def test_the_lists_rows_are_kept_across_edits_that_cannot_change_them(programme, track):
    """`current.milestone_lists_kept` gives what `current.milestone_lists` finds after
    every edit: its rows reused (totals counted again) when the milestone edited is
    not shown and does not fall among the rows shown; read again when it is shown, or
    enters a list (moved to be the most delayed, or due tomorrow, or reached today)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.selectors import current, snapshot

    scoped = current.Scoped(
        today=point_in_time(None).today, parties=snapshot.party_refs(None), track=track
    )
    args = {"limit": 5, "due_days": 90, "recent_days": 60}

    def kept():
        return _list_values(
            current.milestone_lists_kept(scoped, **args, stamps=current.piece_stamps())
        )

    def fresh():
        return _list_values(current.milestone_lists(scoped, **args))

    first = kept()
    assert first == fresh()
    shown = {i for name in ("due_soon", "slipped", "completed") for i, *_ in first[name]}
    open_ones = Milestone.objects.filter(
        key__startswith="load-", status="planned", forecast_date__isnull=False
    ).order_by("pk")
    if track:
        open_ones = open_ones.filter(activity__track=track)

    # Due well after the lists' 90 days, not slipped, moved a day further out: rows
    # reused, totals counted.
    aside = (
        open_ones.exclude(pk__in=shown)
        .filter(
            materialised_status__forecast_end__gt=today_get() + datetime.timedelta(days=120),
            materialised_status__slip_days__lte=0,
        )
        .first()
    )
    forecast_move(aside, 1)
    with CaptureQueriesContext(connection) as ctx:
        reused = kept()
    assert reused == fresh()
    # The stamps; the edited since with their ratings (one query): no list read again,
    # nothing counted over every rating (the totals move by what the edited milestone
    # counts in).
    assert len(ctx.captured_queries) == 2

    # Moved into the due list past its last row shown (the list is full), and another
    # slipped less than the last slipped shown: rows reused, totals moved by one each.
    before = reused
    last_due = max(end for _i, end, *_ in before["due_soon"])
    into_due = (
        open_ones.exclude(pk__in=shown)
        .exclude(pk=aside.pk)
        .filter(materialised_status__forecast_end__gt=today_get() + datetime.timedelta(days=120))
        .filter(materialised_status__slip_days__lte=0)
        .first()
    )
    target = max(last_due, today_get()) + datetime.timedelta(days=1)
    if target <= today_get() + datetime.timedelta(days=90):
        was = into_due.forecast_date
        milestone_update_as_system(into_due, forecast_date=target)
        with CaptureQueriesContext(connection) as ctx:
            moved = kept()
        assert moved == fresh()
        assert moved["due_soon_total"] == before["due_soon_total"] + 1
        assert moved["due_soon"] == before["due_soon"]
        assert len(ctx.captured_queries) == 2
        # And out again: the totals as they were.
        milestone_update_as_system(into_due, forecast_date=was)
        assert kept() == fresh() == before

    # A shown milestone moved: read again.
    slipped = Milestone.objects.get(pk=first["slipped"][0][0])
    forecast_move(slipped, 3000)
    assert kept() == fresh()

    # Others, not shown, enter a list: due tomorrow, the most delayed, reached today.
    for milestone, data in [
        (open_ones.exclude(pk__in=shown).first(), {"forecast_date": today_get()}),
        (
            open_ones.exclude(pk__in=shown)[1],
            {"forecast_date": today_get() - datetime.timedelta(days=5000)},
        ),
        (open_ones.exclude(pk__in=shown)[2], {"status": "done", "actual_date": today_get()}),
    ]:
        milestone_update_as_system(milestone, **data)
        assert kept() == fresh(), data


def test_status_current_kept_answers_as_the_counts(programme):
    """`materialised.status_current_kept` (kept under the day and the milestones' stamp) answers
    what `status_current` counts: after a milestone added and one deleted through the
    plan's service, on the next day before the daily re-rate (not current, asked again)
    and after it."""
    from milestones.selectors.materialised import status_current_kept
    from milestones.services.status import status_rerate

    day = point_in_time(None).today
    user = system_user_get()
    assert status_current_kept(day) is status_current(day) is True
    activity = Activity.objects.filter(key__startswith="load-").order_by("key").first()
    added = plan_services.milestone_create(
        user=user,
        data={"activity": activity, "key": "load-kept-ny", "title": "Ny milepæl i testen"},
        reason="Test",
    )
    assert status_current_kept(day) is status_current(day) is True
    plan_services.milestone_delete(milestone_id=added.pk, version=added.version, user=user)
    assert status_current_kept(day) is status_current(day) is True
    tomorrow = day + datetime.timedelta(days=1)
    assert status_current_kept(tomorrow) is status_current(tomorrow) is False
    status_rerate(today=tomorrow, user=user)
    assert status_current_kept(tomorrow) is status_current(tomorrow) is True


def test_the_programmes_lines_cached_under_the_rollups_are_the_lines_built_anew(programme):
    """The whole programme's status lines are cached under the stored roll-ups' stamp
    (`status._figures_piece`): after a forecast moved that changes no roll-up and after a
    milestone reached that does, they are the lines the replay gives."""
    from reports.selectors.status import dashboard

    def lines(board):
        return [
            (line.key, line.rollup, line.previous, line.change)
            for line in (board.overall, *board.tracks, *board.parties)
        ]

    point = point_in_time(None)
    dashboard()
    planned = Milestone.objects.filter(
        key__startswith="load-", status="planned", forecast_date__isnull=False
    ).order_by("pk")
    forecast_move(planned[2], 1)
    assert lines(dashboard()) == lines(dashboard_build(point, None, None, materialised=False))
    milestone_update_as_system(planned[4], status="done", actual_date=today_get())
    assert lines(dashboard()) == lines(dashboard_build(point, None, None, materialised=False))


def test_the_round_piece_keeps_the_concerns_shown_and_their_count(programme):
    """The live dashboard's round piece is cached as the page shows it: the first
    CONCERN_LIMIT concerns and how many there are, not every concern; cold and from the
    cache they are the replay's."""
    from django.core.cache import cache

    from core.cache import _key
    from core.history import record_save
    from milestones.models import ProgressUpdate, ReportingRound
    from reports.selectors import current
    from reports.selectors.status import CONCERN_LIMIT

    point = point_in_time(None)
    latest = ReportingRound.objects.filter(opens_on__lte=point.today).order_by("-period")[:2]
    updates = ProgressUpdate.objects.filter(
        round__in=list(latest), status__in=["submitted", "accepted"]
    ).order_by("pk")
    for i, update in enumerate(updates[: CONCERN_LIMIT + 10]):
        update.risks = f"Test: risiko {i}"
        record_save(update, user=system_user_get(), reason="Test", clean=False)
    replayed = _figures(dashboard_build(point, None, None, materialised=False))
    assert replayed["concerns_total"] > CONCERN_LIMIT
    assert len(replayed["concerns"]) == CONCERN_LIMIT
    for _ in range(2):  # built, then from the cache
        assert _figures(dashboard_build(point, None, None)) == replayed
    stamps = current.piece_stamps()
    piece = cache.get(
        _key(
            "reports",
            ("dashboard-round", 2, stamps.of(current.ROUND_MODELS), point.today.isoformat(), 0, ""),
        )
    )
    _round, kept, total = piece
    assert total == replayed["concerns_total"]
    assert len(kept) == CONCERN_LIMIT


@pytest.fixture
def many_parties(db, fresh_cache):
    synthetic_programme(parties=20, activities=40, milestones_per_activity=3, rounds=2, months=6)


def test_the_party_lines_past_the_first_are_the_replays_when_asked(many_parties):
    """The whole programme's party lines past the first `PARTIES_SHOWN_FIRST` are
    unpacked from the cache only when asked (`status._PartyLines`): by index, slice,
    iteration, comparison or pickle they are the replay's lines, in its order, before
    and after edits (a milestone reached moves a party's line)."""
    import pickle

    from reports.selectors.status import PARTIES_SHOWN_FIRST, _PartyLines, dashboard

    def shown(lines):
        return [(line.key, line.rollup, line.previous, line.change, line.party) for line in lines]

    point = point_in_time(None)
    dashboard()
    planned = Milestone.objects.filter(
        key__startswith="load-", status="planned", forecast_date__isnull=False
    ).order_by("pk")
    for edit in (
        lambda: None,
        lambda: forecast_move(planned[2], 40),
        lambda: milestone_update_as_system(planned[5], status="done", actual_date=today_get()),
    ):
        edit()
        replayed = dashboard_build(point, None, None, materialised=False).parties
        assert len(replayed) > PARTIES_SHOWN_FIRST + 2
        for _ in range(2):  # built or kept, then from the cache
            lines = dashboard().parties
            assert isinstance(lines, _PartyLines)
            assert len(lines) == len(replayed)
            assert shown(lines[:PARTIES_SHOWN_FIRST]) == shown(replayed[:PARTIES_SHOWN_FIRST])
            assert lines[0] == replayed[0] and lines[-1] == replayed[-1]
            assert lines[PARTIES_SHOWN_FIRST + 1] == replayed[PARTIES_SHOWN_FIRST + 1]
            assert lines[5 : PARTIES_SHOWN_FIRST + 3] == replayed[5 : PARTIES_SHOWN_FIRST + 3]
            assert shown(lines) == shown(replayed)
            assert lines == replayed and replayed == lines
            assert pickle.loads(pickle.dumps(lines)) == replayed
            assert type(pickle.loads(pickle.dumps(lines))) is list
