"""core.history: every save names its user and reason; unchanged rows are not saved."""

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
