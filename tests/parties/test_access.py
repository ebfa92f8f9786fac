import pytest

from core.history import system_user_get
from parties.access import access_for
from parties.models import Membership, Party
from parties.services import membership_grant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_person_without_membership_sees_a_page_saying_so_and_nothing_else(client_for, outsider):
    client = client_for(outsider)
    response = client.get("/plan/")
    assert response.status_code == 403
    assert "ikke tilknyttet en part" in response.content.decode()
    assert "Fuld overgang til SOR</h1>" not in response.content.decode()
    # They may still log out and read the accessibility statement.
    assert client.get("/tilgaengelighed/").status_code == 200
    assert client.post("/konto/log-ud/").status_code == 302


def test_rights_from_several_memberships_combine(system_user):
    user = UserFactory(username="t-both")
    membership_grant(
        user=user,
        party=Party.objects.get(key="medcom"),
        role=Membership.Role.REPORTER,
        by=system_user,
    )
    membership_grant(
        user=user,
        party=Party.objects.get(key="sor-styregruppe"),
        role=Membership.Role.STEERING,
        by=system_user,
    )
    access = access_for(user)
    assert access.is_steering and access.is_reporter and not access.can_edit_plan
    assert access.may_report_for(Party.objects.get(key="medcom").pk)


def test_rsi_reports_for_the_regions_a_region_only_for_itself(rsi_reporter, reporter):
    regions = {p.key: p.pk for p in Party.objects.regions()}
    rsi = access_for(rsi_reporter)
    assert all(rsi.may_report_for(pk) for pk in regions.values())
    assert not rsi.may_report_for(Party.objects.get(key="medcom").pk)
    midt = access_for(reporter)
    assert midt.reports_for_party_ids == {regions["region-midtjylland"]}


def test_kombit_reports_for_the_municipalities(kombit_reporter):
    access = access_for(kombit_reporter)
    assert len(access.reports_for_party_ids) == 99  # KOMBIT and the 98 municipalities


def test_superuser_without_membership_may_use_the_site(client_for, superuser):
    assert client_for(superuser).get("/plan/").status_code == 200


def test_system_user_cannot_log_in():
    user = system_user_get()
    assert not user.is_active and not user.has_usable_password()
