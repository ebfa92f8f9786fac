"""A past moment's dashboard sections stored as HTML (`moment_store.SECTIONS`,
`reports.views.dashboard._sections`): a page whose sections come from the store is the
page rendered from the figures (Danish and English, with a filter, for a steering
reader and an editor); the backfill's sections (`store_moment`) are the ones a reader's
visit renders; a change of what renders them (a template, a translation) reads no old
HTML and prunes it."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from milestones.models import Activity
from reports import moment_store
from reports.models import MomentSnapshot
from tests.reports.test_moment_store import _VARYING, small  # noqa: F401

pytestmark = pytest.mark.django_db

# The sections stored (all but the switch-off section, which names the minute itself).
STORED = ("status", "slipped", "blockers", "due_done", "round", "rollout")


def _page(client, url, moment, language, **filters) -> str:
    response = client.get(url, {"som_den_var": moment, **filters}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return _VARYING.sub(r"\1", response.content.decode())


def _sections_rendered(client, moment, language, **filters) -> set[str]:
    response = client.get(
        reverse("reports:dashboard"),
        {"som_den_var": moment, **filters},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    names = {t.name for t in response.templates}
    return {s for s in STORED if f"reports/_board_{s}.html" in names}


def _html_rows():
    return MomentSnapshot.objects.filter(kind=moment_store.SECTIONS)


def _moment(days: int, hour: int = 10, minute: int = 7) -> str:
    day = timezone.localdate() - datetime.timedelta(days=days)
    return f"{day:%Y-%m-%d}T{hour:02}:{minute:02}"


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("filters", [{}, {"spor": Activity.Track.EXTERNAL}], ids=["all", "track"])
def test_the_page_from_stored_sections_is_the_rendered_one(
    small,  # noqa: F811
    client_for,
    steering,
    editor,
    language,
    filters,
):
    url = reverse("reports:dashboard")
    for user in (steering, editor):
        client = client_for(user)
        moment = _moment(40 if user == steering else 41)
        _html_rows().delete()
        cache.clear()
        rendered = _page(client, url, moment, language, **filters)
        assert _html_rows().count() == len(STORED)
        cache.clear()
        assert _sections_rendered(client, moment, language, **filters) == set()
        cache.clear()
        stored = _page(client, url, moment, language, **filters)
        assert stored == rendered
        # Another minute of the same day shows the same sections, each link its own minute.
        other = moment[:-2] + "59"
        cache.clear()
        assert _sections_rendered(client, other, language, **filters) == set()
        again = _page(client, url, other, language, **filters)
        assert again.count(other.replace(":", "%3A")) == stored.count(moment.replace(":", "%3A"))
        assert moment.replace(":", "%3A") not in again


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_backfills_sections_are_what_a_visit_renders(
    small,  # noqa: F811
    client_for,
    steering,
    editor,
    reporter,
    language,
):
    day = timezone.localdate() - datetime.timedelta(days=25)
    at = moment_store.day_end(day)
    moment = f"{timezone.localtime(at):%Y-%m-%dT%H:%M}"
    url = reverse("reports:dashboard")
    clients = [client_for(u) for u in (steering, editor, reporter)]
    rendered = []
    for client in clients:
        _html_rows().delete()
        cache.clear()
        rendered.append(_page(client, url, moment, language))
    _html_rows().delete()
    cache.clear()
    with translation.override(language):
        moment_store.store_moment(at)
    # Each set of rights the sections differ by: reviews (and reads governance), reads
    # governance (the steering group, a reporter).
    assert _html_rows().count() == 2 * len(STORED)
    for client, page in zip(clients, rendered, strict=True):
        cache.clear()
        assert _sections_rendered(client, moment, language) == set()
        cache.clear()
        assert _page(client, url, moment, language) == page


def test_a_change_of_what_renders_the_sections_reads_no_old_html(
    small,  # noqa: F811
    client_for,
    steering,
    monkeypatch,
):
    client = client_for(steering)
    moment = _moment(30)
    url = reverse("reports:dashboard")
    page = _page(client, url, moment, "da")
    old = set(_html_rows().values_list("format", flat=True))
    assert old == {moment_store.html_format()}
    # A deploy that changes a template (or a translation, or the figures' format).
    monkeypatch.setattr(
        moment_store, "_HTML_SOURCES", (*moment_store._HTML_SOURCES, "pyproject.toml")
    )
    monkeypatch.setattr(moment_store, "_HTML_FORMAT", None)
    assert moment_store.html_format() not in old
    cache.clear()
    assert _sections_rendered(client, moment, "da") == set(STORED)
    assert _html_rows().count() == 2 * len(STORED)
    figures = MomentSnapshot.objects.exclude(kind=moment_store.SECTIONS).count()
    assert moment_store.prune() == len(STORED)
    assert set(_html_rows().values_list("format", flat=True)) == {moment_store.html_format()}
    assert MomentSnapshot.objects.exclude(kind=moment_store.SECTIONS).count() == figures
    cache.clear()
    assert _page(client, url, moment, "da") == page
    monkeypatch.setattr(moment_store, "_HTML_FORMAT", None)  # the real format again after


def test_a_stored_moment_is_cached_as_stored(small):  # noqa: F811
    """A past moment's figures read from the store are kept in the cache packed as
    stored: the next read asks the store nothing and gives the same figures, which are
    the computed ones."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.selectors import point_in_time, status

    moment = timezone.now() - datetime.timedelta(days=44)
    status.dashboard(as_of=moment)
    cache.clear()
    first = status.dashboard(as_of=moment)  # from the store
    with CaptureQueriesContext(connection) as queries:
        again = status.dashboard(as_of=moment)
    assert "reports_momentsnapshot" not in " ".join(q["sql"] for q in queries.captured_queries)
    assert again == first == status.dashboard_build(point_in_time(moment), None, None)


def test_the_switch_off_section_reads_its_summary_once_a_page(
    small,  # noqa: F811
    client_for,
    steering,
    monkeypatch,
):
    """The section's digest and its rendering share one read of the summary (per board),
    and a new board (the next request) reads it again."""
    from reports.selectors import switch_off as gate

    calls = []
    real = gate.switch_off
    monkeypatch.setattr(gate, "switch_off", lambda **kw: calls.append(kw) or real(**kw))
    client = client_for(steering)
    for days in (50, 51):
        cache.clear()
        calls.clear()
        _sections_rendered(client, _moment(days), "da")
        assert len(calls) == 1
