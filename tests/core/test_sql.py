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


def test_among_as_in_for_few_and_many_values_and_none(db):
    from core.history import as_of_queryset
    from core.sql import AMONG_ARRAY_FROM, among

    for i in range(5):
        factories.PartyFactory(key=f"zz-among-{i}", name=f"Zz Among {i}")
    ids = list(Party.objects.filter(key__startswith="zz-among-").values_list("pk", flat=True))
    few = ids[:3]
    many = [*ids[:3], *range(10**8, 10**8 + AMONG_ARRAY_FROM)]  # a few that exist, many not
    for queryset in (Party.objects.all(), as_of_queryset(Party, None)):
        for values in (few, many, []):
            found = among(queryset, "id", values)
            assert sorted(found.values_list("id", flat=True)) == sorted(few if values else [])
            # Run as text around it (`sql_with_params`), as the register's counts are.
            sql, params = found.values("id").query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS x", params)
                assert cursor.fetchone()[0] == (len(few) if values else 0)
            if values is many and connection.vendor == "postgresql":
                assert len(params) < AMONG_ARRAY_FROM  # one array, not a parameter each
