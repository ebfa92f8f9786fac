"""The risk register's content is cached as HTML under the live stamp of the risks,
activities and parties, the reader's rights, the day and the query: a risk's score
moved shows on the next read (row and heat map, as an empty cache renders it), each
reader sees the risks they may read, and the queries do not grow with the register."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.models import Risk
from governance.services import records as services
from parties.models import Party

pytestmark = pytest.mark.django_db


def _risk(editor, n: int, party_key: str = "rsi") -> Risk:
    return services.risk_create(
        data={
            "key": f"risiko-{party_key}-{n}",
            "title": f"Risiko {party_key} {n}",
            "probability": 2,
            "impact": 3,
            "owner_party": Party.objects.get(key=party_key),
        },
        user=editor,
        reason="Testdata",
    )


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _score(editor, risk, probability: int, impact: int) -> None:
    risk.refresh_from_db()
    services.record_update(
        Risk,
        pk=risk.pk,
        version=risk.version,
        data={"probability": probability, "impact": impact},
        user=editor,
        reason="Scoren vurderet igen",
    )


def test_a_risks_new_score_shows_on_the_next_read(client_for, editor):
    risk = _risk(editor, 1)
    client = client_for(editor)
    url = reverse("governance:risk_list")
    assert "6 (2 × 3)" in _main(client.get(url))
    _score(editor, risk, 5, 5)
    page = _main(client.get(url))
    assert "25 (5 × 5)" in page and "6 (2 × 3)" not in page
    assert page.count("celle=5x5") >= 1
    cache.clear()
    assert page == _main(client.get(url))
    assert "25 (5 × 5)" in _main(client.get(url, {"celle": "5x5"}))


def test_each_reader_sees_the_risks_they_may_read(client_for, editor, reporter):
    _risk(editor, 1, "rsi")
    mine = reporter.memberships.first().party.key
    _risk(editor, 2, mine)
    url = reverse("governance:risk_list")
    assert "Risiko rsi 1" in _main(client_for(editor).get(url))
    page = _main(client_for(reporter).get(url))
    assert f"Risiko {mine} 2" in page and "Risiko rsi 1" not in page


def _counts(client, editor, risk) -> tuple[int, int]:
    url = reverse("governance:risk_list")
    client.get(url)
    risk.refresh_from_db()
    _score(editor, risk, 4, 4 if risk.impact != 4 else 3)
    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    return len(cold), len(warm)


def test_the_register_runs_the_same_queries_for_3_and_40_risks(client_for, editor):
    client = client_for(editor)
    risks = [_risk(editor, n) for n in range(3)]
    small = _counts(client, editor, risks[0])
    risks += [_risk(editor, n) for n in range(3, 40)]
    assert _counts(client, editor, risks[0]) == small
    assert small[1] < small[0]
