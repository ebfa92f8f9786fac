"""Helpers for the governance tests: records written through the services."""

import datetime

from governance.models import Action, Decision, Meeting, Risk
from governance.services import meetings as meeting_services
from governance.services import records
from tests.milestones.helpers import party


def make_risk(
    user, *, title="Leverandør forsinket", party_key="region-midtjylland", p=3, i=3, **kw
):
    data = {
        "title": title,
        "owner_party": party(party_key),
        "probability": p,
        "impact": i,
        **kw,
    }
    return records.risk_create(data=data, user=user)


def make_decision(user, *, title="Valg af testmiljø", party_key="sor-team", options=(), **kw):
    data = {
        "title": title,
        "question": "Skal vi vælge A eller B?",
        "owner_party": party(party_key),
        **kw,
    }
    return records.decision_request(data=data, options=options, user=user)


def make_action(user, *, title="Send plan", party_key="region-midtjylland", due_on=None, **kw):
    data = {
        "title": title,
        "owner_party": party(party_key),
        "due_on": due_on or datetime.date(2026, 12, 15),
        **kw,
    }
    return records.action_create(data=data, user=user)


def make_meeting(user, *, held_on=datetime.date(2026, 12, 10), title="Styregruppemøde", **kw):
    return meeting_services.meeting_create(
        data={"title": title, "held_on": held_on, **kw}, user=user
    )


__all__ = ["Action", "Decision", "Meeting", "Risk"]
