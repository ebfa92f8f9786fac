"""Fixtures for the plan's tests (editing, history, baselines) and the reporting
rounds' tests. Plain helpers and constants are in helpers.py."""

import pytest
import time_machine
from django.utils import timezone

from milestones.models import Milestone
from parties.models import Membership
from tests.helpers import member
from tests.milestones.helpers import IN_ROUND, MIDT_ACTIVITY


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------
@pytest.fixture
def other_editor(db):
    """A second SOR-team editor, to edit the same record at the same time."""
    return member(
        "t-redaktoer-2", "sor-team", Membership.Role.EDITOR, first_name="Olga", last_name="Anden"
    )


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def milestone(db):
    """An open milestone of SDS's SORLS activity (no dates in the seeds)."""
    return Milestone.objects.get(key="sorls-i-drift-paa-nsp")


# ---------------------------------------------------------------------------
# Reporting rounds
# ---------------------------------------------------------------------------
@pytest.fixture
def midt_milestone(db) -> Milestone:
    """The open milestone of Region Midtjylland's activity."""
    return Milestone.objects.get(key=f"{MIDT_ACTIVITY}-klar")


@pytest.fixture
def frozen():
    """The clock stands inside October 2026's round (a module may set its own moment)."""
    with time_machine.travel(IN_ROUND, tick=False):
        yield
