"""`manage.py generate_status_report --period 2026-10 [--publish] [--output report.pdf]`."""

import gc
import io
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from reports import services
from reports.models import StatusReport
from tests.reports.helpers import known_month_build

pytestmark = pytest.mark.django_db


def test_the_command_drafts_publishes_and_writes_the_pdf(
    tmp_path, steering, report_media, django_capture_on_commit_callbacks
):
    known = known_month_build()
    period = f"{known.period:%Y-%m}"
    output = tmp_path / "rapport.pdf"
    out = io.StringIO()
    with time_machine.travel(known.run_at, tick=False):
        call_command("generate_status_report", "--period", period, stdout=out)
        assert "kladde lavet" in out.getvalue()
        with django_capture_on_commit_callbacks(execute=True):
            call_command(
                "generate_status_report",
                "--period",
                period,
                "--publish",
                "--output",
                str(output),
                stdout=out,
            )
    report = StatusReport.objects.get(period=known.period)
    assert report.is_published and "findes allerede" in out.getvalue()
    assert output.read_bytes() == services.status_report_pdf(report)
    assert [m.to for m in mail.outbox] == [[steering.email]]


def test_the_command_explains_a_bad_period(db):
    with pytest.raises(CommandError, match="år-måned"):
        call_command("generate_status_report", "--period", "oktober")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_bench_builds_and_renders_without_storing(report_media, monkeypatch):
    # The bench runs in its own database (here one named after the test database).
    s = connection.settings_dict
    name = s["NAME"] + "_bench"
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    monkeypatch.setenv("BENCH_DATABASE_URL", f"postgres://{s['USER']}@{host}:{port}/{name}")
    out = io.StringIO()
    call_command("bench_report", "--scale", "tiny", stdout=out)
    text = out.getvalue()
    assert f"Bench database: {name} (new)" in text
    assert "PDF (WeasyPrint)" in text and "Ratio report/plain" in text
    assert "render CPU" in text and "render CPU (child)" in text
    # The budget's yardstick: the report's own document by WeasyPrint alone, as many pages.
    pages = re.search(r"PDF \(WeasyPrint\):.*?(\d+) pages", text)[1]
    assert re.search(rf"WeasyPrint alone: .* {pages} pages \(the report's HTML", text)
    assert "Ratio report/alone" in text and "x plain" not in text.split("budget:")[-1]
    assert not StatusReport.objects.exists()


def test_the_yardstick_renders_the_document_it_is_given_and_leaves_the_collector_as_it_was():
    from bench.management.commands import bench_report

    alone = bench_report.weasyprint_alone(bench_report.plain_html(3))
    assert alone["pages"] == 3 and alone["s"] > 0 and alone["cpu_s"] > 0
    assert gc.get_freeze_count() == 0 and gc.isenabled()
