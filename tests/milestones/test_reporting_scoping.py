"""Party scoping: a reporter reads and writes only the updates of the parties they
report for, by URL, by form field and by htmx; the steering group never sees drafts."""

import re

import pytest

from milestones.models import ProgressUpdate
from milestones.services import updates
from tests.milestones.helpers import (
    HOVEDSTADEN_ACTIVITY,
    MEDCOM_ACTIVITY,
    MIDT_ACTIVITY,
    detail,
    edit_path,
    form_data,
    make_update,
    party,
    review,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def others(round_oct, reporters):
    """Region Hovedstaden's draft (by RSI) and submitted update, and MedCom's draft."""
    hovedstaden = make_update(
        round_oct, "region-hovedstaden", HOVEDSTADEN_ACTIVITY, user=reporters["rsi"]
    )
    medcom = make_update(round_oct, "medcom", MEDCOM_ACTIVITY, user=reporters["medcom"])
    return {"hovedstaden": hovedstaden, "medcom": medcom}


@pytest.mark.parametrize(
    ("party_key", "activity_key"),
    [("region-hovedstaden", HOVEDSTADEN_ACTIVITY), ("medcom", MEDCOM_ACTIVITY)],
)
def test_region_reporter_cannot_touch_another_partys_update_by_url(
    client_for, reporter, others, party_key, activity_key
):
    client = client_for(reporter)
    path = edit_path(party_key, activity_key)
    before = ProgressUpdate.objects.get(party__key=party_key)
    assert client.get(path).status_code == 404
    assert client.post(path, form_data(version=before.version)).status_code == 404
    submit = form_data(version=before.version, action="submit")
    assert client.post(path, submit).status_code == 404
    assert client.post(path, submit, **HTMX).status_code == 404
    assert client.get(detail(before)).status_code == 404
    assert client.get(detail(before), **HTMX).status_code == 404
    assert client.post(review(before), {"action": "accept", "version": 1}).status_code == 404
    after = ProgressUpdate.objects.get(pk=before.pk)
    assert (after.status, after.version, after.narrative) == (
        before.status,
        before.version,
        before.narrative,
    )


def test_region_reporter_cannot_create_another_partys_update(client_for, reporter, round_oct):
    client = client_for(reporter)
    path = edit_path("region-hovedstaden", HOVEDSTADEN_ACTIVITY)
    assert client.post(path, form_data(action="submit")).status_code == 404
    assert client.post(path, form_data(), **HTMX).status_code == 404
    # Their own party in the URL but another's activity: no such obligation.
    own_party_other_activity = edit_path("region-midtjylland", HOVEDSTADEN_ACTIVITY)
    assert client.post(own_party_other_activity, form_data()).status_code == 404
    assert not ProgressUpdate.objects.exists()


def test_submitted_update_of_another_party_is_also_hidden(client_for, reporter, others, editor):
    update = others["hovedstaden"]
    updates.progress_update_save(
        round_=update.round,
        party=update.party,
        activity=update.activity,
        values={n: getattr(update, n) for n in updates.UPDATE_TEXT_FIELDS},
        proposals=[],
        version=update.version,
        user=editor,
        submit=True,
    )
    assert client_for(reporter).get(detail(update)).status_code == 404


def test_party_and_status_in_the_form_are_ignored(client_for, reporter, round_oct):
    hovedstaden = party("region-hovedstaden")
    data = form_data(
        party=hovedstaden.pk,
        party_id=hovedstaden.pk,
        status="accepted",
        round=999,
        activity=1,
        reviewed_by=1,
        review_comment="Godkendt af mig selv",
        version=0,
    )
    path = edit_path("region-midtjylland", MIDT_ACTIVITY)
    response = client_for(reporter).post(path, data)
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.party.key == "region-midtjylland"
    assert update.activity.key == MIDT_ACTIVITY
    assert update.round == round_oct
    assert update.status == ProgressUpdate.Status.DRAFT
    assert update.review_comment == "" and update.reviewed_by is None
    # Submitting with status=returned still only submits.
    data.update(action="submit", status="returned", version=str(update.version))
    assert client_for(reporter).post(path, data).status_code == 302
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.SUBMITTED


def test_region_reporter_home_lists_only_their_party(client_for, reporter, others):
    html = client_for(reporter).get("/plan/rapportering/").content.decode()
    main = html[html.index("<main") : html.index("</main>")]  # not the menu ("MedCom")
    assert "Region Midtjylland" in main
    assert "Region Hovedstaden" not in main and "MedCom" not in main


def test_rsi_reports_for_region_hovedstaden_but_not_for_medcom(
    client_for, rsi_reporter, round_oct, medcom_reporter
):
    client = client_for(rsi_reporter)
    path = edit_path("region-hovedstaden", HOVEDSTADEN_ACTIVITY)
    assert client.get(path).status_code == 200
    response = client.post(path, form_data(action="submit"))
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(party__key="region-hovedstaden")
    assert update.status == ProgressUpdate.Status.SUBMITTED
    assert update.submitted_by == rsi_reporter
    assert client.get(detail(update)).status_code == 200
    medcom_path = edit_path("medcom", MEDCOM_ACTIVITY)
    assert client.get(medcom_path).status_code == 404
    assert client.post(medcom_path, form_data()).status_code == 404
    medcom = make_update(round_oct, "medcom", MEDCOM_ACTIVITY, user=medcom_reporter, submit=True)
    assert client.get(detail(medcom)).status_code == 404
    home = client.get("/plan/rapportering/").content.decode()
    assert "Region Hovedstaden" in home and "Region Nordjylland" in home
    assert MEDCOM_ACTIVITY not in home


def test_steering_group_reads_submitted_and_accepted_never_drafts(
    client_for, steering, editor, reporter, round_oct, others
):
    client = client_for(steering)
    draft = make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter)
    assert client.get(detail(draft)).status_code == 404
    assert client.get(edit_path("region-midtjylland", MIDT_ACTIVITY)).status_code == 404
    assert client.get(edit_path("region-midtjylland", MIDT_ACTIVITY), **HTMX).status_code == 404

    submitted = make_update(
        round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter, submit=True
    )
    response = client.get(detail(submitted))
    assert response.status_code == 200
    assert "Status" in response.content.decode()
    assert "Behandl opdateringen" not in response.content.decode()
    assert client.post(review(submitted), {"action": "accept", "version": 2}).status_code == 403

    # Returned: back to a draft-like state, hidden again, and so is the comment.
    updates.progress_update_return(
        update=submitted, comment="Hemmelig kommentar", version=submitted.version, user=editor
    )
    assert client.get(detail(submitted)).status_code == 404
    home = client.get("/plan/rapportering/").content.decode()
    assert detail(submitted) not in home and detail(others["medcom"]) not in home

    submitted = make_update(
        round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter, submit=True
    )
    updates.progress_update_accept(
        update=submitted,
        accepted_proposal_ids=set(),
        comment="Intern bemærkning",
        version=submitted.version,
        user=editor,
    )
    response = client.get(detail(submitted))
    assert response.status_code == 200
    assert "Intern bemærkning" not in response.content.decode()
    assert detail(submitted) in client.get("/plan/rapportering/").content.decode()


def test_sor_team_reads_drafts_but_does_not_write_them(client_for, editor, others):
    client = client_for(editor)
    assert client.get(detail(others["hovedstaden"])).status_code == 200
    path = edit_path("region-hovedstaden", HOVEDSTADEN_ACTIVITY)
    assert client.get(path).status_code == 403
    assert client.post(path, form_data(version=1)).status_code == 403


def test_own_reporter_may_not_review(client_for, reporter, round_oct):
    update = make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter, submit=True)
    response = client_for(reporter).post(review(update), {"action": "accept", "version": 1})
    assert response.status_code == 403
    update.refresh_from_db()
    assert update.status == ProgressUpdate.Status.SUBMITTED


def test_outsider_and_anonymous(client_for, outsider, reporter, round_oct):
    update = make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter)
    path = edit_path("region-midtjylland", MIDT_ACTIVITY)
    for url in (path, detail(update), "/plan/rapportering/"):
        response = client_for(outsider).get(url)
        assert response.status_code == 403
        assert "parties/no_membership.html" in [t.name for t in response.templates]
        anonymous = client_for(None).get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/konto/log-ind/")
    assert client_for(outsider).post(path, form_data(version=1)).status_code == 403
    assert client_for(None).post(review(update), {"action": "accept"}).status_code == 302


def test_review_endpoint_is_post_only(client_for, editor, reporter, round_oct):
    update = make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter, submit=True)
    assert client_for(editor).get(review(update)).status_code == 405


def test_the_reporting_home_follows_each_update_though_its_rows_are_cached(
    client_for, reporter, round_oct
):
    """Each obligation's row on a reporter's home is cached under what it shows: after
    a first draft, a submit and a return the row says so, in Danish and in English, and
    the rows of the other obligations are as before."""
    client = client_for(reporter)
    path = f"/plan/aktiviteter/{MIDT_ACTIVITY}/"  # in the row, whatever its state

    def row(html):
        main = html[html.index("<main") : html.index("</main>")]
        start = main.rindex("<tr>", 0, main.index(path))
        return main[start : main.index("</tr>", start)]

    def other_rows(html):
        mine = html[html.index('id="mine"') : html.index("</section>", html.index('id="mine"'))]
        return [r for r in re.findall(r"<tr>.*?</tr>", mine, re.S) if path not in r]

    home = client.get("/plan/rapportering/").content.decode()
    others = other_rows(home)
    assert "Skriv opdatering" in row(home)
    assert edit_path("region-midtjylland", MIDT_ACTIVITY) in row(home)
    draft = make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter)
    home = client.get("/plan/rapportering/").content.decode()
    assert "Fortsæt kladden" in row(home)
    assert other_rows(home) == others
    updates.progress_update_save(
        round_=draft.round,
        party=draft.party,
        activity=draft.activity,
        values={
            "narrative": "x",
            "self_rag": "green",
            "self_rag_reason": "x",
            "percent_complete": 10,
            "achievements": "x",
            "next_steps": "x",
        },
        proposals=[],
        version=draft.version,
        user=reporter,
        submit=True,
    )
    home = client.get("/plan/rapportering/").content.decode()
    assert detail(draft) in row(home) and "Se opdateringen" in row(home)
    english = client.get("/plan/rapportering/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Se opdateringen" not in english
