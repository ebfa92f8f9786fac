"""core.cache: a page's stamp moves with every save through record_save of what it
depends on, and with nothing else; cached results follow the stamp."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import translation

from core.cache import cached, cached_many, page_html, stamp
from core.history import record_save
from milestones.models import BaselineEntry, Goal
from parties.models import Party
from tests import factories
from tests.helpers import forecast_move


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def party_stamp():
    return stamp(models=[Party])


def test_the_stamp_changes_after_a_save_through_record_save(db, editor):
    party = factories.PartyFactory()
    before = party_stamp()
    assert party_stamp() == before
    party.name = "Nyt navn"
    record_save(party, user=editor, reason="Omdøbt")
    assert party_stamp() != before


def test_the_stamp_ignores_models_the_page_does_not_depend_on(db, editor):
    factories.PartyFactory()
    before = party_stamp()
    record_save(factories.GoalFactory.build(programme=factories.ProgrammeFactory()), user=editor)
    assert party_stamp() == before
    assert stamp(models=[Party, Goal]) != stamp(models=[Party])


def test_rows_without_history_count_by_their_newest_id(db):
    before = stamp(models=[Party], rows=[BaselineEntry])
    factories.BaselineEntryFactory()
    assert stamp(models=[Party], rows=[BaselineEntry]) != before


def test_a_stamp_counts_rows_in_its_own_query(db, editor, django_assert_num_queries):
    """`counts=`: the number of rows, last in the stamp, read in the stamp's one query."""
    factories.PartyFactory()
    with django_assert_num_queries(1):
        counted = stamp(models=[Party], counts=[Party])
    assert counted[:-1] == party_stamp()
    assert int(counted[-1]) == Party.objects.count()
    record_save(factories.PartyFactory.build(), user=editor)
    again = stamp(models=[Party], counts=[Party])
    assert int(again[-1]) == int(counted[-1]) + 1 and again[:-1] != counted[:-1]


def test_a_cached_result_is_built_again_when_the_stamp_moves(db, editor):
    party = factories.PartyFactory()
    builds = []

    def build():
        builds.append(1)
        return len(builds)

    assert cached("test", ("count", party_stamp()), build, seconds=60) == 1
    assert cached("test", ("count", party_stamp()), build, seconds=60) == 1
    record_save(party, user=editor, reason="Gemt igen")
    assert cached("test", ("count", party_stamp()), build, seconds=60) == 2


def test_page_html_is_cached_per_path_and_language(db):
    calls = []

    def build():
        calls.append(1)
        return "milestones/_conflict.html", {"conflict": None, "clashes": []}

    request = RequestFactory().get("/side/?a=1")
    with translation.override("da"):  # whatever an earlier test left active
        first, context = page_html(request, namespace="test", parts=("p",), build=build, seconds=60)
        again, cached_context = page_html(
            request, namespace="test", parts=("p",), build=build, seconds=60
        )
        assert (again, cached_context, len(calls)) == (first, {}, 1)
        assert "conflict" in context
        page_html(
            RequestFactory().get("/side/?a=2"),
            namespace="test",
            parts=("p",),
            build=build,
            seconds=60,
        )
    with translation.override("en"):
        page_html(request, namespace="test", parts=("p",), build=build, seconds=60)
    assert len(calls) == 3


def test_a_cached_result_is_kept_per_language():
    """Words translated while building (a track's name on the dashboard) reach only
    readers of that language: the first visitor's language used to stick for everyone."""
    from milestones.models import Activity

    def build():
        return str(Activity.Track.EXTERNAL.label)

    with translation.override("da"):
        danish = cached("test", ("tracks", 1), build, seconds=60)
    with translation.override("en"):
        english = cached("test", ("tracks", 1), build, seconds=60)
    with translation.override("da"):
        again = cached("test", ("tracks", 1), lambda: "built again", seconds=60)
    assert (danish, english, again) == ("Eksterne parter", "External parties", "Eksterne parter")


def test_cached_many_builds_only_what_is_missing():
    cache.clear()
    asked = []

    def build(missing):
        asked.append(sorted(missing))
        return {item: item * 10 for item in missing}

    parts = {1: ("t-many", 1), 2: ("t-many", 2)}
    assert cached_many("tests", parts, build, seconds=60) == {1: 10, 2: 20}
    parts[3] = ("t-many", 3)
    assert cached_many("tests", parts, build, seconds=60) == {1: 10, 2: 20, 3: 30}
    # Other parts (a new stamp) are other entries.
    assert cached_many("tests", {1: ("t-many", "new", 1)}, build, seconds=60) == {1: 10}
    assert asked == [[1, 2], [3], [1]]
    cache.clear()


def test_a_kept_connection_prepares_the_stamp_once_and_it_moves_as_the_plain_one(
    db, editor, settings
):
    """With CONN_MAX_AGE (production keeps connections; tests do not) the stamp runs as a
    statement prepared once per connection: the same values as the plain query, live and
    at a past moment, moving with a save, and prepared again on a new connection."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    party = factories.PartyFactory()
    past = timezone.now() - datetime.timedelta(days=1)
    plain = (party_stamp(), stamp(models=[Party], at=past))
    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        with CaptureQueriesContext(connection) as ctx:
            kept = (party_stamp(), stamp(models=[Party], at=past))
            again = (party_stamp(), stamp(models=[Party], at=past))
        assert kept == again == plain
        sql = [q["sql"] for q in ctx.captured_queries]
        assert sum(s.startswith("PREPARE") for s in sql) <= 2  # once each, if not yet
        assert all(s.startswith("EXECUTE") for s in sql[-2:])
        party.name = "Nyt navn"
        record_save(party, user=editor, reason="Omdøbt")
        moved = party_stamp()
        assert moved != plain[0]
        assert stamp(models=[Party], at=past) == plain[1]
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
    assert party_stamp() == moved


def test_a_records_stamp_is_the_same_prepared_or_plain_and_moves_with_its_rows(db, editor):
    """`history_newest_sql` parts run by `stamp_sql_read` (an activity's page stamp,
    `milestones.selectors.activity_page_stamp`): the same values as a prepared statement
    on a kept connection and as the plain query; a save of the activity's milestone moves
    it, a save of another activity's does not."""
    import datetime

    from django.db import connection

    from milestones.selectors import activity_page_stamp

    mine = factories.MilestoneFactory(forecast_date=datetime.date(2027, 3, 1))
    other = factories.MilestoneFactory(forecast_date=datetime.date(2027, 3, 1))
    assert mine.activity_id != other.activity_id

    def move(milestone):
        forecast_move(milestone, 1, precision=None, user=editor, reason="Test")

    plain = activity_page_stamp(mine.activity_id)
    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        assert activity_page_stamp(mine.activity_id) == plain
        move(other)
        assert activity_page_stamp(mine.activity_id) == plain
        move(mine)
        moved = activity_page_stamp(mine.activity_id)
        assert moved != plain
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
    assert activity_page_stamp(mine.activity_id) == moved


def test_a_past_stamp_is_read_once_while_the_live_stamp_stands_and_follows_a_backdated_row(
    db, editor, django_assert_num_queries
):
    """A past moment's stamp is kept under the live stamp (its own query walks each history
    back to the moment): asked again with the same live data it costs the live stamp's
    query alone; a history row written since, even one dated before the moment, moves the
    live stamp and so is seen."""
    import datetime

    from django.utils import timezone

    party = factories.PartyFactory()
    record_save(party, user=editor, reason="Oprettet")
    moment = timezone.now()
    first = stamp(models=[Party], at=moment)
    with django_assert_num_queries(1):
        assert stamp(models=[Party], at=moment) == first
    party.name = "Efter øjeblikket"
    record_save(party, user=editor, reason="Omdøbt")
    assert stamp(models=[Party], at=moment) == first  # written after the moment
    # A new history row dated before the moment (as the daily re-rate dates its rows at
    # the start of its day): the moment's data changed, and its stamp moves.
    party.name = "Før øjeblikket"
    record_save(party, user=editor, reason="Tilbagedateret")
    newest = Party.history.filter(id=party.pk).order_by("-history_id").first()
    Party.history.filter(history_id=newest.history_id).update(
        history_date=moment - datetime.timedelta(microseconds=1)
    )
    assert stamp(models=[Party], at=moment) != first


def _stamp_by_max(model, at):
    """The stamp at `at` as `MAX(history_id)`, `MAX(history_date)` of the history dated at or
    before it, its quiet rows left out (what `stamp(..., at=)` read before it became an
    index read), as text like `stamp`'s."""
    from django.db.models import Max, Q

    rows = model.history.filter(history_date__lte=at)
    quiet = getattr(model, "STAMP_QUIET_HISTORY", None)
    if quiet:
        rows = rows.exclude(Q(**quiet))
    found = rows.aggregate(hid=Max("history_id"), date=Max("history_date"))
    return (str(found["hid"]), str(found["date"]))


def test_a_past_stamp_is_the_newest_row_at_the_moment_as_max_read_it(db, editor):
    """The stamp at a moment reads the newest history row dated at or before it (one index
    probe backwards from the moment): on history written through the services (dated
    now) it equals `MAX(history_id)`, `MAX(history_date)` of the rows then, at every
    moment between and around the saves, for a model with quiet rows (a progress update's
    draft saved again) too; the many rows of one date give the highest id among them."""
    import datetime

    from django.utils import timezone

    from milestones.models import ProgressUpdate

    parties = [factories.PartyFactory() for _ in range(3)]
    moments = [timezone.now() - datetime.timedelta(days=400)]
    for n in range(4):
        for party in parties:
            party.name = f"Navn {n} {party.pk}"
            record_save(party, user=editor, reason="Omdøbt")
        moments.append(timezone.now())
    # One date for many rows, as the generator and the daily re-rate write them: the
    # newest among them is the highest id, whatever the objects' ids.
    tied = moments[-1] + datetime.timedelta(seconds=1)
    newest = Party.history.order_by("-history_id")[:3]
    Party.history.filter(history_id__in=[h.history_id for h in newest]).update(history_date=tied)
    moments += [tied, tied + datetime.timedelta(microseconds=1), timezone.now()]
    for at in moments:
        assert stamp(models=[Party], at=at) == _stamp_by_max(Party, at), at
        assert stamp(models=[ProgressUpdate], at=at) == _stamp_by_max(ProgressUpdate, at)
    assert stamp(models=[Party], at=tied)[0] == str(max(h.history_id for h in newest))
    assert stamp(models=[Party], at=moments[0]) == ("None", "None")  # no history then


def test_a_past_stamp_follows_the_newest_row_and_a_later_one_leaves_it(db, editor):
    """Read apart from the cache of past stamps (`_read_stamp`): a row dated after the moment
    leaves its stamp; one dated at it, after the newest one (the re-rate's rows dated at
    the start of their day, asked before they were written), moves it, and so does one
    more row at the newest date."""

    from django.utils import timezone

    from core.cache import _read_stamp

    party = factories.PartyFactory()
    record_save(party, user=editor, reason="Oprettet")
    moment = timezone.now()
    first = _read_stamp([Party], [], moment)
    party.name = "Efter"
    record_save(party, user=editor, reason="Omdøbt")
    assert _read_stamp([Party], [], moment) == first
    last = Party.history.order_by("-history_id").first()
    Party.history.filter(history_id=last.history_id).update(history_date=moment)
    moved = _read_stamp([Party], [], moment)
    assert moved != first and moved[0] == str(last.history_id)
    other = factories.PartyFactory()
    record_save(other, user=editor, reason="Oprettet")
    tie = Party.history.order_by("-history_id").first()
    Party.history.filter(history_id=tie.history_id).update(history_date=moment)
    assert _read_stamp([Party], [], moment)[0] == str(tie.history_id)


def test_a_past_stamp_reads_each_large_history_by_an_index_probe(db):
    """The plan of the stamp at a moment, for each history the generator fills with many
    rows of one date: its newest row read by an index scan backwards (milestones 0013,
    register 0005), no sort of a date's rows, no sequential scan (with the planner told
    the tables are large: sequential scans off). Fails without those indexes (the
    composite (history_date, id) index leaves an incremental sort of a date's rows)."""
    from django.db import connection
    from django.utils import timezone

    from core.cache import _stamp_sql
    from milestones.models import Activity, Dependency, Milestone, ProgressUpdate, RoundObligation
    from register.models import Step

    for model in (Milestone, Activity, ProgressUpdate, RoundObligation, Dependency, Step):
        sql = _stamp_sql([model], [], past=True).replace("$1", "%s")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, [timezone.now()] * sql.count("%s"))
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Seq Scan" not in plan, plan
        assert "Sort" not in plan, plan
        assert plan.count("Index") >= 2 and "Backward" in plan, plan


def test_a_past_pages_stamps_answer_its_live_stamps_too(db, editor):
    """Inside `stamps_read_once` at a past moment, the live stamps of its models are the
    ones read on entry (no query), equal to a fresh read; a save inside is not seen
    (read once for the page), and outside the scope the stamp moves with it."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from core.cache import stamps_read_once

    factories.PartyFactory()
    moment = timezone.now() - datetime.timedelta(days=3)
    live = stamp(models=[Party, Goal])
    with stamps_read_once(models=[Party, Goal], at=moment):
        with CaptureQueriesContext(connection) as queries:
            assert stamp(models=[Party]) == live[:2]
            assert stamp(models=[Goal, Party]) == (*live[2:], *live[:2])
            assert stamp(models=[Party], at=moment) == stamp(models=[Party], at=moment)
        assert len(queries) == 0
        party = factories.PartyFactory.build()
        record_save(party, user=editor, reason="Ny")
        assert stamp(models=[Party]) == live[:2]
    assert stamp(models=[Party]) != live[:2]
