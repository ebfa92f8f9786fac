"""The dashboard's rows pickled as their fields' values (`milestones.rag.pickled_as_fields`):
what the cache gives back equals what was stored, field by field, with the rows that
shared an activity (and a party) sharing it again."""

import dataclasses
import datetime
import pickle

import pytest

from bench.loaddata import Scale, load_data_generate
from core.dates import today as today_get
from milestones.models import MilestoneStatus
from milestones.rag import MilestoneRag, pickled_as_fields
from milestones.services.status import status_rebuild
from reports.selectors import current, snapshot
from reports.selectors.snapshot import ActivityRow, MilestoneRow, PartyRef
from tests.helpers import forecast_move

D = datetime.date


def _fields(obj) -> dict:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _same(before, after) -> None:
    assert type(after) is type(before)
    assert after == before
    assert _fields(after) == _fields(before)


def _by_hand() -> MilestoneRow:
    """A row whose every field holds a value of its own (none the default), so a value
    given to the wrong field shows."""
    party = PartyRef(7, "region-x", "Region X", "RX", "region", 3)
    activity = ActivityRow(
        11, "akt", "Aktivitet", "regions", "Regionerne", party, "active", "Aktiv",
        D(2026, 1, 2), "month", D(2026, 9, 30), "quarter", 4,
    )  # fmt: skip
    rag = MilestoneRag(
        "red", "yellow", "overridden", True, "Leverandøren er stoppet", D(2026, 3, 1),
        "month", 45, 1, D(2026, 4, 15), "week",
    )  # fmt: skip
    return MilestoneRow(
        13, "ms", "Milepæl", activity, D(2026, 4, 15), "week", D(2026, 5, 1), "day", True,
        "done", rag, D(2026, 4, 19), 2, 9,
    )  # fmt: skip


def test_every_field_comes_back_as_it_was():
    row = _by_hand()
    values = [_fields(o) for o in (row, row.activity, row.party, row.rag)]
    assert all(len(set(map(repr, v.values()))) == len(v) for v in values)  # all distinct
    back = pickle.loads(pickle.dumps(row, protocol=5))
    _same(row, back)
    for part in ("activity", "party", "rag"):
        _same(getattr(row, part), getattr(back, part))
    # Rebuilt by the constructor, not by the slots' `__setstate__`.
    for obj in (row, row.activity, row.party, row.rag):
        assert obj.__reduce_ex__(5)[0] is type(obj)


def test_a_class_with_a_field_outside_init_is_refused():
    @dataclasses.dataclass(slots=True)
    class Counted:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    with pytest.raises(TypeError):
        pickled_as_fields(Counted)


@pytest.mark.django_db
def test_the_dashboards_rows_come_back_as_they_were_read(fresh_cache):
    load_data_generate(
        scale=Scale(parties=4, activities=8, milestones_per_activity=4, rounds=1, months=6)
    )
    status_rebuild()
    moved = (
        snapshot.Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
        .order_by("pk")
        .first()
    )
    forecast_move(moved, 200)  # one slipped, with a slip and a reason of its own
    scoped = current.Scoped(today=today_get(), parties=snapshot.party_refs(None))
    rows = current.milestone_rows(MilestoneStatus.objects.order_by("milestone_id"), scoped)
    assert len(rows) == MilestoneStatus.objects.count() > 32  # the SOR plan's and the load's
    back = pickle.loads(pickle.dumps(rows, protocol=5))
    assert back == rows
    for before, after in zip(rows, back, strict=True):
        _same(before, after)
        _same(before.activity, after.activity)
        _same(before.party, after.party)
        _same(before.rag, after.rag)
        assert after.rag.reason == before.rag.reason
    # Rows that shared an activity share it again (one copy in the pickle, not one each).
    shared = {id(m.activity) for m in rows}
    assert len({id(m.activity) for m in back}) == len(shared) < len(rows)


def test_the_blockers_reached_as_bits_hold_exactly_their_ids():
    import random

    ids = {0, 7, 8, 9, 15, 16, 20_000} | set(random.Random(3).sample(range(30_000), 5_000))
    bits = pickle.loads(pickle.dumps(current.IdBits.of(ids), protocol=5))
    assert set(bits) == ids
    assert all(pk in bits for pk in ids)
    assert not any(pk in bits for pk in set(range(-3, 30_010)) - ids)
    assert len(pickle.dumps(bits, protocol=5)) < 5_000  # where the frozenset took ~25,000
    assert list(current.IdBits()) == [] and 0 not in current.IdBits.of([])
    # An id far past the rest (a key sequence moved on) is kept apart, not as a huge bitmap.
    far = current.IdBits.MAX_BITS + 5
    mixed = current.IdBits.of({3, far})
    assert set(mixed) == {3, far} and far in mixed and far - 1 not in mixed
    assert len(mixed.bits) == 1
