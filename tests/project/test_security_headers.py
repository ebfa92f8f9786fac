"""Every response carries the browser policy headers (issue 15): a strict
Content-Security-Policy without 'unsafe-inline', and the referrer, sniffing, framing and
permissions headers."""

import pytest

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, str]:
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in header.split(";"))
        if part
    }


@pytest.mark.parametrize("path", ["/konto/log-ind/", "/tilgaengelighed/", "/"])
def test_pages_send_a_strict_policy(client_for, editor, path):
    response = client_for(editor).get(path)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_carry_no_inline_script_or_style(client_for, editor):
    html = client_for(editor).get("/").content.decode()
    assert 'name="htmx-config" content=\'{"includeIndicatorStyles": false}\'' in html
    assert " style=" not in html and "<style" not in html
    assert "<script>" not in html and "<script " in html  # only scripts with src
