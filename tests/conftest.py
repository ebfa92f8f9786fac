"""Shared fixtures: one user of each role and an outsider, the SOR plan loaded
once per session, and the rules for tests that need a service.

Tests that need PostgreSQL, Redis (a real Celery worker) or Chromium carry a
marker. Without the service they are skipped with the reason printed — except
when CI is set, where a missing service fails the test instead.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from milestones.loader import sor_roadmap_load
from parties.models import Membership, Party
from parties.services import membership_grant, system_user_get
from tests import factories

# Playwright's sync API beside Django's live server (see RECIPES.md).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = shutil.which("chromium") and "/usr/bin/chromium"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


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


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
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
    """Every database test starts from the real SOR plan, loaded once."""
    with django_db_blocker.unblock():
        sor_roadmap_load(user=system_user_get())
        for loader in settings.SOR_ROADMAP_EXTRA_LOADERS:  # as load_sor_roadmap does
            import_string(loader)(user=system_user_get())


@pytest.fixture
def system_user(db):
    return system_user_get()


def _member(username: str, party_key: str, role: str, **extra):
    user = factories.UserFactory(username=username, **extra)
    membership_grant(
        user=user, party=Party.objects.get(key=party_key), role=role, by=system_user_get()
    )
    return user


@pytest.fixture
def editor(db):
    """A SOR-team editor."""
    return _member("t-redaktoer", "sor-team", Membership.Role.EDITOR)


@pytest.fixture
def steering(db):
    """A steering-group reader."""
    return _member("t-styregruppe", "sor-styregruppe", Membership.Role.STEERING)


@pytest.fixture
def reporter(db):
    """A party reporter for Region Midtjylland."""
    return _member("t-region-midt", "region-midtjylland", Membership.Role.REPORTER)


@pytest.fixture
def rsi_reporter(db):
    return _member("t-rsi", "rsi", Membership.Role.REPORTER)


@pytest.fixture
def medcom_reporter(db):
    return _member("t-medcom", "medcom", Membership.Role.REPORTER)


@pytest.fixture
def kombit_reporter(db):
    return _member("t-kombit", "kombit", Membership.Role.REPORTER)


@pytest.fixture
def outsider(db):
    """Logged in, but member of no party."""
    return factories.UserFactory(username="t-outsider")


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="t-admin", is_superuser=True, is_staff=True)


@pytest.fixture
def role_users(editor, steering, reporter, outsider):
    return {"editor": editor, "steering": steering, "reporter": reporter, "outsider": outsider}


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client logged in as user (None: anonymous)."""
    from django.test import Client

    def make(user):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture
def browser():
    """A headless Chromium (Debian's) driven by Playwright."""
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
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
