"""Demo data is never mistaken for fact (issue 10): it keeps the plan's order, and while
it is loaded every page, every page of the status report's PDF and the xlsx appendix
say "Demodata – illustrativ"; without it, nothing does."""

import datetime
import io
import subprocess

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from milestones.models import (
    Activity,
    Dependency,
    Milestone,
    MunicipalityRollout,
    ProgressUpdate,
    ReportingRound,
)
from reports import report_xlsx, services
from tests.crawl import is_api_endpoint, sample_path, sample_values
from tests.helpers import scope_transaction
from tests.project.test_i18n import NOT_PAGES
from tests.project.test_login_required import walk

pytestmark = pytest.mark.django_db

BANNER = "Demodata – illustrativ"
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest's fast_passwords


@pytest.fixture(scope="class")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo data, loaded once for the tests of a class (a load takes seconds): kept in
    a transaction each test rolls back to, rolled back after the class's last test."""
    with scope_transaction(django_db_blocker):
        with django_db_blocker.unblock(), override_settings(DEBUG=True, PASSWORD_HASHERS=MD5):
            call_command("load_demo_data", verbosity=0)
        yield


@pytest.fixture
def demo(demo_loaded, db):
    """The demo data is loaded (by the class's `demo_loaded`)."""


def _when(m: Milestone) -> datetime.date | None:
    return m.actual_period_end or m.forecast_period_end


def _sample_values(editor) -> dict:
    period = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    update = ProgressUpdate.objects.filter(party__key="region-midtjylland").first()
    return sample_values(update=update, period=period, editor=editor)


def _pages_text(content: bytes, tmp_path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    pages = int(
        next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )
    texts = []
    for number in range(1, pages + 1):
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-f", str(number), "-l", str(number), str(path), "-"],
            capture_output=True,
            check=True,
        )
        texts.append(" ".join(done.stdout.decode("utf-8").split()))
    return texts


def _last_month_report(user):
    period = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    report, _ = services.status_report_generate(period=period, user=user)
    return report


class TestWhileDemoDataIsLoaded:
    # -----------------------------------------------------------------------
    # The plan's order
    # -----------------------------------------------------------------------
    def test_the_demo_violates_no_dependency(self, demo):
        links = Dependency.objects.select_related("predecessor", "successor")
        assert links.count() > 20
        for link in links:
            pred, succ = link.predecessor, link.successor
            if succ.is_done:
                assert pred.is_done, f"{succ.key} reached before {pred.key}"
            if pred.actual_date and succ.actual_date:
                assert succ.actual_date >= pred.actual_date, (pred.key, succ.key)
            if _when(pred) and _when(succ):
                assert _when(succ) >= _when(pred), (pred.key, _when(pred), succ.key, _when(succ))

    def test_no_municipality_in_production_before_fk_oss_is_certified(self, demo):
        certified = Milestone.objects.get(key="fk-oss-sor-certificeret")
        live = MunicipalityRollout.objects.exclude(status=MunicipalityRollout.Status.NOT_STARTED)
        assert live.filter(status=MunicipalityRollout.Status.IN_PRODUCTION).count() == 4
        assert certified.is_done and certified.actual_date
        for rollout in live:
            assert rollout.status_date >= certified.actual_date, rollout.municipality.name
        assert certified.demo_fields  # an illustrative date, marked as such

    def test_no_supplier_is_done_before_medcom_certified_it(self, demo):
        certified = Milestone.objects.get(key="medcom-it-leverandoerer-certificeret")
        suppliers = Activity.objects.get(key="it-leverandoerer-sor-i-meddelelser")
        if not certified.is_done:
            assert suppliers.status != Activity.Status.DONE
            assert not Milestone.objects.get(key="medcom-adressering-med-sor-alene").is_done

    def test_a_seed_date_the_demo_has_to_move_is_marked_and_the_plan_keeps_it(self, demo):
        end = Milestone.objects.get(key="shak-udfaset")
        in_plan = end.baseline_entries.get(baseline__key="plan-000-milepaelsplan-wip")
        assert (in_plan.date.year, in_plan.precision) == (2026, "year")
        if end.forecast_date != in_plan.date:
            assert "forecast_date" in end.demo_fields

    # -----------------------------------------------------------------------
    # The banner: every page, for every role
    # -----------------------------------------------------------------------
    def test_every_page_for_every_role_carries_the_banner(
        self, demo, client_for, editor, steering, reporter, outsider, system_user
    ):
        period = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        assert ReportingRound.objects.filter(period=period).exists()
        services.status_report_generate(period=period, user=system_user)
        # The region's demo update back to a draft, so its edit page is a page too.
        ProgressUpdate.objects.filter(party__key="region-midtjylland").update(
            status=ProgressUpdate.Status.DRAFT, submitted_at=None
        )
        values = _sample_values(editor)
        clients = {
            "redaktør": client_for(editor),
            "styregruppe": client_for(steering),
            "rapportør": client_for(reporter),
            "udenforstående": client_for(outsider),
            "anonym": client_for(None),
        }
        routes = [
            (r, n)
            for r, n, _e in walk(get_resolver())
            if not r.startswith("admin/") and not is_api_endpoint(n)
        ]
        without, checked = [], set()
        for route, name in routes:
            if name in NOT_PAGES:
                continue
            path = sample_path(route, values)
            for role, client in clients.items():
                response = client.get(path)
                if response.status_code != 200 or "html" not in response["Content-Type"]:
                    continue
                checked.add(name)
                html = response.content.decode()
                if BANNER not in html or "demobaselinen" not in html:
                    without.append((role, path))
        assert without == []
        assert sorted({n for _r, n in routes if n not in NOT_PAGES} - checked) == []

    def test_the_per_field_mark_shows_beside_the_demo_value_only(self, demo, client_for, steering):
        html = (
            client_for(steering)
            .get(
                reverse("milestones:milestone_detail", args=["medcom-adresseringsprojekt-starter"])
            )
            .content.decode()
        )
        facts = html.split('<dl class="sp-facts">', 1)[1].split("</dl>", 1)[0]
        forecast = facts.split("Forventet dato", 1)[1].split("</dd>", 1)[0]
        actual = facts.split("Faktisk dato", 1)[1].split("</dd>", 1)[0]
        assert "demodata" not in forecast  # the plan's December 2023
        assert "demodata" in actual  # the demo's reached date

    # -----------------------------------------------------------------------
    # The status report: every page of the PDF, the xlsx appendix, the e-mails
    # -----------------------------------------------------------------------
    def test_every_page_of_the_pdf_carries_the_banner(
        self, demo, report_media, system_user, tmp_path
    ):
        report = _last_month_report(system_user)
        pages = _pages_text(services.status_report_pdf(report), tmp_path)
        assert len(pages) >= 5
        missing = [number for number, text in enumerate(pages, start=1) if BANNER not in text]
        assert missing == []
        assert "demobaselinen" in pages[0]  # the front page names what is illustrative

    def test_the_xlsx_appendix_says_so_first(self, demo, system_user):
        report = _last_month_report(system_user)
        data = services.status_report_data(report)
        assert data["demo"] is True
        workbook = load_workbook(io.BytesIO(report_xlsx.milestones_xlsx(data)))
        first = workbook.worksheets[0]
        assert first.title == "Demodata" and first["A1"].value == BANNER
        assert "demobaselinen" in first["A2"].value
        assert workbook.worksheets[1].title == "Milepæle"
        plain = load_workbook(io.BytesIO(report_xlsx.milestones_xlsx({**data, "demo": False})))
        assert [s.title for s in plain.worksheets] == ["Milepæle"]

    def test_every_e_mail_says_so_while_demo_data_is_loaded(self, demo, system_user):
        """The published report's mail to the steering group (and every other: they share
        core.mail's base and footer) carries the mark in its subject, at its top and at its end."""
        from core.mail import mail_render

        report = _last_month_report(system_user)
        for template in ("report_published", "report_ready"):
            subject, text, html = mail_render(template, {"report": report, "site_url": ""})
            assert subject.startswith("[Demodata] "), subject
            assert BANNER in text and "demobaselinen" in text
            body = html.index("<body")
            assert body < html.index(BANNER) < html.lower().index("statusrapport", body)


# ---------------------------------------------------------------------------
# Without demo data: no banner, no mark
# ---------------------------------------------------------------------------
def test_without_demo_data_no_page_has_a_banner(client_for, editor, steering):
    for client in (client_for(editor), client_for(steering), client_for(None)):
        for url in (
            reverse("reports:dashboard"),
            reverse("milestones:roadmap"),
            reverse("milestones:activity_detail", args=["medcom-adresseringsprojekt"]),
            reverse("login"),
        ):
            response = client.get(url, follow=True)  # anonymous: the log-in page
            assert response.status_code == 200, url
            assert BANNER not in response.content.decode(), url


def test_without_demo_data_the_pdf_has_no_banner(report_media, system_user, tmp_path):
    report = _last_month_report(system_user)
    pages = _pages_text(services.status_report_pdf(report), tmp_path)
    assert not any("Demodata" in text for text in pages)


def test_without_demo_data_no_e_mail_says_so(system_user):
    from core.mail import mail_render

    report = _last_month_report(system_user)
    subject, text, html = mail_render("report_ready", {"report": report, "site_url": ""})
    assert "Demodata" not in subject + text + html
