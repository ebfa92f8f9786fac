"""The decision log, the issue log and the action list at `?som_den_var=`: each record as
it stood then (from its history), records created later absent, deleted ones present,
the past marked and without edit buttons, the filters kept, the live log's rights, and
the same number of queries however many records there are."""

import datetime
import html
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.history import record_delete
from governance.models import Action, Decision, Issue
from governance.services import records
from tests.governance.helpers import make_action, make_decision, make_meeting
from tests.milestones.helpers import party

MOMENT = "2026-01-15T12:00"
DECISIONS, ISSUES, ACTIONS = "/styring/beslutninger/", "/styring/problemer/", "/styring/handlinger/"


def _at(day, hour=9):
    return time_machine.travel(datetime.datetime(*day, hour, tzinfo=datetime.UTC), tick=False)


def _issue(user, title, *, party_key="region-midtjylland", **kw):
    data = {"title": title, "severity": "high", "owner_party": party(party_key), **kw}
    return records.issue_create(data=data, user=user)


def _body(client, path, **query):
    response = client.get(path, query)
    assert response.status_code == 200
    return response.content.decode()


def _past(body: str) -> bool:
    return "sp-past-banner" in body


@pytest.mark.django_db
def test_the_decision_log_shows_each_decision_as_it_stood(client_for, editor):
    with _at((2026, 1, 10)):
        asked = make_decision(
            editor, title="Valg af testmiljø", needed_by=datetime.date(2026, 2, 1)
        )
    with _at((2026, 2, 2)):
        meeting = make_meeting(editor, held_on=datetime.date(2026, 2, 2), title="Februarmødet")
        records.decision_take(
            pk=asked.pk,
            version=Decision.objects.get(pk=asked.pk).version,
            outcome="Miljø A",
            decided_on=datetime.date(2026, 2, 2),
            meeting=meeting,
            user=editor,
        )
        make_decision(editor, title="Senere anmodning")

    client = client_for(editor)
    past = _body(client, DECISIONS, som_den_var=MOMENT)
    assert _past(past) and "Beslutninger, som de så ud den 15. januar 2026" in past
    assert "Valg af testmiljø" in past and "<td>Anmodet</td>" in past
    assert "<td>Truffet</td>" not in past and "Februarmødet" not in past
    assert "Senere anmodning" not in past
    assert "Ny beslutningsanmodning" not in past  # no edit buttons in the past
    # The status filter applies to the values as they stood, and its links keep the moment.
    taken = _body(client, DECISIONS, som_den_var=MOMENT, status="taken")
    assert "Ingen beslutninger." in taken and _past(taken)
    assert f'href="?som_den_var={MOMENT.replace(":", "%3A")}&amp;status=requested"' in past
    # The way back to now keeps the status filter.
    assert 'href="/styring/beslutninger/?status=taken"' in taken

    # A moment after it was taken: the meeting it was taken at, attached in bulk.
    later = _body(client, DECISIONS, som_den_var="2026-02-10T12:00")
    assert "<td>Truffet</td>" in later and "Februarmødet" in later and "Senere anmodning" in later

    live = _body(client, DECISIONS)
    assert not _past(live) and "Ny beslutningsanmodning" in live
    assert "<td>Truffet</td>" in live and "Senere anmodning" in live


@pytest.mark.django_db
def test_the_issue_log_has_old_values_and_deleted_issues_not_later_ones(client_for, editor):
    with _at((2026, 1, 5)):
        changed = _issue(editor, "Testdata mangler", due_on=datetime.date(2026, 3, 1))
        gone = _issue(editor, "Dublet af et problem")
    with _at((2026, 2, 2)):
        records.record_update(
            Issue,
            pk=changed.pk,
            version=changed.version,
            data={"title": "Testdata leveret for sent", "severity": "critical"},
            user=editor,
        )
        record_delete(Issue.objects.get(pk=gone.pk), user=editor, reason="Dublet")
        _issue(editor, "Februars problem")

    client = client_for(editor)
    past = _body(client, ISSUES, som_den_var=MOMENT)
    assert _past(past) and "Problemer, som de så ud den 15. januar 2026" in past
    assert "Testdata mangler" in past and "<td>Høj</td>" in past
    assert "Testdata leveret for sent" not in past and "<td>Kritisk</td>" not in past
    assert "Februars problem" not in past
    # The deleted issue existed then: shown, marked, and not linked (its page is gone).
    assert 'Dublet af et problem <span class="sp-muted">(slettet siden)</span>' in past
    assert f"/styring/problemer/{gone.key}/" not in past
    assert f'href="/styring/problemer/{changed.key}/"' in past
    assert "Nyt problem" not in past

    live = _body(client, ISSUES)
    assert "Testdata leveret for sent" in live and "Februars problem" in live
    assert "Dublet af et problem" not in live and not _past(live)


@pytest.mark.django_db
def test_the_action_list_is_overdue_by_the_moments_date(client_for, editor):
    with _at((2026, 1, 5)):
        action = make_action(editor, title="Send testplan", due_on=datetime.date(2026, 1, 20))
    with _at((2026, 2, 2)):
        records.action_progress(
            pk=action.pk, version=action.version, status="done", progress_note="", user=editor
        )
        make_action(editor, title="Februars handling", due_on=datetime.date(2026, 3, 1))

    client = client_for(editor)
    before_due = _body(client, ACTIONS, som_den_var=MOMENT)
    assert "Send testplan" in before_due and "<td>Åben</td>" in before_due
    assert "over frist</strong>" not in before_due and "Februars handling" not in before_due
    assert "Ny handling" not in before_due
    overdue = _body(client, ACTIONS, som_den_var="2026-01-25T12:00", vis="over-frist")
    assert "Send testplan" in overdue and "over frist</strong>" in overdue
    assert 'aria-current="true">Over frist' in overdue
    # The moment's form carries the chosen view.
    assert '<input type="hidden" name="vis" value="over-frist">' in overdue

    live_overdue = _body(client, ACTIONS, vis="over-frist")
    assert "Send testplan" not in live_overdue  # done since
    assert "Februars handling" in _body(client, ACTIONS)


@pytest.mark.django_db
def test_a_log_at_a_moment_as_a_file_has_the_values_then_and_says_the_moment(client_for, editor):
    with _at((2026, 1, 10)):
        decision = make_decision(editor, title="Gammel titel")
    with _at((2026, 2, 2)):
        records.decision_update(
            pk=decision.pk,
            version=decision.version,
            data={"title": "Ny titel"},
            options=None,
            user=editor,
        )
    response = client_for(editor).get(DECISIONS, {"som_den_var": MOMENT, "format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "Gammel titel" in text and "Ny titel" not in text
    assert "Som den så ud den: 15. januar 2026" in text


@pytest.mark.django_db
@pytest.mark.parametrize("path", [DECISIONS, ISSUES, ACTIONS])
def test_a_past_log_has_the_live_logs_rights(
    client_for, editor, steering, reporter, outsider, path
):
    with _at((2026, 1, 5)):
        make_decision(editor, title="Midts sag", party_key="region-midtjylland")
        make_decision(editor, title="Hovedstadens sag", party_key="region-hovedstaden")
        _issue(editor, "Midts sag")
        _issue(editor, "Hovedstadens sag", party_key="region-hovedstaden")
        make_action(editor, title="Midts sag", due_on=datetime.date(2026, 3, 1))
        make_action(
            editor,
            title="Hovedstadens sag",
            party_key="region-hovedstaden",
            due_on=datetime.date(2026, 3, 1),
        )
    query = {"som_den_var": MOMENT}
    assert client_for(None).get(path, query).status_code == 302
    assert client_for(outsider).get(path, query).status_code == 403
    for user in (editor, steering):
        body = _body(client_for(user), path, **query)
        assert "Midts sag" in body and "Hovedstadens sag" in body
    theirs = _body(client_for(reporter), path, **query)
    assert _past(theirs) and "Midts sag" in theirs and "Hovedstadens sag" not in theirs


@pytest.mark.django_db
@pytest.mark.parametrize("path", [DECISIONS, ISSUES, ACTIONS])
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31.13.2026", "Skriv tidspunktet som ÅÅÅÅ-MM-DD"),
        ("2999-01-01T08:00", "Tidspunktet ligger i fremtiden."),
    ],
)
def test_a_bad_moment_gets_a_danish_message_and_keeps_the_typing(
    client_for, editor, path, typed, message
):
    body = _body(client_for(editor), path, som_den_var=typed, status="alle")
    assert message in html.unescape(body)
    assert f'value="{typed}"' in body
    assert 'aria-invalid="true"' in body
    assert not _past(body)  # shown live, and said to be


def _queries(client, path, query) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, query).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_a_past_log_costs_the_same_queries_for_two_records_or_twenty(client_for, editor, steering):
    meeting = make_meeting(editor, title="Mødet")

    def write(n, start):
        with _at((2026, 1, 5)):
            for k in range(start, start + n):
                decision = make_decision(editor, title=f"Beslutning {k}")
                records.decision_take(
                    pk=decision.pk,
                    version=decision.version,
                    outcome="Ja",
                    decided_on=datetime.date(2026, 1, 5),
                    meeting=meeting,
                    user=editor,
                )
                _issue(editor, f"Problem {k}", owner_person=steering)
                make_action(
                    editor,
                    title=f"Handling {k}",
                    owner_person=steering,
                    due_on=datetime.date(2026, 1, 10),
                )

    client = client_for(steering)
    pages = [
        (DECISIONS, {"som_den_var": MOMENT}),
        (ISSUES, {"som_den_var": MOMENT, "status": "alle"}),
        (ACTIONS, {"som_den_var": MOMENT, "vis": "over-frist"}),
        (ACTIONS, {}),
        (DECISIONS, {}),
    ]
    write(2, 0)
    few = [_queries(client, path, query) for path, query in pages]
    write(18, 2)
    many = [_queries(client, path, query) for path, query in pages]
    body = _body(client, ACTIONS, som_den_var=MOMENT, vis="over-frist")
    assert body.count("over frist</strong>") == 20
    assert many == few
    assert Action.objects.count() == 20 and Decision.objects.count() == 20


@pytest.mark.django_db
def test_the_issue_log_as_a_file_lists_what_the_page_lists(client_for, editor, reporter):
    """CSV and Excel like the other logs: open issues by default, each as it stood at a
    moment, only the reader's own party's for a reporter."""
    from openpyxl import load_workbook

    with _at((2026, 1, 10)):
        issue = _issue(editor, "Testmiljøet er nede", blocks="Pilottesten")
        _issue(editor, "Hovedstadens sag", party_key="region-hovedstaden")
    with _at((2026, 2, 2)):
        records.record_update(
            Issue,
            pk=issue.pk,
            version=issue.version,
            data={"title": "Testmiljøet er ustabilt"},
            user=editor,
        )
    text = client_for(editor).get(ISSUES, {"format": "csv"}).content.decode("utf-8-sig")
    assert "Testmiljøet er ustabilt" in text and "Hovedstadens sag" in text
    assert "Status: åbne" in text and "Pilottesten" in text
    past = client_for(editor).get(ISSUES, {"som_den_var": MOMENT, "format": "csv"})
    past_text = past.content.decode("utf-8-sig")
    assert "Testmiljøet er nede" in past_text and "ustabilt" not in past_text
    own = client_for(reporter).get(ISSUES, {"format": "xlsx"})
    cells = {c.value for row in load_workbook(io.BytesIO(own.content)).active.rows for c in row}
    assert "Testmiljøet er ustabilt" in cells and "Hovedstadens sag" not in cells
