"""State moves and their rules, the version check, and history's user and reason."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.versioning import EditConflict
from milestones.models import Activity, Milestone
from register import services
from register.history import entry_history
from register.models import Entry, Step

pytestmark = pytest.mark.django_db


def move(entry, user, **kw):
    return services.entry_state_set(entry_id=entry.pk, version=entry.version, user=user, **kw)


def test_kun_sor_needs_a_date_and_who_confirmed_it(entries, editor):
    entry = entries["midt"]
    with pytest.raises(ValidationError) as error:
        move(entry, editor, state="sor_only")
    assert set(error.value.message_dict) == {"state_date", "state_confirmed_by"}
    entry.refresh_from_db()
    assert entry.state == "shak"
    moved, changed = move(
        entry,
        editor,
        state="sor_only",
        date=datetime.date(2026, 10, 1),
        precision="month",
        confirmed_by="Systemejer, Region Midtjylland",
        reason="Bekræftet på statusmøde",
    )
    assert changed and moved.state == "sor_only" and moved.version == entry.version + 1
    row = Entry.history.filter(id=entry.pk).latest("history_date")
    assert row.history_user == editor
    assert row.history_change_reason == "Bekræftet på statusmøde"
    assert row.state == "sor_only"


def test_a_move_backwards_needs_a_reason(entries, editor):
    entry = entries["syd"]  # SHAK+
    with pytest.raises(ValidationError) as error:
        move(entry, editor, state="shak")
    assert error.value.message_dict["reason"] == [
        "Skriv en begrundelse: “SHAK” er et skridt tilbage fra “SHAK+”."
    ]
    moved, _ = move(entry, editor, state="shak", reason="Kortlægningen var forkert")
    assert moved.state == "shak"
    # Forwards needs none.
    moved, _ = services.entry_state_set(
        entry_id=entry.pk, version=moved.version, user=editor, state="shak_and_sor"
    )
    assert moved.state == "shak_and_sor"


def test_an_update_from_an_old_version_is_refused_with_what_changed(entries, editor, reporter):
    entry = entries["midt"]
    services.entry_update(
        entry_id=entry.pk,
        version=entry.version,
        user=editor,
        data={"solution_description": "Ny løsning"},
        reason="Plan skrevet",
        fields=services.PLAN_FIELDS,
    )
    with pytest.raises(EditConflict) as conflict:
        services.entry_update(
            entry_id=entry.pk,
            version=entry.version,
            user=reporter,
            data={"solution_description": "Min løsning"},
            fields=services.PLAN_FIELDS,
        )
    (change,) = conflict.value.changes
    assert change.reason == "Plan skrevet"
    assert [c.label for c in change.changes] == ["Løsningsbeskrivelse"]


def test_the_state_cannot_be_written_around_its_rules(entries, editor):
    with pytest.raises(ValueError, match="state"):
        services.entry_update(
            entry_id=entries["midt"].pk,
            version=entries["midt"].version,
            user=editor,
            data={"state": "retired"},
        )
    with pytest.raises(ValueError, match="name"):
        services.entry_update(
            entry_id=entries["midt"].pk,
            version=entries["midt"].version,
            user=editor,
            data={"name": "Andet"},
            fields=services.PLAN_FIELDS,
        )


def test_links_and_steps_are_kept_in_history_with_user_and_reason(entries, editor):
    entry = entries["sds"]
    activity = Activity.objects.get(key="sorls-go-live")
    milestone = Milestone.objects.get(key="sorls-i-drift-paa-nsp")
    entry, changed = services.entry_update(
        entry_id=entry.pk,
        version=entry.version,
        user=editor,
        data={},
        activities=[activity],
        milestones=[milestone],
        reason="Knyttet til SORLS",
    )
    assert changed and list(entry.activities.all()) == [activity]
    step, changed = services.step_set(
        entry_id=entry.pk,
        kind=Step.Kind.IN_PRODUCTION,
        version=None,
        user=editor,
        data={"forecast_date": datetime.date(2027, 1, 1), "forecast_precision": "quarter"},
        reason="Plan aftalt",
    )
    assert changed and step.version == 1
    _, changed = services.step_set(
        entry_id=entry.pk,
        kind=Step.Kind.IN_PRODUCTION,
        version=1,
        user=editor,
        data={"forecast_date": datetime.date(2027, 1, 1), "forecast_precision": "quarter"},
    )
    assert not changed
    with pytest.raises(EditConflict):
        services.step_set(
            entry_id=entry.pk, kind=Step.Kind.IN_PRODUCTION, version=None, user=editor, data={}
        )
    history = entry_history(entry)
    assert history[0].context == "I produktion"
    assert history[0].reason == "Plan aftalt"
    assert history[0].changes[0].new == "1. kvartal 2027"
    assert history[0].changes[0].label == "I produktion: Forventet dato"
    link_rows = [e for e in history if e.reason == "Knyttet til SORLS"]
    assert link_rows and all(e.user_label == editor.username for e in link_rows)
    shown = {(c.label, c.new) for e in link_rows for c in e.changes}
    assert ("Aktiviteter", activity.title) in shown
    assert ("Milepæle", milestone.title) in shown
    assert all(r.history_user_id is not None for r in Entry.history.filter(id=entry.pk))
