"""The synthetic programme's histories end as their triggers would end them, though the
generator writes their ends once after the load (`core.history.validity_deferred`)."""

import pytest
from django.apps import apps
from django.db import connection

from bench.cleanup import load_data_write
from bench.loaddata import SCALES
from core.history import has_validity

pytestmark = [pytest.mark.postgres]


def _validity_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if getattr(model, "instance_type", None) is not None and has_validity(model)
    )


def _ends(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT history_id, valid_until FROM {table} ORDER BY history_id")
        return cursor.fetchall()


def _triggers_and_indexes(table: str) -> tuple[list, list]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND NOT tgisinternal ORDER BY tgname",
            [table],
        )
        triggers = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexdef LIKE %s ORDER BY indexname",
            [table, "%valid_until%"],
        )
        return triggers, cursor.fetchall()


def _rewritten_by_the_triggers(table: str) -> None:
    """Every row of `table` deleted and inserted again: the insert trigger writes every
    row's end, as it does for the services' and the backfill's writes."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE copied AS SELECT * FROM {table}")
        cursor.execute("UPDATE copied SET valid_until = NULL")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} SELECT * FROM copied")
        cursor.execute("DROP TABLE copied")


def test_the_generators_ends_are_those_the_triggers_give(db):
    if connection.vendor != "postgresql":
        pytest.skip("the rows' end is kept on PostgreSQL only")
    tables = _validity_tables()
    # The ratings, the activities, the rounds' obligations and updates, the register's.
    assert len(tables) == 6
    kept = {table: _triggers_and_indexes(table) for table in tables}
    assert all(triggers and indexes for triggers, indexes in kept.values())

    load_data_write(SCALES["tiny"])

    ended = 0
    for table in tables:
        written = _ends(table)
        assert written, table
        # The latest row of each object does not end.
        assert any(end is None for _id, end in written), table
        ended += sum(end is not None for _id, end in written)
        # The triggers enabled again ("O"), the range indexes built again as they were.
        assert _triggers_and_indexes(table) == kept[table], table
        _rewritten_by_the_triggers(table)
        assert _ends(table) == written, table
    assert ended > 100  # the monthly reviews, the ratings' changes, the register's moves


def test_a_failed_load_leaves_the_triggers_and_indexes(db):
    if connection.vendor != "postgresql":
        pytest.skip("the rows' end is kept on PostgreSQL only")
    from django.db import transaction

    from core.history import validity_deferred

    tables = _validity_tables()
    kept = {table: _triggers_and_indexes(table) for table in tables}
    with pytest.raises(ZeroDivisionError):
        with transaction.atomic(), validity_deferred():
            1 / 0  # noqa: B018
    assert {table: _triggers_and_indexes(table) for table in tables} == kept
