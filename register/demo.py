"""An illustrative inventory for the demo: a few dozen systems, registers, services,
reports and integrations of the ministry group and the five regions, with plans,
steps and a year of state history (so the burn-down has a past). Every entry is
marked as demo data; the names are generic, not claims about real systems.
Safe to run again: once the demo inventory exists, nothing is written."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from core.history import record_save
from milestones.models import Activity, DatePrecision, period_start
from parties.models import Party

from .models import STATE_ORDER, Entry, ShakState, Step

REASON = "Demodata (illustrativ)"

REGION_SYSTEMS = [
    ("epj", "Patientjournal (EPJ)", Entry.Kind.SYSTEM, Entry.Category.PATIENT_RECORD),
    ("logistik", "Klinisk logistiksystem", Entry.Kind.SYSTEM, Entry.Category.CLINICAL_LOGISTICS),
    ("apotek", "Apotekssystem", Entry.Kind.SYSTEM, Entry.Category.PHARMACY),
    ("patologi", "Patologisystem", Entry.Kind.SYSTEM, Entry.Category.PATHOLOGY),
    ("lab", "Laboratoriesystem", Entry.Kind.SYSTEM, Entry.Category.LABORATORY),
    ("ledelsesinfo", "Ledelsesinformation", Entry.Kind.REPORT, Entry.Category.ADMINISTRATIVE),
]
MINISTRY_SYSTEMS = [
    ("stamdata", "Stamdataregister", Entry.Kind.REGISTER, Entry.Category.ORGANISATION_DATA, True),
    ("opslag", "Organisationsopslag", Entry.Kind.SERVICE, Entry.Category.ORGANISATION_DATA, True),
    ("henvisning", "Henvisningsformidling", Entry.Kind.INTEGRATION, Entry.Category.OTHER, True),
    ("datavarehus", "Datavarehus", Entry.Kind.REGISTER, Entry.Category.ADMINISTRATIVE, False),
    ("statistik", "Statistikindberetning", Entry.Kind.REPORT, Entry.Category.ADMINISTRATIVE, False),
    ("tilskud", "Tilskudssystem", Entry.Kind.SYSTEM, Entry.Category.ADMINISTRATIVE, False),
    ("kvalitet", "Kvalitetsdatabase", Entry.Kind.REGISTER, Entry.Category.OTHER, False),
    ("portal", "Borgerportal", Entry.Kind.SYSTEM, Entry.Category.OTHER, False),
]
# Where each entry ends up in the demo, and how far the plan has come.
PATHS = [
    (ShakState.SHAK, ShakState.SHAK_AND_SOR),
    (ShakState.SHAK_PLUS,),
    (ShakState.SHAK, ShakState.SHAK_AND_SOR, ShakState.SOR_ONLY),
    (ShakState.NOT_MAPPED,),
    (ShakState.SHAK_PLUS, ShakState.SHAK_AND_SOR),
    (ShakState.SHAK_AND_SOR, ShakState.SOR_ONLY),
    (ShakState.SHAK,),
    (ShakState.SHAK, ShakState.RETIRED),
]


def _month_add(date: datetime.date, months: int) -> datetime.date:
    index = date.month - 1 + months
    return datetime.date(date.year + index // 12, index % 12 + 1, 1)


def _when(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


def _save(instance, *, by, day: datetime.date):
    # Backdated history: the demo's past, so the burn-down has month ends to show.
    instance._history_date = _when(day)
    record_save(instance, user=by, reason=REASON)
    del instance._history_date
    return instance


def _specs():
    ministry = Party.objects.get(key="sum-koncernen")
    supplier = Party.objects.filter(key="it-leverandoerer").first()
    for key, name, kind, category, nsp in MINISTRY_SYSTEMS:
        yield {
            "key": f"demo-koncern-{key}",
            "name": f"{name} (koncernen)",
            "kind": kind,
            "category": category,
            "is_nsp_service": nsp,
            "owner": ministry,
            "supplier": None,
            "activity": "implementering-af-sor-i-sum",
        }
    for region in Party.objects.regions().order_by("name"):
        short = region.key.removeprefix("region-")
        for key, name, kind, category in REGION_SYSTEMS:
            yield {
                "key": f"demo-{short}-{key}",
                "name": f"{name}, {region.name}",
                "kind": kind,
                "category": category,
                "is_nsp_service": False,
                "owner": region,
                "supplier": supplier if kind == Entry.Kind.SYSTEM else None,
                "activity": "id27-i-regionernes-systemer",
            }


@transaction.atomic
def register_demo_load(*, by, today: datetime.date | None = None) -> dict[str, int]:
    """Create the demo inventory once, with a year of backdated state history."""
    if Entry.objects.filter(is_demo=True).exists():
        return {}
    today = today or timezone.localdate()
    rng = random.Random(11)
    start = _month_add(today.replace(day=1), -12)
    created = 0
    activities = {a.key: a for a in Activity.objects.all()}
    for n, spec in enumerate(_specs()):
        path = PATHS[n % len(PATHS)]
        activity = activities.get(spec.pop("activity"))
        born = start + datetime.timedelta(days=rng.randint(0, 60))
        entry = Entry(
            **spec,
            criticality=rng.choice(Entry.Criticality.values),
            budget=rng.choice(Entry.Budget.values),
            solution_description=(
                "Illustrativ plan: skift organisationsopslag fra SHAK til SOR og brug det "
                "klinisk-administrative niveau (ID27)."
            ),
            resources_internal="Systemforvaltningen, 1-2 personer",
            resources_external="Leverandørens udviklingsteam" if spec["supplier"] else "",
            support_sor_sources=rng.random() < 0.5,
            support_content=rng.random() < 0.4,
            support_use_cases=rng.random() < 0.3,
            support_expertise=rng.random() < 0.4,
            release_name=f"Release {today.year + 1}.{rng.randint(1, 4)}"
            if spec["supplier"]
            else "",
            is_demo=True,
        )
        if entry.release_name:
            release = _month_add(today.replace(day=1), rng.randint(3, 18))
            entry.release_date = period_start(release, DatePrecision.QUARTER)
            entry.release_precision = DatePrecision.QUARTER
        _save(entry, by=by, day=born)
        if activity:
            entry._history_date = _when(born)
            entry.activities.add(activity)
            del entry._history_date
        created += 1
        # The state's path, one move every couple of months.
        day = born
        for state in path:
            if state == ShakState.NOT_MAPPED:
                continue
            day = min(day + datetime.timedelta(days=rng.randint(30, 90)), today)
            entry.state = state
            if state in (ShakState.SOR_ONLY, ShakState.RETIRED):
                entry.state_date, entry.state_date_precision = day, DatePrecision.DAY
                entry.state_confirmed_by = "Systemejeren (demo)"
            entry.version += 1
            _save(entry, by=by, day=day)
        # The plan's steps: done ones have actual dates, the rest forecasts (some late).
        done = STATE_ORDER[entry.state] >= STATE_ORDER[ShakState.SOR_ONLY]
        if entry.state == ShakState.NOT_MAPPED:
            continue
        base = _month_add(today.replace(day=1), rng.randint(-3, 9))
        for i, kind in enumerate(Step.Kind.values):
            baseline = _month_add(base, 2 * i)
            slip = rng.choice([0, 0, 1, 2, 5])
            step = Step(
                entry=entry,
                kind=kind,
                baseline_date=baseline,
                baseline_precision=DatePrecision.MONTH,
                forecast_date=_month_add(baseline, slip),
                forecast_precision=DatePrecision.MONTH,
            )
            if done:
                step.actual_date = min(entry.state_date, today)
                step.actual_precision = DatePrecision.DAY
            _save(step, by=by, day=day)
    return {"poster i SHAK-registeret (demo)": created}
