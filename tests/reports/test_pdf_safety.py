"""Hostile text in the plan cannot make the PDF fetch or embed anything: the
fetcher allows only data: URLs and the app's static files, and user text is
escaped, so it shows as text."""

import io
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from pypdf import PdfReader
from weasyprint.urls import URLFetcher

from core.history import system_user_get
from core.pdf import StaticFilesFetcher, render_pdf_in_process
from reports import services
from tests.reports.helpers import (
    known_governance_build,
    known_month_build,
    pdf_text,
)

STATIC = Path(settings.BASE_DIR) / "static"
FONT = "vendor/dkfds-11.2.0/fonts/IBMPlexSans/complete/ttf/IBMPlexSans-Regular.ttf"


def test_the_fetcher_is_a_weasyprint_url_fetcher():
    assert issubclass(StaticFilesFetcher, URLFetcher)


def test_the_fetcher_allows_static_files_and_data_urls():
    fetcher = StaticFilesFetcher(STATIC)
    font = fetcher.fetch((STATIC / FONT).as_uri())
    assert font.read()[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    assert fetcher.fetch("data:text/plain,hej%20%C3%A6%C3%B8%C3%A5").read() == "hej æøå".encode()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        (STATIC / ".." / "sorplan" / "settings.py").as_uri(),
        (STATIC / "css" / ".." / ".." / "manage.py").as_uri(),
        "file://localhost/etc/hostname",
        "file://evil.example/etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/x.png",
        "ftp://example.org/x",
        (STATIC / "does-not-exist.png").as_uri(),
    ],
)
def test_the_fetcher_refuses_everything_else(url):
    fetcher = StaticFilesFetcher(STATIC)
    with pytest.raises(ValueError, match="not allowed"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_a_symlink_out_of_the_static_folder_is_refused(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "passwd").symlink_to("/etc/passwd")
    with pytest.raises(ValueError):
        StaticFilesFetcher(root).fetch((root / "passwd").as_uri())


def test_raw_html_with_file_and_http_urls_embeds_and_fetches_nothing(counting_http_server):
    """Even markup that reaches WeasyPrint unescaped gets nothing through the fetcher."""
    base, hits = counting_http_server
    html = f"""<html><head><link rel="stylesheet" href="{base}/a.css">
      <style>@import url("{base}/b.css"); body {{ background: url("file:///etc/passwd"); }}</style></head>
      <body><img src="file:///etc/passwd"><img src="{base}/c.png">
      <a rel="attachment" href="file:///etc/passwd">vedhæftet</a>
      <a rel="attachment" href="{base}/d.txt">vedhæftet</a>
      <object data="file:///etc/passwd"></object><embed src="{base}/e"></body></html>"""
    pdf = render_pdf_in_process(html, static_root=STATIC)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    assert hits == []
    assert b"root:x:0:0" not in pdf


@pytest.mark.django_db
def test_hostile_text_in_a_milestone_and_an_update_is_shown_as_text(
    counting_http_server, report_media, tmp_path
):

    base, hits = counting_http_server
    title = (
        f'<img src="file:///etc/passwd"><a rel="attachment" href="file:///etc/passwd">x</a>'
        f'<img src="{base}/milestone.png">'
    )
    achievement = f'<img src="{base}/update.png"><a rel="attachment" href="{base}/a.txt">bilag</a>'
    help_needed = (
        f'<link rel="stylesheet" href="{base}/help.css"><style>@import "{base}/i.css";</style>'
    )
    known = known_month_build(
        slipping_title=title,
        update_texts={"achievements": achievement, "help_needed": help_needed},
    )
    # The governance sections carry the same probes in their records' texts.
    hostile = {
        "risk": f'<img src="{base}/risk.png">',
        "mitigation": '<a rel="attachment" href="file:///etc/passwd">afbød</a>',
        "requested": f'<link rel="stylesheet" href="{base}/decision.css">',
        "option": f'<img src="{base}/option.png">',
        "consequences": f'<style>@import "{base}/option.css";</style>',
        "recommendation": '<script>alert("anbefaling")</script>',
        "outcome": f'<iframe src="{base}/outcome.html"></iframe>',
        "action": f'<img src="{base}/action.png">',
        "cause": f'<object data="{base}/cause.svg"></object>',
        "justification": f'<img src="{base}/confidence.png">',
    }
    known_governance_build(known, hostile)
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        report = services.status_report_texts_update(
            report=report,
            user=known.editor,
            leader_summary=f'<script>alert(1)</script><img src="{base}/summary.png">',
            decisions_needed="",
            version=report.version,
        )
        report, _ = services.status_report_publish(report_id=report.pk, user=known.editor)
    content = services.status_report_pdf(report)

    reader = PdfReader(io.BytesIO(content))
    assert reader.attachments == {}  # (a small programme: no spreadsheet either)
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    assert hits == []
    assert b"root:x:0:0" not in content
    text = pdf_text(content, tmp_path)
    assert '<img src="file:///etc/passwd">' in text
    assert f'<img src="{base}/update.png">' in text
    assert f'<link rel="stylesheet" href="{base}/help.css">' in text
    assert "<script>alert(1)</script>" in text
    for probe in hostile.values():
        assert probe in text, probe


@pytest.mark.django_db
def test_hostile_text_is_escaped_in_the_preview_page(client_for, report_media):
    known = known_month_build(slipping_title='<img src="file:///etc/passwd" id="ondt">')
    known_governance_build(known, {"risk": '<img src="x" id="ondrisiko">'})
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        response = client_for(known.editor).get(f"/statusrapporter/{report.period_key}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="ondt"' not in body and 'id="ondrisiko"' not in body
    assert "&lt;img src=&quot;x&quot; id=&quot;ondrisiko&quot;&gt;" in body
    assert "&lt;img src=&quot;file:///etc/passwd&quot; id=&quot;ondt&quot;&gt;" in body


def test_rendering_is_capped_in_memory_and_time():
    from core.pdf import RenderError, render_pdf

    html = "<p>hej</p>"
    assert render_pdf(html, static_root=STATIC).startswith(b"%PDF")
    with pytest.raises(RenderError, match="MB"):
        render_pdf(html, static_root=STATIC, memory_mb=40)
    with pytest.raises(RenderError, match="took more than"):
        render_pdf(html, static_root=STATIC, timeout=0.05)


def test_attachments_made_while_the_child_renders_are_embedded():
    """Attachments given as a function are made in the parent while the child lays the
    document out, then embedded as given; a failure making them stops the child."""
    from core.pdf import PdfAttachment, render_pdf

    made = []

    def attachments():
        made.append(True)
        return (PdfAttachment("milepaele.xlsx", b"regneark", "Alle milepæle"),)

    content = render_pdf("<p>hej</p>", static_root=STATIC, attachments=attachments)
    embedded = PdfReader(io.BytesIO(content)).attachments
    assert made == [True] and embedded == {"milepaele.xlsx": [b"regneark"]}

    def broken():
        raise ValueError("regnearket kunne ikke skrives")

    with pytest.raises(ValueError, match="regnearket"):
        render_pdf("<p>hej</p>", static_root=STATIC, attachments=broken)


def test_a_child_started_before_its_document_renders_it_within_the_limits():
    """A render child started ahead (`render_child`, while the report's figures are
    built) renders the document it is then given, with the same limits; a second
    render starts a child of its own; one no render took is ended with its block."""
    from core.pdf import RenderError, render_child, render_pdf

    with render_child() as child:
        process = child._process
        assert process.poll() is None  # waiting for its document
        content = render_pdf("<p>hej</p>", static_root=STATIC, child=child)
        assert process.returncode == 0
        assert "hej" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
        assert render_pdf("<p>igen</p>", static_root=STATIC, child=child).startswith(b"%PDF")
    with render_child() as child, pytest.raises(RenderError, match="MB"):
        render_pdf("<p>hej</p>", static_root=STATIC, memory_mb=40, child=child)
    with render_child() as child, pytest.raises(RenderError, match="took more than"):
        render_pdf("<p>hej</p>", static_root=STATIC, timeout=0.05, child=child)
    with render_child() as child:
        unused = child._process
    assert unused.returncode is not None
