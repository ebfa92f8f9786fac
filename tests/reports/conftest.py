"""Fixtures for the reports' tests: an empty cache, a baseline with a past,
a temporary media folder, and local SMTP and HTTP servers. Plain helpers are in
helpers.py."""

import pytest
from django.core.cache import cache

from milestones.models import Baseline
from tests.reports.helpers import ago, save_at


@pytest.fixture
def fresh_cache():
    """The dashboard caches under a stamp of the newest history rows; start each test empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def past_baseline(db):
    """A new active baseline whose history says it has been active for over a year."""
    for old in Baseline.objects.filter(is_active=True):
        old.is_active = False
        save_at(old)
    return save_at(Baseline(key="t-baseline", name="Testbaseline", is_active=True), ago(400))
