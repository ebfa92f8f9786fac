"""The decision log, the issue log, the action list and the risk register are paged like
the plan's lists (`governance.selectors.records.LOG_PAGE_SIZE` a page), live and at
`?som_den_var=`: the same queries for 2 records as for 200, the filters and the moment
kept in the paging links, and the files still every row."""

import datetime
import html
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.selectors.records import LOG_PAGE_SIZE
from governance.services import records
from tests.governance.helpers import make_action, make_decision, make_risk
from tests.milestones.helpers import party

pytestmark = pytest.mark.django_db

WRITTEN = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)
MOMENT = "2026-01-15T12:00"
DECISIONS, ISSUES, ACTIONS, RISKS = (
    "/styring/beslutninger/",
    "/styring/problemer/",
    "/styring/handlinger/",
    "/styring/risici/",
)
PAGES = [
    (DECISIONS, {}),
    (DECISIONS, {"som_den_var": MOMENT, "side": "2"}),
    (ISSUES, {"status": "alle"}),
    (ISSUES, {"som_den_var": MOMENT}),
    (ACTIONS, {"vis": "alle"}),
    (ACTIONS, {"som_den_var": MOMENT, "side": "3"}),
    (RISKS, {}),
    (RISKS, {"som_den_var": MOMENT, "side": "2"}),
]


def _write(user, owner, start: int, n: int) -> None:
    with time_machine.travel(WRITTEN, tick=False):
        for k in range(start, start + n):
            make_decision(user, title=f"Beslutning {k:03}")
            records.issue_create(
                data={
                    "title": f"Problem {k:03}",
                    "severity": "high",
                    "owner_party": party("region-midtjylland"),
                },
                user=user,
            )
            make_action(user, title=f"Handling {k:03}", owner_person=owner)
            make_risk(user, title=f"Risiko {k:03}")


def _get(client, path, query) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, query)
    assert response.status_code == 200, (path, query)
    return len(ctx.captured_queries), response.content.decode()


def _rows(body: str) -> int:
    """The records listed: each a link to its page (none is deleted here)."""
    return len(re.findall(r'<th scope="row"><a href="/styring/[a-z]+/[^/"]+/">', body))


def test_the_logs_cost_the_same_queries_for_two_records_or_two_hundred(
    client_for, editor, steering
):
    client = client_for(steering)
    client.get(reverse("accessibility"))  # the session's first-request work, not counted
    _write(editor, steering, 0, 2)
    few = [_get(client, path, query)[0] for path, query in PAGES]
    _write(editor, steering, 2, 198)
    many = [_get(client, path, query)[0] for path, query in PAGES]
    assert many == few
    for path, query in PAGES:
        _queries, body = _get(client, path, {k: v for k, v in query.items() if k != "side"})
        assert _rows(body) == LOG_PAGE_SIZE, path
        assert "Side 1 af 4" in body, path


def test_the_paging_links_keep_the_filters_and_the_moment(client_for, editor):
    _write(editor, None, 0, LOG_PAGE_SIZE + 5)
    client = client_for(editor)
    _queries, body = _get(client, ISSUES, {"som_den_var": MOMENT, "status": "alle"})
    nxt = html.unescape(re.search(r'<a href="([^"]+)" rel="next">', body).group(1))
    assert "side=2" in nxt and "status=alle" in nxt and "som_den_var=2026-01-15T12" in nxt
    _queries, second = _get(client, ISSUES, {"som_den_var": MOMENT, "status": "alle", "side": 2})
    assert _rows(second) == 5 and "sp-past-banner" in second
    # A filter or the way back to now starts again at the first page.
    filters = re.search(r'<ul class="nobullet-list sp-actions"><li>.*?</ul>', second)[0]
    assert "status=resolved" in filters and "side=" not in filters
    back = re.search(r'href="([^"]+)">Vis status lige nu', second)[1]
    assert "side=" not in html.unescape(back) and "status=alle" in html.unescape(back)
    _queries, risks = _get(client, RISKS, {"side": 2})
    assert _rows(risks) == 5
    cell = re.search(r'href="\?([^"]*)celle=3x3#risici"', risks)[1]
    assert "side=" not in cell


def test_the_files_keep_every_row(client_for, editor):
    _write(editor, None, 0, LOG_PAGE_SIZE + 5)
    client = client_for(editor)
    for path, noun in ((DECISIONS, "Beslutning"), (ACTIONS, "Handling"), (RISKS, "Risiko")):
        text = client.get(path, {"format": "csv"}).content.decode("utf-8-sig")
        assert len(re.findall(rf"{noun} \d\d\d", text)) == LOG_PAGE_SIZE + 5, path
    past = client.get(ISSUES, {"format": "csv", "som_den_var": MOMENT, "side": 2})
    assert len(re.findall(r"Problem \d\d\d", past.content.decode("utf-8-sig"))) == 55
