"""Rights per role through the pages and forms: the SOR-team edits everything, the
steering group reads everything, a party's reporters see their party's records only,
propose risks and issues, and update their own actions."""

import datetime

import pytest

from governance.models import Action, Issue, Risk
from tests.governance.helpers import make_action, make_decision, make_meeting, make_risk
from tests.milestones.helpers import MIDT_ACTIVITY, activity
from tests.milestones.helpers import party as party_of

LISTS = [
    "/styring/",
    "/styring/risici/",
    "/styring/problemer/",
    "/styring/beslutninger/",
    "/styring/handlinger/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LISTS)
def test_the_lists_per_role(client_for, role_users, path):
    assert client_for(None).get(path).status_code == 302
    assert client_for(role_users["outsider"]).get(path).status_code == 403
    for role in ("editor", "steering", "reporter"):
        assert client_for(role_users[role]).get(path).status_code == 200, role


@pytest.mark.django_db
def test_a_reporter_sees_only_their_partys_records(client_for, editor, reporter, steering):
    own = make_risk(editor, title="Midts risiko", party_key="region-midtjylland")
    other = make_risk(editor, title="Hovedstadens risiko", party_key="region-hovedstaden")
    linked = make_risk(editor, title="Via aktivitet", party_key="sor-team")
    linked.activities.add(activity(MIDT_ACTIVITY))
    body = client_for(reporter).get("/styring/risici/").content.decode()
    assert "Midts risiko" in body and "Via aktivitet" in body
    assert "Hovedstadens risiko" not in body
    assert client_for(reporter).get(f"/styring/risici/{other.key}/").status_code == 404
    assert client_for(reporter).get(f"/styring/risici/{own.key}/").status_code == 200
    assert client_for(steering).get(f"/styring/risici/{other.key}/").status_code == 200
    decision = make_decision(editor, party_key="region-hovedstaden")
    assert client_for(reporter).get(f"/styring/beslutninger/{decision.key}/").status_code == 404
    action = make_action(editor, party_key="region-hovedstaden")
    assert client_for(reporter).get(f"/styring/handlinger/{action.key}/").status_code == 404
    assert "Send plan" not in client_for(reporter).get("/styring/handlinger/").content.decode()


@pytest.mark.django_db
def test_the_editor_creates_a_risk_and_a_bad_form_keeps_what_was_typed(client_for, editor):
    client = client_for(editor)
    party = party_of("region-midtjylland")
    data = {
        "title": "Certifikat udløber",
        "probability": "9",
        "impact": "4",
        "owner_party": party.pk,
        "status": "open",
        "review_on": "32.13.2026",
    }
    response = client.post("/styring/risici/ny/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Certifikat udløber" in body
    assert "Skriv en gyldig dato" in body
    assert "gyldig" in str(response.context["form"].errors["probability"])
    data.update(probability="4", review_on="15.01.2027")
    response = client.post("/styring/risici/ny/", data)
    assert response.status_code == 302
    risk = Risk.objects.get(title="Certifikat udløber")
    assert (risk.score, risk.status, risk.review_on) == (16, "open", datetime.date(2027, 1, 15))
    assert risk.history.get().history_user == editor


@pytest.mark.django_db
def test_markup_is_refused_in_danish(client_for, editor):
    response = client_for(editor).post(
        "/styring/risici/ny/",
        {
            "title": "<script>x</script>",
            "probability": "2",
            "impact": "2",
            "owner_party": party_of("rsi").pk,
            "status": "open",
        },
    )
    assert response.status_code == 400
    assert "uden HTML-koder" in response.content.decode()


@pytest.mark.django_db
def test_a_reporter_proposes_a_risk_for_their_party_and_the_editor_accepts(
    client_for, reporter, editor
):
    client = client_for(reporter)
    page = client.get("/styring/risici/ny/")
    assert "status" not in page.context["form"].fields
    parties = list(page.context["form"].fields["owner_party"].queryset)
    assert parties == [party_of("region-midtjylland")]
    hovedstaden = party_of("region-hovedstaden")
    refused = client.post(
        "/styring/risici/ny/",
        {"title": "X", "probability": "2", "impact": "2", "owner_party": hovedstaden.pk},
    )
    assert refused.status_code == 400
    response = client.post(
        "/styring/risici/ny/",
        {
            "title": "Leverandøren mangler folk",
            "probability": "3",
            "impact": "4",
            "owner_party": party_of("region-midtjylland").pk,
            "status": "open",
        },
    )
    assert response.status_code == 302
    risk = Risk.objects.get(title="Leverandøren mangler folk")
    assert (risk.status, risk.proposed_by) == ("proposed", reporter)
    # The reporter cannot review it; the editor can.
    url = f"/styring/risici/{risk.key}/forslag/"
    assert client.post(url, {"version": risk.version, "accept": "1"}).status_code == 403
    assert client.get(url).status_code == 405
    assert client_for(editor).post(url, {"version": risk.version, "accept": "1"}).status_code == 302
    assert Risk.objects.get(pk=risk.pk).status == "open"


@pytest.mark.django_db
def test_a_reporter_proposes_an_issue(client_for, reporter):
    response = client_for(reporter).post(
        "/styring/problemer/ny/",
        {
            "title": "Testmiljø nede",
            "severity": "high",
            "owner_party": party_of("region-midtjylland").pk,
        },
    )
    assert response.status_code == 302
    assert Issue.objects.get(title="Testmiljø nede").status == "proposed"


@pytest.mark.django_db
def test_edit_pages_403_for_readers_and_the_outsider_404s(
    client_for, editor, steering, reporter, outsider
):
    risk = make_risk(editor)
    decision = make_decision(editor)
    for path in (
        f"/styring/risici/{risk.key}/rediger/",
        f"/styring/beslutninger/{decision.key}/rediger/",
        "/styring/beslutninger/ny/",
        "/styring/handlinger/ny/",
        "/styring/moeder/nyt/",
    ):
        assert client_for(steering).get(path).status_code == 403, path
        assert client_for(editor).get(path).status_code == 200, path
    assert client_for(reporter).get(f"/styring/risici/{risk.key}/rediger/").status_code == 403
    assert client_for(outsider).get(f"/styring/risici/{risk.key}/").status_code == 403


@pytest.mark.django_db
def test_an_edit_on_an_old_version_is_refused_and_keeps_the_typing(client_for, editor):
    risk = make_risk(editor)
    client = client_for(editor)
    form = client.get(f"/styring/risici/{risk.key}/rediger/").context["form"]
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("activities", "milestones")
    }
    data.update(title="Min titel", owner_party=risk.owner_party_id, version=risk.version)
    from governance.services import records

    records.record_update(
        Risk, pk=risk.pk, version=risk.version, data={"title": "Andens"}, user=editor
    )
    response = client.post(f"/styring/risici/{risk.key}/rediger/", data)
    assert response.status_code == 409
    assert "Min titel" in response.content.decode()
    assert Risk.objects.get(pk=risk.pk).title == "Andens"


@pytest.mark.django_db
def test_the_owner_updates_their_action_others_may_not(
    client_for, editor, reporter, steering, rsi_reporter
):
    action = make_action(editor, owner_person=reporter, party_key="sor-team")
    url = f"/styring/handlinger/{action.key}/status/"
    post = {"version": action.version, "status": "done", "progress_note": "Sendt"}
    assert client_for(reporter).get(url).status_code == 405
    assert client_for(steering).post(url, post).status_code == 403
    assert client_for(rsi_reporter).post(url, post).status_code == 404
    assert client_for(reporter).post(url, post).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.progress_note) == ("done", "Sendt")
    row = Action.history.filter(id=action.pk).latest("history_date")
    assert row.history_user == reporter
    # The owner may not edit the rest of it.
    assert client_for(reporter).get(f"/styring/handlinger/{action.key}/rediger/").status_code == 403


@pytest.mark.django_db
def test_the_action_list_mine_my_partys_and_overdue(client_for, editor, reporter):
    make_action(
        editor,
        title="Min handling",
        owner_person=reporter,
        party_key="sor-team",
        due_on=datetime.date(2030, 1, 1),
    )
    make_action(
        editor,
        title="Partens handling",
        party_key="region-midtjylland",
        due_on=datetime.date(2030, 1, 1),
    )
    make_action(
        editor,
        title="Gammel handling",
        party_key="region-midtjylland",
        due_on=datetime.date(2020, 1, 1),
    )
    client = client_for(reporter)

    def titles(view):
        return {
            a.title
            for a in client.get(f"/styring/handlinger/?vis={view}").context["page"].object_list
        }

    assert titles("mine") == {"Min handling"}
    assert titles("part") == {"Partens handling", "Gammel handling"}
    assert titles("over-frist") == {"Gammel handling"}


@pytest.mark.django_db
def test_the_heat_map_counts_per_cell_and_links_to_the_filtered_list(client_for, editor):
    make_risk(editor, title="R1", p=5, i=4)
    make_risk(editor, title="R2", p=5, i=4)
    make_risk(editor, title="R3", p=1, i=1, party_key="rsi")
    client = client_for(editor)
    response = client.get("/styring/risici/")
    heat = response.context["heat"]
    cell = heat.rows[0][3]  # probability 5 (top row), impact 4
    assert (cell.probability, cell.impact, cell.count, cell.change) == (5, 4, 2, 2)
    assert heat.total == 3
    body = response.content.decode()
    assert "<svg" in body and "celle=5x4" in body and "style=" not in body.split("<main")[-1]
    filtered = client.get("/styring/risici/?celle=5x4")
    assert {r.title for r in filtered.context["page"].object_list} == {"R1", "R2"}
    by_party = client.get("/styring/risici/?party=rsi")
    assert {r.title for r in by_party.context["page"].object_list} == {"R3"}
    assert {
        r.title for r in client.get("/styring/risici/?band=critical").context["page"].object_list
    } == {
        "R1",
        "R2",
    }


@pytest.mark.django_db
def test_meetings_are_for_the_sor_team_and_the_steering_group(
    client_for, editor, steering, reporter
):
    meeting = make_meeting(editor)
    url = f"/styring/moeder/{meeting.key}/"
    assert client_for(editor).get(url).status_code == 200
    # A draft agenda: only participants of the steering group.
    assert client_for(steering).get(url).status_code == 404
    from governance.services import meetings

    meetings.meeting_participants_set(meeting=meeting, users=[steering], by=editor)
    assert client_for(steering).get(url).status_code == 200
    assert client_for(reporter).get(url).status_code == 404
    assert client_for(reporter).get("/styring/moeder/").status_code == 403
    assert (
        client_for(steering).post(f"{url}referat/", {"version": 1, "minutes": "x"}).status_code
        == 403
    )


@pytest.mark.django_db
def test_the_menu_shows_styring_to_members_only(client_for, editor, outsider):
    assert 'href="/styring/"' in client_for(editor).get("/styring/").content.decode()
    assert client_for(outsider).get("/ingen-adgang/").status_code == 200
    assert 'href="/styring/"' not in client_for(outsider).get("/ingen-adgang/").content.decode()


@pytest.mark.django_db
def test_an_action_from_a_meeting_must_name_the_meeting(client_for, editor):
    data = {
        "title": "Uden møde",
        "owner_party": party_of("rsi").pk,
        "due_on": "15.01.2027",
        "status": "open",
        "origin": "meeting",
    }
    response = client_for(editor).post("/styring/handlinger/ny/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Vælg det møde, den beslutning eller den risiko" in body and "Uden møde" in body
    meeting = make_meeting(editor)
    assert (
        client_for(editor)
        .post("/styring/handlinger/ny/", {**data, "meeting": meeting.pk})
        .status_code
        == 302
    )
    assert Action.objects.get(title="Uden møde").meeting == meeting
