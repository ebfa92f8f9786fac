"""The matrix's supplier rows and the supplier and message type pages' certification rows
are cached one by one (`cached_rows`): a state moved shows
on the next read, as an empty cache renders the page; a note, which the matrix does not
show, renders no row again; each reader's links are their own."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medcom import services
from medcom.models import Certification, CertState
from parties.access import access_for
from tests.medcom.conftest import DAY, set_state

pytestmark = pytest.mark.django_db


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_a_state_moved_shows_on_the_next_read_and_a_note_renders_no_row(
    rows, client_for, editor, monkeypatch
):
    client = client_for(editor)
    url = reverse("medcom:matrix")
    before = _main(client.get(url))
    set_state(rows[("a", "hen", "sends")], CertState.CERTIFIED, reference="C-1")
    after = _main(client.get(url))
    assert after != before and "sp-cert--certified" in after
    cache.clear()
    assert after == _main(client.get(url))

    rendered = []
    row_template = engines["django"].engine.get_template("medcom/_matrix_row.html")
    render = type(row_template).render

    def counting(self, context):
        if self.origin.template_name == "medcom/_matrix_row.html":
            rendered.append(1)
        return render(self, context)

    monkeypatch.setattr(type(row_template), "render", counting)
    set_state(rows[("a", "hen", "sends")], CertState.CERTIFIED, reference="C-1", note="Ny note")
    assert _main(client.get(url)) == after
    assert rendered == []
    cache.clear()  # the spy sees the rows when they are rendered
    client.get(url)
    assert rendered


def test_each_reader_gets_their_own_links(rows, client_for, editor, reporter_a):
    url = reverse("medcom:matrix")
    link_b = f'href="{reverse("medcom:supplier_detail", args=["lev-b"])}"'
    assert link_b in _main(client_for(editor).get(url))
    assert link_b not in _main(client_for(reporter_a).get(url))


def test_a_supplier_and_a_message_types_rows_show_an_edit_at_once(rows, client_for, editor):
    """Their certification rows are cached one by one: a state moved shows on the next
    read of both pages, as an empty cache renders them."""
    client = client_for(editor)
    supplier_url = reverse("medcom:supplier_detail", args=["lev-a"])
    type_url = reverse("medcom:message_type_detail", args=["hen01"])
    client.get(supplier_url), client.get(type_url)
    set_state(rows[("a", "hen", "sends")], CertState.CERTIFIED, reference="C-77")
    supplier_page, type_page = _main(client.get(supplier_url)), _main(client.get(type_url))
    assert "C-77" in supplier_page and "C-77" in type_page
    cache.clear()
    assert supplier_page == _main(client.get(supplier_url))
    assert type_page == _main(client.get(type_url))


def _note(row, user, note: str) -> None:
    """A row's note written through the service, by a reader who may (no new membership,
    which would move the pages' stamp for another reason)."""
    _written(row, user, note=note)


def _written(row, user, **data) -> None:
    """`data` written to a row through the service (as `_note`)."""
    row = Certification.objects.get(pk=row.pk)
    services.certification_set(
        access=access_for(user),
        certification_id=row.pk,
        version=row.version,
        user=user,
        data=data,
        reason="Test",
    )


@pytest.mark.parametrize("query", ["", "?familie=fhir", "?tilstand=not_started"])
def test_a_note_leaves_the_matrix_warm_and_a_state_moved_rebuilds_it(
    query, rows, client_for, editor
):
    """The matrix is keyed by what it reads of the rows (`selectors.matrix_version`): a
    note edited is one check (one query on PostgreSQL) and then the page as cached, which is
    the page an empty cache renders; a state moved shows at once, as the empty cache
    renders it, and so does a row of another supplier's system moved."""
    client = client_for(editor)
    url = reverse("medcom:matrix") + query
    before = _main(client.get(url))
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    _note(rows[("a", "fhir", "sends")], editor, "Ny note")
    with CaptureQueriesContext(connection) as after_note:
        assert _main(client.get(url)) == before
    assert len(after_note) == len(warm) + 1  # the check: the history since against before
    with CaptureQueriesContext(connection) as again:
        client.get(url)
    assert len(again) == len(warm)
    cache.clear()
    assert _main(client.get(url)) == before

    _note(rows[("b", "hen", "receives")], editor, "Endnu en")
    client.get(url)  # the mark checked from before the first note
    row = Certification.objects.get(pk=rows[("a", "fhir", "sends")].pk)
    services.certification_set(
        access=access_for(editor),
        certification_id=row.pk,
        version=row.version,
        user=editor,
        state=CertState.READY_FOR_TEST,
        on=DAY,
        data={},
    )
    moved = _main(client.get(url))
    assert moved != before
    cache.clear()
    assert moved == _main(client.get(url))


@pytest.mark.parametrize("page", ["message type", "supplier"])
def test_a_note_leaves_a_message_type_and_a_supplier_page_warm_and_a_reference_reaches_them(
    page, rows, client_for, editor
):
    """A message type's and a supplier's pages are keyed by what they read of the rows
    (`selectors.row_pages_version`, all but the note): a note edited is one check and
    then the page as cached, which is the page an empty cache renders; a reference
    written (which their rows show) reaches them at once, as the empty cache renders it."""
    row = rows[("a", "fhir", "sends")]
    url = (
        reverse("medcom:message_type_detail", args=[row.message_type.key])
        if page == "message type"
        else reverse("medcom:supplier_detail", args=[row.entry.supplier.key])
    )
    client = client_for(editor)
    before = _main(client.get(url))
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    _note(row, editor, "Ny note")
    with CaptureQueriesContext(connection) as after_note:
        assert _main(client.get(url)) == before
    assert len(after_note) == len(warm) + 1  # the check: the history since against before
    cache.clear()
    assert _main(client.get(url)) == before

    _written(row, editor, reference="REF-NY-1")
    after = _main(client.get(url))
    assert "REF-NY-1" in after
    cache.clear()
    assert after == _main(client.get(url))


def test_the_rows_check_after_each_note_reads_only_the_history_since_the_last(
    rows, client_for, editor
):
    """A mark that held is kept checked up to the history read (`_shown_version`): after a
    second note the check starts from the first note's history row, not from the mark's
    first build (one row's notes written again and again made each check longer)."""
    from medcom.models import Certification as Row

    client = client_for(editor)
    url = reverse("medcom:matrix")
    before = _main(client.get(url))
    _note(rows[("a", "fhir", "sends")], editor, "Første")
    assert _main(client.get(url)) == before
    first = Row.history.order_by("-history_id").values_list("history_id", flat=True)[0]
    _note(rows[("a", "fhir", "sends")], editor, "Anden")
    with CaptureQueriesContext(connection) as after:
        assert _main(client.get(url)) == before
    checks = [q["sql"] for q in after.captured_queries if "LEFT JOIN LATERAL" in q["sql"]]
    assert len(checks) == 1
    assert f"history_id > {first}" in checks[0]
