"""core.sql: a builder's SQL compiled once per process per arguments, run as text."""

from django.db import connection

from core.sql import compiled, compiled_once
from parties.models import Party
from tests import factories


def test_compiled_once_builds_once_per_arguments_and_runs_as_the_query_set(db):
    factories.PartyFactory(key="zz-alfa", name="Zz Alfa")
    factories.PartyFactory(key="zz-beta", name="Zz Beta")
    built = []

    @compiled_once
    def named(prefix: str):
        built.append(prefix)
        return Party.objects.filter(name__startswith=prefix).order_by("key").values_list("key")

    for _ in range(3):
        sql, params = named("Zz Al")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            assert [tuple(r) for r in cursor.fetchall()] == [("zz-alfa",)]
    assert named("Zz Be") != named("Zz Al")
    assert built == ["Zz Al", "Zz Be"]
    assert named("Zz Al") == compiled(
        Party.objects.filter(name__startswith="Zz Al").order_by("key").values_list("key")
    )


def test_compiled_once_keeps_sql_put_together_around_a_query_set(db):
    @compiled_once
    def counted(kind: str):
        sql, params = compiled(Party.objects.filter(kind=kind).values("id"))
        return f"SELECT COUNT(*) FROM ({sql}) AS p WHERE p.id > %s", [*params]

    factories.PartyFactory(kind=Party.Kind.REGION)
    factories.PartyFactory(kind=Party.Kind.REGION)
    sql, params = counted(Party.Kind.REGION)
    assert isinstance(params, tuple)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, 0])
        assert cursor.fetchone()[0] == Party.objects.filter(kind=Party.Kind.REGION).count()
    assert counted(Party.Kind.REGION) is counted(Party.Kind.REGION)
