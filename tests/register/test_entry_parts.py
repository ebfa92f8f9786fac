"""An entry's page keeps its steps and its pending proposals as HTML apart, each under
the stamp of what it reads (`register.views.ENTRY_PAGE_PARTS`): an edit of the entry's
own facts reads and renders neither again, and an edit of what either shows reaches the
next read, equal to the page rendered from an empty cache."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from register import services
from register.models import ShakState, Step
from tests.register.test_proposals import MIDT_PATH, form_data, state_move

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    from tests.milestones.helpers import IN_ROUND

    with time_machine.travel(IN_ROUND, tick=False):
        yield


def _main(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _fresh(client, url) -> str:
    cache.clear()
    return _main(client.get(url))


def _step_move(entry, editor, day: datetime.date) -> None:
    step = Step.objects.filter(entry=entry, kind=Step.Kind.TESTED).first()
    services.step_set(
        entry_id=entry.pk,
        kind=Step.Kind.TESTED,
        version=step.version if step else None,
        user=editor,
        data={"forecast_date": day, "forecast_precision": "day"},
        reason="Test flyttet",
    )


def _described(entry, editor, text: str) -> None:
    entry.refresh_from_db()
    services.entry_update(
        entry_id=entry.pk,
        version=entry.version,
        user=editor,
        data={"description": text},
        reason="Beskrevet",
        fields=("description",),
    )


def _proposed(client_for, entry, reporter) -> None:
    """Region Midtjylland's draft update proposes the entry's move to SHAK and SOR."""
    response = client_for(reporter).post(MIDT_PATH, form_data(**state_move(entry, "shak_and_sor")))
    assert response.status_code == 302


def test_an_edit_of_the_entrys_facts_reads_neither_its_steps_nor_its_proposals_again(
    client_for, entries, editor, reporter, round_oct
):
    entry = entries["midt"]
    _step_move(entry, editor, datetime.date(2027, 3, 1))
    _proposed(client_for, entry, reporter)
    client = client_for(editor)
    url = reverse("register:entry_detail", args=[entry.key])
    client.get(url)
    _described(entry, editor, "Ny beskrivelse af systemet")
    with CaptureQueriesContext(connection) as cold:
        page = _main(client.get(url))
    read = " ".join(q["sql"] for q in cold.captured_queries)
    # A key of the whole page's stamp would read both again (the entry's history moved).
    assert 'FROM "register_step"' not in read
    assert 'FROM "register_entryproposal"' not in read
    assert "Ny beskrivelse af systemet" in page
    assert "SHAK → SHAK og SOR" in page and "1. marts 2027" in page
    assert page == _fresh(client, url)


def test_each_part_follows_what_it_shows(client_for, entries, editor, reporter, round_oct):
    entry = entries["midt"]
    _step_move(entry, editor, datetime.date(2027, 3, 1))
    _proposed(client_for, entry, reporter)
    client = client_for(editor)
    url = reverse("register:entry_detail", args=[entry.key])
    assert "1. marts 2027" in _main(client.get(url))
    # A step's date moved: the steps' part anew.
    _step_move(entry, editor, datetime.date(2027, 6, 15))
    page = _main(client.get(url))
    assert "15. juni 2027" in page and "1. marts 2027" not in page.split("Historik")[0]
    assert page == _fresh(client, url)
    # The entry's state moved: the proposal's words name it ("from → to").
    entry.refresh_from_db()
    services.entry_state_set(
        entry_id=entry.pk,
        version=entry.version,
        user=editor,
        state=ShakState.SHAK_PLUS,
        reason="Kortlagt",
    )
    page = _main(client.get(url))
    assert "SHAK+ → SHAK og SOR" in page
    assert page == _fresh(client, url)
    # The state's move taken back by the party: the proposal's words follow.
    response = client_for(reporter).post(MIDT_PATH, form_data(version=1))
    assert response.status_code == 302
    page = _main(client.get(url))
    assert "→ SHAK og SOR" not in page
    assert page == _fresh(client, url)


def test_the_proposals_part_is_each_readers_own(client_for, entries, reporter, steering, round_oct):
    """A draft's proposal is the party's and the SOR-team's to read, not the steering
    group's (it reads submitted updates): the part is keyed by the reader, so neither
    is shown the other's."""
    entry = entries["midt"]
    _proposed(client_for, entry, reporter)
    url = reverse("register:entry_detail", args=[entry.key])
    heading = "Forslag, der afventer SOR-teamet"
    assert heading not in _main(client_for(steering).get(url))
    assert heading in _main(client_for(reporter).get(url))
    assert heading not in _main(client_for(steering).get(url))


def test_what_an_entry_belongs_to_in_its_models_order(client_for, entries, editor):
    """The activities and milestones an entry names, read in one query, listed in their
    models' default order, as the page listed them before."""
    from milestones.models import Activity, Milestone

    entry = entries["midt"]
    activities = list(Activity.objects.order_by("?")[:4])
    milestones = list(Milestone.objects.order_by("?")[:6])
    entry.activities.set(activities)
    entry.milestones.set(milestones)
    _described(entry, editor, "Linket")  # the page's stamp moves
    page = _main(client_for(editor).get(reverse("register:entry_detail", args=[entry.key])))
    shown = [a.title for a in entry.activities.all()] + [m.title for m in entry.milestones.all()]
    at = [page.index(f">{escape(title)}</a>") for title in shown]
    assert at == sorted(at)
