"""The suite's own database machinery (tests/conftest.py): the flush after a
transaction=True test takes away what the test wrote and leaves the plan the session
started with."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from milestones.models import Milestone

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.django_table_names(only_existing=True):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.postgres
def test_the_flush_after_a_transactional_test_leaves_the_sessions_plan_and_the_sequences():
    at_start = _counts()
    assert at_start["milestones_milestone"] > 0  # the plan, loaded for the session
    milestone = Milestone.objects.order_by("pk").first()
    added = User.objects.create(username="t-foer-toemning")
    milestone.title = "Ændret af testen"
    milestone.save(update_fields=["title"])

    # As TransactionTestCase calls it after each transaction=True test.
    call_command(
        "flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True
    )

    assert _counts() == at_start
    assert not User.objects.filter(pk=added.pk).exists()
    assert Milestone.objects.get(pk=milestone.pk).title != "Ændret af testen"
    assert User.objects.create(username="t-efter").pk > added.pk  # no RESTART IDENTITY
