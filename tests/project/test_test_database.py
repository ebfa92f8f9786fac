"""The suite's own database machinery (tests/conftest.py, tests/helpers.py): what a
transaction=True test leaves is emptied, and a scope's transaction is rolled back."""

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
def test_the_flush_after_a_transactional_test_empties_every_table_and_keeps_the_sequences():
    assert Milestone.objects.exists()  # the plan, loaded
    last = User.objects.order_by("-pk").first().pk  # the system user at least
    # As TransactionTestCase calls it after each transaction=True test.
    call_command(
        "flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True
    )
    assert {table: n for table, n in _counts().items() if n} == {}
    assert User.objects.create(username="t-efter").pk > last  # no RESTART IDENTITY
