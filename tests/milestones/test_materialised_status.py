"""The materialised status (MilestoneStatus, StatusRollup) is the RAG rule's cache:
it agrees with `milestones.rag` on the synthetic programme, follows each write
through the services in the same transaction and with its user and reason, is
rebuilt by a command and re-rated once a day for what the date alone changes."""

import datetime
import importlib
import io
from collections import defaultdict

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.loaddata import Scale, load_data_generate
from core.dates import today as today_get
from milestones.models import Activity, Milestone, MilestoneStatus, StatusRollup
from milestones.rag import rags_for, rollup
from milestones.selectors.materialised import status_current
from milestones.services import plan as plan_services
from milestones.services.status import rating_fields, rating_from, status_rebuild, status_rerate
from milestones.tasks import status_rerate as status_rerate_task
from tests.helpers import forecast_move

pytestmark = pytest.mark.django_db

Scope = StatusRollup.Scope


def _expected(today):
    """Each milestone's rating and each scope's roll-up, computed by the rule itself."""
    milestones = list(Milestone.objects.select_related("activity").order_by("pk"))
    rags = rags_for(milestones, today=today)
    groups = defaultdict(list)
    for m in milestones:
        pair = (m, rags[m.pk])
        groups[(Scope.PROGRAMME, "")].append(pair)
        groups[(Scope.TRACK, m.activity.track)].append(pair)
        groups[(Scope.PARTY, str(m.activity.responsible_party_id))].append(pair)
        groups[(Scope.ACTIVITY, str(m.activity_id))].append(pair)
    # A party's milestones within a track: ties named in roadmap order.
    in_roadmap_order = sorted(
        milestones,
        key=lambda m: (
            m.activity.sort_order,
            m.activity.title,
            m.activity_id,
            m.sort_order,
            m.forecast_date is None,
            m.forecast_date or datetime.date.min,
            m.pk,
        ),
    )
    for m in in_roadmap_order:
        key = f"{m.activity.track}:{m.activity.responsible_party_id}"
        groups[(Scope.TRACK_PARTY, key)].append((m, rags[m.pk]))
    return rags, {key: rollup(items) for key, items in groups.items()}


def _assert_agrees(today):
    rags, rollups = _expected(today)
    stored = {s.milestone_id: s for s in MilestoneStatus.objects.all()}
    assert set(stored) == set(rags)
    actual = dict(Milestone.objects.values_list("pk", "actual_date"))
    for pk, rating in rags.items():
        row = stored[pk]
        assert rating_from(row.__dict__) == rating, pk
        assert row.rated_on == today
        assert row.actual_date == actual[pk], pk
    rows = {(r.scope, r.scope_key): r for r in StatusRollup.objects.all()}
    assert set(rows) == set(rollups)
    for key, expected in rollups.items():
        row = rows[key]
        assert row.rag == expected.rag, key
        assert {c: getattr(row, c) for c in expected.counts} == expected.counts, key
        assert row.worst_milestone_id == expected.worst_milestone_id, key
        if expected.worst is not None:
            assert rating_from(row.worst) == expected.worst, key
            assert row.worst_title == expected.worst_title


def test_the_materialised_status_agrees_with_the_rule_on_the_synthetic_programme():
    load_data_generate(
        scale=Scale(
            parties=8,
            activities=40,
            milestones_per_activity=6,
            rounds=4,
            months=12,
            register_entries=10,
        )
    )
    out = io.StringIO()
    call_command("status_rebuild", stdout=out)
    assert "Materialiseret status" in out.getvalue()
    _assert_agrees(today_get())
    # A second rebuild finds nothing to write.
    assert status_rebuild() == {"ratings": 0, "rollups": 0}


def test_an_edit_through_the_service_refreshes_the_rating_and_roll_ups_in_its_transaction(
    editor,
):
    status_rebuild()
    milestone = (
        Milestone.objects.filter(forecast_date__isnull=False, status=Milestone.Status.PLANNED)
        .select_related("activity")
        .order_by("pk")
        .first()
    )
    today = today_get()
    with transaction.atomic():
        plan_services.milestone_forecast_set(
            milestone_id=milestone.pk,
            version=milestone.version,
            forecast_date=today - datetime.timedelta(days=10),
            user=editor,
            reason="Leverancen er forsinket",
        )
        # Inside the same transaction: the rating already says overdue.
        status = MilestoneStatus.objects.get(milestone=milestone)
        assert (status.rag, status.reason_code) == ("red", "overdue")
    _assert_agrees(today)
    # The roll-ups it changed carry the editor and the reason in their history.
    programme = StatusRollup.objects.get(scope=Scope.PROGRAMME)
    latest = programme.history.order_by("-history_id").first()
    assert latest.history_user == editor
    assert latest.history_change_reason == "Leverancen er forsinket"


def test_moving_an_activity_to_another_party_moves_its_roll_ups(editor):
    status_rebuild()
    activity = Activity.objects.filter(milestones__isnull=False).order_by("pk").first()
    other = (
        Activity.objects.exclude(responsible_party=activity.responsible_party)
        .order_by("pk")
        .first()
        .responsible_party
    )
    plan_services.activity_update(
        activity_id=activity.pk,
        version=activity.version,
        user=editor,
        data={"responsible_party": other},
        reason="Ansvaret flyttet",
    )
    _assert_agrees(today_get())


def test_the_daily_rerating_follows_the_date_and_runs_once_a_day():
    today = today_get()
    status_rebuild(today=today)
    later = today + datetime.timedelta(days=400)
    # The date alone turns forecasts that have passed red.
    assert status_rerate_task.apply(kwargs={"today": later.isoformat()}).get()["ratings"] > 0
    _assert_agrees(later)
    # Keyed by the day: a second run that day writes nothing.
    assert status_rerate(today=later) is None


def test_deleting_a_milestone_removes_its_rating_and_updates_the_roll_ups(editor):
    status_rebuild()
    milestone = Milestone.objects.order_by("pk").first()
    plan_services.milestone_delete(
        milestone_id=milestone.pk, version=milestone.version, user=editor, reason="Udgår"
    )
    assert not MilestoneStatus.objects.filter(milestone_id=milestone.pk).exists()
    _assert_agrees(today_get())


def test_rating_fields_round_trip():
    milestone = Milestone.objects.order_by("pk").first()
    rating = rags_for([milestone], today=today_get())[milestone.pk]
    assert rating_from(rating_fields(rating)) == rating


def test_the_roadmap_summary_from_the_rows_is_the_rules(django_assert_max_num_queries):
    """The large roadmap's summary rolls up the stored ratings in SQL: the same counts
    and the same worst milestone (ties in roadmap order) as rating every milestone."""
    from milestones.rag import active_baseline

    # `milestones.selectors.roadmap` is also the name of a function there.
    roadmap_selectors = importlib.import_module("milestones.selectors.roadmap")

    load_data_generate(
        scale=Scale(parties=6, activities=30, milestones_per_activity=5, rounds=2, months=8)
    )
    status_rebuild()
    milestone = Milestone.objects.filter(key__startswith="load-").order_by("pk")[3]
    forecast_move(milestone, 200)
    today = today_get()
    baseline = active_baseline()
    activities = Activity.objects.order_by()
    rank = {value: i for i, value in enumerate(Activity.Track.values)}
    names = dict(Activity.objects.values_list("responsible_party_id", "responsible_party__name"))
    rows = sorted(
        activities.values_list("id", "track", "responsible_party_id", "sort_order", "title"),
        key=lambda r: (rank.get(r[1], len(rank)), names.get(r[2], ""), r[3], r[4], r[0]),
    )
    rated = roadmap_selectors._summary_rollups_rated(
        rows, Milestone.objects.order_by(), None, baseline, today
    )
    # The whole plan's from the stored (track, party) roll-ups: one query with the names.
    with django_assert_max_num_queries(1):
        stored = roadmap_selectors._summary_rollups_stored(None, rank, names)
    assert stored == rated
    assert any(r.worst is not None for r in stored[1].values())
    # A plan version's (or a database without them) from SQL aggregates: the same
    # (one query more: whether the stored ones are all there).
    StatusRollup.objects.filter(scope=Scope.TRACK_PARTY).delete()
    with django_assert_max_num_queries(5):
        assert roadmap_selectors._summary_rollups_stored(None, rank) == rated
    # One edit writes its own (track, party) roll-up only: not read until all are there.
    forecast_move(milestone, to=milestone.forecast_date)
    assert StatusRollup.objects.filter(scope=Scope.TRACK_PARTY).count() == 1
    assert roadmap_selectors.stored_track_party_rollups() is None
    status_rebuild()
    assert roadmap_selectors.stored_track_party_rollups() is not None


def _user():
    from core.history import system_user_get

    return system_user_get()


def test_a_run_of_edits_rolls_tracks_parties_and_the_programme_up_from_their_parts():
    """A write's refresh rolls a track and a party up from their activities' stored
    roll-ups and the programme from the tracks': after each edit of a run that moves the
    worst milestone from one activity and track to another, turns one red, reaches one
    and deletes one, every stored roll-up is still what the rule gives, and a rebuild
    finds nothing to correct."""
    load_data_generate(
        scale=Scale(parties=6, activities=24, milestones_per_activity=5, rounds=2, months=8)
    )
    status_rebuild()
    today = today_get()
    user = _user()
    planned = list(
        Milestone.objects.filter(
            key__startswith="load-", status=Milestone.Status.PLANNED, forecast_date__isnull=False
        )
        .select_related("activity")
        .order_by("pk")
    )
    tracks = {m.activity.track for m in planned}
    assert len(tracks) > 1
    first = planned[0]
    other = next(m for m in planned if m.activity.track != first.activity.track)
    # The programme's worst: slipped far, in one track, then further in another, then
    # both back where they were.
    steps = ((first, 3000, first), (other, 4000, other), (other, 0, first), (first, 0, None))
    for milestone, days, programme_worst in steps:
        # The date from the one in `planned` (as it was first), the edit of the saved one.
        saved = Milestone.objects.get(pk=milestone.pk)
        forecast_move(
            saved,
            to=milestone.forecast_date + datetime.timedelta(days=days),
            user=user,
            reason="Test",
        )
        _assert_agrees(today)
        worst = StatusRollup.objects.get(scope=Scope.PROGRAMME).worst_milestone_id
        if programme_worst is not None:
            assert worst == programme_worst.pk
        else:
            assert worst not in {first.pk, other.pk}
    rest = [m for m in planned if m.pk not in {first.pk, other.pk}]
    reached = rest[5]
    plan_services.milestone_update(
        milestone_id=reached.pk,
        version=reached.version,
        user=user,
        data={"status": Milestone.Status.DONE, "actual_date": today},
        reason="Nået",
    )
    _assert_agrees(today)
    gone = rest[9]
    plan_services.milestone_delete(
        milestone_id=gone.pk, version=gone.version, user=user, reason="Udgår"
    )
    _assert_agrees(today)
    assert status_rebuild()["rollups"] == 0


def test_whether_every_rating_is_of_today_is_kept_across_edits_and_counted_after_an_add(
    editor,
):
    """`status_current(milestones_newest=)` keeps a true answer across the edits that add
    or delete no milestone (no count over the ratings), and answers as the counts do:
    after a forecast moved, after a milestone added without a rating, after the ratings
    are rebuilt and after a milestone deleted through the service."""
    status_rebuild()
    cache.clear()
    today = today_get()

    def newest() -> int:
        return Milestone.history.order_by("-history_id").values_list("history_id", flat=True)[0]

    def counts(queries) -> int:
        return sum("COUNT(*)" in q["sql"] for q in queries)

    assert status_current(today, milestones_newest=newest()) is True
    milestone = (
        Milestone.objects.filter(forecast_date__isnull=False, forecast_precision="day")
        .order_by("pk")
        .first()
    )
    forecast_move(milestone, 3, precision=None, user=editor, reason="Flyttet")
    with CaptureQueriesContext(connection) as kept_answer:
        assert status_current(today, milestones_newest=newest()) is True
    assert counts(kept_answer.captured_queries) == 0
    assert status_current(today) is True

    # Added (its history rates it) and its rating removed around the services: the add
    # has the answer counted again, and it is false.
    added = Milestone.objects.create(activity=milestone.activity, key="t-uden-rating", title="Ny")
    MilestoneStatus.objects.filter(milestone=added).delete()
    assert status_current(today, milestones_newest=newest()) is False
    assert status_current(today) is False
    status_rebuild()
    assert status_current(today, milestones_newest=newest()) is True
    plan_services.milestone_delete(
        milestone_id=added.pk, version=added.version, user=editor, reason="Udgår"
    )
    with CaptureQueriesContext(connection) as after_delete:
        assert status_current(today, milestones_newest=newest()) is True
    assert counts(after_delete.captured_queries) == 1


def test_roll_ups_moved_on_from_their_stored_rows_agree_with_the_rule_after_any_edit():
    """After a milestone's write a track's, a party's and the programme's roll-up is
    moved on from its stored row by what its changed activities changed (reading its
    other activities only when its worst milestone got better): after each of a run of
    edits (forecasts slipped far and brought back, one reached, overrides set and
    removed, a milestone moved to an activity of another track and party, one added and
    one deleted) every rating and roll-up is what the rule gives, and a rebuild finds
    nothing to correct."""
    import random

    load_data_generate(
        scale=Scale(parties=6, activities=18, milestones_per_activity=4, rounds=2, months=8)
    )
    status_rebuild()
    today = today_get()
    user = _user()
    rng = random.Random(17)
    open_ids = list(
        Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
        .exclude(status__in=[Milestone.Status.DONE, Milestone.Status.CANCELLED])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for step in range(36):
        milestone = Milestone.objects.get(pk=rng.choice(open_ids))
        kind = step % 6
        if kind in (0, 1, 2):
            # Slipped (often past the worst), or brought back before today's worst.
            days = rng.choice([-3000, -400, -30, -1, 1, 30, 400, 3000])
            forecast_move(milestone, to=today + datetime.timedelta(days=days), user=user)
        elif kind == 3:
            data = (
                {"rag_override": "", "rag_override_reason": ""}
                if milestone.rag_override
                else {"rag_override": "red", "rag_override_reason": "Testens vurdering"}
            )
            plan_services.milestone_update(
                milestone_id=milestone.pk,
                version=milestone.version,
                user=user,
                data=data,
                reason="Test",
            )
        elif kind == 4:
            elsewhere = (
                Activity.objects.exclude(track=milestone.activity.track)
                .exclude(responsible_party=milestone.activity.responsible_party)
                .order_by("pk")
                .first()
            )
            plan_services.milestone_update(
                milestone_id=milestone.pk,
                version=milestone.version,
                user=user,
                data={"activity": elsewhere},
                reason="Flyttet",
            )
        else:
            plan_services.milestone_update(
                milestone_id=milestone.pk,
                version=milestone.version,
                user=user,
                data={"status": Milestone.Status.DONE, "actual_date": today},
                reason="Nået",
            )
            open_ids.remove(milestone.pk)
        _assert_agrees(today)
    added = plan_services.milestone_create(
        user=user,
        data={
            "activity": Activity.objects.order_by("-pk").first(),
            "title": "Ny milepæl",
            "forecast_date": today - datetime.timedelta(days=900),
        },
        reason="Ny",
    )
    _assert_agrees(today)
    plan_services.milestone_delete(
        milestone_id=added.pk, version=added.version, user=user, reason="Udgår"
    )
    _assert_agrees(today)
    assert status_rebuild() == {"ratings": 0, "rollups": 0}


def test_a_forecast_save_reads_no_other_activity_and_writes_its_roll_ups_at_once(editor):
    """A forecast moved: the rating and the roll-ups it changed are written with their
    history rows in a few statements, none of the other activities' roll-ups is read
    while the moved milestone's activity stays within its track's worst, and nothing
    reads the milestone's previous history row."""
    status_rebuild()
    # Not the worst of any roll-up: moved, it stays within or becomes its scopes' worst.
    worst = StatusRollup.objects.values_list("worst_milestone_id", flat=True)
    milestone = (
        Milestone.objects.filter(forecast_date__isnull=False, status=Milestone.Status.PLANNED)
        .exclude(pk__in=[pk for pk in worst if pk is not None])
        .order_by("pk")
        .first()
    )
    with CaptureQueriesContext(connection) as ctx:
        plan_services.milestone_forecast_set(
            milestone_id=milestone.pk,
            version=milestone.version,
            forecast_date=milestone.forecast_date + datetime.timedelta(days=1),
            user=editor,
            reason="En dag senere",
        )
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not [q for q in sql if 'historicalmilestone"' in q and q.startswith("SELECT")]
    # The track's and the party's other activities are not read.
    assert not [q for q in sql if 'responsible_party_id" IN' in q or 'track" IN' in q]
    rollup_writes = [q for q in sql if q.startswith("UPDATE") and "statusrollup" in q]
    assert len(rollup_writes) <= 1
    assert len(sql) <= 18, "\n".join(sql)
    _assert_agrees(today_get())
