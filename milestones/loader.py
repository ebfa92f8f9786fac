"""Loading the SOR plan from the seed data kept in the repo (milestones/seed/).

`sor_roadmap_load` is idempotent: every row is matched on a stable key and
saved only when something differs, so a second run writes no history rows.
"""

import csv
import datetime
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from core.history import upsert
from parties.models import Party

from .models import (
    Activity,
    ActivityParticipant,
    ActivityPlanVersion,
    Baseline,
    BaselineEntry,
    DatePrecision,
    Dependency,
    Goal,
    Milestone,
    MunicipalityRollout,
    Programme,
    RolloutPhase,
    StatusSource,
)
from .services.status import status_deferred

SEED_DIR = Path(__file__).resolve().parent / "seed"
PLAN_FILE = SEED_DIR / "sor_plan.toml"
MUNICIPALITIES_FILE = SEED_DIR / "kommuner.csv"
REASON = "Indlæst fra SOR-planens kildedokumenter"
VERSION_KEYS = {"000": "plan-000-milepaelsplan-wip", "001": "plan-001-beskrivelse-af-aktiviteter"}


@dataclass
class LoadResult:
    created_or_changed: dict[str, int] = field(default_factory=dict)

    def count(self, label: str, changed: bool) -> None:
        if changed:
            self.created_or_changed[label] = self.created_or_changed.get(label, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.created_or_changed.values())


def read_plan(path: Path = PLAN_FILE) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def read_municipalities(path: Path = MUNICIPALITIES_FILE) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _region_activities(plan: dict) -> list[dict]:
    """Expand the per-region template into one activity per region."""
    expanded = []
    for template in plan.get("region_activities", []):
        for region in plan["regions"]:
            name = {"region": region["name"]}
            expanded.append(
                {
                    "key": f"{template['key_prefix']}-{region['key']}",
                    "title": template["title"] % name,
                    "goal": template.get("goal"),
                    "track": template["track"],
                    "responsible": region["key"],
                    "involved": ["rsi"],
                    "description": template["description"],
                    "in": template["in"],
                    "wording_key": template["key_prefix"],
                    "milestones": [
                        {
                            "key": f"{template['key_prefix']}-{region['key']}-klar",
                            "title": template["milestone_title"] % name,
                        }
                    ],
                }
            )
    return expanded


def all_activities(plan: dict) -> list[dict]:
    return plan["activities"] + _region_activities(plan)


def all_dependencies(plan: dict) -> list[dict]:
    """The stated dependencies, and one per region for each region template row."""
    expanded = list(plan["dependencies"])
    for row in plan.get("region_dependencies", []):
        for activity in _region_activities(plan):
            expanded.append(
                {
                    "predecessor": activity["milestones"][0]["key"],
                    "successor": row["successor"],
                    "note": row["note"],
                }
            )
    return expanded


def _status_values(row: dict, default: str) -> dict:
    """A row's status as the seed states or infers it (none: the model's default)."""
    if "status" not in row and "done" not in row:
        return {}
    return {
        "status": row.get("status", default),
        "status_source": row.get("status_source", StatusSource.STATED),
        "status_note": row.get("status_note", ""),
    }


@transaction.atomic
def sor_roadmap_load(
    *, user, plan: dict | None = None, municipalities: list[dict] | None = None
) -> LoadResult:
    """Load (or bring up to date) the SOR plan: parties, goals, plan versions,
    activities, milestones, baselines, dependencies and KOMBIT's roll-out.

    Only rows whose values differ from the seed are saved.
    """
    with status_deferred(user=user, reason="SOR-planen indlæst"):
        return _sor_roadmap_load(user, plan, municipalities)


def _sor_roadmap_load(user, plan, municipalities) -> LoadResult:
    plan = plan or read_plan()
    municipalities = municipalities if municipalities is not None else read_municipalities()
    result = LoadResult()
    # One long function on purpose: the seed is loaded in its document's order, each step
    # reading the rows the previous ones made (parties, then goals, activities, milestones...).

    def put(model, label, lookup, values):
        instance, changed = upsert(model, lookup=lookup, values=values, user=user, reason=REASON)
        result.count(label, changed)
        return instance

    # Parties ------------------------------------------------------------
    parties: dict[str, Party] = {}
    for row in plan["parties"]:
        parties[row["key"]] = put(
            Party,
            "parter",
            {"key": row["key"]},
            {
                "name": row["name"],
                "short_name": row.get("short_name", ""),
                "kind": row["kind"],
                "side": row["side"],
                "coordinates_municipal_rollout": row.get("coordinates_municipal_rollout", False),
                "description": row.get("description", ""),
            },
        )
    regions_by_code: dict[str, Party] = {}
    for row in plan["regions"]:
        region = put(
            Party,
            "parter",
            {"key": row["key"]},
            {
                "name": row["name"],
                "short_name": row["short_name"],
                "kind": Party.Kind.REGION,
                "side": Party.Side.EXTERNAL,
                "official_code": row["code"],
                "coordinator": parties["rsi"],
                "description": "",
            },
        )
        parties[row["key"]] = region
        regions_by_code[row["code"]] = region
    municipality_by_name: dict[str, Party] = {}
    for row in municipalities:
        municipality = put(
            Party,
            "kommuner",
            {"key": f"kommune-{row['kode']}"},
            {
                "name": row["navn"],
                "short_name": "",
                "kind": Party.Kind.MUNICIPALITY,
                "side": Party.Side.EXTERNAL,
                "official_code": row["kode"],
                "coordinator": parties["kombit"],
                "region": regions_by_code[row["region_kode"]],
            },
        )
        municipality_by_name[row["navn"]] = municipality

    # Programme, plan versions, goals --------------------------------------
    programme_row = plan["programme"]
    programme = put(
        Programme,
        "program",
        {"key": programme_row["key"]},
        {
            "name": programme_row["name"],
            "description": programme_row["description"],
            "owner": parties[programme_row["owner"]],
        },
    )
    versions: dict[str, Baseline] = {}
    has_active = Baseline.objects.filter(is_active=True).exists()
    for row in plan["plan_versions"]:
        values = {
            "name": row["name"],
            "short_name": row["short_name"],
            "description": row["description"],
            "source_document": row["source_document"],
            "is_plan_version": True,
            "sequence": row["sequence"],
        }
        existing = Baseline.objects.filter(key=row["key"]).first()
        if existing is None:
            # The newest plan becomes the active baseline on first load only;
            # afterwards the SOR-team chooses.
            values["is_active"] = bool(row.get("active")) and not has_active
        baseline = put(Baseline, "planversioner", {"key": row["key"]}, values)
        versions[row["key"]] = baseline
    code_to_version = {code: versions[key] for code, key in VERSION_KEYS.items()}

    goals: dict[str, Goal] = {}
    # Strategic goals first: a sub-goal's parent must exist.
    for section, label, kind in (
        ("goals", "mål", Goal.Kind.STRATEGIC),
        ("sub_goals", "delmål", Goal.Kind.SUB_GOAL),
    ):
        for row in plan[section]:
            goals[row["key"]] = put(
                Goal,
                label,
                {"key": row["key"]},
                {
                    "programme": programme,
                    "kind": kind,
                    "parent": goals[row["parent"]] if kind == Goal.Kind.SUB_GOAL else None,
                    # The documents number the strategic goals, not the sub-goals.
                    "number": row.get("number", 0),
                    "title": row["title"],
                    "description": row.get("description", ""),
                },
            )

    # Activities and milestones --------------------------------------------
    milestones: dict[str, Milestone] = {}
    for sort_order, row in enumerate(all_activities(plan), start=1):
        activity = Activity.objects.filter(key=row["key"]).first()
        values = {
            "title": row["title"],
            "description": row.get("description", ""),
            "goal": goals[row["goal"]] if row.get("goal") else None,
            "track": row["track"],
            "responsible_party": parties[row["responsible"]],
            "planned_start": _date(row.get("planned_start")),
            "planned_start_precision": row.get("planned_start_precision", DatePrecision.DAY),
            "planned_end": _date(row.get("planned_end")),
            "planned_end_precision": row.get("planned_end_precision", DatePrecision.DAY),
            "sort_order": sort_order,
        }
        seed_status = _status_values(row, Activity.Status.DONE)
        if seed_status and (
            activity is None
            or _status_untouched(activity, Activity.Status.NOT_STARTED)
            or activity.status == seed_status["status"]
        ):
            values.update(seed_status)
        if activity is not None:
            # Once loaded, planned dates and status are the SOR-team's to keep.
            for name in (
                "planned_start",
                "planned_start_precision",
                "planned_end",
                "planned_end_precision",
            ):
                values.pop(name)
        activity = put(Activity, "aktiviteter", {"key": row["key"]}, values)
        for party_key in row.get("involved", []):
            put(
                ActivityParticipant,
                "involverede",
                {"activity": activity, "party": parties[party_key]},
                {},
            )
        appearance_codes = []
        wording = plan.get("wording", {}).get(row.get("wording_key", row["key"]), {})
        for appearance in row["in"]:
            appearance_codes.append(appearance["version"])
            put(
                ActivityPlanVersion,
                "forekomster",
                {"activity": activity, "baseline": code_to_version[appearance["version"]]},
                {
                    "title_in_document": appearance["title"],
                    "responsible_in_document": appearance.get("responsible", ""),
                    "location": appearance.get("location", ""),
                    "description_in_document": wording.get(appearance["version"], ""),
                },
            )
        for ms_order, ms in enumerate(row.get("milestones", []), start=1):
            milestone = _milestone_load(put, activity, ms, ms_order)
            milestones[ms["key"]] = milestone
            in_versions = ms.get("versions", appearance_codes)
            # A milestone only one document names has no entry in the other's baseline.
            stale = BaselineEntry.objects.filter(milestone=milestone).exclude(
                baseline__in=[code_to_version[c] for c in in_versions]
            )
            result.count(
                "baselinedatoer",
                bool(stale.filter(baseline__in=code_to_version.values()).delete()[0]),
            )
            for code in appearance_codes:
                if code not in in_versions:
                    continue
                stated = bool(ms.get("date"))
                values = {
                    "date": _date(ms["date"]) if stated else None,
                    "precision": ms.get("precision", DatePrecision.DAY)
                    if stated
                    else DatePrecision.DAY,
                    "source_text": ms.get("source_text", "") if stated else "",
                }
                entry, created = BaselineEntry.objects.get_or_create(
                    baseline=code_to_version[code], milestone=milestone, defaults=values
                )
                result.count("baselinedatoer", created)

    for version in versions.values():
        if version.frozen_at is None:
            version.frozen_at = timezone.now()
            version.save(update_fields=["frozen_at"])

    # Dependencies --------------------------------------------------------
    for row in all_dependencies(plan):
        put(
            Dependency,
            "afhængigheder",
            {
                "predecessor": milestones[row["predecessor"]],
                "successor": milestones[row["successor"]],
            },
            {"note": row.get("note", "")},
        )

    # KOMBIT roll-out -------------------------------------------------------
    kombit_activity = Activity.objects.get(key="kombit-integration-til-sorus")
    named: set[str] = set()
    phase_rows = sorted(plan["rollout_phases"], key=lambda r: r["number"])
    for row in phase_rows:
        if isinstance(row["municipalities"], list):
            named.update(row["municipalities"])
    for row in phase_rows:
        phase = put(
            RolloutPhase,
            "faser",
            {"key": row["key"]},
            {
                "number": row["number"],
                "title": row["title"],
                "activity": kombit_activity,
                "milestone": milestones[row["milestone"]],
            },
        )
        if row["municipalities"] == "rest":
            members = [m for name, m in municipality_by_name.items() if name not in named]
        else:
            unknown = [name for name in row["municipalities"] if name not in municipality_by_name]
            if unknown:
                raise ValueError(f"Ukendte kommuner i fase {row['number']}: {', '.join(unknown)}")
            members = [municipality_by_name[name] for name in row["municipalities"]]
        for municipality in members:
            existing = MunicipalityRollout.objects.filter(municipality=municipality).first()
            if existing is None:
                put(
                    MunicipalityRollout,
                    "kommuners udrulning",
                    {"municipality": municipality},
                    {"phase": phase},
                )
            elif existing.phase_id != phase.pk:
                put(
                    MunicipalityRollout,
                    "kommuners udrulning",
                    {"municipality": municipality},
                    {"phase": phase},
                )
    return result


def _milestone_load(put, activity: Activity, ms: dict, sort_order: int) -> Milestone:
    """One milestone as the seed states it. Dates and status the SOR-team has
    since changed are kept: the seed only fills what it states, on first load."""
    existing = Milestone.objects.filter(key=ms["key"]).first()
    values = {
        "activity": activity,
        "title": ms["title"],
        "description": ms.get("description", ""),
        "source_text": ms.get("source_text", ""),
        "sort_order": sort_order,
    }
    if existing is not None:
        seed_status = _status_values(ms, Milestone.Status.DONE)
        untouched = (
            _status_untouched(existing, Milestone.Status.PLANNED)
            and existing.actual_date is None
            and not existing.actual_date_unknown
        )
        if seed_status and (untouched or existing.status == seed_status["status"]):
            values.update(seed_status)
            if untouched and ms.get("done") == "date-unknown":
                values["actual_date_unknown"] = True
    if existing is None:
        date = _date(ms.get("date"))
        values.update(
            forecast_date=date,
            forecast_precision=ms.get("precision", DatePrecision.DAY),
        )
        done = ms.get("done")
        values.update(_status_values(ms, Milestone.Status.DONE))
        if done == "date-unknown":
            values.update(status=Milestone.Status.DONE, actual_date_unknown=True)
        elif done == "on-date":
            values.update(
                status=Milestone.Status.DONE,
                actual_date=date,
                actual_precision=ms.get("precision", DatePrecision.DAY),
            )
    return put(Milestone, "milepæle", {"key": ms["key"]}, values)


def _status_untouched(row, default: str) -> bool:
    """Nobody has set this row's status: it is the model's default and no person
    has edited the row (edits through the services raise `version`). The seed may
    then fill it in, also on a database loaded before the seed stated statuses."""
    return row.status == default and row.status_source == StatusSource.TEAM and row.version == 1
