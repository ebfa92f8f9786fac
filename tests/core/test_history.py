"""core.history: every save names its user and reason; unchanged rows are not saved."""

import pytest

from core.history import apply_changes, record_delete, record_save, system_user_get, upsert
from parties.models import Party
from tests import factories


def test_record_save_puts_the_user_and_reason_on_the_history_row(db, editor):
    party = factories.PartyFactory.build()
    record_save(party, user=editor, reason="Oprettet til test")
    row = party.history.get()
    assert (row.history_user, row.history_change_reason) == (editor, "Oprettet til test")


def test_record_delete_puts_the_user_and_reason_on_the_history_row(db, editor):
    party = factories.PartyFactory()
    party_id = party.pk
    record_delete(party, user=editor, reason="Fejloprettet")
    row = Party.history.filter(id=party_id, history_type="-").get()
    assert (row.history_user, row.history_change_reason) == (editor, "Fejloprettet")


def test_upsert_writes_no_history_row_when_nothing_differs(db, editor):
    values = {"name": "Region Testland", "kind": Party.Kind.REGION, "side": Party.Side.EXTERNAL}
    party, created = upsert(
        Party, lookup={"key": "testland"}, values=values, user=editor, reason="Indlæst"
    )
    assert created
    _party, changed = upsert(
        Party, lookup={"key": "testland"}, values=values, user=editor, reason="Indlæst"
    )
    assert not changed
    assert party.history.count() == 1
    _party, changed = upsert(
        Party,
        lookup={"key": "testland"},
        values={**values, "name": "Region Nyland"},
        user=editor,
        reason="Omdøbt",
    )
    assert changed
    assert [r.history_change_reason for r in party.history.order_by("history_id")] == [
        "Indlæst",
        "Omdøbt",
    ]


def test_apply_changes_compares_a_relation_by_its_key(db):
    milestone = factories.MilestoneFactory()
    same_activity = type(milestone.activity).objects.get(pk=milestone.activity_id)
    assert apply_changes(milestone, {"activity": same_activity, "title": milestone.title}) == []
    assert apply_changes(milestone, {"title": "Ny titel"}) == ["title"]
    assert milestone.title == "Ny titel"


def test_the_system_user_cannot_log_in_and_is_one_user(db):
    user = system_user_get()
    assert not user.is_active
    assert not user.has_usable_password()
    assert system_user_get() == user


def _newest_party_history() -> int:
    return Party.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0


def _renamed(party, **values):
    for name, value in values.items():
        setattr(party, name, value)
    record_save(party, user=system_user_get(), reason="Test")


# Each edit made after the watermark, and whether it changes the watched fields (the name
# and the region, a key that may be NULL).
_EDITS = {
    "nothing": (lambda p, r: None, False),
    "another field": (lambda p, r: _renamed(p, short_name="Andet"), False),
    "the name": (lambda p, r: _renamed(p, name="Nyt navn"), True),
    "the name and back": (
        lambda p, r: (_renamed(p, name="Mellemnavn"), _renamed(p, name="Kommune T")),
        True,
    ),
    "the region set": (lambda p, r: _renamed(p, region=r), True),
    "the region unset and another field": (
        lambda p, r: (_renamed(p, region=r), _renamed(p, short_name="Ny")),
        True,
    ),
    "another field twice": (
        lambda p, r: (_renamed(p, short_name="Et"), _renamed(p, short_name="To")),
        False,
    ),
    "one added": (lambda p, r: factories.PartyFactory(key="t-ny-kommune"), True),
    "one deleted": (lambda p, r: record_delete(p, user=system_user_get()), True),
    # A row saved with no history before the watermark (written in bulk, as an import).
    "one without history before": (
        lambda p, r: _renamed(Party.objects.get(key="t-uden-historik"), short_name="Ny"),
        True,
    ),
}


def _edited_after_a_watermark(edit: str) -> tuple[int, bool]:
    """Two parties with history and one without, then `edit` (of `_EDITS`): the newest
    party history before the edit, and whether the edit changes the watched fields."""
    region = factories.PartyFactory(key="t-region", kind=Party.Kind.REGION)
    party = factories.PartyFactory(key="t-kommune", name="Kommune T", kind=Party.Kind.MUNICIPALITY)
    Party.objects.bulk_create(
        [Party(key="t-uden-historik", name="Uden", kind=Party.Kind.MUNICIPALITY, side="external")]
    )
    watermark = _newest_party_history()
    make, changes = _EDITS[edit]
    make(party, region)
    return watermark, changes


@pytest.mark.parametrize("edit", list(_EDITS))
def test_changed_since_answers_alike_in_one_query_and_two(db, edit, django_assert_num_queries):
    from core.history import _changed_since_orm, _changed_since_sql, changed_since

    watermark, changes = _edited_after_a_watermark(edit)
    fields = ("name", "region_id")
    assert _changed_since_orm(Party, watermark, fields) is changes
    assert _changed_since_sql(Party, watermark, fields) is changes
    with django_assert_num_queries(1):
        assert changed_since(Party, watermark, fields) is changes
    # No field watched: only a row added, deleted or without one before counts.
    only_rows = edit in ("one added", "one deleted", "one without history before")
    assert _changed_since_orm(Party, watermark, ()) is only_rows
    assert _changed_since_sql(Party, watermark, ()) is only_rows


def test_a_models_history_model_is_looked_up_once_and_reads_the_same_rows(db):
    """`history_model` is `Model.history.model` (looked up once per process), and its rows
    are those `Model.history` gives (no instance: not filtered)."""
    from core.history import history_model
    from milestones.models import Goal

    assert history_model(Goal) is Goal.history.model
    assert history_model(Goal) is history_model(Goal)
    assert list(history_model(Goal).objects.values_list("history_id", flat=True)) == list(
        Goal.history.values_list("history_id", flat=True)
    )


@pytest.mark.parametrize("edit", list(_EDITS))
def test_the_history_read_once_answers_as_each_query(db, edit, django_assert_num_queries):
    """Within `history_since_read_once` every question about the history after a
    watermark (`changed_since`, `added_or_deleted_since`, `keys_since`) is answered as
    its own query answers it, from one read since the oldest watermark asked; an older
    one reads again; the scope's next request reads from its oldest at once."""
    from core.history import (
        _changed_since_sql,
        added_or_deleted_since,
        changed_since,
        history_since_read_once,
        keys_since,
    )

    first = _newest_party_history()
    watermark, _changes = _edited_after_a_watermark(edit)
    fields = ("name", "region_id")

    def expected(w):
        rows = Party.history.filter(history_id__gt=w)
        return (
            _changed_since_sql(Party, w, fields),
            _changed_since_sql(Party, w, ("name",)),
            rows.exclude(history_type="~").exists(),
            set(rows.values_list("id", flat=True)),
        )

    def answered(w):
        return (
            changed_since(Party, w, fields),
            changed_since(Party, w, ("name",)),
            added_or_deleted_since(Party, w),
            keys_since(Party, w),
        )

    wanted = {w: expected(w) for w in (watermark, first)}
    scope = ("test", edit)
    with history_since_read_once(Party, fields, scope):
        with django_assert_num_queries(1):
            assert answered(watermark) == wanted[watermark]
        with django_assert_num_queries(1):  # older: read again
            assert answered(first) == wanted[first]
        with django_assert_num_queries(0):
            assert answered(watermark) == wanted[watermark]
    with history_since_read_once(Party, fields, scope):
        with django_assert_num_queries(1):  # from the oldest the scope asked last time
            assert answered(watermark) == wanted[watermark]
            assert answered(first) == wanted[first]
    # Outside one, each its own query; a field it does not read, its own query too.
    assert keys_since(Party, watermark) is None and added_or_deleted_since(Party, first) is None
    with history_since_read_once(Party, ("name",), ("test", "other")):
        with django_assert_num_queries(2):
            assert changed_since(Party, watermark, ("name",)) == wanted[watermark][1]
            assert changed_since(Party, watermark, fields) == wanted[watermark][0]
