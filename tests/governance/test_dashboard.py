"""The dashboard's live governance sections: Risici (band and trend), Beslutninger,
Handlinger, and the delivery confidence beside the computed status."""

import datetime

import pytest
import time_machine

from governance.models import Risk
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
    # The point-in-time view does not (yet) show governance.
    past = client_for(editor).get("/?som_den_var=2026-01-15").content.decode()
    assert "h-gov-risks" not in past


@pytest.mark.django_db
def test_a_new_risk_shows_on_the_cached_dashboard_at_once(client_for, editor):
    client = client_for(editor)
    assert "Ny risiko her" not in client.get("/").content.decode()
    make_risk(editor, title="Ny risiko her")
    assert "Ny risiko her" in client.get("/").content.decode()
