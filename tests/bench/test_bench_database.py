"""The bench and its generator run in their own database, never the configured one,
and refuse a database holding data they did not write."""

import io

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from bench.database import MARKER_TABLE, database_exists
from bench.loaddata import SCALES
from milestones.models import Activity, Milestone
from parties.models import Party

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _admin():
    s = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        autocommit=True,
    )


def _counts() -> dict:
    return {
        "parties": Party.objects.count(),
        "activities": Activity.objects.count(),
        "milestones": Milestone.objects.count(),
        "milestone history": Milestone.history.count(),
        "users": get_user_model().objects.count(),
    }


@pytest.fixture
def bench_name(monkeypatch):
    name = connection.settings_dict["NAME"] + "_bench"
    monkeypatch.setenv("BENCH_DATABASE_URL", _url(name))
    yield name
    with _admin() as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def test_the_generator_writes_its_own_database_and_leaves_the_configured_one_unchanged(
    bench_name, django_user_model
):
    django_user_model.objects.create_user(username="real-user")
    Party.objects.create(key="real-party", name="En rigtig part", kind=Party.Kind.AUTHORITY)
    before = _counts()
    out = io.StringIO()
    call_command("generate_load_data", "--scale", "tiny", "--keep", stdout=out)
    assert f"skrevet i {bench_name}" in out.getvalue()
    # The configured database (the test database here) is as it was.
    assert _counts() == before
    assert not Party.objects.filter(key__startswith="load-").exists()
    assert connection.settings_dict["NAME"] != bench_name
    # The synthetic programme is in the bench database, which carries the marker.
    with psycopg.connect(_url(bench_name)) as bench:
        assert (
            bench.execute("SELECT count(*) FROM parties_party WHERE key LIKE 'load-%%'").fetchone()[
                0
            ]
            == SCALES["tiny"].parties + SCALES["tiny"].medcom_suppliers  # MedCom's too
        )
        assert bench.execute(f"SELECT count(*) FROM {MARKER_TABLE}").fetchone()[0] == 1
    # Without --keep the command drops the database it used.
    call_command("generate_load_data", "--scale", "tiny", stdout=io.StringIO())
    assert not database_exists({"NAME": bench_name, **_settings()})
    assert _counts() == before


def _settings() -> dict:
    s = connection.settings_dict
    return {k: s[k] for k in ("USER", "PASSWORD", "HOST", "PORT")}


def test_a_database_with_data_the_generator_did_not_write_is_refused_and_left_alone(bench_name):
    with _admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(bench_name)))
    with psycopg.connect(_url(bench_name), autocommit=True) as other:
        other.execute("CREATE TABLE parties_party (id int, name text)")
        other.execute("INSERT INTO parties_party VALUES (1, 'Region Sjælland')")
    for command in (["generate_load_data", "--scale", "tiny"], ["bench", "--scales", "tiny"]):
        with pytest.raises(CommandError, match="indeholder data, som ikke er syntetiske"):
            call_command(*command, stdout=io.StringIO())
    with psycopg.connect(_url(bench_name)) as other:
        assert other.execute("SELECT name FROM parties_party").fetchall() == [("Region Sjælland",)]
    assert connection.settings_dict["NAME"] != bench_name


def test_the_configured_database_is_never_the_bench_database(monkeypatch):
    monkeypatch.setenv("BENCH_DATABASE_URL", _url(connection.settings_dict["NAME"]))
    Party.objects.create(key="real-party", name="En rigtig part", kind=Party.Kind.AUTHORITY)
    with pytest.raises(CommandError, match="den konfigurerede database"):
        call_command("generate_load_data", "--scale", "tiny", stdout=io.StringIO())
    assert Party.objects.filter(key="real-party").exists()


def test_the_bench_measures_the_bare_floor_every_page_warm_and_cold_after_a_real_edit(
    bench_name, django_user_model
):
    """A tiny run: the bare view it serves itself, each page of the list, cold figures
    after an edit through the service (the configured database is untouched), and
    the budget as its last line."""
    from bench.pages import BARE, PAGES, TRIVIAL

    before = _counts()
    out = io.StringIO()
    call_command(
        "bench", "--scales", "tiny", "--runs", "1", "--cold-runs", "1", "--keep", stdout=out
    )
    text = out.getvalue()
    for page in (BARE, TRIVIAL, *PAGES):
        assert f"tiny   {page.name} " in text
    assert "x bare" in text and "cold ms" in text
    last = text.strip().splitlines()[-1]
    assert last == "budget: all within" or last.startswith("budget: over: ")
    assert _counts() == before
    # The cold figures came after real edits: the bench milestone's history names them,
    # and the register entry's for the register's pages.
    with psycopg.connect(_url(bench_name)) as bench:
        (edits,) = bench.execute(
            "SELECT count(*) FROM milestones_historicalmilestone "
            "WHERE history_change_reason LIKE 'Benchmark:%%'"
        ).fetchone()
        (register_edits,) = bench.execute(
            "SELECT count(*) FROM register_historicalentry "
            "WHERE history_change_reason = 'Bench: en rigtig redigering'"
        ).fetchone()
        (medcom_edits,) = bench.execute(
            "SELECT count(*) FROM medcom_historicalcertification "
            "WHERE history_change_reason = 'Bench: en rigtig redigering'"
        ).fetchone()
    assert edits >= len([p for p in PAGES if not p.edit])
    assert register_edits >= len([p for p in PAGES if p.edit == "register"])
    assert medcom_edits >= len([p for p in PAGES if p.edit == "medcom"])
