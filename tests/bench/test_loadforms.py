"""The load test's users fill in the real forms: what bench/loadforms.py reads from a page
and sends back is saved by the real views, with CSRF enforced, and each save's
confirmation is where the load test looks for it."""

import datetime

import pytest
from django.test import Client

from bench.loadforms import (
    ACTIVITY,
    DRAFT_SAVED,
    FORECAST_SAVED,
    QUICK_FORM,
    REPORTING_HOME,
    UPDATE_FORM,
    form_values,
    moved,
)
from milestones.models import DatePrecision, ProgressUpdate, RoundObligation
from tests import factories
from tests.helpers import client_log_in

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    """A logged-in client that checks CSRF as the server does for a browser."""
    return client_log_in(Client(enforce_csrf_checks=True), user)


def test_moved_keeps_how_the_date_was_written():
    assert moved("15.03.2027", 1) == "16.03.2027"
    assert moved("31-12-2026", 1) == "01-01-2027"
    assert moved("2027-03-01", -1) == "2027-02-28"
    assert moved("", 1) == ""


def test_form_values_reads_only_the_marked_form():
    page = """
      <form class="sp-language"><input type="hidden" name="next" value="/x/">
        <select name="language"><option value="da" selected>Dansk</option></select></form>
      <form id="update-form"><input type="hidden" name="csrfmiddlewaretoken" value="t">
        <input type="checkbox" name="unknown" value="1">
        <input type="checkbox" name="ticked" value="1" checked>
        <select name="rag"><option value="">Vælg…</option><option value="red">Rød</option></select>
        <select name="precision"><option value="day">Dag</option>
          <option value="month" selected>Måned</option></select>
        <textarea name="narrative">
Status &amp; plan</textarea>
        <button type="submit" name="action" value="submit">Indsend</button></form>"""
    assert form_values(page, UPDATE_FORM) == {
        "csrfmiddlewaretoken": "t",
        "ticked": "1",
        "rag": "",
        "precision": "month",
        "narrative": "Status & plan",
    }
    assert form_values(page, QUICK_FORM) is None


def test_an_editor_saves_a_forecast_through_the_quick_form(editor):
    # As the load test picks them: open, with a forecast to the day.
    milestone = factories.MilestoneFactory(
        forecast_date=datetime.date(2027, 3, 15), forecast_precision=DatePrecision.DAY
    )
    before = milestone.forecast_date
    client = _browser(editor)
    url = f"/plan/milepaele/{milestone.key}/hurtig/"
    page = client.get(url)
    assert page.status_code == 200
    values = form_values(page.content.decode(), QUICK_FORM)
    assert values["csrfmiddlewaretoken"] and values["version"] == str(milestone.version)
    assert "next" not in values and "language" not in values, "the base layout's forms"
    values["forecast_date"] = moved(values["forecast_date"], 1)
    values["change_reason"] = "Belastningstest: leverandøren har meldt en ny dato"

    saved = client.post(url, values, HTTP_REFERER="http://testserver" + url)

    assert saved.status_code == 302
    assert saved["Location"].split("#")[0] == f"/plan/aktiviteter/{milestone.activity.key}/"
    milestone.refresh_from_db()
    assert milestone.forecast_date == before + datetime.timedelta(days=1)
    assert milestone.history.first().history_change_reason == values["change_reason"]
    shown = client.get(saved["Location"]).content.decode()
    assert FORECAST_SAVED in shown and ACTIVITY in shown


def test_a_reporter_saves_a_draft_of_their_own_update(reporter, round_oct):
    obligation = (
        RoundObligation.objects.filter(round=round_oct, party__key="region-midtjylland")
        .select_related("activity")
        .order_by("pk")
        .first()
    )
    assert obligation is not None, "Region Midtjylland reports in the round"
    client = _browser(reporter)
    assert REPORTING_HOME in client.get("/plan/rapportering/").content.decode()
    url = (
        f"/plan/rapportering/{round_oct.period:%Y-%m}/region-midtjylland/{obligation.activity.key}/"
    )
    values = form_values(client.get(url).content.decode(), UPDATE_FORM)
    assert values["csrfmiddlewaretoken"] and values["version"] == "0"
    values.update(action="draft", narrative="Belastningstest 1a2b: test i gang.")

    saved = client.post(url, values, HTTP_REFERER="http://testserver" + url)

    assert saved.status_code == 302 and saved["Location"] == url
    update = ProgressUpdate.objects.get(round=round_oct, activity=obligation.activity)
    assert update.status == ProgressUpdate.Status.DRAFT
    assert update.narrative == "Belastningstest 1a2b: test i gang."
    again = client.get(url).content.decode()
    assert DRAFT_SAVED in again and "Belastningstest 1a2b" in again
    # The next save starts from the form as it is now (its new version).
    values = form_values(again, UPDATE_FORM)
    values.update(action="draft", narrative="Belastningstest 3c4d: pilot.")
    assert client.post(url, values, HTTP_REFERER="http://testserver" + url).status_code == 302
    update.refresh_from_db()
    assert (update.version, update.narrative) == (2, "Belastningstest 3c4d: pilot.")


def test_a_post_without_the_forms_token_is_refused(reporter, round_oct):
    obligation = RoundObligation.objects.filter(
        round=round_oct, party__key="region-midtjylland"
    ).first()
    client = _browser(reporter)
    url = (
        f"/plan/rapportering/{round_oct.period:%Y-%m}/region-midtjylland/{obligation.activity.key}/"
    )
    values = form_values(client.get(url).content.decode(), UPDATE_FORM)
    values.pop("csrfmiddlewaretoken")
    assert client.post(url, {**values, "action": "draft"}).status_code == 403
