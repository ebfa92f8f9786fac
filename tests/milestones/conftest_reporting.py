"""Fixtures for the reporting tests. Import the ones you use from your test module
(engineer A owns tests/milestones/conftest.py)."""

import datetime

import pytest

from milestones.models import Activity, Milestone, ProgressUpdate, ReportingRound
from milestones.services import rounds, updates
from parties.models import Party

PERIOD = datetime.date(2026, 10, 1)
# October 2026: opens Thursday 1 October, due Friday 30 October (31st is a Saturday).
IN_ROUND = datetime.datetime(2026, 10, 20, 10, 0, tzinfo=datetime.UTC)
MIDT_ACTIVITY = "sor-tilpasning-region-midtjylland"
HOVEDSTADEN_ACTIVITY = "sor-tilpasning-region-hovedstaden"
MEDCOM_ACTIVITY = "medcom-adresseringsprojekt"


def party(key: str) -> Party:
    return Party.objects.get(key=key)


def activity(key: str) -> Activity:
    return Activity.objects.get(key=key)


def edit_path(party_key: str, activity_key: str, period: str = "2026-10") -> str:
    return f"/plan/rapportering/{period}/{party_key}/{activity_key}/"


def form_data(version: int = 0, action: str = "draft", **values) -> dict:
    """A full, valid update form post (every required field filled)."""
    data = {
        "version": str(version),
        "action": action,
        "narrative": "Patientjournalen er testet med SOR-koder.",
        "self_rag": "yellow",
        "self_rag_reason": "En leverandør er forsinket.",
        "percent_complete": "60",
        "achievements": "Test gennemført i testmiljøet.",
        "next_steps": "Produktion i næste kvartal.",
        "risks": "",
        "help_needed": "",
    }
    data.update({k: str(v) for k, v in values.items()})
    return data


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The role fixtures set passwords; the default hasher makes each take ~0.3 s.
    Autouse in the modules that import it (it runs before the user fixtures)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reporters(reporter, rsi_reporter, medcom_reporter, kombit_reporter, editor, steering):
    """Every role present before the round is made, so the round's obligations include them."""
    return {
        "midt": reporter,
        "rsi": rsi_reporter,
        "medcom": medcom_reporter,
        "kombit": kombit_reporter,
        "editor": editor,
        "steering": steering,
    }


@pytest.fixture
def round_oct(reporters, system_user) -> ReportingRound:
    return rounds.reporting_round_create(period=PERIOD, user=system_user)


@pytest.fixture
def midt_milestone(db) -> Milestone:
    """The open milestone of Region Midtjylland's activity."""
    return Milestone.objects.get(key=f"{MIDT_ACTIVITY}-klar")


def make_update(round_, party_key, activity_key, *, user, submit=False, proposals=()):
    """An update written through the service, as a reporter would."""
    values = {
        "narrative": "Status",
        "self_rag": "green",
        "self_rag_reason": "Alt følger planen.",
        "percent_complete": 50,
        "achievements": "Noget",
        "next_steps": "Mere",
        "risks": "",
        "help_needed": "",
    }
    existing = ProgressUpdate.objects.filter(
        round=round_, party__key=party_key, activity__key=activity_key
    ).first()
    return updates.progress_update_save(
        round_=round_,
        party=party(party_key),
        activity=activity(activity_key),
        values=values,
        proposals=list(proposals),
        version=existing.version if existing else 0,
        user=user,
        submit=submit,
    )
