"""The bench's synthetic register entries: plans, steps and a state history that the
burn-down reads, with constant queries on the readiness figures."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parties.models import Party
from register import selectors
from register.models import Entry, Step
from register.synthetic import register_synthetic_generate

pytestmark = pytest.mark.django_db


def test_synthetic_entries_have_steps_and_history_and_readiness_queries_stay_constant(
    system_user,
):
    owners = list(Party.objects.regions())
    register_synthetic_generate(count=50, owners=owners, by=system_user, seed=1)
    with CaptureQueriesContext(connection) as small:
        selectors.readiness()
    register_synthetic_generate(count=250, owners=owners, by=system_user, seed=2, prefix="syn2-")
    assert Entry.objects.count() == 300
    assert Step.objects.count() == 900
    assert Entry.history.filter(history_type="+").count() == 300
    with CaptureQueriesContext(connection) as large:
        readiness = selectors.readiness()
    assert len(large) == len(small)
    assert readiness.total == 300
    burndown = selectors.burndown()
    actual = [p.actual for p in burndown.points if p.actual is not None]
    assert len(actual) >= 20 and max(actual) > 0
    assert all(e.full_clean() is None for e in Entry.objects.all()[:20])
