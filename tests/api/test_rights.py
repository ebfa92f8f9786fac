"""The API's rights matrix: every operation of the schema × every role, each answer
as the pages' `Access` rules say. Built from the schema, so a new endpoint without an
expectation here fails (as the page crawls are built from the URL resolver)."""

import datetime

import pytest
from django.test import Client

from core.dates import today
from milestones.services import rounds
from tests.helpers import draft_update_of_midt
from tests.reports.helpers import published_report_make

from .helpers import api_samples, sample_api_path, schema_operations, token_client

ROLES = ("editor", "steering", "reporter")

# What each member role gets, by operation id; an operation not listed answers 200 to a
# GET for every member. Writes are sent with an empty body: 400 (the form's field errors)
# shows that the person passed the rights check, 403 or 404 that they did not.
EXPECTED = {
    "governance_meetings_list": {"reporter": 403},
    # A draft agenda: the SOR-team and the meeting's participants only.
    "governance_meetings_retrieve": {"reporter": 403, "steering": 404},
    # The sample issue and decision belong to RSI, not to the reporter's region.
    "governance_issues_retrieve": {"reporter": 404},
    "governance_decisions_retrieve": {"reporter": 404},
    "rounds_updates_retrieve": {"steering": 404},  # a draft: the party and the SOR-team
    "rounds_updates_update": {"editor": 403, "steering": 404, "reporter": 400},
    "milestones_forecast_create": {"editor": 400, "steering": 403, "reporter": 403},
    # Only the SOR-team writes the register; a party's reporters propose in their update.
    "register_entries_state_create": {"editor": 400, "steering": 403, "reporter": 403},
    # An empty body on a step not yet planned creates it with no dates (200).
    "register_entries_steps_create": {"steering": 403, "reporter": 403},
    # The sample row is a supplier's: the region's reporter does not see it; the steering
    # group reads every row but moves none.
    "medcom_certifications_retrieve": {"reporter": 404},
    "medcom_certifications_create": {"editor": 400, "steering": 403, "reporter": 404},
}


@pytest.fixture
def matrix(reporters, editor, steering, reporter, system_user, report_media):
    period = (today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    round_ = rounds.reporting_round_create(period=period, user=system_user)
    update = draft_update_of_midt(round_, reporter)
    report = published_report_make(datetime.date(2020, 1, 1))
    values = api_samples(editor=editor, update=update, report_period=report.period)
    return {"editor": editor, "steering": steering, "reporter": reporter}, values


@pytest.mark.django_db
def test_every_operation_answers_each_role_as_access_says(matrix, outsider):
    users, values = matrix
    clients = {role: token_client(users[role]) for role in ROLES}
    operations = schema_operations(clients["editor"])
    assert len(operations) >= 30
    ids = {operation["operationId"] for _p, _m, operation in operations}
    assert set(EXPECTED) <= ids, "an expectation names an operation the schema lacks"
    anonymous, nobody = Client(), token_client(outsider)
    wrong = []
    for template, method, operation in operations:
        path = sample_api_path(template, values)
        expected = {role: 200 for role in ROLES} | EXPECTED.get(operation["operationId"], {})
        call = {"content_type": "application/json", "data": "{}"} if method != "get" else {}
        for role, client in [*clients.items(), ("anonymous", anonymous), ("outsider", nobody)]:
            want = {"anonymous": 401, "outsider": 403}.get(role) or expected[role]
            response = getattr(client, method)(path, **call)
            got = response.status_code
            if got != want:
                wrong.append((operation["operationId"], path, role, want, got))
            if got != 200 or "json" in response["Content-Type"]:
                body = response.json()
                if got >= 400:
                    assert set(body) >= {"detail", "errors"} and body["detail"], (path, body)
    assert wrong == [], "\n".join(map(str, wrong))


@pytest.mark.django_db
def test_a_read_only_token_reads_but_never_writes(matrix):
    users, values = matrix
    reader = token_client(users["editor"], scope="read")
    for template, method, operation in schema_operations(reader):
        path = sample_api_path(template, values)
        if method == "get":
            assert reader.get(path).status_code == EXPECTED.get(operation["operationId"], {}).get(
                "editor", 200
            )
        else:
            response = getattr(reader, method)(path, data="{}", content_type="application/json")
            assert response.status_code == 403, path
            assert "kun læse" in response.json()["detail"]
