"""A past moment read from the ratings as they stood (`reports.selectors.past`) has the
replay's figures (`dashboard_build(..., materialised=False)`: every milestone's history
as of the moment, rated by the rule), on a synthetic programme with months of history
after edits through the services, at many moments; the backfill of the ratings' history
writes what the services and the daily re-rating wrote live; a moment outside the
history's mark replays."""

import datetime
import io

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from bench.cleanup import load_data_clear
from bench.loaddata import Scale, load_data_generate
from core.dates import today as today_get
from core.history import as_of_queryset, as_of_values, record_delete, system_user_get
from milestones.models import (
    Activity,
    Milestone,
    MilestoneStatus,
    ProgressUpdate,
    RoundObligation,
    StatusHistoryMark,
)
from milestones.rag import BaselineDate, milestone_rag, rating_changes_on
from milestones.services import plan as plan_services
from milestones.services.status import day_start, status_rebuild, status_rerate
from milestones.services.status_history import status_history_backfill
from reports import moment_store, report_data
from reports.selectors import past, point_in_time
from reports.selectors.status import dashboard_build
from tests.helpers import forecast_move

pytestmark = pytest.mark.django_db

SCALE = Scale(parties=8, activities=40, milestones_per_activity=6, rounds=3, months=10)
_HISTORY_VALUES = (
    "milestone_id",
    "history_date",
    "history_type",
    "rated_on",
    "severity",
    "rag",
    "computed",
    "reason_code",
    "slip_days",
    "forecast_end",
    "actual_end",
    "actual_date",
    "activity_id",
    "milestone_title",
    "milestone_status",
)


def _edit(user):
    """Moves, a reached milestone, an override, a new milestone and a deleted one."""
    milestones = list(Milestone.objects.filter(key__startswith="load-").order_by("pk"))
    for m in milestones[:40:4]:
        forecast_move(m, 150, user=user)
    done = Milestone.objects.get(pk=milestones[41].pk)
    plan_services.milestone_update(
        milestone_id=done.pk,
        version=done.version,
        user=user,
        data={"status": Milestone.Status.DONE, "actual_date": today_get()},
    )
    red = Milestone.objects.get(pk=milestones[43].pk)
    plan_services.milestone_update(
        milestone_id=red.pk,
        version=red.version,
        user=user,
        data={"rag_override": "red", "rag_override_reason": "Test: stoppet"},
    )
    created = plan_services.milestone_create(
        user=user,
        data={
            "activity": milestones[0].activity,
            "key": "load-test-ny",
            "title": "Ny milepæl",
            "forecast_date": today_get() + datetime.timedelta(days=20),
        },
        reason="Test: ny",
    )
    # Deleted with it, a milestone's baseline entry is gone, and the replay (which reads
    # today's entries: they have no history) would rate its past grey; the ratings' history
    # keeps the rating it had. So the milestone deleted here is one without an entry.
    gone = plan_services.milestone_create(
        user=user,
        data={
            "activity": milestones[1].activity,
            "key": "load-test-slettet",
            "title": "Slettet milepæl",
            "forecast_date": today_get() - datetime.timedelta(days=2),
        },
        reason="Test: ny",
    )
    plan_services.milestone_delete(
        milestone_id=gone.pk, version=gone.version, user=user, reason="Test: slettet"
    )
    return created, gone


@pytest.fixture
def programme(db, fresh_cache):
    load_data_generate(scale=SCALE)
    status_rebuild()
    status_history_backfill()
    return _edit(system_user_get())


def _moments(created, gone) -> list[datetime.datetime]:
    """Just after midnight and at month ends over the history, between two edits of a
    milestone, before the programme and before a milestone existed, after one was
    deleted."""
    today = today_get()
    moments = []
    for days in range(3, 300, 23):
        moments.append(
            day_start(today - datetime.timedelta(days=days)) + datetime.timedelta(seconds=1)
        )
    first = today.replace(day=1)
    for _month in range(8):
        month_end = day_start(first) - datetime.timedelta(seconds=1)
        moments.append(month_end)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    dates = list(
        Milestone.history.filter(key__startswith="load-")
        .order_by("history_date")
        .values_list("history_date", flat=True)
        .distinct()
    )
    moments.append(dates[0] - datetime.timedelta(hours=1))  # before the programme
    middle = dates[len(dates) // 2]
    moments.append(middle + (dates[len(dates) // 2 + 1] - middle) / 2)  # between two edits
    born = created.history.earliest().history_date
    moments.append(born - datetime.timedelta(microseconds=1))  # just before it existed
    deleted = Milestone.history.filter(id=gone.pk, history_type="-").get().history_date
    moments.append(deleted + datetime.timedelta(microseconds=1))  # just after the deletion
    return moments


def test_a_past_moment_from_the_ratings_has_the_replays_figures(programme, fresh_cache):
    created, gone = programme
    party = Activity.objects.filter(key__startswith="load-").first().responsible_party.key
    compared = 0
    moments = _moments(created, gone)
    # Every moment but the one before the programme (and its history) began.
    assert sum(past.covers(m, timezone.localdate(m)) for m in moments) == len(moments) - 1
    for moment in moments:
        point = point_in_time(moment)
        for party_key, track in [(None, None), (party, None), (None, "external")]:
            replayed = dashboard_build(point, party_key, track, materialised=False)
            read = dashboard_build(point, party_key, track)
            assert read == replayed, (moment, party_key, track)
            compared += bool(replayed.overall.rollup.total)
    assert compared > 20  # the moments have milestones to compare


def test_the_month_end_report_figures_from_the_ratings_are_the_replays(programme, fresh_cache):
    as_of = day_start(today_get().replace(day=1)) - datetime.timedelta(seconds=1)
    period = (as_of.date()).replace(day=1)
    # Both moments, the report's and the period's start ("before"), read from the ratings.
    since = timezone.make_aware(datetime.datetime.combine(period, datetime.time.min))
    assert past.covers(as_of, timezone.localdate(as_of))
    assert past.covers(since, timezone.localdate(since))
    read = report_data.build(period=period, as_of=as_of)
    StatusHistoryMark.objects.all().delete()  # outside the mark: the report replays
    replayed = report_data.build(period=period, as_of=as_of)
    assert read == replayed
    assert read["milestone_total"] > 0


def test_the_report_figures_from_the_stored_moment_are_those_computed(
    programme, fresh_cache, monkeypatch
):
    """The report at its moment (a month's first midnight) reads the dashboard the moment
    store holds there for its roll-ups, round and roll-out (`report_data._stored_board`):
    the same figures as computed from its own plan with the store empty."""
    as_of = day_start(today_get().replace(day=1))
    period = (as_of.date() - datetime.timedelta(days=1)).replace(day=1)
    assert past.covers(as_of, timezone.localdate(as_of))
    assert report_data._stored_board(point_in_time(as_of)) is None
    computed = report_data.build(period=period, as_of=as_of)
    with translation.override("da"):
        assert moment_store.store_moment(as_of) >= 1
        assert report_data._stored_board(point_in_time(as_of)) is not None
    cache.clear()

    def computed_again(*args, **kwargs):
        raise AssertionError("computed again, not read from the stored moment")

    for name in ("reporting_round_status", "rollout_status", "status_lines"):
        monkeypatch.setattr(report_data.selectors, name, computed_again)
    stored = report_data.build(period=period, as_of=as_of)
    assert stored == computed
    assert stored["round"] is not None
    assert stored["overall"]["now"]["open"] > 0


def test_outside_the_mark_the_moment_is_replayed(programme):
    mark = StatusHistoryMark.objects.get()
    before = mark.complete_from - datetime.timedelta(days=1)
    assert not past.covers(before, timezone.localdate(before))
    # A day not re-rated yet (the daily re-rating has not run) is replayed too.
    StatusHistoryMark.objects.update(rerated_on=today_get() - datetime.timedelta(days=1))
    moment = timezone.now() - datetime.timedelta(minutes=1)
    assert not past.covers(moment, timezone.localdate(moment))
    # Wrong ratings of today in the history are then not read (the previous month's end,
    # within the mark, is read from the history still).
    MilestoneStatus.history.filter(history_date__gte=day_start(today_get())).update(
        rag="green", severity=1
    )
    point = point_in_time(moment)
    assert dashboard_build(point, None, None) == dashboard_build(
        point, None, None, materialised=False
    )


def _history_rows(**filters) -> set[tuple]:
    return set(MilestoneStatus.history.filter(**filters).values_list(*_HISTORY_VALUES))


def test_the_backfill_writes_what_the_services_wrote_live(programme):
    created, gone = programme
    live = _history_rows(history_change_reason__startswith="Test")
    # Every edit wrote its ratings' row dated as the edit (and the deletion one too).
    assert {r[0] for r in live} >= {created.pk, gone.pk}
    assert len(live) >= 12
    status_history_backfill()
    backfilled = _history_rows()
    assert live <= backfilled
    # Idempotent: the same rows again.
    status_history_backfill()
    assert _history_rows() == backfilled


def test_the_daily_rerate_writes_what_the_backfill_writes(programme):
    user = system_user_get()
    today = today_get()
    # A forecast ending today: the date alone turns it red ("overdue") tomorrow.
    m = Milestone.objects.filter(key__startswith="load-", status="planned").first()
    forecast_move(m, to=today, user=user, reason="Test: i dag")
    tomorrow = today + datetime.timedelta(days=1)
    with time_machine.travel(day_start(tomorrow) + datetime.timedelta(hours=2), tick=False):
        status_rerate(today=tomorrow, user=user)
        rerated = _history_rows(history_date=day_start(tomorrow))
        assert (m.pk, "red", "overdue") in {(r[0], r[5], r[7]) for r in rerated}
        assert StatusHistoryMark.objects.get().rerated_on == tomorrow
        # The re-rate wrote only ratings that changed.
        assert len(rerated) < MilestoneStatus.objects.count()
        status_history_backfill(today=tomorrow)
        assert _history_rows(history_date=day_start(tomorrow)) == rerated
        point = point_in_time(day_start(tomorrow) + datetime.timedelta(minutes=30))
        assert past.covers(point.at, point.today)
        assert dashboard_build(point, None, None) == dashboard_build(
            point, None, None, materialised=False
        )


def test_an_edit_that_changes_no_rating_writes_no_rating_history(programme):
    m = Milestone.objects.filter(key__startswith="load-").first()
    count = MilestoneStatus.history.count()
    plan_services.milestone_update(
        milestone_id=m.pk, version=m.version, user=system_user_get(), data={"description": "x"}
    )
    assert MilestoneStatus.history.count() == count
    m.refresh_from_db()
    plan_services.milestone_update(
        milestone_id=m.pk, version=m.version, user=system_user_get(), data={"title": "Omdøbt"}
    )
    row = MilestoneStatus.history.filter(milestone_id=m.pk).latest()
    assert row.milestone_title == "Omdøbt"
    assert row.history_date == Milestone.history.filter(id=m.pk).latest().history_date


def _queries_at_two_sizes(read) -> list[int]:
    """How many queries `read(point)` runs at a past moment on two programmes' sizes (the
    cache emptied before each: the month end's roll-ups are cached for a day)."""
    counts = []
    for scale in (
        Scale(parties=3, activities=6, milestones_per_activity=2, rounds=1, months=3),
        Scale(parties=8, activities=40, milestones_per_activity=6, rounds=1, months=3),
    ):
        load_data_clear()
        load_data_generate(scale=scale)
        status_rebuild()
        status_history_backfill()
        cache.clear()
        point = point_in_time(timezone.now() - datetime.timedelta(days=20))
        with CaptureQueriesContext(connection) as queries:
            read(point)
        counts.append(len(queries))
    return counts


def test_the_past_plan_reads_in_the_same_number_of_queries_at_two_sizes(db, fresh_cache):
    small, large = _queries_at_two_sizes(lambda p: past.plan_at(at=p.at, today=p.today))
    assert small == large


@pytest.mark.parametrize(
    "values, baseline, expected",
    [
        ({"forecast_date": datetime.date(2026, 3, 10)}, None, datetime.date(2026, 3, 11)),
        (
            {"forecast_date": datetime.date(2026, 3, 1), "forecast_precision": "month"},
            None,
            datetime.date(2026, 4, 1),
        ),
        ({}, BaselineDate(datetime.date(2026, 3, 20), "day"), datetime.date(2026, 3, 21)),
        ({}, None, None),  # grey: no date to pass
        ({"forecast_date": datetime.date(2026, 2, 1)}, None, None),  # already overdue
        ({"forecast_date": datetime.date(2026, 3, 10), "status": "done"}, None, None),
        ({"forecast_date": datetime.date(2026, 3, 10), "status": "cancelled"}, None, None),
    ],
)
def test_rating_changes_on_is_the_day_the_date_alone_changes_the_rating(values, baseline, expected):
    today = datetime.date(2026, 3, 5)
    milestone = Milestone(title="m", **values)
    found = rating_changes_on(milestone, baseline_entry=baseline, today=today)
    assert found == expected
    # The rating holds every day until then and changes on that day.
    last = today + datetime.timedelta(days=60)
    ratings = {
        day: milestone_rag(milestone, baseline_entry=baseline, today=day)
        for day in (today + datetime.timedelta(days=n) for n in range(61))
    }
    changes = [
        d for d in ratings if d > today and ratings[d] != ratings[d - datetime.timedelta(days=1)]
    ]
    assert changes == ([expected] if expected and expected <= last else [])


def test_as_of_values_are_the_rows_as_of_queryset_gives(programme):
    created, gone = programme
    fields = ("id", "title", "forecast_date", "activity_id", "status")
    for moment in _moments(created, gone)[-6:]:
        expected = list(as_of_queryset(Milestone, moment).order_by("id").values_list(*fields))
        assert as_of_values(Milestone, moment, fields) == expected
        some = [r[3] for r in expected[:5]]
        assert as_of_values(Milestone, moment, fields, within=("activity_id", some)) == [
            r for r in expected if r[3] in some
        ]


def test_the_commands_write_the_ratings_history(programme):
    out = io.StringIO()
    call_command("status_history_backfill", stdout=out)
    assert "vurderinger skrevet" in out.getvalue()
    first = _history_rows()
    call_command("status_rebuild", "--history", stdout=out)
    assert "Statushistorik:" in out.getvalue()
    assert _history_rows() == first


def test_each_rating_history_row_ends_where_the_next_of_its_milestone_starts(programme):
    """The rows' end (`valid_until`, kept by the trigger of milestones migration 0010)
    after the backfill's COPY, the services' edits, a deletion and a backfill again."""
    if connection.vendor != "postgresql":
        pytest.skip("the rows' end is kept on PostgreSQL only; SQLite reads simple-history's")

    def ends_agree():
        rows = list(
            MilestoneStatus.history.order_by(
                "milestone_id", "history_date", "history_id"
            ).values_list("milestone_id", "history_date", "valid_until")
        )
        assert rows
        for (pk, _when, end), following in zip(rows, [*rows[1:], None], strict=True):
            expected = following[1] if following and following[0] == pk else None
            assert end == expected, pk

    ends_agree()
    m = Milestone.objects.filter(key__startswith="load-", status="planned").first()
    forecast_move(m, 30, reason="Test: flyttet igen")
    ends_agree()
    status_history_backfill()
    ends_agree()


def test_the_ratings_at_a_moment_are_the_latest_row_per_milestone(programme):
    created, gone = programme
    fields = ("milestone_id", "rag", "slip_days", "milestone_title", "activity_id")
    for moment in _moments(created, gone):
        latest = {}
        for row in MilestoneStatus.history.filter(history_date__lte=moment).order_by(
            "history_date", "history_id"
        ):
            latest[row.milestone_id] = row
        expected = sorted(
            tuple(getattr(r, f) for f in fields) for r in latest.values() if r.history_type != "-"
        )
        assert sorted(as_of_queryset(MilestoneStatus, moment).values_list(*fields)) == expected
        assert as_of_values(MilestoneStatus, moment, fields) == expected


@pytest.mark.parametrize("model", [Activity, RoundObligation, ProgressUpdate])
def test_the_histories_a_past_dashboard_reads_end_where_the_next_row_starts(programme, model):
    """The activities', the obligations' and the progress updates' history rows keep their
    end (`valid_until`, the trigger of milestones migration 0011) after the generator's
    writes, an edit through the service and a deletion; their rows at each moment by the
    range that holds it are the latest row per object, as simple-history's `as_of` picks
    it (by date, then id), without the deleted."""
    if connection.vendor != "postgresql":
        pytest.skip("the rows' end is kept on PostgreSQL only; SQLite reads simple-history's")
    created, gone = programme
    user = system_user_get()
    activity = Activity.objects.filter(key__startswith="load-").order_by("pk").first()
    plan_services.activity_update(
        activity_id=activity.pk,
        version=activity.version,
        user=user,
        data={"title": activity.title + " (omdøbt)"},
        reason="Test: omdøbt",
    )
    record_delete(RoundObligation.objects.order_by("pk").first(), user=user, reason="Test")
    record_delete(ProgressUpdate.objects.order_by("pk").first(), user=user, reason="Test")
    rows = list(
        model.history.order_by("id", "history_date", "history_id").values_list(
            "id", "history_date", "valid_until"
        )
    )
    assert len(rows) > len({r[0] for r in rows})  # some objects have several rows
    for (pk, _when, end), following in zip(rows, [*rows[1:], None], strict=True):
        assert end == (following[1] if following and following[0] == pk else None), pk
    for moment in [*_moments(created, gone), timezone.now()]:
        latest = {}
        for row in model.history.filter(history_date__lte=moment).order_by(
            "history_date", "history_id"
        ):
            latest[row.id] = row
        expected = sorted(r.history_id for r in latest.values() if r.history_type != "-")
        found = sorted(as_of_queryset(model, moment).values_list("history_id", flat=True))
        assert found == expected, moment


def test_the_past_dashboard_reads_in_the_same_number_of_queries_at_two_sizes(db, fresh_cache):
    small, large = _queries_at_two_sizes(lambda p: dashboard_build(p, None, None))
    assert small == large


def test_two_minutes_of_a_day_without_a_change_share_the_past_figures(
    programme, client_for, steering
):
    """The second minute reads no ratings, no plan and no register as they stood: the
    figures, the switch-off section and the sections' HTML are keyed by the data at the
    moment and the day, not by the minute asked for."""
    day = today_get() - datetime.timedelta(days=40)
    client = client_for(steering)
    url = reverse("reports:dashboard")
    first = client.get(url, {"som_den_var": f"{day:%Y-%m-%d}T10:05"})
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url, {"som_den_var": f"{day:%Y-%m-%d}T10:07"})
    assert second.status_code == 200
    # Apart from the stamps of the data as it stood (the newest history row at the moment).
    read = " ".join(
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SELECT (SELECT MAX(", "SELECT (SELECT history_id FROM"))
    )
    for table in (
        "milestones_historicalmilestonestatus",
        "milestones_historicalactivity",
        "register_historical",
    ):
        assert table not in read


def _lists_by_plan_at(point, party_id=None, track=None) -> tuple:
    """The lists, their totals and the blockers by the rule over `past.plan_at`'s plan (every
    rating as it stood, rows in Python), as the past dashboard built them before its SQL."""
    from reports.selectors import status
    from reports.selectors.blockers import blockers
    from reports.selectors.snapshot import dependency_pairs

    plan = past.plan_at(at=point.at, today=point.today, track=track, party_id=party_id)
    due, slipped, completed = status.milestone_lists(plan)
    rows, total = blockers(plan, slipped, dependency_pairs(point.at))
    limit = status.LIST_LIMIT
    return (
        due[:limit],
        len(due),
        slipped[:limit],
        len(slipped),
        completed[:limit],
        len(completed),
        rows[: status.BLOCKER_LIMIT],
        total,
        status.plan_rollups(plan),
    )


def test_the_moments_lists_counts_and_blockers_in_sql_are_those_of_plan_at(programme):
    """`current.moment_lists` and `moment_blockers` (one query over the ratings as they
    stood, the walks over the dependencies as they stood) give what the rule gives over
    `plan_at`'s rows: just before and just after an edit, and at days back."""
    from reports.selectors import current, snapshot

    moved = (
        Milestone.history.filter(history_change_reason="Test: flyttet")
        .order_by("history_date")
        .first()
    )
    activity = Activity.objects.filter(key__startswith="load-").first()
    moments = [
        moved.history_date - datetime.timedelta(microseconds=1),
        moved.history_date + datetime.timedelta(microseconds=1),
        *(timezone.now() - datetime.timedelta(days=days) for days in (2, 30, 75, 140, 250)),
    ]
    shown = 0
    for moment in moments:
        point = point_in_time(moment)
        for party_id, track in [(None, None), (activity.responsible_party_id, None)]:
            parties = snapshot.party_refs(point.at)
            filters = past.activity_filters(track, party_id)
            activities = snapshot.activity_rows(point.at, parties, filters)
            scoped = current.Scoped(
                today=point.today,
                parties=parties,
                track=track,
                party_id=party_id,
                at=point.at,
                activities_at=activities,
            )
            read = current.moment_lists(scoped, limit=20, due_days=90, recent_days=60)
            lists = read.lists
            found = current.moment_blockers(scoped, shown=6, found=read)
            assert (
                lists.due_soon,
                lists.due_soon_total,
                lists.slipped,
                lists.slipped_total,
                lists.completed,
                lists.completed_total,
                found,
                lists.blockers_total,
                past.rollups_of_activities(read.activities, activities),
            ) == _lists_by_plan_at(point, party_id, track), (moment, party_id)
            shown += bool(found) + bool(lists.slipped) + bool(lists.due_soon)
    assert shown > 10  # the moments have lists and blockers to compare


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index")
def test_the_moments_ratings_are_read_from_the_range_index_alone(programme):
    """The past dashboard's one query over the ratings as they stood and "since last month
    end"'s read only columns the range's index includes (milestones migration 0012): with
    the table's pages all visible, as after a vacuum (set in the planner's statistics, in
    this test's transaction: VACUUM cannot run in one), and no sequential or bitmap scan
    allowed, the planner reads them index-only (a column the index lacks would make it read
    the table by the index)."""
    from reports.selectors import current, snapshot

    at = timezone.now() - datetime.timedelta(days=30)
    point = point_in_time(at)
    parties = snapshot.party_refs(point.at)
    activities = snapshot.activity_rows(point.at, parties, {})
    scoped = current.Scoped(
        today=point.today, parties=parties, at=point.at, activities_at=activities
    )
    with CaptureQueriesContext(connection) as queries:
        current.moment_lists(scoped, limit=20, due_days=90, recent_days=60)
        past.rollups_at(point.at, activities)
    scans = [q["sql"] for q in queries.captured_queries if "tstzrange" in q["sql"]]
    assert len(scans) == 2
    table = "milestones_historicalmilestonestatus"
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
        cursor.execute(
            "UPDATE pg_class SET relallvisible = relpages WHERE oid = %s::regclass", [table]
        )
        for setting in ("enable_seqscan", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        for sql in scans:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Index Only Scan using ms_hist_status_valid_cover_idx" in plan, plan


def test_the_activities_roll_up_in_sql_as_in_python(programme):
    """Each activity's roll-up of the ratings as they stood (`past.per_activity_columns`,
    SQL) is what `past.per_activity` gives in Python (where the database has no arrays)."""
    for days in (3, 60, 200):
        at = timezone.now() - datetime.timedelta(days=days)
        ratings = past.ratings_at(at).values_list(*past._PER_ACTIVITY_READS)
        expected = sorted(past.per_activity(ratings))
        if connection.vendor != "postgresql":
            continue
        sql, params = ratings.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {past.per_activity_columns()} FROM ({sql}) AS r GROUP BY r.activity_id",
                params,
            )
            found = sorted((a, list(c), w) for a, c, w in cursor.fetchall())
        assert found == [(a, c, w) for a, c, w in expected], at
        assert any(w is not None for _a, _c, w in found)
