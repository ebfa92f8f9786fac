"""A past moment's figures stored once computed (`reports.moment_store`): what a stored
row gives back is what the rule computes (the dashboard's figures at several moments and
filters, its "Kan SHAK slukkes?" summary, the page in Danish and English); a history row
written since with a date before the moment gives a new key; another format is ignored
and pruned; the daily task stores the day just ended once; the backfill's moments cover
every minute of a day; a failed write never fails the page."""

import datetime
import io
import logging
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.loaddata import Scale, load_data_generate
from core.dates import today as today_get
from milestones.models import Activity, Milestone
from milestones.services.status import status_rebuild
from milestones.services.status_history import status_history_backfill
from reports import moment_store, tasks
from reports.models import MomentSnapshot
from reports.selectors import point_in_time, status
from reports.selectors import switch_off as gate
from tests.reports.test_cache_language import _track_cells
from tests.reports.test_past_materialised import _moments, programme  # noqa: F401

pytestmark = pytest.mark.django_db

# What a computed past moment reads and a stored one does not.
RATINGS = "milestones_historicalmilestonestatus"
REGISTER = "register_historical"


def _sql(queries) -> str:
    """What the queries read, the stamps of the data as it stood (the newest history row
    at the moment of every table watched) left out."""
    return " ".join(
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SELECT (SELECT MAX(", "SELECT (SELECT history_id FROM"))
    )


@pytest.fixture
def small(db, fresh_cache):
    """A small synthetic programme with three months of history, rated."""
    load_data_generate(
        scale=Scale(parties=3, activities=8, milestones_per_activity=3, rounds=1, months=3)
    )
    status_rebuild()
    status_history_backfill()


def _local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_the_stored_figures_are_the_computed_ones_at_moments_and_filters(programme):  # noqa: F811
    created, gone = programme
    party = Activity.objects.filter(key__startswith="load-").first().responsible_party.key
    moments = _moments(created, gone)[::3]
    for moment in moments:
        point = point_in_time(moment)
        for party_key, track in [(None, None), (party, None), (None, "external")]:
            computed = status.dashboard_build(point, party_key, track)
            cache.clear()
            first = status.dashboard(as_of=moment, party=party_key, track=track)
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                stored = status.dashboard(as_of=moment, party=party_key, track=track)
            assert RATINGS not in _sql(queries), (moment, party_key, track)
            assert first == computed == stored, (moment, party_key, track)
    assert MomentSnapshot.objects.filter(kind=moment_store.DASHBOARD).count() >= len(moments)


def test_the_stored_switch_off_summary_is_the_computed_one(programme):  # noqa: F811
    created, gone = programme
    for moment in _moments(created, gone)[::4]:
        today = timezone.localdate(moment)
        computed = gate.summary_computed(moment, today)
        cache.clear()
        first = gate.switch_off(at=moment, with_burndown=False, cache_parts=True)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            stored = gate.switch_off(at=moment, with_burndown=False, cache_parts=True)
        assert REGISTER not in _sql(queries), moment
        assert first == computed == stored, moment
    # A later minute of the same day and data: the stored summary, shown at that minute.
    moment = _moments(created, gone)[0]
    later = moment + datetime.timedelta(minutes=1)
    today = timezone.localdate(moment)
    assert gate.moment_parts(later, today, None, None) == gate.moment_parts(
        moment, today, None, None
    )
    assert gate.switch_off(at=later, with_burndown=False, cache_parts=True).at == later


def test_a_history_row_dated_before_a_stored_moment_gives_a_new_key(small):
    """An import or a write outside the services dated in the past: the moment's stamps
    move, so the old row is never read again."""
    moment = timezone.now() - datetime.timedelta(days=30)
    point = point_in_time(moment)
    status.dashboard(as_of=moment)
    old_key = moment_store.key_of(status.moment_parts(status.dashboard_parts(point, None, None)))
    assert MomentSnapshot.objects.filter(key=old_key).exists()
    row = Milestone.history.filter(history_date__lte=moment).order_by("-history_date").first()
    row.history_id = None
    row.history_date = moment - datetime.timedelta(hours=1)
    row.title = "Importeret med en dato før øjeblikket"
    row.save()
    cache.clear()
    new_key = moment_store.key_of(status.moment_parts(status.dashboard_parts(point, None, None)))
    assert new_key != old_key
    with CaptureQueriesContext(connection) as queries:
        board = status.dashboard(as_of=moment)
    assert RATINGS in _sql(queries)  # computed again, not the old row
    assert board == status.dashboard_build(point, None, None)
    assert MomentSnapshot.objects.filter(key=new_key).exists()


def test_rows_of_another_format_are_ignored_and_pruned(small, monkeypatch):
    moment = timezone.now() - datetime.timedelta(days=50)
    status.dashboard(as_of=moment)
    assert MomentSnapshot.objects.count() == 1
    # A deploy that changes what is pickled: another format.
    monkeypatch.setattr(moment_store, "_MANUAL_VERSION", moment_store._MANUAL_VERSION + 1)
    monkeypatch.setattr(moment_store, "_FORMAT", None)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        board = status.dashboard(as_of=moment)
    assert RATINGS in _sql(queries)
    assert board == status.dashboard_build(point_in_time(moment), None, None)
    assert MomentSnapshot.objects.count() == 2
    assert moment_store.prune() == 1
    assert list(MomentSnapshot.objects.values_list("format", flat=True)) == [
        moment_store.current_format()
    ]
    monkeypatch.setattr(moment_store, "_FORMAT", None)  # the real format again after


def test_loading_the_demo_data_forgets_the_stored_moments(small):
    """The demo's loaders write history dated in the past: what was stored for a past
    moment before them is emptied, and the moment computed again on its next visit."""
    moment = timezone.now() - datetime.timedelta(days=50)
    status.dashboard(as_of=moment)
    assert MomentSnapshot.objects.count() == 1
    assert settings.DEMO_DATA_EXTRA_LOADERS[-1] == "reports.moment_store.demo_forget"
    out = io.StringIO()
    call_command("load_demo_data", force=True, stdout=out)
    assert "gemte tidligere tidspunkter glemt: 1" in out.getvalue()
    assert not MomentSnapshot.objects.exists()
    cache.clear()
    board = status.dashboard(as_of=moment)
    assert board == status.dashboard_build(point_in_time(moment), None, None)
    assert MomentSnapshot.objects.count() == 1
    # Nothing stored: nothing said.
    MomentSnapshot.objects.all().delete()
    assert moment_store.demo_forget() == {}


def test_the_format_follows_the_dataclasses_fields():
    from dataclasses import dataclass

    @dataclass
    class Inner:
        a: int

    @dataclass
    class Outer:
        inner: list[Inner]

    @dataclass
    class Inner2:
        a: int
        b: int

    before = moment_store._shape((Outer,))
    assert [name for name, _fields in before] == [
        f"{__name__}.{Inner.__qualname__}",
        f"{__name__}.{Outer.__qualname__}",
    ]
    Outer.__annotations__["inner"] = list[Inner2]
    Outer.__dataclass_fields__["inner"].type = list[Inner2]
    assert moment_store._shape((Outer,)) != before


def test_the_daily_task_stores_the_day_just_ended_once(small):
    entry = settings.CELERY_BEAT_SCHEDULE["moment-snapshots"]
    assert entry["task"] == "reports.tasks.moment_snapshots_store"
    assert entry["task"] in tasks.moment_snapshots_store.app.tasks
    assert entry["schedule"].hour == {0} and entry["schedule"].minute == {20}
    today = today_get()
    written = tasks.moment_snapshots_store(today.isoformat())
    assert written >= 2  # the dashboard and the summary, at least one state each
    rows = MomentSnapshot.objects.count()
    assert set(MomentSnapshot.objects.values_list("day", flat=True)) == {
        today - datetime.timedelta(days=1)
    }
    assert tasks.moment_snapshots_store(today.isoformat()) == 0
    assert MomentSnapshot.objects.count() == rows
    # The backfill of the days back: yesterday is there already, the day before is added.
    out = io.StringIO()
    call_command("build_moment_snapshots", "--days", "2", stdout=out)
    assert "2 dage" in out.getvalue()
    assert set(MomentSnapshot.objects.values_list("day", flat=True)) == {
        today - datetime.timedelta(days=1),
        today - datetime.timedelta(days=2),
    }
    again = io.StringIO()
    call_command("build_moment_snapshots", "--days", "2", stdout=again)
    assert " 0 rækker skrevet" in again.getvalue()


def test_every_minute_of_a_stored_day_reads_a_stored_row(small):
    """The backfill's moments of a day (its start, the first minute after each change,
    23:59) are every state the day held: each minute maps to a stored key."""
    user = Milestone.objects.filter(key__startswith="load-").first()
    day = today_get() - datetime.timedelta(days=1)
    # Changes during the day at minutes of their own (one within a minute).
    for hour, second in ((9, 0), (14, 30)):
        row = Milestone.history.filter(id=user.pk).order_by("-history_date").first()
        row.history_id = None
        row.history_date = _local(day, hour, 17) + datetime.timedelta(seconds=second)
        row.forecast_date = row.forecast_date + datetime.timedelta(days=hour)
        row.save()
    moments = moment_store.moments_of_days(day, day)[day]
    assert _local(day, 9, 17) in moments and _local(day, 14, 18) in moments
    moment_store.store_days(day, day)
    stored = set(MomentSnapshot.objects.values_list("key", flat=True))
    for minute in range(0, 24 * 60, 7):
        at = _local(day, minute // 60, minute % 60)
        point = point_in_time(at)
        assert (
            moment_store.key_of(status.moment_parts(status.dashboard_parts(point, None, None)))
            in stored
        ), at
        assert moment_store.key_of(gate.moment_parts(at, day, None, None)) in stored, at
    # A random minute after the day's last change is the state at its end.
    end = moment_store.day_end(day)
    assert status.dashboard_parts(point_in_time(_local(day, 20, 41)), None, None) == (
        status.dashboard_parts(point_in_time(end), None, None)
    )


_VARYING = re.compile(r'(name="csrfmiddlewaretoken" value="|nonce=")[^"]*"')


def _page(client, url, moment, language) -> str:
    response = client.get(url, {"som_den_var": moment}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return _VARYING.sub(r"\1", response.content.decode())


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_page_from_a_stored_moment_is_the_computed_one(
    small,
    client_for,
    steering,
    language,
):
    client = client_for(steering)
    url = reverse("reports:dashboard")
    moment = f"{timezone.localtime() - datetime.timedelta(days=33):%Y-%m-%dT%H:%M}"
    other = "en" if language == "da" else "da"
    _page(client, url, moment, other)  # the other language's row first: not read
    cache.clear()
    computed = _page(client, url, moment, language)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        stored = _page(client, url, moment, language)
    assert RATINGS not in _sql(queries) and REGISTER not in _sql(queries)
    assert stored == computed
    # In the reader's language: the track table's names.
    assert _track_cells(stored, language) and not _track_cells(stored, other)


@pytest.mark.postgres  # a PostgreSQL trigger
def test_a_failed_write_never_fails_the_page(small, client_for, steering, caplog):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION t_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER t_refuse BEFORE INSERT ON reports_momentsnapshot "
            "FOR EACH ROW EXECUTE FUNCTION t_refuse()"
        )
    moment = f"{timezone.localtime() - datetime.timedelta(days=20):%Y-%m-%dT%H:%M}"
    with caplog.at_level(logging.ERROR, logger="reports.moment_store"):
        response = client_for(steering).get(reverse("reports:dashboard"), {"som_den_var": moment})
    assert response.status_code == 200
    assert "Moment snapshot write failed" in caplog.text
    assert not MomentSnapshot.objects.exists()
    # The request's transaction is usable after it: the page read on.
    assert Milestone.objects.exists()
