"""What the source documents say of the systems, registers and services that hold
SHAK organisation data, loaded as fact by `load_sor_roadmap`.

Seed entries are created once and then belong to the people who keep the register:
a second load never overwrites a state, plan or date someone has entered since.
The documents state no dates for these entries; where they say how one uses SHAK,
the state says so, otherwise it is "ikke kortlagt" (001: "Specielt NSP services er
ikke kortlagt m.h.t. organisationsdata").
"""

from django.db import transaction

from milestones.models import Activity, Milestone
from parties.models import Party

from . import services
from .models import Entry, ShakState

REASON = "Indlæst fra kildedokumenterne"

SEED_ENTRIES = [
    {
        "key": "sor",
        "name": "SOR – Sundhedsvæsenets Organisationsregister",
        "kind": Entry.Kind.REGISTER,
        "category": Entry.Category.ORGANISATION_DATA,
        "owner": "sds",
        "supplier": "cgi",
        "criticality": Entry.Criticality.HIGH,
        "description": (
            "SOR selv. Produktionsdatabasen er flyttet fra DB2 til MSSQL, og det "
            "klinisk-administrative niveau (ID27) er udviklet, testet og godkendt af SDS (000). "
            "001 nævner ændringer i dokumentation og i SOR- og SHAK-applikationerne. "
            "Applikationsdriften varetages af CGI efter udbud."
        ),
        "activities": [
            "aendringer-i-sor-og-shak-applikationer",
            "migrering-db2-mssql",
            "udvikling-af-id27",
        ],
        "milestones": [],
    },
    {
        "key": "shak-navigator",
        "name": "SHAK Navigator",
        "kind": Entry.Kind.SYSTEM,
        "category": Entry.Category.ORGANISATION_DATA,
        "owner": "sds",
        "criticality": Entry.Criticality.UNKNOWN,
        "state": ShakState.SHAK,
        "description": (
            "En SHAK-applikation, der skal lukkes: “lukning af SHAK Navigator” (001, Ændringer "
            "i SOR og SHAK applikationer)."
        ),
        "activities": ["aendringer-i-sor-og-shak-applikationer"],
        "milestones": ["shak-navigator-lukket"],
    },
    {
        "key": "sorls",
        "name": "SORLS – SOR Opslagsservice",
        "kind": Entry.Kind.SERVICE,
        "is_nsp_service": True,
        "category": Entry.Category.ORGANISATION_DATA,
        "owner": "sds",
        "criticality": Entry.Criticality.HIGH,
        "description": (
            "Opslagsservice på den Nationale Service Platform (NSP). Første version indeholder "
            "ikke SEARCH-operationen (000)."
        ),
        "activities": ["sorls-go-live"],
        "milestones": ["sorls-udviklet-og-testet", "sorls-i-drift-paa-nsp"],
    },
    {
        "key": "sorus",
        "name": "SORUS – SOR Opdateringsservice",
        "kind": Entry.Kind.SERVICE,
        "is_nsp_service": True,
        "category": Entry.Category.ORGANISATION_DATA,
        "owner": "sds",
        "criticality": Entry.Criticality.HIGH,
        "description": (
            "Opdateringsservice på NSP. Version 2.0 udvikles og testes i samarbejde med "
            "Region H (001); kommunerne integrerer til SORUS gennem KOMBITs FK-OSS (000)."
        ),
        "activities": ["sorus-udestaaender", "kombit-integration-til-sorus"],
        "milestones": [],
    },
    {
        "key": "sor-gui",
        "name": "SOR GUI",
        "kind": Entry.Kind.SYSTEM,
        "category": Entry.Category.ORGANISATION_DATA,
        "owner": "sds",
        "criticality": Entry.Criticality.MEDIUM,
        "description": "SORs brugergrænseflade; 001 nævner “ændringer i SOR GUI”.",
        "activities": ["aendringer-i-sor-og-shak-applikationer"],
        "milestones": [],
    },
]

LPR_DESCRIPTION = (
    "Regionens indberetning til Landspatientregisteret (LPR). Regionale systemer og "
    "indberetninger skal ændres til at trække på SOR frem for SHAK/SHAK+ og bruge det "
    "klinisk-administrative niveau (ID27); ændringerne planlægges til release i et roadmap, "
    "der er booket 1-2 år frem, og er forskellige i de fem regioner (000, 001)."
)


def _lpr_entries() -> list[dict]:
    return [
        {
            "key": f"lpr-indberetning-{region.key}",
            "name": f"LPR-indberetning, {region.name}",
            "kind": Entry.Kind.REPORT,
            "category": Entry.Category.LPR_REPORTING,
            "owner": region.key,
            "criticality": Entry.Criticality.HIGH,
            "state": ShakState.SHAK,
            "description": LPR_DESCRIPTION,
            "activities": ["id27-i-regionernes-systemer"],
            "milestones": [],
        }
        for region in Party.objects.regions().order_by("name")
    ]


@transaction.atomic
def register_seed_load(*, user) -> dict[str, int]:
    """Create the seed's register entries that do not exist yet (never overwrite)."""
    existing = set(Entry.objects.values_list("key", flat=True))
    created = 0
    for spec in [*SEED_ENTRIES, *_lpr_entries()]:
        if spec["key"] in existing:
            continue
        spec = dict(spec)
        activities = Activity.objects.filter(key__in=spec.pop("activities"))
        milestones = Milestone.objects.filter(key__in=spec.pop("milestones"))
        spec["owner"] = Party.objects.get(key=spec["owner"])
        if spec.get("supplier"):
            spec["supplier"] = Party.objects.get(key=spec["supplier"])
        services.entry_create(
            user=user, data=spec, activities=activities, milestones=milestones, reason=REASON
        )
        created += 1
    return {"poster i SHAK-registeret": created} if created else {}
