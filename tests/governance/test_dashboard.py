"""The dashboard's live governance sections: Risici (band and trend), Beslutninger,
Handlinger, and the delivery confidence beside the computed status."""

import datetime

import pytest
import time_machine

from governance.models import Action, Risk
from governance.services import records
from tests.governance.helpers import make_action, make_decision, make_risk


@pytest.mark.django_db
def test_the_dashboard_shows_risks_decisions_actions_and_confidence(client_for, editor, reporter):
    with time_machine.travel(datetime.datetime(2020, 1, 1, 9, tzinfo=datetime.UTC)):
        rising = make_risk(editor, title="Stigende risiko", p=2, i=2)
    records.record_update(
        Risk, pk=rising.pk, version=1, data={"probability": 5, "impact": 5}, user=editor
    )
    make_risk(editor, title="Hovedstadens risiko", party_key="region-hovedstaden", p=3, i=3)
    make_decision(editor, title="Skal ID27 udskydes?", needed_by=datetime.date(2030, 1, 1))
    make_action(editor, title="Gammel handling", due_on=datetime.date(2020, 1, 1))
    records.confidence_set(
        activity=None,
        level="amber_red",
        justification="Regionerne er bagud.",
        version=0,
        user=editor,
    )

    body = client_for(editor).get("/").content.decode()
    for heading in (
        '<h2 id="h-gov-risks">Risici</h2>',
        '<h2 id="h-gov-decisions">Beslutninger</h2>',
        '<h2 id="h-gov-actions">Handlinger</h2>',
    ):
        assert heading in body
    assert "Stigende risiko" in body and "Kritisk (25)" in body and "Stigende<" in body
    assert "Skal ID27 udskydes?" in body and "Gammel handling" in body
    assert "Gul/rød" in body and "Regionerne er bagud." in body

    mine = client_for(reporter).get("/").content.decode()
    assert "Stigende risiko" in mine and "Hovedstadens risiko" not in mine


def _at(day, hour=9):
    return time_machine.travel(datetime.datetime(*day, hour, tzinfo=datetime.UTC), tick=False)


@pytest.mark.django_db
def test_the_point_in_time_dashboard_shows_governance_as_it_stood(client_for, editor, reporter):
    """A known history: in January a low risk, a decision requested and an action due on
    the 12th; in February the risk rises, the decision is taken, the action is done, a
    second risk and a confidence rating are added."""
    with _at((2026, 1, 10)):
        risk = make_risk(editor, title="Januars risiko", p=2, i=2)
        make_risk(editor, title="Hovedstadens risiko", party_key="region-hovedstaden", p=3, i=3)
        decision = make_decision(editor, title="Januars beslutning")
        action = make_action(editor, title="Januars handling", due_on=datetime.date(2026, 1, 12))
    with _at((2026, 2, 2)):
        records.record_update(
            Risk, pk=risk.pk, version=risk.version, data={"probability": 5}, user=editor
        )
        records.decision_take(
            pk=decision.pk,
            version=decision.version,
            outcome="Besluttet i februar.",
            decided_on=datetime.date(2026, 2, 2),
            user=editor,
        )
        records.record_update(
            Action, pk=action.pk, version=action.version, data={"status": "done"}, user=editor
        )
        make_risk(editor, title="Februars risiko", p=4, i=4)
        records.confidence_set(
            activity=None, level="red", justification="Rødt i februar.", version=0, user=editor
        )

    past = client_for(editor).get("/?som_den_var=2026-01-15T12:00").content.decode()
    assert '<h2 id="h-gov-risks">Risici</h2>' in past
    assert "som de så ud den 15. januar 2026" in past
    assert "Januars risiko" in past and "Lav (4)" in past
    assert "Februars risiko" not in past
    assert "Januars beslutning" in past and "Januars handling" in past
    assert "Rødt i februar." not in past and "Ikke vurderet." in past

    live = client_for(editor).get("/").content.decode()
    assert "Høj (10)" in live and "Februars risiko" in live and "Rødt i februar." in live
    assert "Januars beslutning" not in live and "Januars handling" not in live

    # A reporter's past view keeps to their party's records too.
    theirs = client_for(reporter).get("/?som_den_var=2026-01-15T12:00").content.decode()
    assert "Januars risiko" in theirs and "Hovedstadens risiko" not in theirs


@pytest.mark.django_db
def test_a_new_risk_shows_on_the_cached_dashboard_at_once(client_for, editor):
    client = client_for(editor)
    assert "Ny risiko her" not in client.get("/").content.decode()
    make_risk(editor, title="Ny risiko her")
    assert "Ny risiko her" in client.get("/").content.decode()
