"""A meeting's agenda drafted from a known set of records, the meeting from agenda to
minutes through its page, and the meeting pack PDF (its text and hostile content)."""

import datetime
import io

import pytest
import time_machine
from pypdf import PdfReader

from governance.models import Action, Decision, Meeting, Risk
from governance.selectors.agenda import agenda_draft
from governance.services import records
from tests import factories
from tests.governance.helpers import make_action, make_decision, make_meeting, make_risk
from tests.milestones.helpers import MIDT_ACTIVITY, activity
from tests.milestones.helpers import party as party_of
from tests.reports.helpers import pdf_text

UTC = datetime.UTC


def at(day):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(9), tzinfo=UTC), tick=False
    )


@pytest.fixture
def known(editor):
    """Previous meeting 5.11.2026, this one 10.12.2026, and records on both sides."""
    with at(datetime.date(2026, 10, 1)):
        make_risk(editor, title="Gammel risiko", p=2, i=2)
        make_action(
            editor, title="Udført handling", due_on=datetime.date(2026, 10, 15), status="done"
        )
    with at(datetime.date(2026, 11, 1)):
        make_meeting(editor, title="Novembermøde", held_on=datetime.date(2026, 11, 5))
    with at(datetime.date(2026, 11, 20)):
        make_risk(editor, title="Ny risiko", p=2, i=3)
        make_risk(editor, title="Kritisk risiko", p=5, i=4, party_key="rsi")
        closed = make_risk(editor, title="Lukket risiko", p=5, i=5)
        records.record_status_move(Risk, pk=closed.pk, version=1, status="closed", user=editor)
        make_decision(editor, title="Forfalden beslutning", needed_by=datetime.date(2026, 12, 1))
        make_decision(editor, title="Senere beslutning", needed_by=datetime.date(2027, 2, 1))
        make_decision(editor, title="Udateret beslutning")
        withdrawn = make_decision(editor, title="Trukket beslutning")
        records.decision_withdraw(pk=withdrawn.pk, version=1, user=editor)
        make_action(editor, title="Handling over frist", due_on=datetime.date(2026, 12, 1))
        make_action(editor, title="Fremtidig handling", due_on=datetime.date(2027, 1, 1))
        red = factories.MilestoneFactory(
            title="Rød testmilepæl",
            activity=activity(MIDT_ACTIVITY),
            forecast_date=datetime.date(2026, 11, 1),
        )
        records.exception_raise(
            milestone=red,
            cause="Leverandør",
            consequences="Tre måneder",
            options="A eller B",
            recommendation="A",
            user=editor,
        )
    with at(datetime.date(2026, 11, 25)):
        meeting = make_meeting(editor, title="Decembermøde", held_on=datetime.date(2026, 12, 10))
    return meeting


@pytest.mark.django_db
def test_the_agenda_is_drafted_from_the_records(known):
    draft = agenda_draft(known)
    assert draft.since == datetime.date(2026, 11, 5)
    assert [d.title for d in draft.decisions] == [
        "Forfalden beslutning",
        "Afvigelse: Rød testmilepæl",
        "Udateret beslutning",
    ]
    assert sorted(r.title for r in draft.new_risks) == ["Kritisk risiko", "Ny risiko"]
    assert [r.title for r in draft.top_risks] == ["Kritisk risiko"]
    assert "Rød testmilepæl" in [m.title for m in draft.red_milestones]
    assert [str(e.milestone) for e in draft.exceptions] == ["Rød testmilepæl"]
    assert [a.title for a in draft.overdue_actions] == ["Handling over frist"]
    # The meeting was created with this agenda as its text.
    assert known.agenda.startswith("1. Beslutninger\n   - Forfalden beslutning (senest 01.12.2026)")
    assert (
        "6. Handlinger over frist\n   - Handling over frist (Region Midt, 01.12.2026)"
        in known.agenda
    )


@pytest.mark.django_db
def test_a_meeting_from_agenda_to_minutes_with_a_decision_and_two_actions(
    client_for, known, editor, steering
):
    client = client_for(editor)
    url = f"/styring/moeder/{known.key}/"
    assert client.get(url).status_code == 200
    known.refresh_from_db()
    assert (
        client.post(f"{url}dagsorden/", {"version": known.version, "publish": "1"}).status_code
        == 302
    )
    known.refresh_from_db()
    assert known.status == "published"
    # Published: the steering group reads it without taking part.
    assert client_for(steering).get(url).status_code == 200
    decision = Decision.objects.get(title="Forfalden beslutning")
    response = client.post(f"{url}beslutning/", {"decision": decision.pk, "outcome": ""})
    assert response.status_code == 400
    assert (
        client.post(
            f"{url}beslutning/", {"decision": decision.pk, "outcome": "Vi vælger A"}
        ).status_code
        == 302
    )
    decision.refresh_from_db()
    assert (decision.status, decision.meeting, decision.decided_on) == (
        "taken",
        known,
        known.held_on,
    )
    party = party_of("region-midtjylland").pk
    bad = client.post(
        f"{url}handling/", {"title": "For tidlig", "owner_party": party, "due_on": "01.11.2026"}
    )
    assert bad.status_code == 400 and "før mødet" in bad.content.decode()
    assert "For tidlig" in bad.content.decode()
    for title in ("Opdater planen", "Ring til leverandøren"):
        assert (
            client.post(
                f"{url}handling/",
                {
                    "title": title,
                    "owner_party": party,
                    "owner_person": steering.pk,
                    "due_on": "15.01.2027",
                },
            ).status_code
            == 302
        )
    assert set(known.actions.values_list("title", "origin")) == {
        ("Opdater planen", "meeting"),
        ("Ring til leverandøren", "meeting"),
    }
    known.refresh_from_db()
    refused = client.post(
        f"{url}referat/", {"version": known.version, "minutes": "", "held": "on"}, follow=True
    )
    assert "Skriv referatet" in refused.content.decode()
    known.refresh_from_db()
    assert (
        client.post(
            f"{url}referat/",
            {"version": known.version, "minutes": "Mødet blev holdt.", "held": "on"},
        ).status_code
        == 302
    )
    known.refresh_from_db()
    assert (known.status, known.minutes) == ("held", "Mødet blev holdt.")
    page = client.get(url).content.decode()
    assert "Vi vælger A" in page and "Ring til leverandøren" in page and "Mødet blev holdt." in page
    rows = Meeting.history.filter(id=known.pk).order_by("history_date")
    assert [r.history_change_reason for r in rows][-2:] == ["Dagsorden udsendt", "Referat gemt"]
    assert all(r.history_user == editor for r in rows)
    assert Action.history.filter(title="Opdater planen").get().history_user == editor


@pytest.mark.django_db
def test_the_meeting_pack_pdf_has_the_agenda_and_the_decision_requests(
    client_for, known, editor, steering, tmp_path
):
    decision = Decision.objects.get(title="Forfalden beslutning")
    records.decision_update(
        pk=decision.pk,
        version=decision.version,
        data={"recommendation": "Vælg B"},
        options=[("Mulighed A", "Dyrt"), ("Mulighed B", "Langsomt")],
        user=editor,
    )
    response = client_for(editor).get(f"/styring/moeder/{known.key}/pakke.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Mødepakke: Decembermøde" in text
    assert "Handling over frist (Region Midt, 01.12.2026)" in text
    assert "Mulighed A: Dyrt" in text and "Mulighed B: Langsomt" in text and "Vælg B" in text
    assert "Senere beslutning" not in text
    assert "Der er endnu ingen publiceret statusrapport." in text
    # A draft agenda is not the steering group's unless they take part.
    draft = make_meeting(editor, title="Udkast", held_on=datetime.date(2027, 1, 10))
    assert client_for(steering).get(f"/styring/moeder/{draft.key}/pakke.pdf").status_code == 404


@pytest.mark.django_db
def test_the_meeting_pack_says_who_asks_which_deadline_passed_and_when_it_is_demo_data(
    client_for, known, editor, tmp_path
):
    from milestones.demo import DEMO_BASELINE_KEY, demo_flag_reset

    with at(datetime.date(2026, 11, 20)):
        make_decision(
            editor,
            title="Regionens anmodning",
            party_key="region-midtjylland",
            needed_by=datetime.date(2026, 12, 10),
        )
    url = f"/styring/moeder/{known.key}/pakke.pdf"
    text = " ".join(pdf_text(client_for(editor).get(url).content, tmp_path).split())
    # Due before the meeting: said so; due on the day: not.
    assert "1. december 2026 (fristen er overskredet før mødet)" in text
    assert "10. december 2026 (fristen" not in text
    assert "Anmodet af: SOR-teamet" in text and "Anmodet af: Region Midt" in text
    assert "Demodata – illustrativ" not in text

    factories.BaselineFactory(key=DEMO_BASELINE_KEY)
    demo_flag_reset()
    text = pdf_text(client_for(editor).get(url).content, tmp_path)
    assert "Demodata – illustrativ" in text


@pytest.mark.django_db
def test_hostile_text_in_the_meeting_pack_is_shown_as_text(
    client_for, editor, counting_http_server, tmp_path
):
    base, hits = counting_http_server
    title = f'<img src="file:///etc/passwd"><a rel="attachment" href="file:///etc/passwd">x</a><img src="{base}/d.png">'
    question = f'<link rel="stylesheet" href="{base}/q.css"><style>@import "{base}/i.css";</style>'
    make_decision(
        editor,
        title=title,
        question=question,
        options=[(f'<img src="{base}/o.png">', "<script>alert(1)</script>")],
    )
    meeting = make_meeting(
        editor,
        title=f'<a rel="attachment" href="{base}/m.txt">bilag</a>',
        held_on=datetime.date(2030, 1, 1),
        place='<object data="file:///etc/passwd"></object>',
    )
    content = client_for(editor).get(f"/styring/moeder/{meeting.key}/pakke.pdf").content
    reader = PdfReader(io.BytesIO(content))
    assert reader.attachments == {}
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    assert hits == []
    assert b"root:x:0:0" not in content
    text = pdf_text(content, tmp_path)
    assert '<img src="file:///etc/passwd">' in text
    assert f'<link rel="stylesheet" href="{base}/q.css">' in text
    assert "<script>alert(1)</script>" in text
    assert '<object data="file:///etc/passwd"></object>' in text
