"""The state rules and who may set each state, through the service (the pages and
the import call the same one)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medcom.models import Certification, CertState
from tests.medcom.conftest import DAY, move, set_state

pytestmark = pytest.mark.django_db


def test_a_supplier_moves_its_own_row_up_to_ready_for_test(rows, reporter_a):
    row = move(rows[("a", "hen", "sends")], reporter_a, CertState.IN_DEVELOPMENT)
    row = move(row, reporter_a, CertState.READY_FOR_TEST, on=DAY)
    assert row.state == CertState.READY_FOR_TEST
    assert row.ready_for_test_on == DAY
    assert row.development_started_on is not None
    assert row.history.first().history_user == reporter_a


@pytest.mark.parametrize("state", [CertState.IN_TEST, CertState.CERTIFIED, CertState.REJECTED])
def test_a_supplier_cannot_set_the_test_or_its_result(rows, reporter_a, state):
    row = move(rows[("a", "hen", "sends")], reporter_a, CertState.READY_FOR_TEST)
    with pytest.raises(PermissionDenied, match="Kun MedCom og SOR-teamet"):
        move(row, reporter_a, state, data={"rejection_reason": "x"} if state == "rejected" else {})
    with pytest.raises(PermissionDenied):
        move(row, reporter_a, state)


def test_nobody_touches_another_suppliers_rows(rows, reporter_a):
    with pytest.raises(PermissionDenied, match="de leverandører, du rapporterer for"):
        move(rows[("b", "hen", "sends")], reporter_a, CertState.IN_DEVELOPMENT)
    assert Certification.objects.get(pk=rows[("b", "hen", "sends")].pk).state == "not_started"


def test_production_only_after_the_certificate(rows, reporter_a):
    row = rows[("a", "hen", "sends")]
    with pytest.raises(PermissionDenied, match="kræver, at MedCom har certificeret"):
        move(row, reporter_a, CertState.IN_PRODUCTION)
    set_state(row, CertState.CERTIFIED, reference="CERT-1")
    row = move(row, reporter_a, CertState.IN_PRODUCTION)
    assert row.state == CertState.IN_PRODUCTION and row.in_production_on is not None


def test_medcom_certifies_and_rejects_with_a_reason(rows, reporter_a, medcom_reporter):
    row = move(rows[("a", "hen", "sends")], reporter_a, CertState.READY_FOR_TEST)
    row = move(row, medcom_reporter, CertState.IN_TEST)
    with pytest.raises(ValidationError) as error:
        move(row, medcom_reporter, CertState.REJECTED)
    assert error.value.message_dict["rejection_reason"] == ["Skriv, hvorfor testen er afvist."]
    row = move(
        row, medcom_reporter, CertState.REJECTED, data={"rejection_reason": "Forkert SOR-kode"}
    )
    assert row.state == CertState.REJECTED and row.rejected_on is not None
    # The way back: the supplier fixes it and reports it ready again.
    row = move(row, reporter_a, CertState.READY_FOR_TEST)
    row = move(row, medcom_reporter, CertState.CERTIFIED, data={"reference": "CERT-7"})
    assert row.state == CertState.CERTIFIED and row.certified_on and row.reference == "CERT-7"


def test_a_region_reporter_may_not_move_supplier_rows(rows, reporter):
    with pytest.raises(PermissionDenied):
        move(rows[("a", "hen", "sends")], reporter, CertState.IN_DEVELOPMENT)


def test_a_supplier_cannot_write_the_reference(rows, reporter_a):
    with pytest.raises(PermissionDenied, match="reference"):
        move(
            rows[("a", "hen", "sends")],
            reporter_a,
            CertState.IN_DEVELOPMENT,
            data={"reference": "X"},
        )
