"""Fixtures for the reports' tests: an empty cache, a baseline with a past,
a temporary media folder, and local SMTP and HTTP servers. Plain helpers are in
helpers.py."""

import http.server
import threading

import pytest
from django.core.cache import cache

from milestones.models import Baseline
from tests.reports.helpers import ago, save_at


@pytest.fixture
def fresh_cache():
    """The dashboard caches under a stamp of the newest history rows; start each test empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def past_baseline(db):
    """A new active baseline whose history says it has been active for over a year."""
    for old in Baseline.objects.filter(is_active=True):
        old.is_active = False
        save_at(old)
    return save_at(Baseline(key="t-baseline", name="Testbaseline", is_active=True), ago(400))


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
