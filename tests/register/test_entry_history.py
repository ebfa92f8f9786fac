"""An entry's page shows its newest changes, each worded once and cached under its
history row; the history page pages through the rest. The rows read are bounded: the
newest N with their previous versions, counted in SQL, whatever the history's length."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from register import services
from register.history import entry_history, entry_history_page
from register.models import ShakState, Step
from register.views import HISTORY_PAGE_SIZE, HISTORY_SHOWN
from tests.register.test_perf_pages import _edit

pytestmark = pytest.mark.django_db


def _edits(entry, editor, count: int, *, start: int = 0):
    """`count` description edits and as many step moves, interleaved."""
    entry.refresh_from_db()
    step = Step.objects.filter(entry=entry, kind=Step.Kind.TESTED).first()
    version = step.version if step else None
    for i in range(start, start + count):
        entry, _ = services.entry_update(
            entry_id=entry.pk,
            version=entry.version,
            user=editor,
            data={"description": f"Beskrivelse {i}"},
            reason=f"Ændring {i}",
            fields=("description",),
        )
        step, _ = services.step_set(
            entry_id=entry.pk,
            kind=Step.Kind.TESTED,
            version=version,
            user=editor,
            data={
                "forecast_date": datetime.date(2027, 1, 1) + datetime.timedelta(days=i),
                "forecast_precision": "day",
            },
            reason=f"Test flyttet {i}",
        )
        version = step.version
    return entry


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_a_bounded_history_is_the_whole_ones_newest_n_at_any_offset(entries, editor):
    entry = _edits(entries["midt"], editor, 8)
    whole = entry_history(entry)
    shown, total = entry_history_page(entry)
    assert total == len(whole) == len(shown) == 17  # created, 8 edits, 8 step saves
    for limit, offset in ((1, 0), (5, 0), (5, 3), (7, 10), (30, 0), (4, 15), (3, 20)):
        assert entry_history(entry, limit=limit, offset=offset) == whole[offset : offset + limit]
        assert entry_history_page(entry, limit=limit, offset=offset)[1] == total
    # The newest, entry and step changes interleaved, each compared with its version before.
    newest = entry_history(entry, limit=2)
    assert [e.reason for e in newest] == ["Test flyttet 7", "Ændring 7"]
    assert newest[1].changes[0].old == "Beskrivelse 6"


def test_the_entry_page_shows_each_edit_on_the_next_read(client_for, entries, editor):
    """A plan text, a step's date and a state move each show at once, worded as an empty
    cache words them; the older changes keep their words."""
    entry = entries["midt"]
    client = client_for(editor)
    url = reverse("register:entry_detail", args=[entry.key])
    client.get(url)
    entry, _ = services.entry_update(
        entry_id=entry.pk,
        version=entry.version,
        user=editor,
        data={"solution_description": "Ny løsning via SOR-opslag"},
        reason="Planen skrevet",
        fields=services.PLAN_FIELDS,
    )
    page = _main(client.get(url))
    assert "Ny løsning via SOR-opslag" in page and "Planen skrevet" in page
    services.step_set(
        entry_id=entry.pk,
        kind=Step.Kind.IN_PRODUCTION,
        version=None,
        user=editor,
        data={"forecast_date": datetime.date(2027, 4, 1), "forecast_precision": "quarter"},
        reason="Produktion planlagt",
    )
    page = _main(client.get(url))
    assert "I produktion: Forventet dato" in page and "2. kvartal 2027" in page
    entry.refresh_from_db()
    services.entry_state_set(
        entry_id=entry.pk,
        version=entry.version,
        user=editor,
        state=ShakState.SHAK_PLUS,
        reason="Kortlagt",
    )
    page = _main(client.get(url))
    assert "Kortlagt" in page and str(ShakState.SHAK_PLUS.label) in page
    cache.clear()
    assert page == _main(client.get(url))


def test_the_entry_page_shows_the_newest_and_links_the_rest_paged(client_for, entries, editor):
    entry = _edits(entries["midt"], editor, 30)  # 61 changes
    client = client_for(editor)
    response = client.get(reverse("register:entry_detail", args=[entry.key]))
    page = _main(response)
    assert page.count('class="sp-history-entry"') == HISTORY_SHOWN
    assert "Ændring 29" in page and "Ændring 10" not in page
    history_url = reverse("register:entry_history", args=[entry.key])
    assert history_url in page and "61 ændringer" in page
    first = _main(client.get(history_url))
    second = _main(client.get(history_url, {"side": 2}))
    assert first.count('class="sp-history-entry"') == HISTORY_PAGE_SIZE
    assert second.count('class="sp-history-entry"') == 61 - HISTORY_PAGE_SIZE
    assert "Testdata" in second and "Testdata" not in first  # the creation, last
    # The same words as the whole history gives.
    whole = entry_history(entry)
    assert f"“{whole[HISTORY_PAGE_SIZE].reason}”" in second


def test_an_outsider_does_not_find_an_entrys_history(client_for, entries, reporter):
    url = reverse("register:entry_history", args=[entries["syd"].key])
    assert client_for(reporter).get(url).status_code == 404


def _cold_queries(client, url, editor) -> int:
    _edit(editor)  # the first entry by key: midt-epj
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_an_entrys_page_after_an_edit_runs_the_same_queries_at_two_history_lengths(
    client_for, entries, editor
):
    entry = entries["midt"]
    client = client_for(editor)
    url = reverse("register:entry_detail", args=[entry.key])
    history_url = reverse("register:entry_history", args=[entry.key])
    entry = _edits(entry, editor, 3)
    client.get(url), client.get(history_url)
    short = (
        _cold_queries(client, url, editor),
        _cold_queries(client, history_url, editor),
    )
    entry.refresh_from_db()
    entry = _edits(entry, editor, 60, start=3)
    client.get(url), client.get(history_url)
    long = (
        _cold_queries(client, url, editor),
        _cold_queries(client, history_url, editor),
    )
    assert short == long


def test_a_warm_entry_page_reads_only_the_stamp_and_a_renamed_owner_shows(
    client_for, entries, editor
):
    """The entry itself is cached under the pages' stamp: a warm page runs the queries of
    the layout and the stamp only, and a party renamed shows on the next read."""
    from core.history import record_save

    entry = entries["midt"]
    client = client_for(editor)
    url = reverse("register:entry_detail", args=[entry.key])
    client.get(url)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    with CaptureQueriesContext(connection) as layout:
        client.get(reverse("accessibility"))
    assert len(warm) == len(layout) + 1  # the stamp
    owner = entry.owner
    owner.name = "Region Midtjylland (omdøbt)"
    record_save(owner, user=editor, reason="Omdøbt")
    assert "Region Midtjylland (omdøbt)" in _main(client.get(url))
