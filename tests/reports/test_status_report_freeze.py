"""Publishing freezes a report: its figures and PDF are stored once and never change."""

import datetime
import hashlib
import io

import pytest
import time_machine
from django.db import transaction
from django.test import TestCase
from pypdf import PdfReader

from core.history import record_save, system_user_get
from milestones.models import Milestone
from milestones.rag import add_months
from parties.models import Membership
from reports import services
from reports.models import PublishedReportError, ReportRecipient, StatusReport
from tests.reports.helpers import (
    known_report_once,
    member,
    pdf_text,
    report_day,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def published_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The known month's report, published (its PDF stored): built once for the tests of a
    class (a publish renders the PDF, seconds)."""

    def publish(known, report):
        with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
            report, published_now = services.status_report_publish(
                report_id=report.pk, user=known.editor
            )
        # The deliveries are outbox rows of the same transaction, one send queued for each.
        deliveries = services.report_deliveries(report)
        assert published_now and deliveries.count() == len(services.distribution_list())
        assert len(callbacks) == deliveries.count()
        return report

    with known_report_once(django_db_blocker, tmp_path_factory, publish) as made:
        yield made


@pytest.fixture
def published(published_once, db):
    """The class's published report, read again for this test (its own object and file)."""
    known, report = published_once
    return known, StatusReport.objects.get(pk=report.pk)


def test_the_database_refuses_a_published_report_without_pdf(db):
    from django.db import IntegrityError
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        StatusReport.objects.create(
            period="2020-01-01",
            as_of=timezone.now(),
            status=StatusReport.Status.PUBLISHED,
            published_at=timezone.now(),
        )


def test_the_distribution_list_is_steering_users_recipients_and_the_setting(db, settings):
    steering = Membership.Role.STEERING
    member("t-sg-1", "sor-styregruppe", steering, email="Formand@Example.invalid")
    member("t-sg-2", "sor-styregruppe", steering, email="")
    member("t-sg-3", "sor-styregruppe", steering, email="gone@example.invalid", is_active=False)
    member("t-ed", "sor-team", Membership.Role.EDITOR, email="redaktoer@example.invalid")
    ReportRecipient.objects.create(email="kontor@example.invalid", name="Sekretariatet")
    ReportRecipient.objects.create(email="stop@example.invalid", is_active=False)
    settings.SORPLAN_REPORT_EXTRA_RECIPIENTS = ["formand@example.invalid", "arkiv@example.invalid"]
    assert services.distribution_list() == [
        "arkiv@example.invalid",
        "formand@example.invalid",
        "kontor@example.invalid",
    ]


class TestThePublishedReport:
    def test_publishing_stores_the_snapshot_the_pdf_and_its_hash(self, published):
        known, report = published
        report.refresh_from_db()
        assert report.is_published and report.published_by == known.editor
        assert report.snapshot["overall"]["now"]["rag"] == "red"
        content = report.pdf.read()
        assert content.startswith(b"%PDF")
        assert hashlib.sha256(content).hexdigest() == report.pdf_sha256
        # In the order written (the draft and its publishing share one stopped clock's moment).
        reasons = report.history.order_by("history_id").values_list(
            "history_change_reason", flat=True
        )
        assert list(reasons) == ["Kladde oprettet", "Publiceret"]

    def test_publishing_twice_does_nothing(self, published):
        known, report = published
        again, published_now = services.status_report_publish(
            report_id=report.pk, user=known.editor
        )
        assert not published_now and again.pdf_sha256 == report.pdf_sha256

    def test_a_published_report_is_byte_identical_after_the_data_changes(
        self, published, client_for, tmp_path
    ):

        known, report = published
        reader = member("t-styregruppe-frys", "sor-styregruppe", "steering")
        first = b"".join(client_for(reader).get(f"/statusrapporter/{report.period_key}/pdf/"))
        # Later: the milestone is renamed and reached, a new baseline would change its RAG.
        slipping = Milestone.objects.get(pk=known.slipping.pk)
        slipping.title = "Omdøbt efter publicering"
        slipping.version += 1
        record_save(slipping, user=known.editor, reason="Senere ændring")
        second = b"".join(client_for(reader).get(f"/statusrapporter/{report.period_key}/pdf/"))
        assert first == second
        assert hashlib.sha256(second).hexdigest() == report.pdf_sha256
        assert "Omdøbt efter publicering" not in pdf_text(second, tmp_path)
        # The preview of a published report shows the frozen figures too.
        page = client_for(reader).get(f"/statusrapporter/{report.period_key}/").content.decode()
        assert known.slipping.title in page and "Omdøbt efter publicering" not in page

    def test_the_published_pdf_is_not_marked_as_a_draft(self, published, tmp_path):
        _known, report = published
        content = report.pdf.read()
        text = pdf_text(content, tmp_path)
        assert "KLADDE" not in text and "1. Ledelsesresumé" in text
        assert f"Publiceret {report.published_at.day}." in text
        assert len(PdfReader(io.BytesIO(content)).pages) >= 8

    def test_the_model_refuses_changes_to_a_published_report(self, published):
        _known, report = published
        report.refresh_from_db()
        report.leader_summary = "Ændret bagefter"
        with pytest.raises(PublishedReportError):
            report.save()
        with pytest.raises(PublishedReportError), transaction.atomic():
            StatusReport.objects.filter(pk=report.pk).update(leader_summary="Ændret bagefter")
        with pytest.raises(PublishedReportError):
            report.delete()
        with pytest.raises(PublishedReportError):
            StatusReport.objects.filter(pk=report.pk).delete()
        report.refresh_from_db()
        assert report.leader_summary == ""

    def test_texts_of_a_published_report_cannot_be_saved(self, published):
        from django.core.exceptions import ValidationError

        known, report = published
        with pytest.raises(ValidationError, match="publiceret"):
            services.status_report_texts_update(
                report=report,
                user=known.editor,
                leader_summary="x",
                decisions_needed="",
                version=report.version,
            )

    def test_the_next_report_compares_with_the_published_one(self, published):
        known, report = published
        next_period = add_months(known.period, 1)
        with time_machine.travel(report_day(next_period), tick=False):
            draft, _ = services.status_report_generate(period=next_period, user=system_user_get())
            data = services.status_report_data(draft)
        assert draft.previous == report
        assert datetime.datetime.fromisoformat(data["since"]) == report.as_of
        assert data["previous_period_label"] == report.snapshot["period_label"]
        # Nothing moved since: the slipped milestone was red then and is red now.
        rows = {r["key"]: r for r in data["all_milestones"]}
        assert rows[known.slipping.key]["previous_rag"] == rows[known.slipping.key]["rag"] == "red"
        assert data["slipped"] == [] and data["completed"] == []

    def test_the_spreadsheet_appendix_is_a_download_next_to_the_pdf(
        self, published, client_for, outsider
    ):
        """The published report's workbook as its own file: the frozen figures, the same bytes
        each time and after the plan changes, the same readers as the PDF."""
        from django.urls import reverse
        from openpyxl import load_workbook

        known, report = published
        url = reverse("reports:status_report_xlsx", args=[report.period_key])
        client = client_for(known.editor)
        page = client.get(reverse("reports:status_report_detail", args=[report.period_key]))
        assert url in page.content.decode()
        first = client.get(url)
        assert first.status_code == 200
        assert f'filename="milepaele-{report.period_key}.xlsx"' in first["Content-Disposition"]
        milestone = (
            Milestone.objects.exclude(forecast_date=None).filter(forecast_precision="day").first()
        )
        milestone.forecast_date += datetime.timedelta(days=40)
        record_save(milestone, user=known.editor, reason="Flyttet efter publicering")
        again = client.get(url)
        assert again.content == first.content
        embedded = PdfReader(io.BytesIO(report.pdf.read())).attachments
        if embedded:
            assert list(embedded.values())[0][0] == first.content
        sheet = load_workbook(io.BytesIO(first.content))["Milepæle"]
        assert sheet.cell(row=1, column=3).value == "Milepæl"
        assert sheet.max_row - 1 == len(report.snapshot["all_milestones"])
        page_status = (
            client_for(outsider)
            .get(reverse("reports:status_report_pdf", args=[report.period_key]))
            .status_code
        )
        assert client_for(outsider).get(url).status_code == page_status != 200
