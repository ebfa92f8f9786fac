"""Reporting rounds: creation (by the periodic task and by hand), obligations, the matrix."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from milestones import selectors, tasks
from milestones.models import Activity, ProgressUpdate, ReportingRound, RoundObligation
from milestones.selectors import CellState, round_matrix
from milestones.services import rounds, updates
from parties.models import Membership
from tests import factories
from tests.milestones.helpers import (
    HOVEDSTADEN_ACTIVITY,
    IN_ROUND,
    MEDCOM_ACTIVITY,
    MIDT_ACTIVITY,
    PERIOD,
    activity,
    make_update,
    party,
)

D = datetime.date
pytestmark = pytest.mark.django_db


def obligation_keys(round_):
    return set(
        RoundObligation.objects.filter(round=round_).values_list("party__key", "activity__key")
    )


def test_round_fixes_obligations_for_parties_someone_reports_for(round_oct):
    keys = obligation_keys(round_oct)
    assert ("region-midtjylland", MIDT_ACTIVITY) in keys
    # RSI's reporter reports for the regions, so every region has its obligation.
    assert ("region-hovedstaden", HOVEDSTADEN_ACTIVITY) in keys
    assert ("rsi", "id27-i-regionernes-systemer") in keys
    assert ("medcom", MEDCOM_ACTIVITY) in keys
    assert ("kombit", "kombit-integration-til-sorus") in keys
    # SDS has editors but no reporter: nothing to report.
    assert not any(p == "sds" for p, _ in keys)
    assert round_oct.opens_on == D(2026, 10, 1)
    assert round_oct.due_on == D(2026, 10, 30)
    history = round_oct.history.first()
    assert history.history_change_reason == "Rapporteringsrunde oprettet"


def test_done_activities_and_parties_without_reporters_get_no_obligation(reporter, system_user):
    act = activity(MIDT_ACTIVITY)
    act.status = Activity.Status.DONE
    act.save()
    round_ = rounds.reporting_round_create(period=PERIOD, user=system_user)
    keys = obligation_keys(round_)
    assert ("region-midtjylland", MIDT_ACTIVITY) not in keys
    assert not any(p == "medcom" for p, _ in keys)  # no MedCom reporter yet


@pytest.mark.parametrize(
    ("today", "created"),
    [
        (D(2027, 1, 1), False),  # New Year's Day
        (D(2027, 1, 3), False),  # Sunday
        (D(2027, 1, 4), True),  # first working day
        (D(2027, 1, 20), True),  # later in the month, if it was missed
    ],
)
def test_periodic_task_opens_the_round_on_or_after_the_first_working_day(reporters, today, created):
    result = tasks.reporting_round_open_for_month.delay(today.isoformat()).get()
    assert (result is not None) == created
    assert ReportingRound.objects.filter(period=D(2027, 1, 1)).exists() == created


def test_periodic_task_is_idempotent(reporters):
    first = tasks.reporting_round_open_for_month.delay("2026-12-01").get()
    second = tasks.reporting_round_open_for_month.delay("2026-12-02").get()
    assert first is not None and second is None
    round_ = ReportingRound.objects.get(period=D(2026, 12, 1))
    assert round_.due_on == D(2026, 12, 31)
    assert round_.history.count() == 1
    assert round_.history.first().history_user.username == "sorplan-system"


def test_sor_team_creates_a_round_by_hand(client_for, editor, reporter):
    client = client_for(editor)
    response = client.get("/plan/rapportering/runder/ny/")
    assert response.status_code == 200
    response = client.post(
        "/plan/rapportering/runder/ny/", {"period": "2027-03", "opens_on": "", "due_on": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == "/plan/rapportering/2027-03/"
    round_ = ReportingRound.objects.get(period=D(2027, 3, 1))
    assert round_.opens_on == D(2027, 3, 1) and round_.due_on == D(2027, 3, 31)
    assert round_.history.first().history_user == editor
    # The same month again: a Danish message, and what was typed stays.
    response = client.post("/plan/rapportering/runder/ny/", {"period": "2027-03"})
    assert response.status_code == 200
    assert "Der findes allerede en runde" in response.content.decode()
    assert 'value="2027-03"' in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"period": "marts"}, "Skriv måneden som åååå-mm"),
        ({"period": "2027-04", "opens_on": "31.02.2027"}, "Skriv datoen som dd.mm.åååå"),
        (
            {"period": "2027-04", "opens_on": "20.04.2027", "due_on": "10.04.2027"},
            "Fristen kan ikke ligge før runden åbner",
        ),
    ],
)
def test_round_form_bad_input_gets_a_danish_message(client_for, editor, data, message):
    response = client_for(editor).post("/plan/rapportering/runder/ny/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReportingRound.objects.filter(period=D(2027, 4, 1)).exists()


def test_only_the_sor_team_creates_rounds_and_sees_the_matrix(
    client_for, round_oct, reporter, steering, outsider
):
    for user in (reporter, steering):
        client = client_for(user)
        assert client.get("/plan/rapportering/runder/ny/").status_code == 403
        assert (
            client.post("/plan/rapportering/runder/ny/", {"period": "2027-05"}).status_code == 403
        )
        assert client.get("/plan/rapportering/2026-10/").status_code == 403
        assert client.get("/plan/rapportering/runder/").status_code == 403
    response = client_for(outsider).get("/plan/rapportering/2026-10/")
    assert response.status_code == 403
    assert "parties/no_membership.html" in [t.name for t in response.templates]
    anonymous = client_for(None).post("/plan/rapportering/runder/ny/", {"period": "2027-05"})
    assert anonymous.status_code == 302 and "/konto/log-ind/" in anonymous["Location"]
    assert not ReportingRound.objects.filter(period=D(2027, 5, 1)).exists()


def test_sor_team_adds_and_removes_an_obligation(client_for, editor, round_oct):
    client = client_for(editor)
    sds, act = party("sds"), activity("sorls-go-live")
    response = client.post(
        "/plan/rapportering/2026-10/pligter/", {"party": sds.pk, "activity": act.pk}
    )
    assert response.status_code == 302
    obligation = RoundObligation.objects.get(round=round_oct, party=sds, activity=act)
    assert obligation.history.first().history_user == editor
    # Twice: refused with a message, nothing added.
    client.post("/plan/rapportering/2026-10/pligter/", {"party": sds.pk, "activity": act.pk})
    assert RoundObligation.objects.filter(round=round_oct, party=sds, activity=act).count() == 1
    # "Fjern" asks first: GET is the question (and removes nothing), POST removes.
    question = client.get(f"/plan/rapportering/pligter/{obligation.pk}/fjern/")
    assert question.status_code == 200
    html = question.content.decode()
    assert f"Skal {sds.name} ikke rapportere om “{act.title}”?" in html and "Fjern pligten" in html
    assert RoundObligation.objects.filter(pk=obligation.pk).exists()
    response = client.post(f"/plan/rapportering/pligter/{obligation.pk}/fjern/")
    assert response.status_code == 302
    assert not RoundObligation.objects.filter(pk=obligation.pk).exists()


def test_an_obligation_with_an_update_cannot_be_removed(client_for, editor, reporter, round_oct):
    make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter)
    obligation = RoundObligation.objects.get(round=round_oct, activity__key=MIDT_ACTIVITY)
    response = client_for(editor).post(
        f"/plan/rapportering/pligter/{obligation.pk}/fjern/", follow=True
    )
    assert "pligten kan ikke fjernes" in response.content.decode()
    assert RoundObligation.objects.filter(pk=obligation.pk).exists()
    # The question says so up front and offers no button to remove.
    question = client_for(editor).get(f"/plan/rapportering/pligter/{obligation.pk}/fjern/")
    assert "pligten kan ikke fjernes" in question.content.decode()
    assert "Fjern pligten" not in question.content.decode()


def test_reporter_cannot_add_or_remove_obligations(client_for, reporter, round_oct):
    obligation = RoundObligation.objects.filter(round=round_oct).first()
    client = client_for(reporter)
    assert client.post(f"/plan/rapportering/pligter/{obligation.pk}/fjern/").status_code == 403
    assert client.get(f"/plan/rapportering/pligter/{obligation.pk}/fjern/").status_code == 403
    sds = party("sds")
    response = client.post(
        "/plan/rapportering/2026-10/pligter/", {"party": sds.pk, "activity": obligation.activity_id}
    )
    assert response.status_code == 403
    assert RoundObligation.objects.filter(pk=obligation.pk).exists()


def test_matrix_states_and_counts(round_oct, reporters):
    midt, rsi, medcom = reporters["midt"], reporters["rsi"], reporters["medcom"]
    editor = reporters["editor"]
    make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=midt)  # draft
    make_update(round_oct, "region-hovedstaden", HOVEDSTADEN_ACTIVITY, user=rsi, submit=True)
    accepted = make_update(round_oct, "medcom", MEDCOM_ACTIVITY, user=medcom, submit=True)
    updates.progress_update_accept(
        update=accepted,
        accepted_proposal_ids=set(),
        comment="",
        version=accepted.version,
        user=editor,
    )
    returned = make_update(
        round_oct, "region-syddanmark", "sor-tilpasning-region-syddanmark", user=rsi, submit=True
    )
    updates.progress_update_return(
        update=returned, comment="Mangler", version=returned.version, user=editor
    )

    def state_of(matrix, activity_key):
        return next(
            c.state for row in matrix.rows for c in row.cells if c.activity.key == activity_key
        )

    before = round_matrix(round_oct, today=D(2026, 10, 30))
    assert state_of(before, MIDT_ACTIVITY) == CellState.DRAFT
    assert state_of(before, HOVEDSTADEN_ACTIVITY) == CellState.SUBMITTED
    assert state_of(before, MEDCOM_ACTIVITY) == CellState.ACCEPTED
    assert state_of(before, "sor-tilpasning-region-syddanmark") == CellState.RETURNED
    assert state_of(before, "kombit-integration-til-sorus") == CellState.NOT_STARTED
    total = RoundObligation.objects.filter(round=round_oct).count()
    assert before.total == total
    assert before.counts[CellState.DRAFT] == 1 and before.counts[CellState.RETURNED] == 1
    assert before.counts[CellState.OVERDUE] == 0

    # The day after the due date: everything not submitted or accepted is overdue.
    after = round_matrix(round_oct, today=D(2026, 10, 31))
    assert state_of(after, MIDT_ACTIVITY) == CellState.OVERDUE
    assert state_of(after, "sor-tilpasning-region-syddanmark") == CellState.OVERDUE
    assert state_of(after, "kombit-integration-til-sorus") == CellState.OVERDUE
    assert state_of(after, HOVEDSTADEN_ACTIVITY) == CellState.SUBMITTED
    assert state_of(after, MEDCOM_ACTIVITY) == CellState.ACCEPTED
    assert after.counts[CellState.SUBMITTED] == 1 and after.counts[CellState.ACCEPTED] == 1
    assert after.counts[CellState.OVERDUE] == total - 2


@time_machine.travel(IN_ROUND, tick=False)
def test_round_page_shows_the_matrix_with_links(client_for, round_oct, reporters):
    update = make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporters["midt"])
    response = client_for(reporters["editor"]).get("/plan/rapportering/2026-10/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Region Midtjylland" in html and "Kladde" in html
    assert f"/plan/rapportering/opdateringer/{update.pk}/" in html
    assert 'scope="rowgroup"' in html


def test_round_page_query_count_does_not_grow_with_the_round(client_for, round_oct, reporters):
    client = client_for(reporters["editor"])
    client.get("/plan/rapportering/2026-10/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/plan/rapportering/2026-10/").status_code == 200
    # Thirty more parties with a reporter, an activity and an update each.
    for n in range(30):
        user = factories.UserFactory(username=f"t-extra-{n}")
        extra_party = factories.PartyFactory()
        Membership.objects.create(user=user, party=extra_party, role=Membership.Role.REPORTER)
        act = factories.ActivityFactory(responsible_party=extra_party)
        RoundObligation.objects.create(round=round_oct, party=extra_party, activity=act)
        ProgressUpdate.objects.create(round=round_oct, party=extra_party, activity=act)
    # The parties' counts (which say the round's size) are cached under the parties'
    # stamp, which the new parties move: the first read after them counts again.
    client.get("/plan/rapportering/2026-10/")
    with CaptureQueriesContext(connection) as large:
        response = client.get("/plan/rapportering/2026-10/")
    assert response.status_code == 200
    assert selectors.round_matrix(round_oct, today=D(2026, 10, 1)).total >= 30
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_rounds_list_counts(client_for, round_oct, reporters):
    make_update(round_oct, "medcom", MEDCOM_ACTIVITY, user=reporters["medcom"], submit=True)
    rounds = selectors.rounds_overview()
    assert rounds[0].n_submitted == 1 and rounds[0].n_accepted == 0
    assert rounds[0].n_obligations == RoundObligation.objects.filter(round=round_oct).count()
    response = client_for(reporters["editor"]).get("/plan/rapportering/runder/")
    assert response.status_code == 200 and "Oktober 2026" in response.content.decode()
