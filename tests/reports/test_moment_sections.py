"""A past moment's dashboard sections stored as HTML (`moment_store.SECTIONS`,
`reports.views.dashboard._sections`): a page whose sections come from the store is the
page rendered from the figures (Danish and English, with a filter, for a steering
reader and an editor); the backfill's sections (`store_moment`) are the ones a reader's
visit renders; a change of what renders them (a template, a translation) reads no old
HTML and prunes it."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from milestones.models import Activity
from reports import moment_store
from reports.models import MomentSnapshot
from tests.reports.test_moment_store import _VARYING, imported_before, small  # noqa: F401

pytestmark = pytest.mark.django_db

# The sections stored (the switch-off section's link to the minute a hole, as the others'
# query strings).
STORED = ("status", "slipped", "blockers", "due_done", "round", "switch_off", "rollout")


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


def _page_rows():
    return MomentSnapshot.objects.filter(kind=moment_store.PAGE)


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
        _page_rows().delete()
        cache.clear()
        rendered = _page(client, url, moment, language, **filters)
        assert _html_rows().count() == len(STORED)
        assert _page_rows().count() == 1
        # The sections from the store (the page's row gone), then the page from its row.
        for _read in ("sections", "page"):
            if _read == "sections":
                _page_rows().delete()
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
        _page_rows().delete()
        cache.clear()
        rendered.append(_page(client, url, moment, language))
    _html_rows().delete()
    _page_rows().delete()
    cache.clear()
    with translation.override(language):
        moment_store.store_moment(at)
    # Each set of rights the sections differ by: reviews (and reads governance), reads
    # governance (the steering group, a reporter).
    assert _html_rows().count() == 2 * len(STORED)
    assert _page_rows().count() == 2
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
    assert _page_rows().count() == 2
    html = (moment_store.SECTIONS, moment_store.PAGE)
    figures = MomentSnapshot.objects.exclude(kind__in=html).count()
    assert moment_store.prune() == len(STORED) + 1
    assert set(MomentSnapshot.objects.filter(kind__in=html).values_list("format", flat=True)) == {
        moment_store.html_format()
    }
    assert MomentSnapshot.objects.exclude(kind__in=html).count() == figures
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


def _fresh(client, url, moment, language="da", **filters) -> str:
    """The page at `moment` rendered from the figures (no stored page, no cached HTML)."""
    _page_rows().delete()
    cache.clear()
    return _page(client, url, moment, language, **filters)


def test_every_minute_of_a_stored_pages_state_reads_it_and_shows_its_own_minute(
    small,  # noqa: F811
    client_for,
    steering,
):
    """A past moment's main content stored (`moment_store.PAGE`) serves every minute of
    its state, however the minute is typed: no figure, section or rating read, and the
    page is the one rendered for that minute (its form, banner, links and switch-off
    link name the minute asked for, never the one stored)."""
    client = client_for(steering)
    url = reverse("reports:dashboard")
    day = timezone.localdate() - datetime.timedelta(days=33)
    first = f"{day:%Y-%m-%d}T23:58"
    _fresh(client, url, first)
    assert _page_rows().count() == 1
    for typed in (f"{day:%Y-%m-%d}T23:59", f"{day:%Y-%m-%d} 23:59", f"{day:%Y-%m-%d}T23:59:30"):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"som_den_var": typed})
        read = " ".join(q["sql"] for q in queries.captured_queries)
        assert "milestones_historicalmilestonestatus" not in read
        assert {t.name for t in response.templates} & {
            f"reports/_board_{s}.html" for s in STORED
        } == set()
        store = [q["sql"] for q in queries.captured_queries if "reports_momentsnapshot" in q["sql"]]
        assert len(store) == 1 and "'page'" in store[0], typed  # the page's row alone
        stored = _VARYING.sub(r"\1", response.content.decode())
        assert _page_rows().count() == 1  # the same state: no row of its own
        assert stored == _fresh(client, url, typed), typed
        assert "23:58" not in stored and "23%3A58" not in stored
        assert 'value="' + f"{day:%Y-%m-%d}T23:59" + '"' in stored
        assert "kl. 23:59" in stored
        assert f"som_den_var={day:%Y-%m-%d}T23%3A59" in stored  # the switch-off link
        for mark in ("sorplanMinuteHole", "sorplanMinuteLink", "sorplanTimeHole", "sorplanMoment"):
            assert mark not in stored


def test_a_stored_page_is_never_another_filters_languages_or_readers(
    small,  # noqa: F811
    client_for,
    steering,
    editor,
):
    url = reverse("reports:dashboard")
    moment = _moment(44)
    asked = [
        (steering, "da", {}),
        (steering, "en", {}),
        (steering, "da", {"spor": Activity.Track.EXTERNAL}),
        (editor, "da", {}),  # reviews: the round's link
    ]
    fresh = [_fresh(client_for(user), url, moment, lang, **f) for user, lang, f in asked]
    assert len(set(fresh)) == len(asked)
    # Each stored apart, and each read back as its own.
    for user, lang, f in asked:
        cache.clear()
        _page(client_for(user), url, moment, lang, **f)
    assert _page_rows().count() == len(asked)
    for (user, lang, f), page in zip(asked, fresh, strict=True):
        cache.clear()
        assert _page(client_for(user), url, moment, lang, **f) == page, (lang, f)


def test_a_history_row_dated_before_a_stored_page_is_shown(
    small,  # noqa: F811
    client_for,
    steering,
    client,
):
    """An import dated before a stored moment moves its stamps: the stored page is not
    read again, the page shows the data with it; and a stored page is still only for
    those who may read the dashboard."""
    url = reverse("reports:dashboard")
    reader = client_for(steering)
    moment = _moment(35, 23, 50)
    at = timezone.make_aware(datetime.datetime.fromisoformat(moment))
    _page(reader, url, moment, "da")
    assert _page_rows().count() == 1
    imported_before(at)
    cache.clear()
    after = _page(reader, url, moment, "da")
    assert _page_rows().count() == 2  # a new state's page; the old one not read
    assert after == _fresh(reader, url, moment)
    response = client.get(url, {"som_den_var": moment})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_what_renders_the_stored_html_is_all_in_its_format():
    """Every template a stored section's or page's templates include, and every tag
    library of the project's they load, is one of `moment_store._HTML_SOURCES`: else a
    deploy that changes it would serve HTML stored by the old one (found at the merge of
    round 2's twelfth session: the filter form's own tag library was not counted)."""
    import re
    from pathlib import Path

    from django.conf import settings
    from django.template import engines

    libraries = engines["django"].engine.libraries  # name -> module path
    sources = set(moment_store._HTML_SOURCES)
    base = Path(settings.BASE_DIR)
    missing = set()
    for name in sorted(s for s in sources if s.endswith(".html")):
        text = (base / name).read_text(encoding="utf-8")
        for included in re.findall(r'{%\s*include\s+"([^"]+)"', text):
            if f"templates/{included}" not in sources:
                missing.add(f"templates/{included} (included by {name})")
        for loaded in re.findall(r"{%\s*load\s+([^%]+?)\s*%}", text):
            for library in loaded.split():
                path = libraries.get(library, "").replace(".", "/") + ".py"
                if (base / path).exists() and path not in sources:
                    missing.add(f"{path} (loaded by {name})")
    assert missing == set()
