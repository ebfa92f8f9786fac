"""The risk register and its heat map at `?som_den_var=`: as the records stood, from
their history (a known history: December, January and February 2026)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from governance.models import Risk
from governance.services import records
from tests.governance.helpers import make_risk


def _at(day, hour=9):
    return time_machine.travel(datetime.datetime(*day, hour, tzinfo=datetime.UTC), tick=False)


def _cell(body: str, p: int, i: int) -> str:
    """The table alternative's count for one cell, with its change."""
    marker = f'celle={p}x{i}#risici">'
    start = body.index(marker) + len(marker)
    return body[start : body.index("</span>", start)]


@pytest.mark.django_db
def test_the_register_and_heat_map_show_the_risks_as_they_stood(client_for, editor, reporter):
    with _at((2025, 12, 10)):
        old = make_risk(editor, title="Decembers risiko", p=2, i=2)
    with _at((2026, 1, 10)):
        risk = make_risk(editor, title="Januars risiko", p=2, i=3)
        make_risk(editor, title="Hovedstadens risiko", party_key="region-hovedstaden", p=3, i=3)
    with _at((2026, 2, 2)):
        records.record_update(
            Risk, pk=risk.pk, version=risk.version, data={"probability": 5}, user=editor
        )
        records.record_update(
            Risk, pk=old.pk, version=old.version, data={"status": "closed"}, user=editor
        )
        make_risk(editor, title="Februars risiko", p=4, i=4)

    url = reverse("governance:risk_list")
    past = client_for(editor).get(url, {"som_den_var": "2026-01-15T12:00"}).content.decode()
    assert "Risici, som de så ud den 15. januar 2026" in past
    assert "Januars risiko" in past and "6 (2 × 3)" in past
    assert "Decembers risiko" in past  # still open then
    assert "Februars risiko" not in past and "15 (5 × 3)" not in past
    # The heat map then: December's risk in 2×2 since last month, January's new in 2×3.
    assert _cell(past, 2, 3).startswith('1</a> <span class="sp-muted">(+1')
    assert _cell(past, 2, 2).startswith('1</a> <span class="sp-muted">(+0')
    assert _cell(past, 5, 3).startswith("0</a>")
    assert "3 aktive risici; ændring siden 15. december 2025: +2." in past

    # The filters apply to the rows as they stood: in January no risk was critical.
    banded = client_for(editor).get(url, {"som_den_var": "2026-01-15T12:00", "band": "high"})
    assert "Ingen risici." in banded.content.decode()

    live = client_for(editor).get(url).content.decode()
    assert "som de så ud den" not in live
    assert "15 (5 × 3)" in live and "Februars risiko" in live and "Decembers risiko" not in live

    # A reporter's past view keeps to their party's records.
    theirs = client_for(reporter).get(url, {"som_den_var": "2026-01-15T12:00"}).content.decode()
    assert "Januars risiko" in theirs and "Hovedstadens risiko" not in theirs


@pytest.mark.django_db
def test_a_moment_in_the_future_is_refused_with_the_typed_value_kept(client_for, editor):
    future = (
        datetime.datetime.now(tz=datetime.UTC).date() + datetime.timedelta(days=400)
    ).isoformat()
    body = (
        client_for(editor)
        .get(reverse("governance:risk_list"), {"som_den_var": future})
        .content.decode()
    )
    assert "Tidspunktet ligger i fremtiden." in body and future in body
    assert "som de så ud den" not in body
