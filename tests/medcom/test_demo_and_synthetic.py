"""The demo matrix (every state, all marked as demo) and the bench's synthetic one."""

import pytest

from medcom import selectors
from medcom.demo import medcom_demo_load
from medcom.models import Certification, CertState, MessageType
from medcom.synthetic import medcom_synthetic_generate
from parties.models import Party

pytestmark = pytest.mark.django_db


def test_the_demo_has_rows_in_every_state_all_marked(system_user):
    counts = medcom_demo_load(by=system_user)
    assert counts["meddelelsestyper (demo)"] == 6
    assert set(Certification.objects.values_list("state", flat=True)) == set(CertState.values)
    assert not Certification.objects.filter(is_demo=False).exists()
    assert not MessageType.objects.filter(is_demo=False).exists()
    suppliers = Party.objects.filter(key__startswith="demo-leverandoer-")
    assert suppliers.count() == 5
    assert all(
        p.name.endswith("(demo)") and p.coordinator.key == "it-leverandoerer" for p in suppliers
    )
    assert medcom_demo_load(by=system_user) == {}  # once only
    points = selectors.progress().points
    assert len(points) >= 12 and points[-1].actual > 0


def test_the_synthetic_matrix_with_history(system_user):
    owners = list(Party.objects.regions())
    counts = medcom_synthetic_generate(
        suppliers=4, message_types=6, owners=owners, by=system_user, prefix="syn-t-"
    )
    assert counts["medcom_suppliers"] == 4 and counts["medcom_message_types"] == 6
    rows = Certification.objects.filter(entry__key__startswith="syn-t-")
    assert rows.count() == counts["medcom_rows"] == 4 * 2 * 2
    # History agrees with the rows: the last history row of each has its state.
    for row in rows:
        assert row.history.order_by("-history_date", "-history_id").first().state == row.state
