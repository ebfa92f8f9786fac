"""MedCom's matrix in the API: the rows each person reads exactly as on the pages
(`Access`), filters and cursor pages, and a row's move through `medcom.services` with
the page's rules, version check and history reason."""

import json

import pytest

from medcom.models import Certification, CertState
from parties.models import Membership
from tests.helpers import member
from tests.medcom.conftest import set_state

from .helpers import token_client

ROWS = "/api/v1/medcom/certifications/"


def row_path(entry="sys-a", message_type="hen01", direction="sends"):
    return f"{ROWS}{entry}/{message_type}/{direction}/"


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def all_rows(client, query=""):
    found, url = [], f"{ROWS}?page_size=3{query}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        found += response.json()["results"]
        url = response.json()["next"]
    return found


@pytest.mark.django_db
def test_a_suppliers_reporter_reads_only_its_own_rows(rows, reporter_a, editor):
    mine = all_rows(token_client(reporter_a))
    assert len(mine) == 4 and {r["supplier"] for r in mine} == {"lev-a"}
    assert {r["entry"] for r in mine} == {"sys-a"} and "id" not in mine[0]
    everything = all_rows(token_client(editor))  # three cursor pages of three
    assert (
        len(everything) == 8
        and len({(r["entry"], r["message_type"], r["direction"]) for r in everything}) == 8
    )
    # Another supplier's row is not there at all for A's reporter.
    assert token_client(reporter_a).get(row_path(entry="sys-b")).status_code == 404
    assert token_client(editor).get(row_path(entry="sys-b")).json()["supplier"] == "lev-b"


@pytest.mark.django_db
def test_the_filters_narrow_the_rows(rows, editor):
    client = token_client(editor)
    set_state(rows[("a", "fhir", "sends")], CertState.IN_DEVELOPMENT)
    assert len(all_rows(client, "&supplier=lev-b")) == 4
    assert len(all_rows(client, "&message_type=fhir01&direction=receives")) == 2
    assert len(all_rows(client, "&family=fhir")) == 4
    found = all_rows(client, "&state=in_development")
    assert [(r["entry"], r["message_type"]) for r in found] == [("sys-a", "fhir01")]
    types = client.get("/api/v1/medcom/message-types/?family=fhir").json()["results"]
    assert [t["key"] for t in types] == ["fhir01"]
    assert client.get("/api/v1/medcom/message-types/hen01/").json()["code"] == "HEN01"


@pytest.mark.django_db
def test_a_supplier_moves_its_row_but_not_to_a_test_result(rows, reporter_a, reporter_b):
    client = token_client(reporter_a)
    response = post(
        client,
        row_path(),
        {
            "state": "ready_for_test",
            "planned_production_date": "2027-02-01",
            "version": 1,
            "change_reason": "Klar fra vores side",
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "ready_for_test" and body["version"] == 2
    assert body["planned_production_date"] == "2027-02-01" and body["ready_for_test_on"]
    row = Certification.objects.get(pk=rows[("a", "hen", "sends")].pk)
    assert row.history.first().history_change_reason == "Klar fra vores side"
    assert row.history.first().history_user == reporter_a
    # Only MedCom and the SOR-team set the test's result (move_refusal), said in Danish.
    response = post(client, row_path(), {"state": "certified", "version": 2})
    assert response.status_code == 403
    assert "Kun MedCom og SOR-teamet" in response.json()["detail"]
    response = post(client, row_path(), {"state": "ready_for_test", "reference": "X", "version": 2})
    assert response.status_code == 403
    # Another supplier's reporter does not see the row.
    assert (
        post(
            token_client(reporter_b), row_path(), {"state": "in_development", "version": 2}
        ).status_code
        == 404
    )
    row.refresh_from_db()
    assert row.version == 2 and row.reference == "" and row.note == ""


@pytest.mark.django_db
def test_medcom_certifies_with_the_rules_and_the_version_check(rows, suppliers):
    medcom = token_client(member("t-medcom", "medcom", Membership.Role.REPORTER))
    # "Afvist i test" needs a reason, as on the form; nothing is saved meanwhile.
    response = post(medcom, row_path(), {"state": "rejected", "version": 1})
    assert response.status_code == 400
    assert response.json()["errors"]["rejection_reason"] == ["Skriv, hvorfor testen er afvist."]
    response = post(
        medcom,
        row_path(),
        {"state": "certified", "on": "2026-11-02", "reference": "MC-17", "version": 1},
    )
    assert response.status_code == 200, response.json()
    assert (
        response.json()["certified_on"] == "2026-11-02" and response.json()["reference"] == "MC-17"
    )
    response = post(medcom, row_path(), {"state": "in_test", "version": 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2 and response.json()["seen_version"] == 1
    assert Certification.objects.get(pk=rows[("a", "hen", "sends")].pk).state == "certified"
    response = post(medcom, row_path(), {"state": "certified", "on": "pi", "version": 2})
    assert response.status_code == 400 and "on" in response.json()["errors"]
