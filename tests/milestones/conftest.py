"""Fixtures for the plan's editing, history and baseline tests."""

import datetime

import pytest
from django.utils import timezone

from core.history import system_user_get
from milestones.models import Baseline, BaselineEntry, Milestone
from parties.models import Membership, Party
from parties.services import membership_grant
from tests import factories

ACTIVE_BASELINE = "plan-000-milepaelsplan-wip"
OLDER_BASELINE = "plan-001-beskrivelse-af-aktiviteter"


@pytest.fixture
def other_editor(db):
    """A second SOR-team editor, to edit the same record at the same time."""
    user = factories.UserFactory(username="t-redaktoer-2", first_name="Olga", last_name="Anden")
    membership_grant(
        user=user,
        party=Party.objects.get(key="sor-team"),
        role=Membership.Role.EDITOR,
        by=system_user_get(),
    )
    return user


@pytest.fixture
def today():
    return timezone.localdate()


def set_baseline_date(milestone, date, precision="day", baseline_key=ACTIVE_BASELINE):
    """Give a milestone a date in a baseline (the seeds state few dates)."""
    baseline = Baseline.objects.get(key=baseline_key)
    BaselineEntry.objects.update_or_create(
        baseline=baseline, milestone=milestone, defaults={"date": date, "precision": precision}
    )
    return baseline


def reload(instance):
    return type(instance).objects.get(pk=instance.pk)


@pytest.fixture
def milestone(db):
    """An open milestone of SDS's SORLS activity (no dates in the seeds)."""
    return Milestone.objects.get(key="sorls-i-drift-paa-nsp")


def months_ahead(today: datetime.date, months: int, day: int = 15) -> datetime.date:
    index = today.month - 1 + months
    return datetime.date(today.year + index // 12, index % 12 + 1, day)


@pytest.fixture
def fast_passwords(settings):
    """Users made by the role fixtures hash their password; the default hasher takes most
    of a second per user. Tests that make many users use this one (not for log-in tests
    through the real page)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
