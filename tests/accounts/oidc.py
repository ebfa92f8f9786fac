"""A real OpenID Connect provider for the SSO tests: the npm package oidc-provider,
run by tests/js/oidc_provider.mjs on 127.0.0.1 with one test client and test users."""

import json
import select
import subprocess
import time

import pytest

from tests.conftest import BROWSER_TIMEOUT_MS, JS_DIR
from tests.smtp import free_port

CLIENT_ID = "sorplan-test"
CLIENT_SECRET = "sorplan-test-hemmelighed"
# Identities the provider knows, by subject. Any other subject logs in with a made-up,
# verified e-mail that no person in sorplan has.
USERS = {
    "anna-sub": {"email": "anna@region.example", "email_verified": True, "name": "Anna"},
    "lukket-sub": {"email": "lukket@region.example", "email_verified": True},
    "uverificeret-sub": {"email": "anna@region.example", "email_verified": False},
    "inviteret-sub": {"email": "inviteret@region.example", "email_verified": True},
}


def provider_start(base_urls: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    config = {
        "port": port,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{base}/konto/sso/retur/" for base in base_urls],
        "post_logout_redirect_uris": [f"{base}/konto/log-ind/" for base in base_urls],
        "users": USERS,
    }
    process = subprocess.Popen(
        ["node", str(JS_DIR / "oidc_provider.mjs"), json.dumps(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    # Wait for its "ready" line (a wait for the process, not a time limit on the test).
    deadline = time.monotonic() + BROWSER_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if line.startswith("ready "):
                return process, line.split()[1]
        if process.poll() is not None:
            break
    process.kill()
    pytest.fail("The OpenID Connect test provider did not start", pytrace=False)


def provider_settings(issuer: str, **extra) -> dict:
    return {
        "test": {
            "label": "Testudbyder",
            "issuer": issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            **extra,
        }
    }
