"""core.versioning: one lock-and-compare for every versioned row, one conflict."""

import pytest
from django.core.exceptions import ValidationError

from core.history import record_save
from core.versioning import EditConflict, locked
from milestones.models import Goal
from tests import factories


@pytest.fixture
def goal(db, editor):
    goal = factories.GoalFactory()
    goal.version = 1
    record_save(goal, user=editor, reason="Oprettet")
    return goal


def test_locked_returns_the_row_at_the_version_seen(goal):
    assert locked(Goal, goal.pk, 1) == goal


def test_locked_raises_edit_conflict_on_a_stale_version(goal, editor):
    goal.version = 2
    goal.title = "Gemt af en anden"
    record_save(goal, user=editor, reason="Rettet")
    with pytest.raises(EditConflict) as conflict:
        locked(Goal, goal.pk, 1, changes=lambda current, seen: [("seen", seen)])
    assert conflict.value.current.title == "Gemt af en anden"
    assert conflict.value.current.version == 2
    assert conflict.value.seen_version == 1
    assert conflict.value.changes == [("seen", 1)]


def test_locked_takes_a_queryset(goal):
    current = locked(Goal.objects.select_related("programme"), goal.pk, 1)
    assert current.programme.key == goal.programme.key


def test_a_refusal_comes_before_the_version_check(goal):
    def refuse(current):
        raise ValidationError("Låst.")

    with pytest.raises(ValidationError, match="Låst"):
        locked(Goal, goal.pk, 99, refuse=refuse)


def test_a_conflict_on_several_rows_names_them(goal):
    conflict = EditConflict(rows=[goal])
    assert conflict.rows == [goal]
    assert conflict.current is None
