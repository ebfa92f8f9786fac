"""Shared fixtures: one user of each role and an outsider, the SOR plan loaded
once per session, a fast password hasher, and the rules for tests that need a
service.

Each app folder's own shared fixtures are in its `conftest.py` (pytest finds
them); plain helper functions are in its `helpers.py`, imported normally.

Tests that need PostgreSQL, Redis (a real Celery worker) or Chromium carry a
marker. Without the service they are skipped with the reason printed — except
when CI is set, where a missing service fails the test instead.
"""

import http.server
import os
import shutil
import socket
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from core.history import system_user_get
from milestones.loader import sor_roadmap_load
from milestones.models import ReportingRound
from milestones.services import rounds
from parties.models import Membership
from tests import factories
from tests.helpers import client_log_in, member, two_factor_give
from tests.milestones.helpers import PERIOD
from tests.smtp import RecordingSmtp, free_port

# Playwright's sync API beside Django's live server raises SynchronousOnlyOperation
# without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = shutil.which("chromium") and "/usr/bin/chromium"
# How long a browser test waits for what the page should show. A wait, not a time limit:
# a passing test takes no longer; a busy CI machine may need more (SORPLAN_TEST_BROWSER_TIMEOUT_MS).
BROWSER_TIMEOUT_MS = int(os.environ.get("SORPLAN_TEST_BROWSER_TIMEOUT_MS", "30000"))
JS_DIR = Path(__file__).resolve().parent / "js"


def _redis_url_of_worker(url: str) -> str:
    """Each pytest-xdist worker (gw0, gw1, ...) its own Redis database number, counting
    down from TEST_REDIS_URL's: a real Celery worker started by one never takes the
    other's tasks, and one's flush never empties the other's queue."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    parsed = urlparse(url)
    number = int(parsed.path.strip("/") or 0) - int(worker[2:])
    if number < 0:
        raise pytest.UsageError(f"TEST_REDIS_URL {url} leaves no Redis database for {worker}")
    return parsed._replace(path=f"/{number}").geturl()


TEST_REDIS_URL = _redis_url_of_worker(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))


def _redis_answers() -> bool:
    url = urlparse(TEST_REDIS_URL)
    try:
        with socket.create_connection(
            (url.hostname or "127.0.0.1", url.port or 6379), timeout=1
        ) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _missing(marker: str) -> str | None:
    if (
        marker == "postgres"
        and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    ):
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis" and not _redis_answers():
        return f"needs Redis at {TEST_REDIS_URL} (TEST_REDIS_URL) for a real Celery worker"
    if marker == "oidc":
        if not shutil.which("node"):
            return "needs node for the OpenID Connect provider of the SSO tests"
        if not (JS_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
            return "needs oidc-provider: npm ci --prefix tests/js (make test does it)"
    if marker == "browser":
        if not CHROMIUM:
            return "needs Debian's Chromium (apt-get install chromium) for browser tests"
        try:
            import playwright  # noqa: F401
        except ImportError:
            return "needs the playwright package"
    return None


_service_cache: dict[str, str | None] = {}


def pytest_configure(config):
    if IN_CI and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError("CI is set but DATABASE_URL does not point at PostgreSQL.")
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        from django.db.backends.postgresql.operations import DatabaseOperations

        if DatabaseOperations.sql_flush is not _sql_flush_by_delete:
            _sql_flush_by_delete.by_truncate = DatabaseOperations.sql_flush
            DatabaseOperations.sql_flush = _sql_flush_by_delete


def _sql_flush_by_delete(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """How a transaction=True test's tables are emptied after it (Django's flush), on
    PostgreSQL: a DELETE of each table, the foreign keys deferred to the commit, instead of
    one TRUNCATE of all of them, and then the rows the session started with (the plan,
    copied by `_snapshot_take`) put back, so the next test finds the plan as every other
    database test does, without loading it again (2-3 s of Python each time).

    TRUNCATE pays per table (new files for each table and index: about 5 s for sorplan's
    120 tables on a loaded machine); the rows a test leaves are few, and deleting them
    takes a fraction of a second. The sequences go on, as after TRUNCATE without RESTART
    IDENTITY (a reset_sequences test gets Django's TRUNCATE, and an empty database)."""
    if reset_sequences or not tables:
        return _sql_flush_by_delete.by_truncate(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    quote = self.quote_name
    return (
        ["SET CONSTRAINTS ALL DEFERRED;"]
        + [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(quote(t))};" for t in tables]
        + [
            f"INSERT INTO {quote(t)} SELECT * FROM {SNAPSHOT_SCHEMA}.{quote(t)};"
            for t in _snapshot_tables
            if t in tables
        ]
    )


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser", "oidc"):
        if item.get_closest_marker(marker) is None:
            continue
        if marker not in _service_cache:
            _service_cache[marker] = _missing(marker)
        reason = _service_cache[marker]
        if reason:
            if IN_CI:
                pytest.fail(f"CI: {reason}", pytrace=False)
            pytest.skip(reason)


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    reasons = sorted({str(r.longrepr[2]) for r in skipped if isinstance(r.longrepr, tuple)})
    if reasons:
        terminalreporter.section("services missing on this machine (tests skipped)")
        for reason in reasons:
            terminalreporter.line(f"- {reason.removeprefix('Skipped: ')}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every database test starts from the real SOR plan, loaded once; on PostgreSQL a
    copy of what it wrote is kept for the flush after a transaction=True test."""
    with django_db_blocker.unblock():
        sor_roadmap_load(user=system_user_get())
        for loader in settings.SOR_ROADMAP_EXTRA_LOADERS:  # as load_sor_roadmap does
            import_string(loader)(user=system_user_get())
        if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
            _snapshot_take()


SNAPSHOT_SCHEMA = "sorplan_test_snapshot"
_snapshot_tables: list[str] = []


def _snapshot_take():
    """A copy of each table that holds rows now (the plan, its seeds, the system user,
    content types and permissions), in a schema of its own in the test database."""
    from django.db import connection

    quote = connection.ops.quote_name
    _snapshot_tables.clear()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
        for table in connection.introspection.django_table_names(only_existing=True):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")
            if cursor.fetchone()[0]:
                cursor.execute(
                    f"CREATE TABLE {SNAPSHOT_SCHEMA}.{quote(table)} AS TABLE {quote(table)}"
                )
                _snapshot_tables.append(table)


@pytest.fixture(autouse=True)
def demo_flag_fresh(monkeypatch):
    """The demo banner's flag is kept per process; a test's demo data is rolled back, so
    each test starts by asking again. It is asked here, before the test, where the
    database is open already, so pages count the same queries on a first request as on
    a second; it does not expire during a test."""
    from milestones import demo

    monkeypatch.setattr(demo, "DEMO_FLAG_SECONDS", 3600)
    demo.demo_flag_reset()
    try:
        demo.demo_data_loaded()
    except RuntimeError:
        pass  # no database for this test (yet): the first page asks
    yield
    demo.demo_flag_reset()


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The role fixtures set a password on each user they make, and the default hasher
    takes a good part of a second per user; an MD5 hasher makes that negligible. Autouse,
    so it is in place before any user fixture runs. Logging in through the real pages works
    the same with it; no test is about the hasher itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def system_user(db):
    return system_user_get()


@pytest.fixture
def editor(db):
    """A SOR-team editor, with two-factor set up (editors must have it)."""
    user = member("t-redaktoer", "sor-team", Membership.Role.EDITOR)
    two_factor_give(user)
    return user


@pytest.fixture
def steering(db):
    """A steering-group reader."""
    return member("t-styregruppe", "sor-styregruppe", Membership.Role.STEERING)


@pytest.fixture
def reporter(db):
    """A party reporter for Region Midtjylland."""
    return member("t-region-midt", "region-midtjylland", Membership.Role.REPORTER)


@pytest.fixture
def rsi_reporter(db):
    return member("t-rsi", "rsi", Membership.Role.REPORTER)


@pytest.fixture
def medcom_reporter(db):
    return member("t-medcom", "medcom", Membership.Role.REPORTER)


@pytest.fixture
def kombit_reporter(db):
    return member("t-kombit", "kombit", Membership.Role.REPORTER)


@pytest.fixture
def outsider(db):
    """Logged in, but member of no party."""
    return factories.UserFactory(username="t-outsider")


@pytest.fixture
def superuser(db):
    user = factories.UserFactory(username="t-admin", is_superuser=True, is_staff=True)
    two_factor_give(user)
    return user


@pytest.fixture
def role_users(editor, steering, reporter, outsider):
    return {"editor": editor, "steering": steering, "reporter": reporter, "outsider": outsider}


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client logged in as user (None: anonymous), its session
    confirmed with two-factor where the user must have it."""
    from django.test import Client

    def make(user):
        c = Client()
        if user is not None:
            client_log_in(c, user)
        return c

    return make


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (Debian's) driven by Playwright, one for a module's tests (each
    test gets its own context, `page`: cookies and storage are not shared). Starting
    Playwright and Chromium takes seconds. Not for the session: Playwright's event loop
    runs in this thread while it lives, where asyncio.run and async_to_sync refuse to."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen")
    pg = context.new_page()
    pg.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield pg
    context.close()


@pytest.fixture
def report_media(settings, tmp_path):
    """Stored PDFs go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def smtp_server(settings):
    """An SMTP server on 127.0.0.1 and a free port; the default mailer points at it."""
    from aiosmtpd.controller import Controller

    handler = RecordingSmtp()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    try:
        yield handler
    finally:
        controller.stop()


# ---------------------------------------------------------------------------
# October 2026's reporting round (the milestones' and the e-mail tests')
# ---------------------------------------------------------------------------
@pytest.fixture
def reporters(reporter, rsi_reporter, medcom_reporter, kombit_reporter, editor, steering):
    """Every role present before the round is made, so the round's obligations include them."""
    return {
        "midt": reporter,
        "rsi": rsi_reporter,
        "medcom": medcom_reporter,
        "kombit": kombit_reporter,
        "editor": editor,
        "steering": steering,
    }


@pytest.fixture
def round_oct(reporters, system_user) -> ReportingRound:
    return rounds.reporting_round_create(period=PERIOD, user=system_user)


@pytest.fixture
def loaded_plan(transactional_db):
    """Request it before the role fixtures: an earlier transaction=True test may have
    flushed the database (loading is idempotent). The plan and the seed facts of the apps
    above it (the register's entries), as `load_sor_roadmap` loads them."""
    sor_roadmap_load(user=system_user_get())
    for loader in settings.SOR_ROADMAP_EXTRA_LOADERS:
        import_string(loader)(user=system_user_get())


# ---------------------------------------------------------------------------
# A tiny HTTP server that counts the requests it gets
# ---------------------------------------------------------------------------
class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list

    def do_GET(self):  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        body = b"body { color: red; }"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def counting_http_server():
    """(base URL, list of paths requested)."""
    hits: list = []
    handler = type("Handler", (_CountingHandler,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
