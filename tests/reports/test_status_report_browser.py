"""An editor reads the draft in a browser, writes the texts and publishes (Chromium)."""

import os

import pytest
import time_machine

from core.history import system_user_get
from milestones.loader import sor_roadmap_load
from parties.models import Membership
from reports.models import StatusReport
from tests.reports.helpers import at, known_month_build, member, report_period

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_previews_writes_and_publishes(live_server, page, report_media, tmp_path, settings):
    from milestones.rag import add_months

    period = report_period()
    with time_machine.travel(at(add_months(period, -1).replace(day=2)), tick=False):
        sor_roadmap_load(user=system_user_get())
        editor = member("t-b-redaktoer", "sor-team", Membership.Role.EDITOR, first_name="Rikke")
        member("t-b-styregruppe", "sor-styregruppe", Membership.Role.STEERING)
    known = known_month_build(period=period, editor=editor)
    with time_machine.travel(known.run_at, tick=True):
        from reports import services

        report, _ = services.status_report_generate(period=period, user=system_user_get())
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": _session_for(editor),
                    "url": live_server.url,
                }
            ]
        )
        page.goto(f"{live_server.url}/statusrapporter/")
        page.get_by_role("link", name=report.period.strftime("%Y"), exact=False).first.click()
        assert "Statusrapport for" in page.get_by_role("heading", level=1).inner_text()
        page.get_by_role("heading", name="1. Ledelsesresumé").wait_for()
        page.get_by_role("heading", name="3.3 Skredet i perioden").wait_for()
        page.get_by_role("textbox", name="Ledelsesresumé").fill(
            "Programmet er på sporet, bortset fra Region Midt."
        )
        page.get_by_role("button", name="Gem tekster").click()
        page.get_by_text("Teksterne er gemt.").wait_for()
        page.get_by_text("Programmet er på sporet, bortset fra Region Midt.").first.wait_for()
        if os.environ.get("SORPLAN_KEEP_SCREENSHOTS"):
            page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)
            print("screenshot", tmp_path / "preview.png")
        page.get_by_role("button", name="Publicér og send til styregruppen").click()
        page.wait_for_load_state()
        page.get_by_text("Rapporten er publiceret").wait_for()
    report = StatusReport.objects.get(pk=report.pk)
    assert report.is_published
    assert report.leader_summary == "Programmet er på sporet, bortset fra Region Midt."


def _session_for(user) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    from django_otp import DEVICE_ID_SESSION_KEY

    from tests.helpers import two_factor_give

    # An editor's session confirmed with two-factor, as after the code step.
    store[DEVICE_ID_SESSION_KEY] = two_factor_give(user).persistent_id
    store.save()
    return store.session_key
