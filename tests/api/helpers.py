"""The API's operations read from its own schema, with sample values for their path
arguments (as tests/crawl.py gives the pages')."""

import datetime
import re

from django.test import Client

from api.tokens import token_create
from governance.models import Meeting
from medcom.models import Certification
from milestones.models import Activity, Baseline, Goal, Milestone, ProgressUpdate
from parties.models import Party
from register.models import Entry
from tests.crawl import governance_records_make

METHODS = ("get", "post", "put", "patch", "delete")


def schema_operations(client) -> list[tuple[str, str, dict]]:
    """(path template, method, operation) for every operation of /api/v1/openapi.json."""
    schema = client.get("/api/v1/openapi.json").json()
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def token_client(user, scope="write") -> Client:
    _token, text = token_create(user=user, name="Test", scope=scope, days=30)
    return Client(headers={"Authorization": f"Bearer {text}"})


def api_samples(*, editor, update: ProgressUpdate, report_period: datetime.date) -> dict:
    """A `key` for each path prefix, and the other arguments by name."""
    records = governance_records_make(editor)
    entry = Entry.objects.filter(owner__key=update.party.key).order_by("pk").first()
    row = medcom_row_make(editor)
    return {
        "/api/v1/parties/": Party.objects.get(key="rsi").key,
        "/api/v1/goals/": Goal.objects.order_by("pk").first().key,
        "/api/v1/activities/": Activity.objects.order_by("pk").first().key,
        "/api/v1/milestones/": Milestone.objects.order_by("pk").first().key,
        "/api/v1/baselines/": Baseline.objects.order_by("pk").first().key,
        "/api/v1/register/entries/": entry.key,
        "/api/v1/governance/risks/": records["styring/risici/"],
        "/api/v1/governance/issues/": records["styring/problemer/"],
        "/api/v1/governance/decisions/": records["styring/beslutninger/"],
        "/api/v1/governance/actions/": records["styring/handlinger/"],
        "/api/v1/governance/meetings/": Meeting.objects.get(key=records["styring/moeder/"]).key,
        "/api/v1/status-reports/": f"{report_period:%Y-%m}",
        "/api/v1/rounds/": f"{update.round.period:%Y-%m}",
        "/api/v1/medcom/message-types/": row.message_type.key,
        "entry_key": row.entry.key,
        "message_type_key": row.message_type.key,
        "direction": row.direction,
        "kind": "changes_made",
        "party_key": update.party.key,
        "activity_key": update.activity.key,
    }


def sample_api_path(template: str, values: dict) -> str:
    prefix = template.split("{", 1)[0]

    def value(match):
        name = match.group(1)
        if name in ("key", "period"):
            return values[next(k for k in values if prefix.startswith(k))]
        return values[name]

    return re.sub(r"\{([^}]+)\}", value, template)


def medcom_row_make(editor) -> Certification:
    """One certification row: a supplier's system (RSI-owned) × a message type."""
    from medcom import services as medcom_services
    from parties.access import access_for
    from register import services as register_services

    supplier = Party.objects.create(
        key="lev-api",
        name="Leverandør API",
        kind=Party.Kind.IT_SUPPLIER,
        side=Party.Side.EXTERNAL,
    )
    entry = register_services.entry_create(
        user=editor,
        data={
            "key": "sys-api",
            "name": "SYS API",
            "kind": "system",
            "owner": Party.objects.get(key="rsi"),
            "supplier": supplier,
        },
        reason="Testdata",
    )
    access = access_for(editor)
    message_type = medcom_services.message_type_create(
        access=access,
        user=editor,
        data={"code": "API01", "name": "Type API01", "family": "fhir"},
        reason="Testdata",
    )
    return medcom_services.certification_create(
        access=access,
        user=editor,
        entry=entry,
        message_type=message_type,
        direction="sends",
        reason="Testdata",
    )
