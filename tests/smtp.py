"""A local SMTP server (aiosmtpd) for the e-mail tests: records what it accepts and can
refuse first attempts. The `smtp_server` fixture in tests/conftest.py starts one."""

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections import Counter


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
