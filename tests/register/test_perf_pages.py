"""The register's pages at two sizes: the list, an entry's page, "Kan SHAK slukkes?" and
the dashboard, warm and cold after a real register edit (and, for the two computed
pages, after a state move, which changes their figures), run the same number of
queries with 20 and 200 synthetic entries (the bench times them at 5,000)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parties.models import Party
from register import selectors, services
from register.models import Entry
from register.synthetic import register_synthetic_generate

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _edit(editor) -> None:
    """An edit through the register's service, as the bench makes one."""
    entry = Entry.objects.order_by("key").first()
    services.entry_update(
        entry_id=entry.pk,
        version=entry.version,
        user=editor,
        data={"description": f"{entry.description} (rettet)"},
        reason="Test: en rigtig redigering",
        fields=("description",),
    )


def _move(editor) -> None:
    """A state move forward: the readiness page's and the dashboard section's figures
    change, to figures not shown before (their HTML is keyed by what they say)."""
    entry = Entry.objects.filter(state__in=["not_mapped", "shak", "shak_plus"]).order_by("key")[0]
    services.entry_state_set(
        entry_id=entry.pk,
        version=entry.version,
        user=editor,
        state={"not_mapped": "shak", "shak": "shak_plus", "shak_plus": "shak_and_sor"}[entry.state],
    )


def _counts(client, editor, pages, edit=_edit) -> list[tuple[int, int]]:
    counts = []
    for url in pages:
        client.get(url)  # first visit
        edit(editor)
        cold = _queries(client, url)
        warm = _queries(client, url)
        counts.append((cold, warm))
    return counts


def test_the_register_pages_run_the_same_queries_at_two_sizes(
    client_for, steering, editor, system_user
):
    owners = list(Party.objects.regions())
    client = client_for(steering)
    counts = {}
    for size, (count, prefix) in {"small": (20, "syn-"), "large": (180, "syn2-")}.items():
        register_synthetic_generate(count=count, owners=owners, by=system_user, prefix=prefix)
        entry = Entry.objects.order_by("key").values_list("key", flat=True)[5]
        pages = [
            reverse("register:entry_list"),
            reverse("register:entry_detail", args=[entry]),
            reverse("reports:switch_off"),
            reverse("reports:dashboard"),
        ]
        counts[size] = _counts(client, editor, pages)
        # From the materialised readiness (every entry rated today), not the rule.
        assert selectors.readiness_current(timezone.localdate())
        counts[f"{size}, a state move"] = _counts(client, editor, pages[2:], edit=_move)
    assert Entry.objects.count() == 200
    assert counts["small, a state move"] == counts["large, a state move"], counts
    assert counts["small"] == counts["large"], counts
    # Warm, a page is its cached content: fewer queries than when it was built.
    assert all(warm < cold for cold, warm in counts["large"]), counts


def test_the_list_shows_a_state_move_at_once_as_a_fresh_render_would(
    client_for, steering, editor, system_user
):
    """The list's rows are cached one by one (`cached_rows`): after a state move the
    moved entry's row is rendered again and the page is what an empty cache gives."""
    from django.core.cache import cache

    register_synthetic_generate(
        count=30, owners=list(Party.objects.regions()), by=system_user, prefix="syn-"
    )
    client = client_for(steering)
    url = reverse("register:entry_list")
    client.get(url)
    entry = Entry.objects.filter(state__in=["not_mapped", "shak", "shak_plus"]).order_by("key")[0]
    _move(editor)
    entry.refresh_from_db()

    def main(response) -> str:  # the page's content (the layout carries a fresh CSRF token)
        html = response.content.decode()
        return html[html.index("<main") : html.index("</main>")]

    after = main(client.get(url))
    cache.clear()
    assert after == main(client.get(url))
    row = after.split(f'href="{reverse("register:entry_detail", args=[entry.key])}"')[1]
    assert str(entry.get_state_display()) in row.split("</tr>")[0]


def test_the_lists_rows_read_as_values_and_its_form_follow_a_renamed_owner(
    client_for, steering, editor, system_user
):
    """The list's rows are keyed by values read for them (an entry read as a model only to
    render its row) and its filter form by the parties' part of the page's stamp: an
    owner renamed reaches its entries' rows and the form's check of a typed party, each
    as an empty cache renders the page."""
    from django.core.cache import cache

    register_synthetic_generate(
        count=30, owners=list(Party.objects.regions()), by=system_user, prefix="syn-"
    )
    client = client_for(steering)
    url = reverse("register:entry_list")
    typed = url + "?part=Omdøbt+ejer"

    def main(response) -> str:
        html = response.content.decode()
        return html[html.index("<main") : html.index("</main>")]

    before = main(client.get(url))
    assert "Omdøbt ejer" not in before
    assert "0 poster" in main(client.get(typed))  # no such party yet: no entry
    owner = Entry.objects.order_by("name", "key").first().owner
    owner.short_name, owner.name = "", "Omdøbt ejer"  # its label is its name
    owner.save()  # with its history row: the page's stamp moves
    after = main(client.get(url))
    filtered = main(client.get(typed))
    cache.clear()
    assert after == main(client.get(url))
    assert filtered == main(client.get(typed))
    shown = Entry.objects.order_by("name", "key")[:50]
    assert after.count("<td>Omdøbt ejer</td>") == sum(e.owner_id == owner.pk for e in shown)
    assert "0 poster" not in filtered
