"""A draft saved again changes nothing a cached page shows (its status stays; only the
party's own form and the update's page, read live, show its texts): the pages' stamps
leave its history row out (`ProgressUpdate.STAMP_QUIET_HISTORY`), so the steering
group's pages stay warm while parties write. A first draft, a submit and a return
change what the round's counts show, and move the stamps."""

import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from milestones.models import ProgressUpdate
from milestones.selectors import plan_data_version
from milestones.services import updates
from reports.selectors import snapshot
from tests.milestones.helpers import IN_ROUND, MIDT_ACTIVITY, make_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(IN_ROUND, tick=False):
        cache.clear()
        yield
        cache.clear()


def _stamps():
    return snapshot.data_version(), plan_data_version()


def test_a_draft_saved_again_leaves_the_stamps_others_move_them(reporter, editor, round_oct):
    before = _stamps()
    make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter)
    first = _stamps()
    assert first[0] != before[0] and first[1] != before[1]
    make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter)
    make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter)
    assert _stamps() == first
    assert ProgressUpdate.objects.get().version == 3
    update = make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter, submit=True)
    submitted = _stamps()
    assert submitted[0] != first[0] and submitted[1] != first[1]
    updates.progress_update_return(
        update=update, comment="Mangler risici.", version=update.version, user=editor
    )
    returned = _stamps()
    assert returned[0] != submitted[0] and returned[1] != submitted[1]
    # A returned update saved as a draft stays returned: its stamp stays too.
    make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter)
    assert ProgressUpdate.objects.get().status == ProgressUpdate.Status.RETURNED
    assert _stamps() == returned


def _body(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('id="dashboard-body"')
    return page[start : page.index("</main>", start)], len(ctx.captured_queries)


def _drafts_of(body: str, party_name: str) -> str:
    """The party's drafts in the round's table (after the reported count)."""
    table = body[body.index(">Kladder</th>") :]
    row = re.search(rf"<th scope=\"row\">{re.escape(party_name)}</th>.*?</tr>", table, re.S)
    return re.findall(r'<td class="sp-num">(\d+)</td>', row.group(0))[0]


def test_the_dashboard_stays_warm_while_a_party_writes_its_draft(
    client_for, reporter, steering, round_oct
):
    client = client_for(steering)
    make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter)
    _body(client)
    warm, warm_queries = _body(client)
    assert _drafts_of(warm, "Region Midtjylland") == "1"
    make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter)
    after, queries = _body(client)
    assert after == warm and queries == warm_queries
    # Submitted, it changes the round's counts: the page shows it.
    make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter, submit=True)
    changed, queries = _body(client)
    assert queries > warm_queries
    assert _drafts_of(changed, "Region Midtjylland") == "0"
