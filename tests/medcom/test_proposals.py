"""A supplier's reporters propose moves of their own rows in the MedCom section of
their monthly progress update; MedCom's reporters (the proposals' page) and the
SOR-team (there, or reviewing the update) accept or return each. Scoping through the
form, htmx and the service; the reviewer's rights."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from medcom import services
from medcom.models import Certification, CertificationProposal
from milestones.models import Activity, ProgressUpdate, RoundObligation
from tests.milestones.helpers import IN_ROUND, detail, edit_path, form_data, review

pytestmark = pytest.mark.django_db
ACTIVITY = "it-leverandoerer-sor-i-meddelelser"
A_PATH = edit_path("lev-a", ACTIVITY)
B_PATH = edit_path("lev-b", ACTIVITY)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(IN_ROUND, tick=False):
        yield


@pytest.fixture
def obligations(round_oct, suppliers):
    activity = Activity.objects.get(key=ACTIVITY)
    for supplier in suppliers.values():
        RoundObligation.objects.create(round=round_oct, party=supplier, activity=activity)
    return round_oct


def prefixed(row, **values) -> dict:
    return {f"cert{row.pk}-{name}": str(value) for name, value in values.items()}


def submitted(client, row, **fields):
    response = client.post(A_PATH, form_data(action="submit", **prefixed(row, **fields)))
    assert response.status_code == 302, response.context and response.context["field_errors"]
    return ProgressUpdate.objects.get(party__key="lev-a")


def test_the_update_lists_the_suppliers_own_rows_with_its_own_moves_only(
    client_for, rows, reporter_a, obligations
):
    own, other = rows[("a", "hen", "sends")], rows[("b", "hen", "sends")]
    page = client_for(reporter_a).get(A_PATH).content.decode()
    assert "MedCom: meddelelsestyper og certificering" in page
    assert f'name="cert{own.pk}-state"' in page
    assert f'name="cert{other.pk}-state"' not in page
    # From "ikke startet" a supplier offers only its own moves, never a test result.
    select = page.split(f'name="cert{own.pk}-state"')[1].split("</select>")[0]
    assert 'value="ready_for_test"' in select and 'value="in_development"' in select
    assert 'value="certified"' not in select and 'value="in_test"' not in select
    # Another supplier's update is not A's to read.
    assert client_for(reporter_a).get(B_PATH).status_code == 404


def test_a_draft_keeps_the_proposal_and_leaves_the_row_alone(
    client_for, rows, reporter_a, obligations
):
    row = rows[("a", "hen", "sends")]
    client = client_for(reporter_a)
    data = form_data(
        **prefixed(
            row,
            state="ready_for_test",
            state_on="2026-10-15",
            planned_production_date="2027-02-10",
            planned_production_precision="month",
        )
    )
    assert client.post(A_PATH, data).status_code == 302
    proposal = CertificationProposal.objects.get()
    assert proposal.state == "ready_for_test" and proposal.decision == "pending"
    assert str(proposal.planned_production_date) == "2027-02-01"  # the month's start
    assert proposal.history.order_by("-history_id").first().history_user == reporter_a
    row.refresh_from_db()
    assert row.state == "not_started" and row.planned_production_date is None
    assert "forslag gemt" in client.get(A_PATH).content.decode()
    # Taking the change out again removes the proposal.
    client.post(A_PATH, form_data(version=1))
    assert not CertificationProposal.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"state": "certified"}, "Marker en gyldig valgmulighed"),
        ({"state_on": "2026-10-01"}, "Vælg den nye tilstand, som datoen hører til."),
        (
            {"state": "in_development", "state_on": "2026-11-01"},
            "Datoen kan ikke ligge i fremtiden.",
        ),
    ],
)
def test_a_proposal_is_checked_when_made_with_a_danish_message(
    client_for, rows, reporter_a, obligations, fields, message
):
    row = rows[("a", "hen", "sends")]
    response = client_for(reporter_a).post(A_PATH, form_data(**prefixed(row, **fields)))
    assert response.status_code == 400
    assert message in response.content.decode()
    # What was typed is kept.
    for value in fields.values():
        assert value in response.content.decode()
    assert not CertificationProposal.objects.exists()


def test_fields_for_another_suppliers_row_are_ignored_by_form_and_htmx(
    client_for, rows, reporter_a, obligations
):
    other = rows[("b", "hen", "sends")]
    client = client_for(reporter_a)
    data = form_data(**prefixed(other, state="ready_for_test"))
    assert client.post(A_PATH, data).status_code == 302
    response = client.post(A_PATH, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert not CertificationProposal.objects.exists()
    # htmx on another supplier's update: not found, nothing saved.
    assert client.post(B_PATH, data, HTTP_HX_REQUEST="true").status_code == 404
    assert not CertificationProposal.objects.exists()
    assert Certification.objects.get(pk=other.pk).state == "not_started"


def test_the_service_refuses_a_row_the_update_does_not_list(rows, reporter_a, obligations):
    from tests.milestones.helpers import make_update

    update = make_update(obligations, "lev-a", ACTIVITY, user=reporter_a)
    item = services.ProposalInput(row=rows[("b", "hen", "sends")], state="ready_for_test")
    with pytest.raises(PermissionDenied):
        services.proposals_save(
            update=update, items=[item], row_ids={rows[("a", "hen", "sends")].pk}, user=reporter_a
        )
    item = services.ProposalInput(row=rows[("a", "hen", "sends")], state="certified")
    with pytest.raises(ValidationError, match="Kun MedCom og SOR-teamet kan sætte"):
        services.proposals_save(update=update, items=[item], row_ids={item.row.pk}, user=reporter_a)


def test_medcom_accepts_on_its_page_and_the_row_moves_with_history(
    client_for, rows, reporter_a, medcom_reporter, obligations
):
    row = rows[("a", "hen", "sends")]
    submitted(client_for(reporter_a), row, state="ready_for_test", state_on="2026-10-15")
    proposal = CertificationProposal.objects.get()
    medcom = client_for(medcom_reporter)
    page = medcom.get("/medcom/forslag/").content.decode()
    assert "Ikke startet → Klar til test" in page and "Leverandør A" in page
    response = medcom.post(f"/medcom/forslag/{proposal.pk}/", {"decision": "accept"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == "ready_for_test" and str(row.ready_for_test_on) == "2026-10-15"
    last = row.history.order_by("-history_id").first()
    assert last.history_user == medcom_reporter
    assert last.history_change_reason == "Fra Leverandør As opdatering for oktober 2026"
    proposal.refresh_from_db()
    assert proposal.decision == "accepted"
    assert "Ingen forslag venter." in medcom.get("/medcom/forslag/").content.decode()
    # MedCom reviews the MedCom section only: the rest of the update stays closed to it.
    update = proposal.update
    assert medcom.get(detail(update)).status_code == 404
    assert medcom.post(review(update), {"action": "accept"}).status_code in (403, 404)


def test_medcom_returns_a_proposal_and_nothing_changes(
    client_for, rows, reporter_a, medcom_reporter, obligations
):
    row = rows[("a", "hen", "sends")]
    submitted(client_for(reporter_a), row, state="in_development")
    proposal = CertificationProposal.objects.get()
    response = client_for(medcom_reporter).post(
        f"/medcom/forslag/{proposal.pk}/", {"decision": "return"}
    )
    assert response.status_code == 302
    assert CertificationProposal.objects.get().decision == "returned"
    assert Certification.objects.get(pk=row.pk).state == "not_started"


def test_a_draft_proposal_is_not_reviewed_yet(
    client_for, rows, reporter_a, medcom_reporter, obligations
):
    row = rows[("a", "hen", "sends")]
    client_for(reporter_a).post(A_PATH, form_data(**prefixed(row, state="in_development")))
    proposal = CertificationProposal.objects.get()
    medcom = client_for(medcom_reporter)
    assert "Ingen forslag venter." in medcom.get("/medcom/forslag/").content.decode()
    medcom.post(f"/medcom/forslag/{proposal.pk}/", {"decision": "accept"})
    assert CertificationProposal.objects.get().decision == "pending"
    assert Certification.objects.get(pk=row.pk).state == "not_started"


def test_the_sor_team_accepts_with_the_update(client_for, rows, reporter_a, editor, obligations):
    row = rows[("a", "hen", "sends")]
    update = submitted(client_for(reporter_a), row, state="ready_for_test")
    proposal = CertificationProposal.objects.get()
    page = client_for(editor).get(detail(update)).content.decode()
    assert "Forslag til MedComs matrix" in page and f'name="medcom_{proposal.pk}"' in page
    response = client_for(editor).post(
        review(update),
        {"action": "accept", "version": update.version, f"medcom_{proposal.pk}": "on"},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == "ready_for_test"
    assert row.history.order_by("-history_id").first().history_user == editor
    assert CertificationProposal.objects.get().decision == "accepted"


def test_only_medcom_and_the_sor_team_review(
    client_for, rows, reporter_a, reporter_b, steering, obligations
):
    row = rows[("a", "hen", "sends")]
    submitted(client_for(reporter_a), row, state="ready_for_test")
    proposal = CertificationProposal.objects.get()
    for user in (reporter_a, reporter_b, steering):
        client = client_for(user)
        assert client.get("/medcom/forslag/").status_code == 403
        response = client.post(f"/medcom/forslag/{proposal.pk}/", {"decision": "accept"})
        assert response.status_code == 403
    assert CertificationProposal.objects.get().decision == "pending"
    assert Certification.objects.get(pk=row.pk).state == "not_started"
