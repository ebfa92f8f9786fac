"""The delivery confidence beside the rule-based RAG: on the activity page (with its
justification and earlier ratings from history), on the dashboard's overall status and
on the governance overview; only for those who may read governance."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from governance.services import records
from milestones.models import Activity, Milestone


def _rate(editor, activity, level, justification, version):
    return records.confidence_set(
        activity=activity,
        level=level,
        justification=justification,
        version=version,
        user=editor,
    )


@pytest.mark.django_db
def test_the_activity_page_shows_the_confidence_beside_the_rag_with_its_history(
    client_for, editor, steering, outsider
):
    activity = Activity.objects.first()
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)):
        _rate(editor, activity, "green", "Leverandøren er klar.", 0)
    _rate(editor, activity, "amber_red", "Testen er skredet en måned.", 1)
    url = reverse("milestones:activity_detail", args=[activity.key])

    body = client_for(steering).get(url).content.decode()
    rag = body.index("RAG efter reglen")
    confidence = body.index("Leveringssikkerhed (SOR-teamets vurdering)")
    assert rag < confidence < body.index("Partens egen vurdering")
    assert "Gul/rød" in body and "Testen er skredet en måned." in body
    assert "1 tidligere vurdering" in body and "Leverandøren er klar." in body
    assert "?aktivitet=" not in body  # the steering group reads; it does not rate

    mine = client_for(editor).get(url).content.decode()
    assert f"/styring/leveringssikkerhed/?aktivitet={activity.key}" in mine

    theirs = client_for(outsider).get(url)
    assert "Testen er skredet en måned." not in theirs.content.decode()


@pytest.mark.django_db
def test_rating_an_activity_from_its_page_goes_back_to_it(client_for, editor):
    activity = Activity.objects.first()
    client = client_for(editor)
    response = client.post(
        f"/styring/leveringssikkerhed/?aktivitet={activity.key}",
        {
            "activity": activity.pk,
            "level": "amber",
            "justification": "Afhænger af NSP.",
            "version": 0,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("milestones:activity_detail", args=[activity.key])
    assert "Afhænger af NSP." in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_the_dashboards_overall_status_has_the_programme_confidence(client_for, editor, outsider):
    _rate(editor, None, "amber", "Regionerne indhenter.", 0)
    body = client_for(editor).get("/").content.decode()
    card = body[body.index('id="h-overall"') : body.index('id="h-tracks"')]
    assert "Leveringssikkerhed (SOR-teamets vurdering):" in card
    assert "Gul" in card and "Regionerne indhenter." in card
    assert "Regionerne indhenter." not in client_for(outsider).get("/").content.decode()


@pytest.mark.django_db
def test_the_roadmap_shows_the_confidence_beside_each_activitys_rag(client_for, editor, outsider):
    activity = Activity.objects.first()
    _rate(editor, activity, "amber", "Kontrakten er ikke underskrevet.", 0)
    url = reverse("milestones:roadmap")

    body = client_for(editor).get(url).content.decode()
    rag = body.index("RAG efter reglen", body.index(activity.title))
    confidence = body.index("Leveringssikkerhed:", rag)
    assert "Kontrakten er ikke underskrevet." in body[confidence : confidence + 600]
    assert body.count("Leveringssikkerhed:") == 1  # only the rated activity

    # Everyone who may read the roadmap may read governance; one who may not sees neither.
    hidden = client_for(outsider).get(url)
    assert hidden.status_code == 403
    assert "Kontrakten er ikke underskrevet." not in hidden.content.decode()


@pytest.mark.django_db
def test_a_large_roadmaps_track_page_shows_a_rating_on_the_next_request(client_for, editor):
    """A large plan's track page is cached per activity; the rating's stamp is read with
    the plan's, so a new rating, and a changed one, show on the next request."""
    from django.core.cache import cache

    from tests.milestones.test_perf_pages import _track_page_of, grow

    cache.clear()
    grow(70)
    milestone = Milestone.objects.filter(key__startswith="load-").order_by("key").first()
    activity = milestone.activity
    url = _track_page_of(milestone)
    client = client_for(editor)
    assert "Leveringssikkerhed:" not in client.get(url).content.decode()
    rating = _rate(editor, activity, "amber", "Kontrakten er ikke underskrevet.", 0)
    assert "Kontrakten er ikke underskrevet." in client.get(url).content.decode()
    _rate(editor, activity, "green", "Kontrakten er underskrevet.", rating.version)
    body = client.get(url).content.decode()
    assert "Kontrakten er underskrevet." in body and "ikke underskrevet" not in body
    cache.clear()
