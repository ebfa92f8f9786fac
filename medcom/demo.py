"""MedCom's matrix for the demo: a handful of illustrative IT suppliers (parties of
kind IT supplier, coordinated by "It-leverandører"), their systems in the SHAK
register, a handful of message types and rows in every state, with backdated
history so the progress chart has a past; a demo reporter for the first supplier.
Everything is marked as demo data (the suppliers' names say "(demo)"); the names
are generic, not claims about real suppliers or MedCom's real message types.
Safe to run again: once the demo message types exist, nothing is written."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.history import record_save
from milestones.demo import DEMO_PASSWORD
from milestones.models import DatePrecision
from parties.models import Membership, Party
from parties.services import membership_grant
from register.models import Entry, ShakState

from .models import (
    STATE_DATE_FIELD,
    Certification,
    CertState,
    Direction,
    Family,
    MessageType,
    PlanState,
)

REASON = "Demodata (illustrativ)"
SUPPLIER_USERNAME = "leverandoer"

SUPPLIERS = [
    ("demo-leverandoer-journal", "Journalhuset A/S (demo)", ["epj", "ambulant"]),
    ("demo-leverandoer-lab", "Laboratoriedata ApS (demo)", ["lab"]),
    ("demo-leverandoer-praksis", "Praksissystemer A/S (demo)", ["praksis", "speciallaege"]),
    ("demo-leverandoer-omsorg", "Omsorgs-it A/S (demo)", ["omsorg"]),
    ("demo-leverandoer-apotek", "Apoteks-it ApS (demo)", ["apotek"]),
]
SYSTEM_NAMES = {
    "epj": "Patientjournal",
    "ambulant": "Ambulant journal",
    "lab": "Laboratoriesystem",
    "praksis": "Lægepraksissystem",
    "speciallaege": "Speciallægesystem",
    "omsorg": "Omsorgssystem",
    "apotek": "Apotekssystem",
}
# (code, name, family, cut-over in months from today, plan state)
MESSAGE_TYPES = [
    ("DEMO-HEN", "Henvisning (demo)", Family.EDIFACT_OIOXML, -2, PlanState.TRANSITION),
    ("DEMO-EPI", "Epikrise (demo)", Family.EDIFACT_OIOXML, 2, PlanState.TRANSITION),
    ("DEMO-KOR", "Korrespondance (demo)", Family.XML, 5, PlanState.PLANNED),
    ("DEMO-LAB", "Laboratoriesvar (demo)", Family.EDIFACT_OIOXML, 1, PlanState.TRANSITION),
    ("DEMO-BOO", "Tidsbestilling (demo)", Family.FHIR, 9, PlanState.PLANNED),
    ("DEMO-CARE", "Plejeforløbsplan (demo)", Family.FHIR, 14, PlanState.PLANNED),
]
# Where the rows end up, in turn; every state appears.
PATHS = [
    [
        CertState.IN_DEVELOPMENT,
        CertState.READY_FOR_TEST,
        CertState.IN_TEST,
        CertState.CERTIFIED,
        CertState.IN_PRODUCTION,
    ],
    [CertState.IN_DEVELOPMENT, CertState.READY_FOR_TEST],
    [],
    [CertState.IN_DEVELOPMENT, CertState.READY_FOR_TEST, CertState.IN_TEST, CertState.CERTIFIED],
    [CertState.IN_DEVELOPMENT],
    [CertState.IN_DEVELOPMENT, CertState.READY_FOR_TEST, CertState.IN_TEST, CertState.REJECTED],
    [CertState.IN_DEVELOPMENT, CertState.READY_FOR_TEST, CertState.IN_TEST],
    [
        CertState.IN_DEVELOPMENT,
        CertState.READY_FOR_TEST,
        CertState.IN_TEST,
        CertState.CERTIFIED,
        CertState.IN_PRODUCTION,
    ],
]


def month_add(date: datetime.date, months: int) -> datetime.date:
    index = date.month - 1 + months
    return datetime.date(date.year + index // 12, index % 12 + 1, 1)


def _when(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _save(instance, *, by, day: datetime.date):
    instance._history_date = _when(day)
    record_save(instance, user=by, reason=REASON)
    del instance._history_date
    return instance


def _suppliers(*, by, day) -> list[Party]:
    group = Party.objects.filter(key="it-leverandoerer").first()
    parties = []
    for key, name, _systems in SUPPLIERS:
        party = Party.objects.filter(key=key).first() or Party(
            key=key,
            name=name,
            short_name=name[:60],
            kind=Party.Kind.IT_SUPPLIER,
            side=Party.Side.EXTERNAL,
            coordinator=group,
            description="Illustrativ it-leverandør (demodata).",
        )
        if party.pk is None:
            _save(party, by=by, day=day)
        parties.append(party)
    return parties


def _demo_reporter(supplier: Party, *, by) -> None:
    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username=SUPPLIER_USERNAME,
        defaults={
            "first_name": "Lars",
            "last_name": "Leverandør",
            "email": f"{SUPPLIER_USERNAME}@sorplan.invalid",
        },
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    membership_grant(user=user, party=supplier, role=Membership.Role.REPORTER, by=by)


@transaction.atomic
def medcom_demo_load(*, by, today: datetime.date | None = None) -> dict[str, int]:
    """Create the demo matrix once, with a year of backdated history."""
    if MessageType.objects.filter(is_demo=True).exists():
        return {}
    today = today or timezone.localdate()
    rng = random.Random(12)
    start = month_add(today.replace(day=1), -12)
    suppliers = _suppliers(by=by, day=start)
    _demo_reporter(suppliers[0], by=by)
    owners = list(Party.objects.regions().order_by("name")) or list(
        Party.objects.exclude(kind=Party.Kind.IT_SUPPLIER)[:1]
    )
    types = []
    for code, name, family, months, plan_state in MESSAGE_TYPES:
        message_type = MessageType(
            key=code.lower(),
            code=code,
            name=name,
            family=family,
            cutover_date=month_add(today.replace(day=1), months),
            cutover_precision=DatePrecision.MONTH,
            plan_state=plan_state,
            description="Illustrativ meddelelsestype (demodata).",
            is_demo=True,
        )
        types.append(_save(message_type, by=by, day=start))
    rows = 0
    n = 0
    for supplier, (_key, _name, systems) in zip(suppliers, SUPPLIERS, strict=True):
        for i, system in enumerate(systems):
            owner = owners[(n + i) % len(owners)]
            entry = Entry.objects.filter(key=f"{supplier.key}-{system}").first()
            if entry is None:
                entry = _save(
                    Entry(
                        key=f"{supplier.key}-{system}",
                        name=f"{SYSTEM_NAMES[system]}, {owner.label} (demo)",
                        kind=Entry.Kind.SYSTEM,
                        owner=owner,
                        supplier=supplier,
                        state=ShakState.SHAK_AND_SOR,
                        is_demo=True,
                    ),
                    by=by,
                    day=start,
                )
            for message_type in rng.sample(types, k=4):
                for direction in Direction.values:
                    path = PATHS[n % len(PATHS)]
                    n += 1
                    rows += 1
                    _row(
                        entry,
                        message_type,
                        direction,
                        path,
                        by=by,
                        start=start,
                        today=today,
                        rng=rng,
                    )
    return {"MedCom-rækker (demo)": rows, "meddelelsestyper (demo)": len(types)}


def _row(entry, message_type, direction, path, *, by, start, today, rng) -> None:
    row = Certification(
        entry=entry,
        message_type=message_type,
        direction=direction,
        planned_production_date=month_add(
            message_type.cutover_date, rng.choice([-2, -1, 0, 0, 1, 4])
        ),
        planned_production_precision=DatePrecision.MONTH,
        is_demo=True,
    )
    day = start + datetime.timedelta(days=rng.randint(0, 30))
    _save(row, by=by, day=day)
    for state in path:
        day = min(day + datetime.timedelta(days=rng.randint(20, 50)), today)
        row.state = state
        setattr(row, STATE_DATE_FIELD[state], day)
        if state == CertState.CERTIFIED:
            row.reference = f"DEMO-CERT-{row.pk:04d}"
        if state == CertState.REJECTED:
            row.rejection_reason = "Modtagerens SOR-kode blev ikke vist i indbakken (demo)."
        row.version += 1
        _save(row, by=by, day=day)
