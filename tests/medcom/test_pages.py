"""The matrix, a message type's page, a supplier's page, the work list and the row
form: counts for a known data set, who sees what, and writes through the pages."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from medcom import selectors
from medcom.models import Certification, CertState
from parties.access import access_for
from tests.medcom.conftest import move, set_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(rows, reporter_a):
    """A: HEN sends certified, HEN receives ready for test; B: FHIR sends rejected."""
    set_state(rows[("a", "hen", "sends")], CertState.CERTIFIED, reference="C-1")
    move(rows[("a", "hen", "receives")], reporter_a, CertState.READY_FOR_TEST)
    set_state(rows[("b", "fhir", "sends")], CertState.REJECTED, rejection_reason="Fejl")
    return rows


def test_matrix_counts_for_a_known_data_set(known, editor, message_types, suppliers):
    data = selectors.matrix(access_for(editor), selectors.MatrixFilters())
    assert data.total == 8
    by_state = {value: n for value, _label, n in data.by_state}
    assert by_state == {
        "not_started": 5,
        "in_development": 0,
        "ready_for_test": 1,
        "in_test": 0,
        "certified": 1,
        "in_production": 0,
        "rejected": 1,
    }
    rows = {r.supplier.key: r for r in data.rows}
    assert (rows["lev-a"].certified, rows["lev-a"].total) == (1, 4)
    assert (rows["lev-b"].certified, rows["lev-b"].total) == (0, 4)
    columns = {t.code: (c, n) for t, c, n in data.columns}
    assert columns == {"HEN01": (1, 4), "FHIR01": (0, 4)}
    hen_a = next(c for c in rows["lev-a"].cells if c.message_type.code == "HEN01")
    assert [(b.direction, b.state) for b in hen_a.badges] == [
        ("sends", "certified"),
        ("receives", "ready_for_test"),
    ]
    filtered = selectors.matrix(
        access_for(editor), selectors.MatrixFilters(state="rejected", family="fhir")
    )
    assert [r.supplier.key for r in filtered.rows] == ["lev-b"] and filtered.total == 1


def test_the_matrix_page_shows_badges_with_text_and_keeps_filters(known, client_for, editor):
    html = (
        client_for(editor)
        .get(reverse("medcom:matrix"), {"familie": "edifact_oioxml"})
        .content.decode()
    )
    assert "HEN01" in html and "FHIR01" not in html
    assert "sp-cert sp-cert--certified" in html and "Certificeret" in html
    assert "1/4" in html


def _grow(message_types, certifier_access, system_user):
    """More than a page of suppliers (26, a system each) and of message types (13 more),
    each new system sending both fixture types and one new one."""
    from medcom import services
    from parties.models import Party
    from register import services as register_services
    from tests.medcom.conftest import make_supplier

    extra = [
        services.message_type_create(
            access=certifier_access,
            user=system_user,
            data={"code": f"XT{n:02d}", "name": f"Ekstra {n}", "family": "xml"},
        )
        for n in range(selectors.TYPES_PER_PAGE + 1)
    ]
    for n in range(selectors.SUPPLIERS_PER_PAGE + 1):
        supplier = make_supplier(f"lev-x{n:02d}", f"Leverandør X{n:02d}")
        entry = register_services.entry_create(
            user=system_user,
            data={
                "key": f"sys-x{n:02d}",
                "name": f"X{n:02d}",
                "kind": "system",
                "owner": Party.objects.get(key="region-syddanmark"),
                "supplier": supplier,
            },
        )
        for t in [*message_types.values(), extra[n % len(extra)]]:
            services.certification_create(
                access=certifier_access,
                user=system_user,
                entry=entry,
                message_type=t,
                direction="sends",
                state=CertState.READY_FOR_TEST if n % 2 else CertState.IN_DEVELOPMENT,
            )


def _edit_a_row(row, system_user, certifier_access):
    """A real edit through the service (the bench's cold visit): the page's stamp moves."""
    from medcom import services

    row = Certification.objects.get(pk=row.pk)
    services.certification_set(
        access=certifier_access,
        certification_id=row.pk,
        version=row.version,
        user=system_user,
        data={"note": f"redigeret {row.version}"},
        reason="Test",
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "page",
    ["matrix", "matrix by family", "matrix by state", "message type", "supplier"],
)
def test_the_query_count_does_not_grow_with_the_data(
    page, known, client_for, editor, systems, message_types, certifier_access, system_user
):
    """The bench's MedCom pages, cold (right after an edit) and warm, with two suppliers
    and two message types, then with more than a page of each: the same counts."""
    urls = {
        "matrix": reverse("medcom:matrix"),
        "matrix by family": reverse("medcom:matrix") + "?familie=edifact_oioxml",
        "matrix by state": reverse("medcom:matrix") + "?tilstand=ready_for_test",
        "message type": reverse("medcom:message_type_detail", args=[message_types["hen"].key]),
        "supplier": reverse("medcom:supplier_detail", args=["lev-a"]),
    }
    url = urls[page]
    client = client_for(editor)
    client.get(url)
    counts = {}
    for size in ("small", "large"):
        if size == "large":
            _grow(message_types, certifier_access, system_user)
            client.get(url)  # the rows added: the matrix built again (`matrix_version`)
        _edit_a_row(known[("a", "hen", "sends")], system_user, certifier_access)
        cold = _queries(client, url)
        counts[size] = (cold, _queries(client, url))
    assert counts["small"] == counts["large"]
    cold, warm = counts["large"]
    assert warm < cold  # warm is served from the cache


def test_an_edit_shows_on_the_next_request(known, client_for, editor):
    """The cached matrix and supplier's page follow a save through the service."""
    client = client_for(editor)
    matrix_url = reverse("medcom:matrix") + "?tilstand=ready_for_test"
    supplier_url = reverse("medcom:supplier_detail", args=["lev-a"])
    assert "sp-cert--in_test" not in client.get(supplier_url).content.decode()
    row_link = f'<th scope="row"><a href="{supplier_url}">'
    assert row_link in client.get(matrix_url).content.decode()
    set_state(known[("a", "hen", "receives")], CertState.IN_TEST)
    assert row_link not in client.get(matrix_url).content.decode()
    assert "sp-cert--in_test" in client.get(supplier_url).content.decode()


def test_a_supplier_reporter_sees_only_its_own_rows(known, client_for, reporter_a, suppliers):
    client = client_for(reporter_a)
    html = client.get(reverse("medcom:matrix")).content.decode()
    assert "Leverandør A" in html and "Leverandør B" not in html
    assert client.get(reverse("medcom:supplier_detail", args=["lev-a"])).status_code == 200
    assert client.get(reverse("medcom:supplier_detail", args=["lev-b"])).status_code == 404
    other = known[("b", "hen", "sends")]
    assert client.get(reverse("medcom:certification_edit", args=[other.pk])).status_code == 404
    assert client.get(reverse("medcom:work_list")).status_code == 403
    page = client.get(reverse("medcom:message_type_detail", args=["hen01"])).content.decode()
    assert "SYS-A" in page and "SYS-B" not in page


def test_rights_on_the_row_form(known, client_for, reporter, steering, outsider):
    row = known[("a", "hen", "receives")]
    url = reverse("medcom:certification_edit", args=[row.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(outsider).get(url).status_code in (403, 404)
    assert client_for(reporter).get(url).status_code == 404
    assert client_for(steering).get(url).status_code == 403


def test_the_supplier_form_offers_only_its_moves_and_refuses_a_forged_one(
    known, client_for, reporter_a
):
    row = known[("a", "fhir", "sends")]
    url = reverse("medcom:certification_edit", args=[row.pk])
    client = client_for(reporter_a)
    html = client.get(url).content.decode()
    options = re.findall(r'<option value="([a-z_]+)"', html)
    assert "certified" not in options and "ready_for_test" in options
    response = client.post(
        url, {"version": row.version, "state": "certified", "planned_production_precision": "month"}
    )
    assert response.status_code == 200  # the form refuses a state it does not offer
    assert Certification.objects.get(pk=row.pk).state == "not_started"


def test_htmx_move_answers_with_the_row(known, client_for, reporter_a):
    row = known[("a", "fhir", "sends")]
    url = reverse("medcom:certification_edit", args=[row.pk])
    response = client_for(reporter_a).post(
        url,
        {
            "version": row.version,
            "state": "ready_for_test",
            "planned_production_precision": "month",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="raekke-{row.pk}"' in response.content.decode()
    assert Certification.objects.get(pk=row.pk).state == "ready_for_test"


def test_a_stale_version_shows_the_conflict_and_keeps_the_input(known, client_for, reporter_a):
    row = known[("a", "fhir", "sends")]
    url = reverse("medcom:certification_edit", args=[row.pk])
    stale = row.version
    move(row, reporter_a, CertState.IN_DEVELOPMENT)
    response = client_for(reporter_a).post(
        url,
        {
            "version": stale,
            "state": "ready_for_test",
            "note": "Min note",
            "planned_production_precision": "month",
        },
    )
    html = response.content.decode()
    assert "Ikke gemt: en anden har ændret det samme imens" in html and "Min note" in html


def test_the_work_list_and_medcom_records_a_result(known, client_for, medcom_reporter):
    client = client_for(medcom_reporter)
    html = client.get(reverse("medcom:work_list")).content.decode()
    row = known[("a", "hen", "receives")]
    assert "SYS-A" in html and "Registrér resultat" in html
    url = reverse("medcom:certification_edit", args=[row.pk])
    response = client.post(
        url,
        {
            "version": Certification.objects.get(pk=row.pk).version,
            "state": "rejected",
            "planned_production_precision": "month",
        },
    )
    assert "Skriv, hvorfor testen er afvist." in response.content.decode()
    response = client.post(
        url,
        {
            "version": Certification.objects.get(pk=row.pk).version,
            "state": "certified",
            "reference": "C-9",
            "planned_production_precision": "month",
        },
    )
    assert response.status_code == 302
    assert Certification.objects.get(pk=row.pk).state == "certified"


def test_late_against_the_cut_over(known, editor, message_types):
    import datetime

    today = datetime.date(2026, 12, 1)  # HEN01's cut-over (June 2026) has passed
    status = selectors.message_type_status(message_types["hen"], access_for(editor), today=today)
    late = {(r.row.entry.key, r.row.direction): r.rag.rag for r in status.late}
    # Not in production and no forecast: the cut-over (the baseline) has passed -> red.
    assert late == {
        ("sys-a", "sends"): "red",
        ("sys-a", "receives"): "red",
        ("sys-b", "sends"): "red",
        ("sys-b", "receives"): "red",
    }
    soon = datetime.date(2026, 5, 1)
    status = selectors.message_type_status(message_types["hen"], access_for(editor), today=soon)
    assert status.late == [] and len(status.certified) == 1


def test_a_message_types_rows_by_view_each_once(known, client_for, editor, message_types):
    """Every row once (late first), or one group: certified, not certified, late."""
    client = client_for(editor)
    url = reverse("medcom:message_type_detail", args=[message_types["hen"].key])

    def listed(query=""):
        html = client.get(url + query).content.decode()
        return [int(pk) for pk in re.findall(r'<tr id="raekke-(\d+)">', html)]

    certified = known[("a", "hen", "sends")].pk
    hen = {known[(s, "hen", d)].pk for s in ("a", "b") for d in ("sends", "receives")}
    assert sorted(listed()) == sorted(hen)
    assert listed("?vis=certificeret") == [certified]
    assert sorted(listed("?vis=ikke-certificeret")) == sorted(hen - {certified})
    status = selectors.message_type_status(
        message_types["hen"], access_for(editor), today=timezone.localdate()
    )
    assert listed("?vis=forsinket") == [r.row.pk for r in status.late]
    assert listed("?vis=noget-andet") == listed()


def test_the_supplier_filter_is_typed_and_bad_input_is_kept(known, client_for, editor, reporter_a):
    """The supplier filter takes a key or a name (not a list of every supplier); several
    or no matches are a Danish error that keeps what was typed."""
    client = client_for(editor)
    url = reverse("medcom:matrix")
    row_of = '<th scope="row"><a href="/medcom/leverandoerer/{}/">'
    by_name = client.get(url, {"leverandoer": "leverandør a"}).content.decode()
    assert row_of.format("lev-a") in by_name and row_of.format("lev-b") not in by_name
    by_key = client.get(url, {"leverandoer": "lev-b"}).content.decode()
    assert row_of.format("lev-b") in by_key and row_of.format("lev-a") not in by_key
    several = client.get(url, {"leverandoer": "Leverandør"}).content.decode()
    assert "Flere leverandører matcher “Leverandør”: skriv mere af navnet." in several
    assert 'value="Leverandør"' in several
    own = client_for(reporter_a).get(url, {"leverandoer": "lev-b"}).content.decode()
    assert "Ingen leverandører matcher “lev-b”." in own


def test_the_short_labels_in_english_are_the_states_not_another_pages_name():
    """ "Udvikling" alone is the trend page's name ("Trend" in English); the matrix's
    short label for "under udvikling" is a text of its own."""
    from django.utils import translation

    from medcom.models import SHORT_LABELS

    with translation.override("en"):
        assert str(SHORT_LABELS[CertState.IN_DEVELOPMENT]) == "In development"
        assert str(SHORT_LABELS[CertState.READY_FOR_TEST]) == "Ready for test"
