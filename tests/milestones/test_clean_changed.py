"""A save checks what its change can break, and no more (milestones.services.plan.clean_changed)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from milestones.models import Milestone
from milestones.services import plan as services
from milestones.services.plan import clean_changed
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_forecast_change_is_cleaned_without_a_query():
    milestone = factories.MilestoneFactory()
    milestone.forecast_date = datetime.date(2027, 4, 1)
    with CaptureQueriesContext(connection) as full:
        milestone.full_clean()
    with CaptureQueriesContext(connection) as changed:
        clean_changed(milestone, ["forecast_date"])
    # The full clean asks for the activity's row, the key's uniqueness and each constraint.
    assert len(full) >= 3
    assert len(changed) == 0


def test_a_constraint_on_a_changed_field_is_checked_with_the_unchanged_ones(system_user):
    milestone = factories.MilestoneFactory()
    with pytest.raises(ValidationError):
        services.milestone_update(
            milestone_id=milestone.pk,
            version=milestone.version,
            user=system_user,
            data={"status": Milestone.Status.DONE},  # no actual date, not "unknown"
            reason="test",
        )
    milestone.refresh_from_db()
    assert milestone.status != Milestone.Status.DONE


def test_a_changed_relation_is_checked():
    milestone = factories.MilestoneFactory()
    milestone.activity_id = 10**9
    with pytest.raises(ValidationError) as error:
        clean_changed(milestone, ["activity_id"])
    assert "activity" in error.value.message_dict
