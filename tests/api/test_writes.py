"""The API's writes go through the forms' validation and the services: field errors in
Danish, the version check (409 with the current version), the history reason."""

import json

import pytest

from milestones.models import Milestone, ProgressUpdate, RoundObligation
from parties.models import Party
from register.models import Entry, ShakState, Step

from .helpers import token_client

FULL = {
    "narrative": "Vi tester SOR-opslag i testmiljøet.",
    "self_rag": "green",
    "self_rag_reason": "Planen holder.",
    "percent_complete": 40,
    "achievements": "Testmiljø sat op.",
    "next_steps": "Test af opslag.",
}


def put(client, path, body):
    return client.put(path, data=json.dumps(body), content_type="application/json")


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def update_path(round_oct):
    midt = Party.objects.get(key="region-midtjylland")
    obligation = RoundObligation.objects.filter(round=round_oct, party=midt).first()
    return f"/api/v1/rounds/2026-10/updates/{midt.key}/{obligation.activity.key}/"


@pytest.mark.django_db
def test_a_reporter_saves_a_draft_then_submits_it(update_path, reporter):
    client = token_client(reporter)
    response = put(client, update_path, {"narrative": "Halvt færdig", "version": 0})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "draft" and response.json()["version"] == 1
    update = ProgressUpdate.objects.get(narrative="Halvt færdig")
    assert update.history.first().history_change_reason == "Kladde gemt"
    assert update.history.first().history_user == reporter
    # Submitting needs every required field, as on the form; nothing is saved meanwhile.
    response = put(client, update_path, {"narrative": "Mere", "version": 1, "submit": True})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] and set(body["errors"]) >= {"self_rag", "achievements", "next_steps"}
    assert body["errors"]["next_steps"] == ["Udfyld feltet, før du indsender opdateringen."]
    update.refresh_from_db()
    assert update.narrative == "Halvt færdig" and update.version == 1
    response = put(client, update_path, {**FULL, "version": 1, "submit": True})
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    # Submitted: no longer changed, as on the form.
    response = put(client, update_path, {**FULL, "version": 2})
    assert response.status_code == 400 and "kan ikke ændres" in response.json()["detail"]


@pytest.mark.django_db
def test_a_stale_version_is_a_409_with_the_current_version(update_path, reporter, rsi_reporter):
    client = token_client(reporter)
    assert put(client, update_path, {"narrative": "Først", "version": 0}).status_code == 200
    response = put(client, update_path, {"narrative": "Oven i", "version": 0})
    assert response.status_code == 409
    assert response.json()["current_version"] == 1 and response.json()["seen_version"] == 0
    assert "nyere version" in response.json()["detail"]
    assert ProgressUpdate.objects.get().narrative == "Først"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"percent_complete": 150, "version": 0}, "percent_complete"),
        ({"percent_complete": "mange", "version": 0}, "percent_complete"),
        ({"self_rag": "purple", "version": 0}, "self_rag"),
        ({"narrative": "x"}, "version"),
        ({"version": -1}, "version"),
    ],
)
def test_bad_fields_get_the_forms_danish_messages(update_path, reporter, body, field):
    response = put(token_client(reporter), update_path, body)
    assert response.status_code == 400
    assert field in response.json()["errors"] and response.json()["errors"][field][0]
    assert not ProgressUpdate.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"text"', "application/json", 400),
        ("narrative=x", "application/x-www-form-urlencoded", 415),
        ("<x/>", "text/xml", 415),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_in_json(
    update_path, reporter, data, content_type, status
):
    response = token_client(reporter).put(update_path, data=data, content_type=content_type)
    assert response.status_code == status
    assert response.json()["detail"]


@pytest.mark.django_db
def test_a_reporter_proposes_new_forecast_dates_in_the_update(update_path, reporter):
    client = token_client(reporter)
    activity_key = update_path.rstrip("/").rsplit("/", 1)[1]
    milestone = Milestone.objects.open().filter(activity__key=activity_key).first()
    other = Milestone.objects.open().exclude(activity__key=activity_key).first()
    proposal = {"milestone": milestone.key, "proposed_date": "2027-09-15"}
    # The form's rules: a new date needs a reason; another activity's milestone is refused.
    response = put(client, update_path, {"version": 0, "proposals": [proposal]})
    assert response.status_code == 400
    assert response.json()["errors"]["proposals"]["0"]["reason"]
    bad = {"milestone": other.key, "proposed_date": "2027-09-15", "reason": "x"}
    response = put(client, update_path, {"version": 0, "proposals": [bad]})
    assert (
        response.status_code == 400 and "milestone" in response.json()["errors"]["proposals"]["0"]
    )
    assert not ProgressUpdate.objects.exists()
    body = {"version": 0, "proposals": [{**proposal, "reason": "Leverandøren er forsinket"}]}
    response = put(client, update_path, body)
    assert response.status_code == 200, response.json()
    saved = response.json()["proposals"]
    assert saved == [
        {
            "milestone": milestone.key,
            "proposed_date": "2027-09-15",
            "proposed_precision": "day",
            "reason": "Leverandøren er forsinket",
            "decision": "pending",
        }
    ]
    stored = ProgressUpdate.objects.get().proposals.get()
    assert stored.history.first().history_user == reporter
    # Not named: kept; named without a date: withdrawn, as on the form.
    response = put(client, update_path, {"narrative": "Mere", "version": 1})
    assert response.status_code == 200 and len(response.json()["proposals"]) == 1
    withdraw = {"milestone": milestone.key, "proposed_date": None}
    response = put(client, update_path, {"version": 2, "proposals": [withdraw]})
    assert response.status_code == 200 and response.json()["proposals"] == []


@pytest.mark.django_db
def test_a_wrong_method_is_a_json_405(reporter):
    response = token_client(reporter).delete("/api/v1/milestones/")
    assert (
        response.status_code == 405 and response.json()["detail"] == "Metoden er ikke tilladt her."
    )


# ---------------------------------------------------------------------------
# Register entries' states
# ---------------------------------------------------------------------------
def own_entry() -> Entry:
    return Entry.objects.filter(owner__key="region-midtjylland").order_by("pk").first()


@pytest.mark.django_db
def test_the_sor_team_moves_an_entrys_state_with_the_forms_rules(editor, reporter):
    entry = own_entry()
    path = f"/api/v1/register/entries/{entry.key}/state/"
    # The owning party's reporters propose in their update; they do not move it here.
    response = post(token_client(reporter), path, {"state": "shak", "version": entry.version})
    assert response.status_code == 403 and "foreslår" in response.json()["detail"]
    client = token_client(editor)
    # "Kun SOR" needs a date and who confirmed it.
    response = post(client, path, {"state": ShakState.SOR_ONLY, "version": entry.version})
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"state_date"}
    response = post(
        client,
        path,
        {
            "state": ShakState.SOR_ONLY,
            "state_date": "2026-11-02",
            "state_confirmed_by": "Systemejer Hansen",
            "version": entry.version,
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "sor_only"
    assert response.json()["version"] == entry.version + 1
    # A step back needs a reason (named as on the form).
    response = post(client, path, {"state": ShakState.SHAK, "version": entry.version + 1})
    assert response.status_code == 400 and "change_reason" in response.json()["errors"]
    response = post(
        client,
        path,
        {"state": ShakState.SHAK, "version": entry.version + 1, "change_reason": "Fejl"},
    )
    assert response.status_code == 200
    assert Entry.objects.get(pk=entry.pk).history.first().history_change_reason == "Fejl"
    # Someone saved in between: 409 with the current version, nothing saved.
    response = post(client, path, {"state": ShakState.SHAK_PLUS, "version": entry.version})
    assert response.status_code == 409 and response.json()["current_version"] == entry.version + 2
    assert Entry.objects.get(pk=entry.pk).state == ShakState.SHAK


@pytest.mark.django_db
def test_another_partys_entry_is_not_found_and_the_steering_group_may_not_write(reporter, steering):
    other = Entry.objects.exclude(owner__key="region-midtjylland").order_by("pk").first()
    body = {"state": "shak", "version": other.version}
    path = f"/api/v1/register/entries/{other.key}/state/"
    assert post(token_client(reporter), path, body).status_code == 404
    assert post(token_client(steering), path, body).status_code == 403


@pytest.mark.django_db
def test_the_sor_team_plans_a_step_and_a_partial_body_keeps_the_other_dates(editor, reporter):
    entry = own_entry()
    path = f"/api/v1/register/entries/{entry.key}/steps/tested/"
    assert post(token_client(reporter), path, {"forecast_date": "2027-03-01"}).status_code == 403
    client = token_client(editor)
    body = {"baseline_date": "2027-03-01", "forecast_date": "2027-04-01", "change_reason": "Plan"}
    response = post(client, path, body)
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 1 and response.json()["baseline_date"] == "2027-03-01"
    step = Step.objects.get(entry=entry, kind="tested")
    assert step.history.first().history_change_reason == "Plan"
    assert step.history.first().history_user == editor
    # Only the forecast moves; the baseline stays as it was.
    response = post(client, path, {"forecast_date": "2027-05-01", "version": 1})
    assert response.status_code == 200, response.json()
    assert response.json()["baseline_date"] == "2027-03-01"
    assert response.json()["forecast_date"] == "2027-05-01"
    # A stale version, a bad date, an unknown step: 409, 400, 404; nothing saved.
    response = post(client, path, {"forecast_date": "2027-06-01", "version": 1})
    assert response.status_code == 409 and response.json()["current_version"] == 2
    response = post(client, path, {"forecast_date": "1. maj", "version": 2})
    assert response.status_code == 400 and "forecast_date" in response.json()["errors"]
    assert post(client, path.replace("tested", "x"), {"version": 2}).status_code == 404
    step.refresh_from_db()
    assert step.version == 2 and str(step.forecast_date) == "2027-05-01"


# ---------------------------------------------------------------------------
# The SOR-team moves a forecast
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_sor_team_moves_a_forecast_with_a_reason(editor):
    milestone = Milestone.objects.open().order_by("pk").first()
    path = f"/api/v1/milestones/{milestone.key}/forecast/"
    client = token_client(editor)
    body = {
        "forecast_date": "2027-06-01",
        "forecast_precision": "month",
        "version": milestone.version,
    }
    response = post(client, path, {**body, "reason": "  "})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = post(client, path, {**body, "reason": "Leverandøren er forsinket"})
    assert response.status_code == 200, response.json()
    assert response.json()["forecast_date"] == "2027-06-01"
    assert response.json()["rag"]["reason"]
    milestone.refresh_from_db()
    assert milestone.history.first().history_change_reason == "Leverandøren er forsinket"
    response = post(client, path, {**body, "reason": "igen"})
    assert response.status_code == 409 and response.json()["current_version"] == milestone.version
    response = post(client, path, {**body, "forecast_date": "2027-13-01", "reason": "x"})
    assert response.status_code == 400 and "forecast_date" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["as_of=0357-07-21T01:13:47", "as_of=2999-01-01T00:00", "as_of=igår", "track=x"],
)
def test_the_status_refuses_a_moment_it_cannot_show(reporter, query):
    response = token_client(reporter).get(f"/api/v1/status/?{query}")
    assert response.status_code == 400 and response.json()["errors"]


@pytest.mark.django_db
def test_the_status_at_a_past_moment_is_the_dashboards(reporter):
    response = token_client(reporter).get("/api/v1/status/?as_of=2026-01-01T08:00:00%2B01:00")
    assert response.status_code == 200
    body = response.json()
    assert body["is_past"] is True and body["moment"].startswith("2026-01-01T08:00")
    assert body["overall"]["rag"] and body["overall"]["reason"]
