"""One URL per resolver pattern, for the crawls (the language switch, the demo banner,
the browser policy): sample values for each pattern's arguments, and the path."""

import re

from django.contrib.auth.models import User

from governance.services import records as governance_records
from milestones.models import Activity, Baseline, Goal, Milestone
from parties.models import Membership, Party
from register.models import Entry
from tests.governance.helpers import make_action, make_decision, make_meeting, make_risk
from tests.milestones.helpers import party


def is_api_endpoint(name: str | None) -> bool:
    """The REST API's endpoints (JSON, tested from the schema in tests/api); its docs
    page is a page like the others."""
    return bool(name) and name.startswith("api:") and name != "api:docs"


def governance_records_make(editor) -> dict:
    """One record of each governance kind, keyed by its pages' path prefix."""
    return {
        "styring/risici/": make_risk(editor).key,
        "styring/problemer/": governance_records.issue_create(
            data={"title": "Problem", "owner_party": party("rsi"), "severity": "low"},
            user=editor,
        ).key,
        "styring/beslutninger/": make_decision(editor).key,
        "styring/handlinger/": make_action(editor).key,
        "styring/moeder/": make_meeting(editor).key,
    }


def medcom_records_make(editor) -> dict:
    """A supplier with a system, a message type and a row, for MedCom's pages."""
    from medcom import services as medcom_services
    from parties.access import access_for
    from register import services as register_services

    supplier, _ = Party.objects.get_or_create(
        key="crawl-leverandoer",
        defaults={
            "name": "Crawl-leverandør",
            "kind": Party.Kind.IT_SUPPLIER,
            "side": Party.Side.EXTERNAL,
            "coordinator": Party.objects.get(key="it-leverandoerer"),
        },
    )
    entry = Entry.objects.filter(key="crawl-system").first() or register_services.entry_create(
        user=editor,
        data={
            "key": "crawl-system",
            "name": "Crawl-system",
            "kind": "system",
            "owner": party("region-midtjylland"),
            "supplier": supplier,
        },
    )
    access = access_for(editor)
    message_type = medcom_services.message_type_create(
        access=access, user=editor, data={"code": "CRAWL01", "name": "Crawl", "family": "fhir"}
    )
    row = medcom_services.certification_create(
        access=access, user=editor, entry=entry, message_type=message_type, direction="sends"
    )
    return {
        "medcom/meddelelsestyper/": message_type.key,
        "medcom/leverandoerer/": supplier.key,
        "certification_id": row.pk,
    }


def sample_values(*, update, period, editor=None) -> dict:
    """Values for the patterns' arguments: a `key` by the pattern's path prefix, the
    others by name. `update` is a progress update of `period`'s round; with `editor`,
    one governance record of each kind is made for the governance pages."""
    entry = Entry.objects.order_by("pk").first()
    # A reporter of the update's party: the people pages show them to the editor and to
    # that reporter.
    membership = (
        Membership.objects.filter(party=update.party, role=Membership.Role.REPORTER)
        .order_by("pk")
        .first()
    )
    medcom = medcom_records_make(editor) if editor is not None else {}
    if medcom:
        from medcom.models import CertificationProposal

        medcom["proposal_id"] = CertificationProposal.objects.get_or_create(
            update=update,
            certification_id=medcom["certification_id"],
            defaults={"state": "in_development"},
        )[0].pk
    return {
        **(governance_records_make(editor) if editor is not None else {}),
        **medcom,
        "plan/maal/": Goal.objects.order_by("pk").first().key,
        "plan/aktiviteter/": Activity.objects.order_by("pk").first().key,
        "plan/milepaele/": Milestone.objects.order_by("pk").first().key,
        "plan/baselines/": Baseline.objects.order_by("pk").first().key,
        "parter/": Party.objects.get(key="rsi").key,
        "register/": entry.key if entry else "ingen-post",
        "milestone_key": Milestone.objects.order_by("pk").first().key,
        "kind": "in_production",
        "period": f"{period:%Y-%m}",
        "party_key": update.party.key,
        "activity_key": update.activity.key,
        "number": 2,
        "pk": update.pk,
        "person": membership.user_id if membership else 1,
        "membership": membership.pk if membership else 1,
        "uidb64": "MQ",
        "user_id": User.objects.order_by("pk").first().pk,
        "token": "set-password",
    }


def sample_path(route: str, values: dict) -> str:
    """The route with each argument filled in from `values`."""
    prefix = route.split("<", 1)[0]

    def value(match):
        arg = match.group(1).rpartition(":")[2]
        if arg == "key":
            # A key by the path's prefix; a route no sample covers gets one that exists
            # nowhere (its page is then the 404 page, which is checked too).
            return values.get(next((k for k in values if prefix.startswith(k)), ""), "ukendt")
        return str(values.get(arg, "1"))

    return "/" + re.sub(r"<([^>]+)>", value, route)
