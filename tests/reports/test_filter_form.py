"""reports.templatetags.filter_form: the steering group's pages' filter form cached under
what it shows is the HTML its template gives, and an edit of what it shows (a party's
name, the party or track chosen, the language, a moment asked or mistyped) shows on the
next read of each page, which still checks who may see it."""

import re

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from core.history import record_save, system_user_get
from milestones.models import Activity, Milestone
from parties.models import Party
from tests.helpers import forecast_move
from tests.reports.helpers import synthetic_programme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

PAGES = ("reports:dashboard", "reports:timeline", "reports:trend", "reports:switch_off")


@pytest.fixture
def programme(db):
    synthetic_programme(parties=6, activities=20, milestones_per_activity=3, rounds=1, months=4)


def _form(html: str) -> str:
    """The filter form's fields: from the party select to the moment's field's end."""
    start = html.index('<label class="form-label" for="id_part">')
    return html[start : html.index("sp-filter-actions", start)]


def _read(client, route, params=None, language="da"):
    response = client.get(reverse(route), params or {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1", response.content.decode())


def _fresh(client, route, params=None, language="da"):
    cache.clear()
    return _read(client, route, params, language)


def test_the_cached_form_is_the_templates_and_follows_every_change(programme, client_for, editor):
    client = client_for(editor)
    activity = Activity.objects.filter(key__startswith="load-").order_by("key").first()
    party = activity.responsible_party
    moved = Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
    for route in PAGES:
        for params, language in (
            ({}, "da"),
            ({}, "en"),
            ({"part": party.key}, "da"),
            ({"spor": activity.track}, "da"),
            ({"som_den_var": "2026-10-01T08:00"}, "da"),
            ({"som_den_var": "ikke en dato"}, "da"),
        ):
            _read(client, route, params, language)
            # The page cold after an edit the form does not show: the form from the cache.
            forecast_move(moved.order_by("pk").first(), 2)
            assert _read(client, route, params, language) == _fresh(
                client, route, params, language
            ), (route, params, language)
            _read(client, route, params, language)
            # An edit the form shows (a party offered renamed): on the next read, and the
            # page is the one a fresh render gives.
            party.name = f"Omdøbt {route} {language} {len(params)}"
            record_save(party, user=system_user_get(), reason="Test")
            shown = _read(client, route, params, language)
            live = "som_den_var" not in params
            offered = route != "reports:switch_off" or party.kind != Party.Kind.MUNICIPALITY
            if live and offered:
                assert f">{party.name}</option>" in _form(shown), (route, params)
            assert shown == _fresh(client, route, params, language), (route, params, language)
    chosen = _read(client, "reports:dashboard", {"part": party.key})
    assert f'<option value="{party.key}" selected>' in _form(chosen)
    assert "Fejl:" in _form(_read(client, "reports:dashboard", {"som_den_var": "ikke en dato"}))


def test_the_tag_gives_the_templates_html(programme, rf):
    """The tag's HTML, built and then from the cache, is the template's for the same form."""
    from django.template import Context, Template

    from reports.filters import PointInTimeForm
    from reports.selectors.snapshot import party_refs

    choices = list(party_refs(None).values())
    party = choices[1]
    context = {
        "party_choices": choices,
        "party": party,
        "track": "external",
        "tracks": Activity.Track.choices,
        "form": PointInTimeForm({"part": party.key}),
    }
    expected = render_to_string("reports/_filter_fields.html", context)
    tag = Template("{% load filter_form %}{% filter_fields party_choices party track %}")
    for _ in range(2):
        assert tag.render(Context(context)) == expected
    assert f'<option value="{party.key}" selected>' in expected


def test_the_pages_still_check_who_may_see_them(programme, client_for):
    anonymous = client_for(None)
    for route in PAGES:
        assert anonymous.get(reverse(route)).status_code in (302, 403)
