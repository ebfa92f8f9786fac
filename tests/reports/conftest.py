"""Fixtures for the reports' tests: an empty cache, a baseline with a past,
a temporary media folder, and local SMTP and HTTP servers. Plain helpers are in
helpers.py."""

import asyncio
import email
import email.policy
import http.server
import socket
import threading
import time
from collections import Counter

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
# A local SMTP server (aiosmtpd) that records what it accepts
# ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RecordingSmtp:
    """Accepts mail and keeps it; can refuse each recipient's first attempts (451)."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.attempts: Counter = Counter()
        self.refuse_first: int = 0
        self.refuse_permanently: bool = False
        self.delay: float = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            refuse = False
            for rcpt in envelope.rcpt_tos:
                self.attempts[rcpt.lower()] += 1
                if self.attempts[rcpt.lower()] <= self.refuse_first:
                    refuse = True
        if self.refuse_permanently:
            return "554 5.7.1 Afvist"
        if refuse:
            return "451 4.3.0 Midlertidig fejl, prøv igen"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m in self.messages if address.lower() in m["To"].lower()]

    def wait_for(self, count: int, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return
            time.sleep(0.2)
        raise AssertionError(f"only {len(self.messages)} of {count} messages arrived")


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
