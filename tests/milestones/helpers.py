"""Plain helpers for the plan's and the reporting rounds' tests, imported by name.

The fixtures are in this folder's conftest.py.
"""

import datetime

from milestones.models import Activity, Baseline, BaselineEntry, ProgressUpdate
from milestones.services import updates
from parties.models import Party

ACTIVE_BASELINE = "plan-000-milepaelsplan-wip"
OLDER_BASELINE = "plan-001-beskrivelse-af-aktiviteter"

PERIOD = datetime.date(2026, 10, 1)
# October 2026: opens Thursday 1 October, due Friday 30 October (31st is a Saturday).
IN_ROUND = datetime.datetime(2026, 10, 20, 10, 0, tzinfo=datetime.UTC)
MIDT_ACTIVITY = "sor-tilpasning-region-midtjylland"
HOVEDSTADEN_ACTIVITY = "sor-tilpasning-region-hovedstaden"
MEDCOM_ACTIVITY = "medcom-adresseringsprojekt"


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------
def set_baseline_date(milestone, date, precision="day", baseline_key=ACTIVE_BASELINE):
    """Give a milestone a date in a baseline (the seeds state few dates)."""
    baseline = Baseline.objects.get(key=baseline_key)
    BaselineEntry.objects.update_or_create(
        baseline=baseline, milestone=milestone, defaults={"date": date, "precision": precision}
    )
    return baseline


def reload(instance):
    return type(instance).objects.get(pk=instance.pk)


def months_ahead(today: datetime.date, months: int, day: int = 15) -> datetime.date:
    index = today.month - 1 + months
    return datetime.date(today.year + index // 12, index % 12 + 1, day)


# ---------------------------------------------------------------------------
# Reporting rounds
# ---------------------------------------------------------------------------
def party(key: str) -> Party:
    return Party.objects.get(key=key)


def activity(key: str) -> Activity:
    return Activity.objects.get(key=key)


def edit_path(party_key: str, activity_key: str, period: str = "2026-10") -> str:
    return f"/plan/rapportering/{period}/{party_key}/{activity_key}/"


def detail(update) -> str:
    return f"/plan/rapportering/opdateringer/{update.pk}/"


def review(update) -> str:
    return f"/plan/rapportering/opdateringer/{update.pk}/behandl/"


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
