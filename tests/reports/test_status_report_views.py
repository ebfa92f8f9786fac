"""The status report pages: archive, preview, PDF, texts, publish, create, resend.
Every member reads published reports; drafts and every change are the SOR-team's."""

import datetime
import json

import pytest
import time_machine
from django.core import mail
from django.core.serializers.json import DjangoJSONEncoder

from core.history import system_user_get
from core.models import OutboxMessage
from reports import report_data, services
from reports.models import StatusReport
from tests.reports.helpers import known_month_build

pytestmark = pytest.mark.django_db

DRAFT = datetime.date(2020, 3, 1)
PUBLISHED = datetime.date(2020, 2, 1)


@pytest.fixture
def reports(db, report_media):
    """A published report (February 2020, no figures to speak of) and a draft (March 2020)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    published = StatusReport(
        period=PUBLISHED,
        as_of=services.report_as_of(PUBLISHED),
        status=StatusReport.Status.PUBLISHED,
        published_at=timezone.now(),
        snapshot=json.loads(
            json.dumps(
                report_data.build(
                    period=PUBLISHED, as_of=services.report_as_of(PUBLISHED), previous=None
                ),
                cls=DjangoJSONEncoder,
            )
        ),
        pdf_sha256="0" * 64,
    )
    published.pdf.save("x.pdf", ContentFile(b"%PDF-1.7 frozen bytes"), save=False)
    published.save()
    OutboxMessage.objects.create(
        dedupe_key=services.delivery_key(published),
        template="report_published",
        address="fejl@example.invalid",
        subject="Statusrapport",
        body_text="Statusrapport",
        status=OutboxMessage.Status.FAILED,
        attempts=9,
        last_error="SMTPDataError: 451",
        message_id="<x@y>",
        next_attempt_at=timezone.now(),
    )
    draft = StatusReport.objects.create(period=DRAFT, as_of=services.report_as_of(DRAFT))
    return {"published": published, "draft": draft}


def test_archive_lists_drafts_for_the_sor_team_only(client_for, editor, steering, reports):
    page = client_for(editor).get("/statusrapporter/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Februar 2020" in html and "Marts 2020" in html and "1 fejlet" in html
    html = client_for(steering).get("/statusrapporter/").content.decode()
    assert "Februar 2020" in html and "Marts 2020" not in html and "fejlet" not in html
    assert "Lav kladde" not in html


def test_archive_needs_log_in_and_membership(client_for, outsider, reports):
    response = client_for(None).get("/statusrapporter/")
    assert response.status_code == 302 and "/konto/log-ind/" in response["Location"]
    response = client_for(outsider).get("/statusrapporter/")
    assert response.status_code == 403


def test_a_published_pdf_is_the_stored_file_for_every_member(client_for, reporter, reports):
    response = client_for(reporter).get("/statusrapporter/2020-02/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response) == b"%PDF-1.7 frozen bytes"
    assert 'filename="statusrapport-2020-02.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize("path", ["/statusrapporter/2020-03/", "/statusrapporter/2020-03/pdf/"])
def test_a_draft_is_hidden_from_members_outside_the_sor_team(client_for, steering, reports, path):
    assert client_for(steering).get(path).status_code == 404


@pytest.mark.parametrize("path", ["/statusrapporter/2019-01/", "/statusrapporter/noget/pdf/"])
def test_unknown_periods_are_404(client_for, editor, reports, path):
    assert client_for(editor).get(path).status_code == 404


def test_the_sor_team_previews_a_draft_and_sees_the_tools(client_for, editor, reports):
    response = client_for(editor).get("/statusrapporter/2020-03/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Forhåndsvisning", "Gem tekster", "Publicér og send til styregruppen"):
        assert text in html
    assert "1. Ledelsesresumé" in html and "Bilag: Alle milepæle" in html


def test_the_delivery_log_is_the_sor_teams(client_for, editor, steering, reports):
    assert (
        "fejl@example.invalid"
        in client_for(editor).get("/statusrapporter/2020-02/").content.decode()
    )
    html = client_for(steering).get("/statusrapporter/2020-02/").content.decode()
    assert "fejl@example.invalid" not in html and "Gem tekster" not in html


# ---------------------------------------------------------------------------
# Mutating views: works; GET 405; anonymous -> log-in; outsider -> 403 page;
# a member who may not see the draft -> 404; who may see but not change -> 403.
# ---------------------------------------------------------------------------
MUTATING = [
    "/statusrapporter/2020-03/tekster/",
    "/statusrapporter/2020-03/publicer/",
    "/statusrapporter/2020-02/send-igen/",
    "/statusrapporter/ny/",
]


@pytest.mark.parametrize("path", MUTATING)
def test_mutating_views_refuse_get(client_for, editor, reports, path):
    assert client_for(editor).get(path).status_code == 405


@pytest.mark.parametrize("path", MUTATING)
def test_mutating_views_send_anonymous_to_log_in(client_for, reports, path):
    response = client_for(None).post(path)
    assert response.status_code == 302 and "/konto/log-ind/" in response["Location"]


@pytest.mark.parametrize("path", MUTATING)
def test_mutating_views_refuse_people_without_membership(client_for, outsider, reports, path):
    response = client_for(outsider).post(path)
    assert response.status_code == 403
    assert "ikke tilknyttet en part" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/statusrapporter/2020-03/tekster/", 404),  # a draft they may not see
        ("/statusrapporter/2020-03/publicer/", 404),
        ("/statusrapporter/2020-02/send-igen/", 403),  # published: seen, not changed
        ("/statusrapporter/2020-02/publicer/", 403),
        ("/statusrapporter/2020-02/tekster/", 403),
        ("/statusrapporter/ny/", 403),
    ],
)
def test_members_outside_the_sor_team_cannot_change_reports(
    client_for, steering, reports, path, status
):
    assert client_for(steering).post(path, {"period": "2020-01"}).status_code == status


def test_editor_saves_the_texts_with_history(client_for, editor, reports):
    draft = reports["draft"]
    response = client_for(editor).post(
        "/statusrapporter/2020-03/tekster/",
        {
            "leader_summary": "Resumé med æøå.",
            "decisions_needed": "Godkend ny plan.",
            "version": draft.version,
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.leader_summary, draft.decisions_needed) == ("Resumé med æøå.", "Godkend ny plan.")
    assert draft.version == 2
    row = draft.history.first()
    assert row.history_user == editor
    assert row.history_change_reason == "Ledelsesresumé og beslutninger redigeret"


def test_a_stale_version_keeps_what_the_user_typed(client_for, editor, reports):
    draft = reports["draft"]
    services.status_report_texts_update(
        report=draft, user=editor, leader_summary="Først", decisions_needed="", version=1
    )
    response = client_for(editor).post(
        "/statusrapporter/2020-03/tekster/",
        {"leader_summary": "Min tekst", "decisions_needed": "", "version": 1},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Min tekst" in html and "En anden har gemt teksterne" in html
    draft.refresh_from_db()
    assert draft.leader_summary == "Først"


def test_editor_creates_a_draft_for_a_finished_month(client_for, editor, reports):
    with time_machine.travel(datetime.datetime(2020, 4, 15, 12, tzinfo=datetime.UTC), tick=False):
        response = client_for(editor).post("/statusrapporter/ny/", {"period": "2020-01"})
    assert response.status_code == 302
    assert StatusReport.objects.filter(period=datetime.date(2020, 1, 1)).exists()
    response = client_for(editor).post("/statusrapporter/ny/", {"period": "2020-02"})
    assert response.status_code == 400  # already has one


def test_editor_publishes_and_the_steering_group_gets_it_once(
    client_for, editor, steering, django_capture_on_commit_callbacks, report_media
):
    known = known_month_build(editor=editor)
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(editor).post(f"/statusrapporter/{report.period_key}/publicer/")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.is_published and report.published_by == editor
    assert [m.to for m in mail.outbox] == [[steering.email]]
    message = mail.outbox[0]
    assert message.subject.startswith("Statusrapport for ")
    assert message.attachments[0].filename == report.filename
    assert message.attachments[0].content == report.pdf.read()
    assert message.extra_headers["Message-ID"] == services.report_message_id(report, steering.email)
    # Publishing again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client_for(editor).post(f"/statusrapporter/{report.period_key}/publicer/")
    assert len(mail.outbox) == 1


def test_the_publish_request_service_publishes_with_history_user_and_reason(
    editor, steering, django_capture_on_commit_callbacks, report_media
):
    # The publish view calls this service; tasks run in-process here, so the report
    # comes back published, by the requesting user, with the history saying so.
    known = known_month_build(editor=editor)
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        with django_capture_on_commit_callbacks(execute=True):
            report = services.status_report_publish_request(report=report, user=editor)
    assert report.is_published and report.published_by == editor
    last = report.history.order_by("-history_date", "-history_id").first()
    assert last.history_user == editor and last.history_change_reason == "Publiceret"
    assert [m.to for m in mail.outbox] == [[steering.email]]


def test_resend_queues_failed_deliveries_again(client_for, editor, reports):
    response = client_for(editor).post("/statusrapporter/2020-02/send-igen/")
    assert response.status_code == 302
    delivery = services.report_deliveries(reports["published"]).get()
    assert delivery.status in (OutboxMessage.Status.PENDING, OutboxMessage.Status.SENT)


def test_a_render_that_times_out_twice_is_recorded_shown_and_mailed_to_the_editors(
    client_for, editor, steering, reports, settings, django_capture_on_commit_callbacks
):
    settings.SORPLAN_REPORT_RENDER_TIMEOUT = 0.01  # the child process is stopped at once
    settings.SORPLAN_REPORT_RENDER_RETRY_DELAY = 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post("/statusrapporter/2020-03/publicer/")
    assert response.status_code == 302
    draft = StatusReport.objects.get(pk=reports["draft"].pk)
    assert not draft.is_published and "PDF rendering took more than" in draft.publish_error
    last = draft.history.order_by("-history_date", "-history_id").first()
    assert last.history_user == editor
    assert last.history_change_reason == "Publicering mislykkedes"
    # No delivery; the editors are told, once.
    assert not services.report_deliveries(draft).exists()
    assert [m.to for m in mail.outbox] == [[editor.email]]
    assert mail.outbox[0].subject == "Statusrapporten for marts 2020 kunne ikke publiceres"
    assert "PDF rendering took more than" in mail.outbox[0].body
    html = client_for(editor).get("/statusrapporter/2020-03/").content.decode()
    assert "Publiceringen mislykkedes" in html and "PDF rendering took more than" in html
    archive = client_for(editor).get("/statusrapporter/").content.decode()
    assert "Publiceringen mislykkedes" in archive


def test_a_published_report_without_deliveries_is_shown_as_an_error(client_for, editor, reports):
    services.report_deliveries(reports["published"]).delete()
    html = client_for(editor).get("/statusrapporter/2020-02/").content.decode()
    assert "Fejl: rapporten er publiceret, men der er ingen udsendelser" in html
    archive = client_for(editor).get("/statusrapporter/").content.decode()
    assert "Fejl: ingen udsendelser" in archive


def test_publishing_with_the_broker_down_says_so_and_keeps_the_draft(
    client_for, editor, reports, settings
):
    from tests.core.test_outbox_worker import broker_at
    from tests.smtp import free_port

    with broker_at(f"redis://127.0.0.1:{free_port()}/0"):
        response = client_for(editor).post("/statusrapporter/2020-03/publicer/", follow=True)
    assert response.status_code == 200
    assert "Publiceringen kunne ikke sættes i gang lige nu" in response.content.decode()
    assert not StatusReport.objects.get(pk=reports["draft"].pk).is_published
