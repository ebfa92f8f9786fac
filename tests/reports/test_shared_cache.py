"""The pages' cache shared through the real Redis (TEST_REDIS_URL): what one reader
computed serves the next, a point in time is keyed by the data as it stood (every
minute between two changes shares one entry, and later edits leave it warm), and
an edit through the service makes the live page cold."""

import datetime

import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.cache import stamp
from milestones.models import Milestone
from reports.selectors import snapshot
from tests.conftest import TEST_REDIS_URL
from tests.helpers import forecast_move

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def redis_cache(settings):
    """The project's RedisCache (core.cache) on the test Redis database, emptied before and after."""
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": TEST_REDIS_URL,
        }
    }
    caches._settings = None  # rebuilt from the overridden settings
    for alias in list(caches):
        caches[alias].close()
    yield caches["default"]
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _edit(user):
    milestone = Milestone.objects.filter(forecast_date__isnull=False).order_by("pk").first()
    forecast_move(milestone, 1, user=user, reason="Ny plan fra leverandøren")


def test_the_cache_in_use_is_redis_and_one_reader_computes_for_the_next(
    redis_cache, client_for, steering, editor
):
    assert type(redis_cache).__name__ == "RedisCache"
    url = reverse("reports:dashboard")
    first = _queries(client_for(steering), url)
    assert redis.Redis.from_url(TEST_REDIS_URL).dbsize() > 0
    # Another reader, another session: served from what the first one computed.
    second = _queries(client_for(editor), url)
    assert second < first
    # An edit through the service makes the live page cold again.
    _edit(editor)
    assert _queries(client_for(steering), url) > second


def test_a_point_in_time_is_keyed_by_the_data_as_it_stood_not_the_minute(
    redis_cache, client_for, steering, editor
):
    # The plan as loaded two days ago; two minutes of yesterday with nothing between them.
    for model in snapshot.WATCHED_MODELS:
        model.history.update(history_date=F("history_date") - datetime.timedelta(days=2))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    moment = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(11, 0)))
    earlier = moment - datetime.timedelta(minutes=47)
    assert snapshot.data_version(earlier) == snapshot.data_version(moment)
    url = reverse("reports:dashboard") + "?som_den_var="
    client = client_for(steering)
    cold = _queries(client, url + f"{moment:%Y-%m-%dT%H:%M}")
    other_minute = _queries(client_for(editor), url + f"{earlier:%Y-%m-%dT%H:%M}")
    assert other_minute < cold  # the figures came from the cache
    # An edit made now does not touch the past: the past page stays warm (its stamp at the
    # moment, kept under the live stamp, is read again once: the same value).
    warm = _queries(client, url + f"{moment:%Y-%m-%dT%H:%M}")
    _edit(editor)
    assert _queries(client, url + f"{moment:%Y-%m-%dT%H:%M}") == warm + 1
    assert _queries(client, url + f"{moment:%Y-%m-%dT%H:%M}") == warm
    assert snapshot.data_version(moment) != snapshot.data_version()


def test_a_stamp_at_a_moment_ignores_history_written_after_it(editor):
    moment = timezone.now()
    before = stamp(models=(Milestone,), at=moment)
    _edit(editor)
    assert stamp(models=(Milestone,), at=moment) == before
    assert stamp(models=(Milestone,)) != before


def test_a_cold_dashboard_reads_its_pieces_at_once_and_shows_what_it_would_from_nothing(
    redis_cache, client_for, steering, editor, monkeypatch
):
    """After an edit the live dashboard's build reads the pieces its last build found in
    one round trip with its own check (`core.cache.read_ahead`), and the page is the page
    computed from nothing."""
    import re

    from core.cache import _AHEAD_KEYS
    from tests.core.test_cache_read_ahead import Reads

    # What earlier tests in this process remembered (another reader's or language's scope)
    # is not this test's: the scope looked at below must be this page's.
    _AHEAD_KEYS.clear()
    url = reverse("reports:dashboard")
    client = client_for(steering)
    milestone = Milestone.objects.filter(forecast_date__isnull=False).order_by("pk").first()
    for days in (1, -1):  # every piece built, then found: remembered
        forecast_move(milestone, days, user=editor, reason="Ny plan fra leverandøren")
        client.get(url)
    remembered = next(keys for scope, keys in _AHEAD_KEYS.items() if scope[0] == "reports-page")
    assert len(remembered) > 5
    reads = Reads(redis_cache, monkeypatch)
    forecast_move(milestone, 1, user=editor, reason="Ny plan fra leverandøren")
    page = client.get(url).content.decode()
    # One read holds every piece the last build found (the others: the page's own entry,
    # a piece read before the build starts, a kept piece that no longer holds read again
    # under its lock, and the locks themselves: fewer reads than pieces in all), but for
    # those the request's first read held already: the entries its last visit asked
    # outside a build, read ahead at once (the governance section's, the register part).
    first, *rest = reads.calls
    unread = set(remembered) - set(first)
    assert max(len(set(call) & unread) for call in rest) >= len(unread) - 1
    assert len(reads.calls) < len(remembered), (len(reads.calls), len(remembered))

    def plain(html):
        return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1", html)

    redis_cache.clear()
    assert plain(page) == plain(client.get(url).content.decode())
