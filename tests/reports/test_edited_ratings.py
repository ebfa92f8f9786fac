"""The milestones edited since a watermark and their ratings now
(`current.PieceStamps.edited_ratings`): the one query of SQL compiled once per filter and day
(PostgreSQL, live) answers as the ORM's two queries, for the whole programme, a track and a
party, after moves into and out of every list, a milestone reached, one deleted and one
added."""

import datetime

import pytest

from bench.loaddata import Scale, load_data_generate
from core.dates import today as today_get
from core.history import history_since_read_once, keys_since, system_user_get
from milestones.models import Activity, Milestone
from milestones.services import plan as plan_services
from milestones.services.status import status_rebuild
from reports.selectors import current, snapshot
from reports.selectors.status import DUE_SOON_DAYS, RECENT_DAYS
from tests.helpers import forecast_move
from tests.reports.helpers import milestone_update_as_system

pytestmark = pytest.mark.django_db


def _orm(scoped, watermark: int) -> tuple[set[int], dict]:
    """The two queries' answer: the milestones with history since, their ratings."""
    edited = current.PieceStamps(current.piece_stamps().values).edited_since(watermark)
    ratings = current._edited_ratings_orm(
        scoped, edited, due_days=DUE_SOON_DAYS, recent_days=RECENT_DAYS
    )
    return edited, ratings


def _one_query(scoped, watermark: int) -> tuple[set[int], dict]:
    stamps = current.piece_stamps()
    ratings = stamps.edited_ratings(
        scoped, watermark, due_days=DUE_SOON_DAYS, recent_days=RECENT_DAYS
    )
    return stamps.edited_since(watermark), ratings


def _newest() -> int:
    return Milestone.history.model.objects.order_by("-history_id").values_list(
        "history_id", flat=True
    )[0]


@pytest.fixture
def programme(db, fresh_cache):
    load_data_generate(
        scale=Scale(parties=5, activities=12, milestones_per_activity=5, rounds=1, months=8)
    )
    status_rebuild()


def test_one_query_answers_as_the_orms_two(programme, django_assert_num_queries):
    today = today_get()
    watermark = _newest()
    user = system_user_get()
    loads = list(
        Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
        .select_related("activity")
        .order_by("pk")
    )
    tracks = sorted({m.activity.track for m in loads})
    assert len(tracks) >= 2
    # Into the due list, far out of it, long overdue (slipped, a blocker if it has
    # successors), reached, deleted; and one added.
    forecast_move(loads[0], to=today + datetime.timedelta(days=10))
    forecast_move(loads[1], to=today + datetime.timedelta(days=400))
    forecast_move(loads[2], to=today - datetime.timedelta(days=200))
    predecessor = Milestone.objects.filter(
        pk__in=current.Dependency.objects.values("predecessor_id"), key__startswith="load-"
    ).first()
    forecast_move(predecessor, to=today - datetime.timedelta(days=150))
    done = loads[3]
    milestone_update_as_system(
        done, status=Milestone.Status.DONE, actual_date=today - datetime.timedelta(days=2)
    )
    gone = loads[4]
    gone.refresh_from_db()
    plan_services.milestone_delete(milestone_id=gone.pk, version=gone.version, user=user)
    other_track = next(m for m in loads[5:] if m.activity.track != loads[0].activity.track)
    forecast_move(other_track, 30)
    added = plan_services.milestone_create(
        user=user,
        data={
            "activity": Activity.objects.get(pk=loads[0].activity_id),
            "key": "t-ny",
            "title": "Ny milepæl",
            "forecast_date": today + datetime.timedelta(days=5),
        },
    )
    parties = snapshot.party_refs(None)
    scopes = [
        current.Scoped(today=today, parties=parties),
        current.Scoped(today=today, parties=parties, track=loads[0].activity.track),
        current.Scoped(
            today=today, parties=parties, party_id=loads[2].activity.responsible_party_id
        ),
    ]
    seen = set()
    for scoped in scopes:
        edited, ratings = _one_query(scoped, watermark)
        assert (edited, ratings) == _orm(scoped, watermark)
        # Within the page's read of the milestones' history (the live pages'): the
        # edited milestones from it, their ratings by key in one query.
        with history_since_read_once(Milestone, ("status",), ("test", scoped.track)):
            keys_since(Milestone, watermark)
            stamps = current.piece_stamps()
            with django_assert_num_queries(1):
                by_keys = stamps.edited_ratings(
                    scoped, watermark, due_days=DUE_SOON_DAYS, recent_days=RECENT_DAYS
                )
                assert (stamps.edited_since(watermark), by_keys) == (edited, ratings)
        seen |= {name for row in ratings.values() for name, v in row.items() if v is True}
    assert edited >= {loads[i].pk for i in range(5)} | {predecessor.pk, added.pk}
    whole = _one_query(scopes[0], watermark)[1]
    assert gone.pk not in whole and other_track.pk in whole  # deleted: edited, no rating
    assert other_track.pk not in _one_query(scopes[1], watermark)[1]  # outside the track
    assert seen == {"in_due", "in_slipped", "in_completed", "in_candidates"}
    # Once per request: the lists' check and the blockers' read one query between them.
    stamps = current.piece_stamps()
    with django_assert_num_queries(1):
        for _ in range(2):
            stamps.edited_ratings(
                scopes[0], watermark, due_days=DUE_SOON_DAYS, recent_days=RECENT_DAYS
            )
            stamps.edited_since(watermark)
    # Nothing edited since the newest: no query at all.
    with django_assert_num_queries(0):
        assert (
            stamps.edited_ratings(
                scopes[0], stamps.watermark, due_days=DUE_SOON_DAYS, recent_days=RECENT_DAYS
            )
            == {}
        )
