"""The decision, issue and action logs' content is cached as HTML (`governance.views.
common.log_page`, as the risk register's) under the live stamp of what each shows, the
reader's rights, the day and the query: an edit shows on the next read, as an empty cache
renders it, live and at a past moment; each reader sees the records they may read; a
warm read counts no rows."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.history import record_delete
from governance.models import Action, Decision, Issue
from governance.services import records
from tests.governance.helpers import make_action, make_decision
from tests.milestones.helpers import party

pytestmark = pytest.mark.django_db

DECISIONS, ISSUES, ACTIONS = "/styring/beslutninger/", "/styring/problemer/", "/styring/handlinger/"


def _issue(user, title, *, party_key="region-midtjylland"):
    data = {"title": title, "severity": "high", "owner_party": party(party_key)}
    return records.issue_create(data=data, user=user)


def _main(client, path, **query) -> str:
    response = client.get(path, query)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _retitle(model, record, title, user):
    record.refresh_from_db()
    records.record_update(
        model, pk=record.pk, version=record.version, data={"title": title}, user=user
    )


LOGS = [
    (DECISIONS, Decision, lambda user, title, **kw: make_decision(user, title=title, **kw)),
    (ISSUES, Issue, _issue),
    (ACTIONS, Action, lambda user, title, **kw: make_action(user, title=title, **kw)),
]


@pytest.mark.parametrize(("path", "model", "make"), LOGS, ids=["decisions", "issues", "actions"])
def test_an_edit_shows_on_the_next_read_as_from_an_empty_cache(
    client_for, editor, path, model, make
):
    record = make(editor, "Første titel")
    client = client_for(editor)
    assert "Første titel" in _main(client, path)
    assert "Første titel" in _main(client, path)  # warm
    _retitle(model, record, "Anden titel", editor)
    page = _main(client, path)
    assert "Anden titel" in page and "Første titel" not in page
    cache.clear()
    assert page == _main(client, path)
    # Deleted: gone from the live log, marked at a moment before.
    now = timezone.now()
    moment = f"{timezone.localtime(now + datetime.timedelta(minutes=1)):%Y-%m-%dT%H:%M}"
    with time_machine.travel(now + datetime.timedelta(minutes=2)):
        past = _main(client, path, som_den_var=moment)
        assert "Anden titel" in past and "(slettet siden)" not in past
        record_delete(model.objects.get(pk=record.pk), user=editor, reason="Dublet")
        assert "Anden titel" not in _main(client, path)
        past = _main(client, path, som_den_var=moment)
        assert 'Anden titel <span class="sp-muted">(slettet siden)</span>' in past


@pytest.mark.parametrize(("path", "model", "make"), LOGS, ids=["decisions", "issues", "actions"])
def test_each_reader_sees_the_records_they_may_read(
    client_for, editor, reporter, path, model, make
):
    make(editor, "SOR-teamets egen", party_key="sor-team")
    make(editor, "Midtjyllands", party_key="region-midtjylland")
    everything = _main(client_for(editor), path)
    assert "SOR-teamets egen" in everything and "Midtjyllands" in everything
    own = _main(client_for(reporter), path)
    assert "Midtjyllands" in own and "SOR-teamets egen" not in own
    # The editor's cached page is not the reporter's, nor the reporter's the editor's.
    assert "SOR-teamets egen" in _main(client_for(editor), path)


@pytest.mark.parametrize("path", [DECISIONS, ISSUES, ACTIONS])
def test_a_warm_log_counts_no_rows(client_for, editor, path):
    client = client_for(editor)
    client.get(path)
    with CaptureQueriesContext(connection) as warm:
        assert client.get(path).status_code == 200
    assert not any("COUNT(" in q["sql"] for q in warm.captured_queries)
