"""MedCom fixtures: two IT suppliers (coordinated by "It-leverandører") with a system
each, two message types, rows for each, and the people who may or may not move them."""

import datetime

import pytest
from django.utils import translation

from core.history import system_user_get
from medcom import services
from medcom.models import Certification, CertState, Family
from parties.access import access_for
from parties.models import Membership, Party
from register import services as register_services
from tests.helpers import member

DAY = datetime.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def danish():
    with translation.override("da"):
        yield


def make_supplier(key: str, name: str) -> Party:
    return Party.objects.create(
        key=key,
        name=name,
        kind=Party.Kind.IT_SUPPLIER,
        side=Party.Side.EXTERNAL,
        coordinator=Party.objects.get(key="it-leverandoerer"),
    )


@pytest.fixture
def suppliers(db):
    return {
        "a": make_supplier("lev-a", "Leverandør A"),
        "b": make_supplier("lev-b", "Leverandør B"),
    }


@pytest.fixture
def systems(suppliers, system_user):
    def entry(key, supplier):
        return register_services.entry_create(
            user=system_user,
            data={
                "key": key,
                "name": key.upper(),
                "kind": "system",
                "owner": Party.objects.get(key="region-midtjylland"),
                "supplier": supplier,
            },
            reason="Testdata",
        )

    return {"a": entry("sys-a", suppliers["a"]), "b": entry("sys-b", suppliers["b"])}


@pytest.fixture
def certifier_access(system_user):
    # The system user has no membership; the SOR-team's rights for the fixtures' writes.
    return access_for(member("t-fixture-editor", "sor-team", Membership.Role.EDITOR))


@pytest.fixture
def message_types(db, certifier_access, system_user):
    def make(code, family, cutover):
        return services.message_type_create(
            access=certifier_access,
            user=system_user,
            data={
                "code": code,
                "name": f"Type {code}",
                "family": family,
                "cutover_date": cutover,
                "cutover_precision": "month",
            },
            reason="Testdata",
        )

    return {
        "hen": make("HEN01", Family.EDIFACT_OIOXML, datetime.date(2026, 6, 1)),
        "fhir": make("FHIR01", Family.FHIR, datetime.date(2027, 1, 1)),
    }


@pytest.fixture
def rows(systems, message_types, certifier_access, system_user):
    """Each system sends and receives both message types: eight rows, not started."""
    found = {}
    for s_key, entry in systems.items():
        for t_key, message_type in message_types.items():
            for direction in ("sends", "receives"):
                found[(s_key, t_key, direction)] = services.certification_create(
                    access=certifier_access,
                    user=system_user,
                    entry=entry,
                    message_type=message_type,
                    direction=direction,
                    reason="Testdata",
                )
    return found


@pytest.fixture
def reporter_a(suppliers):
    return member("t-lev-a", "lev-a", Membership.Role.REPORTER)


@pytest.fixture
def reporter_b(suppliers):
    return member("t-lev-b", "lev-b", Membership.Role.REPORTER)


def move(row, user, state, **kwargs):
    row = Certification.objects.get(pk=row.pk)
    return services.certification_set(
        access=access_for(user),
        certification_id=row.pk,
        version=row.version,
        user=user,
        state=state,
        **kwargs,
    )[0]


def set_state(row, state, *, on=DAY, **data):
    """Straight to a state (the fixture's own shortcut, as MedCom may)."""
    user = system_user_get()
    editor = access_for(member(f"t-ed-{row.pk}-{state}", "sor-team", Membership.Role.EDITOR))
    row = Certification.objects.get(pk=row.pk)
    return services.certification_set(
        access=editor,
        certification_id=row.pk,
        version=row.version,
        user=user,
        state=state,
        on=on,
        data=data,
    )[0]


__all__ = ["CertState", "DAY", "move", "set_state"]
