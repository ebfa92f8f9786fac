"""The matrix's supplier rows and the supplier and message type pages' certification rows
are cached one by one (`cached_rows`): a state moved shows
on the next read, as an empty cache renders the page; a note, which the matrix does not
show, renders no row again; each reader's links are their own."""

import pytest
from django.core.cache import cache
from django.template import engines
from django.urls import reverse

from medcom.models import CertState
from tests.medcom.conftest import set_state

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
