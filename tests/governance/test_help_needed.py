"""A party's "help needed" in a submitted progress update becomes a decision request or a
risk in one step from the update's page, linked to the update."""

import pytest
import time_machine

from governance.models import Decision, Risk
from milestones.services import updates
from tests.milestones import helpers as rx
from tests.milestones.helpers import IN_ROUND, MIDT_ACTIVITY

HELP = "Styregruppen skal afgøre, om ID27 må udskydes.\nLeverandøren kan ikke nå det."


@pytest.fixture
def submitted(round_oct, reporter):
    with time_machine.travel(IN_ROUND, tick=False):
        return updates.progress_update_save(
            round_=round_oct,
            party=rx.party("region-midtjylland"),
            activity=rx.activity(MIDT_ACTIVITY),
            values={
                "narrative": "Vi er forsinket.",
                "self_rag": "red",
                "self_rag_reason": "Leverandør",
                "percent_complete": 40,
                "achievements": "Test",
                "next_steps": "Mere test",
                "risks": "Leverandøren mangler folk.",
                "help_needed": HELP,
            },
            proposals=[],
            version=0,
            user=reporter,
            submit=True,
        )


@pytest.mark.django_db
def test_the_review_page_turns_help_needed_into_a_decision_request(
    client_for, submitted, editor, reporter
):
    client = client_for(editor)
    page = client.get(f"/plan/rapportering/opdateringer/{submitted.pk}/").content.decode()
    assert f'action="/styring/hjaelp/{submitted.pk}/"' in page
    assert (
        f"/styring/hjaelp/{submitted.pk}/"
        not in client_for(reporter)
        .get(f"/plan/rapportering/opdateringer/{submitted.pk}/")
        .content.decode()
    )
    response = client.post(f"/styring/hjaelp/{submitted.pk}/", {"kind": "decision"})
    decision = Decision.objects.get(source_update=submitted)
    assert (
        response.status_code == 302
        and response.url == f"/styring/beslutninger/{decision.key}/rediger/"
    )
    assert decision.question == HELP
    assert decision.title == "Region Midt: Styregruppen skal afgøre, om ID27 må udskydes."
    assert (decision.status, decision.requested_by_party.key, decision.requested_by) == (
        "requested",
        "region-midtjylland",
        reporter,
    )
    assert list(decision.activities.values_list("key", flat=True)) == [MIDT_ACTIVITY]
    row = decision.history.get()
    assert row.history_user == editor and "statusopdatering" in row.history_change_reason
    # Once only: a second click says so and creates nothing.
    again = client.post(f"/styring/hjaelp/{submitted.pk}/", {"kind": "risk"}, follow=True)
    assert "allerede oprettet" in again.content.decode()
    assert not Risk.objects.filter(source_update=submitted).exists()
    # The reporter sees the request (their party's), on the decision page.
    assert client_for(reporter).get(f"/styring/beslutninger/{decision.key}/").status_code == 200


@pytest.mark.django_db
def test_help_needed_becomes_a_risk(client_for, submitted, editor):
    response = client_for(editor).post(f"/styring/hjaelp/{submitted.pk}/", {"kind": "risk"})
    risk = Risk.objects.get(source_update=submitted)
    assert response.url == f"/styring/risici/{risk.key}/rediger/"
    assert (risk.status, risk.score, risk.cause) == ("open", 9, "Leverandøren mangler folk.")


@pytest.mark.django_db
def test_only_the_sor_team_converts_and_only_by_post(client_for, submitted, steering, reporter):
    url = f"/styring/hjaelp/{submitted.pk}/"
    assert client_for(None).post(url, {"kind": "risk"}).status_code == 302
    assert client_for(steering).get(url).status_code == 405
    assert client_for(steering).post(url, {"kind": "risk"}).status_code == 403
    assert client_for(reporter).post(url, {"kind": "risk"}).status_code == 403
    assert not Risk.objects.filter(source_update=submitted).exists()
