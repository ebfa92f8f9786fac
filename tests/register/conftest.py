"""Register fixtures: a few entries owned by two regions, SDS and the ministry group,
one maintained by a supplier, and the people who may (or may not) see them."""

import pytest
from django.utils import translation

from parties.models import Membership, Party
from register import services
from register.models import Entry, Step
from tests.helpers import member


@pytest.fixture(autouse=True)
def danish():
    """Messages are asserted in Danish, the source language, whatever ran before."""
    with translation.override("da"):
        yield


@pytest.fixture(autouse=True)
def empty_register(request, db):
    """The register tests count exactly: they start without the seed's entries (and
    their history), unless marked `with_seed`."""
    if request.node.get_closest_marker("with_seed"):
        return
    Entry.objects.all().delete()
    Entry.history.all().delete()
    Step.history.all().delete()


@pytest.fixture
def supplier(db):
    return Party.objects.get(key="cgi")


@pytest.fixture
def supplier_reporter(db, supplier):
    return member("t-cgi", supplier, Membership.Role.REPORTER)


def make_entry(user, key, owner_key, **extra) -> Entry:
    data = {
        "key": key,
        "name": extra.pop("name", key.replace("-", " ").title()),
        "kind": extra.pop("kind", Entry.Kind.SYSTEM),
        "owner": Party.objects.get(key=owner_key),
        **extra,
    }
    return services.entry_create(user=user, data=data, reason="Testdata")


@pytest.fixture
def entries(db, system_user, supplier):
    """midt-epj (Region Midtjylland, maintained by CGI), syd-lab (Region Syddanmark),
    sds-sorls (SDS, an NSP service), sum-register (the ministry group)."""
    return {
        "midt": make_entry(
            system_user,
            "midt-epj",
            "region-midtjylland",
            name="Midt EPJ",
            category=Entry.Category.PATIENT_RECORD,
            supplier=supplier,
            state="shak",
        ),
        "syd": make_entry(
            system_user,
            "syd-lab",
            "region-syddanmark",
            name="Syd laboratoriesystem",
            state="shak_plus",
        ),
        "sds": make_entry(
            system_user,
            "sds-sorls",
            "sds",
            name="SORLS",
            kind=Entry.Kind.SERVICE,
            is_nsp_service=True,
        ),
        "sum": make_entry(
            system_user,
            "sum-register",
            "sum-koncernen",
            name="Koncernregister",
            kind=Entry.Kind.REGISTER,
        ),
    }
