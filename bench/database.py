"""The bench's own PostgreSQL database: never the configured one.

`bench_database()` points Django's default connection at `BENCH_DATABASE_URL`
(default postgres://postgres@127.0.0.1:5432/sorplan_bench) for the length of a
command, whatever `DATABASE_URL` says, and points it back afterwards:

- it refuses the configured database itself, and any database that is not PostgreSQL;
- it creates the database when it is missing, writes the marker table
  (`MARKER_TABLE`, one row) before anything else, migrates it and loads the SOR plan;
- it refuses a database that has tables but no marker: that one holds data the
  generator did not write, and nothing in it is cleared or changed;
- it drops the database afterwards unless `keep`.

Production settings (DEBUG=0) work: the static files storage is the plain one
for the run, since the manifest storage needs `collectstatic` and the bench
serves no static files (it only renders pages and the PDF).
"""

import contextlib
import os
from collections.abc import Iterator

import environ
import psycopg
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend
from django.test.utils import override_settings
from psycopg import sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sorplan_bench"
MARKER_TABLE = "sorplan_bench_marker"
CONNECTION_KEYS = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
PLAIN_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

_active: list[str] = []  # the bench database in use (for a command called by another)


def bench_database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL


def bench_settings(url: str | None = None) -> dict:
    """The connection settings of the bench database (PostgreSQL only)."""
    parsed = environ.Env.db_url_config(url or bench_database_url())
    if parsed.get("ENGINE") != "django.db.backends.postgresql":
        raise CommandError(
            "BENCH_DATABASE_URL skal pege på en PostgreSQL-database "
            "(fx postgres://postgres@127.0.0.1:5432/sorplan_bench)."
        )
    config = {key: parsed[key] for key in CONNECTION_KEYS if key in parsed}
    config.setdefault("OPTIONS", {})
    return config


def _where(config: dict) -> tuple:
    return (config.get("HOST") or "localhost", str(config.get("PORT") or 5432), config["NAME"])


def _admin_connection(config: dict) -> psycopg.Connection:
    """A connection to the server's maintenance database, for CREATE/DROP DATABASE."""
    return psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )


def database_exists(config: dict) -> bool:
    with _admin_connection(config) as admin:
        found = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
    return found is not None


def database_create(config: dict) -> None:
    with _admin_connection(config) as admin:
        name = sql.Identifier(config["NAME"])
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))


def database_drop(config: dict) -> None:
    with _admin_connection(config) as admin:
        name = sql.Identifier(config["NAME"])
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def _switch(config: dict):
    """Point the default connection at `config`; returns what to pass back to restore it.

    A configured database of another engine (SQLite, the development default) gets
    a PostgreSQL connection of its own for the length of the run, so nothing is
    ever written through the configured one."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.close()
    # Content type ids are cached per alias; the other database has its own.
    ContentType.objects.clear_cache()
    if isinstance(config, BaseDatabaseWrapper):  # restoring a connection put aside
        connections[DEFAULT_DB_ALIAS] = config
        return None
    if connection.settings_dict.get("ENGINE") != config["ENGINE"]:
        settings_dict = {**connection.settings_dict, **config}
        connections[DEFAULT_DB_ALIAS] = load_backend(config["ENGINE"]).DatabaseWrapper(
            settings_dict, DEFAULT_DB_ALIAS
        )
        return connection
    before = {key: connection.settings_dict.get(key) for key in CONNECTION_KEYS}
    connection.settings_dict.update(config)
    return before


def _check_synthetic(config: dict) -> bool:
    """True for an empty database, False for a marked one; refuses anything else."""
    connection = connections[DEFAULT_DB_ALIAS]
    tables = set(connection.introspection.table_names())
    if not tables:
        return True
    if MARKER_TABLE not in tables:
        raise CommandError(
            f"Databasen {config['NAME']} indeholder data, som ikke er syntetiske (ingen "
            f"{MARKER_TABLE}-tabel). Benchmarken rører den ikke: vælg en anden "
            "BENCH_DATABASE_URL, eller slet databasen selv, hvis den kan undværes."
        )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {MARKER_TABLE}")
        (marked,) = cursor.fetchone()
    if not marked:
        raise CommandError(
            f"Databasen {config['NAME']} har en tom {MARKER_TABLE}-tabel; benchmarken rører den ikke."
        )
    return False


def _prepare(config: dict, *, fresh: bool) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if fresh:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {MARKER_TABLE} (written_at timestamptz NOT NULL DEFAULT now(), "
                "note text NOT NULL)"
            )
            cursor.execute(
                f"INSERT INTO {MARKER_TABLE} (note) VALUES (%s)",
                ["Synthetic data for sorplan's bench: may be cleared and dropped."],
            )
    call_command("migrate", interactive=False, verbosity=0)
    if fresh:
        call_command("load_sor_roadmap", verbosity=0)


@contextlib.contextmanager
def bench_database(*, keep: bool = False, create: bool = True, stdout=None) -> Iterator[dict]:
    """Run the body against the bench database (see the module's docstring).

    `create=False` uses a bench database kept from an earlier run and fails if there is none.
    Nested use (a bench command calling another) stays in the same database.
    """
    config = bench_settings()
    if _active:
        yield config
        return
    configured = connections[DEFAULT_DB_ALIAS].settings_dict
    if configured.get("ENGINE") == config["ENGINE"] and _where(configured) == _where(config):
        raise CommandError(
            f"BENCH_DATABASE_URL peger på den konfigurerede database ({config['NAME']}); "
            "benchmarken bruger altid sin egen database."
        )
    existed = database_exists(config)
    if not existed and not create:
        raise CommandError(
            f"Benchmarkens database {config['NAME']} findes ikke; kør uden --no-generate "
            "(og med --keep for at beholde den)."
        )
    if not existed:
        database_create(config)
    before = _switch(config)
    _active.append(config["NAME"])
    # Dropped afterwards only if this run created it or found it marked as synthetic.
    droppable = not existed
    try:
        fresh = _check_synthetic(config)
        droppable = True
        if stdout is not None:
            stdout.write(f"Bench database: {config['NAME']} ({'new' if fresh else 'kept'})")
        with override_settings(STORAGES=PLAIN_STORAGES):
            _prepare(config, fresh=fresh)
            yield config
    finally:
        _active.pop()
        _switch(before)
        if droppable and not keep:
            database_drop(config)
