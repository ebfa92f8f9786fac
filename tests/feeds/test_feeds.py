"""The iCal feeds as a calendar program reads them (parsed with the `icalendar` library):
the secret link (hashed, revocable, regenerable), what each person may read, all-day
events on the right day, the precision in the title, and stable UIDs."""

import datetime
import re

import pytest
from django.urls import reverse
from icalendar import Calendar

from feeds.models import FeedToken, secret_hash
from feeds.services import feed_token_create
from milestones.models import DatePrecision, Milestone
from tests import factories
from tests.governance.helpers import make_meeting
from tests.helpers import forecast_move

pytestmark = pytest.mark.django_db


def events(response) -> dict:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert cal["VERSION"] == "2.0"
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def feed_url(secret, feed="milepaele"):
    return reverse("feeds:feed", args=[secret, feed])


@pytest.fixture
def dated(db):
    owner = factories.PartyFactory(key="kal-part", name="Kalenderpart")
    activity = factories.ActivityFactory(key="kal-aktivitet", responsible_party=owner)
    day = factories.MilestoneFactory(
        activity=activity, title="Dagsdato", forecast_date=datetime.date(2027, 2, 10)
    )
    quarter = factories.MilestoneFactory(
        activity=activity,
        title="Kvartalsdato",
        forecast_date=datetime.date(2027, 4, 1),
        forecast_precision=DatePrecision.QUARTER,
    )
    return day, quarter


def test_milestones_as_all_day_events_with_stable_uids(client, editor, dated):
    day, quarter = dated
    secret = feed_token_create(user=editor)
    url = feed_url(secret)
    found = events(client.get(url, {"part": "kal-part"}))  # no log-in: the link is the key
    assert set(found) == {f"milestone-{day.pk}@sorplan", f"milestone-{quarter.pk}@sorplan"}
    one = found[f"milestone-{day.pk}@sorplan"]
    assert one["SUMMARY"] == "Dagsdato"
    assert one.decoded("DTSTART") == datetime.date(2027, 2, 10)  # a date: all day
    assert one.decoded("DTEND") == datetime.date(2027, 2, 11)
    coarse = found[f"milestone-{quarter.pk}@sorplan"]
    assert coarse.decoded("DTSTART") == datetime.date(2027, 6, 30)  # the quarter's last day
    assert "kvartal" in str(coarse["SUMMARY"]) and "Kvartalsdato" in str(coarse["SUMMARY"])
    # The date moves: the same UID, a higher SEQUENCE, a new day.
    forecast_move(day, to=datetime.date(2027, 3, 1), precision=None, user=editor, reason="Flyttet")
    moved = events(client.get(url, {"part": "kal-part"}))[f"milestone-{day.pk}@sorplan"]
    assert moved.decoded("DTSTART") == datetime.date(2027, 3, 1)
    assert int(moved["SEQUENCE"]) > int(one["SEQUENCE"])


def test_filters_by_track_and_activity(client, steering, dated):
    secret = feed_token_create(user=steering)
    by_activity = events(client.get(feed_url(secret), {"aktivitet": "kal-aktivitet"}))
    assert len(by_activity) == 2
    track = Milestone.objects.exclude(forecast_date=None).first().activity.track
    by_track = events(client.get(feed_url(secret), {"spor": track}))
    expected = Milestone.objects.filter(activity__track=track).exclude(
        forecast_date=None, actual_date=None
    )
    assert {f"milestone-{m.pk}@sorplan" for m in expected} == set(by_track)


def test_the_secret_is_stored_hashed_and_can_be_regenerated_and_revoked(client, client_for, editor):
    page = client_for(editor)
    response = page.post(reverse("feeds:profile_calendar"), {"action": "create"})
    html = response.content.decode()
    token = FeedToken.objects.get(user=editor)
    secret = re.search(r"/kalender/([A-Za-z0-9_-]{20,})/milepaele\.ics", html).group(1)
    assert token.secret_sha256 == secret_hash(secret) and secret not in token.secret_sha256
    assert client.get(feed_url(secret)).status_code == 200
    # Shown once: the page afterwards does not show it.
    assert secret not in page.get(reverse("feeds:profile_calendar")).content.decode()
    page.post(reverse("feeds:profile_calendar"), {"action": "create"})
    assert client.get(feed_url(secret)).status_code == 404  # the old link stops working
    newer = FeedToken.objects.get(user=editor)
    assert newer.history.first().history_change_reason == "Kalenderlink fornyet"
    page.post(reverse("feeds:profile_calendar"), {"action": "revoke"})
    assert not FeedToken.objects.filter(user=editor).exists()
    assert client.get(feed_url("forkert-hemmelighed")).status_code == 404


def test_an_inactive_persons_feed_is_gone(client, editor):
    secret = feed_token_create(user=editor)
    editor.is_active = False
    editor.save(update_fields=["is_active"])
    assert client.get(feed_url(secret)).status_code == 404


def test_each_feed_shows_what_its_owner_may_read(client, editor, steering, reporter, outsider):
    published = make_meeting(editor, title="Styregruppemøde")
    from governance.models import Meeting

    Meeting.objects.filter(pk=published.pk).update(status=Meeting.Status.PUBLISHED)
    draft = make_meeting(editor, title="Udkast til møde", held_on=datetime.date(2027, 5, 5))
    secrets = {
        u.username: feed_token_create(user=u) for u in (editor, steering, reporter, outsider)
    }
    editor_meetings = events(client.get(feed_url(secrets[editor.username], "moeder")))
    assert f"steering-meeting-{draft.pk}@sorplan" in editor_meetings
    steering_meetings = events(client.get(feed_url(secrets[steering.username], "moeder")))
    assert f"steering-meeting-{published.pk}@sorplan" in steering_meetings
    assert f"steering-meeting-{draft.pk}@sorplan" not in steering_meetings  # not taking part
    assert client.get(feed_url(secrets[reporter.username], "moeder")).status_code == 404
    rounds = events(client.get(feed_url(secrets[reporter.username], "rapportering")))
    assert all(uid.startswith("reporting-round-") for uid in rounds)
    assert client.get(feed_url(secrets[steering.username], "rapportering")).status_code == 404
    # No membership: no plan either.
    assert client.get(feed_url(secrets[outsider.username])).status_code == 404
    assert client.get(feed_url(secrets[editor.username], "ukendt")).status_code == 404


def test_round_deadlines(client, editor, round_oct):
    secret = feed_token_create(user=editor)
    found = events(client.get(feed_url(secret, "rapportering")))
    event = found[f"reporting-round-{round_oct.pk}@sorplan"]
    assert event.decoded("DTSTART") == round_oct.due_on
    assert "Frist for fremdriftsrapportering" in str(event["SUMMARY"])


def test_the_profile_page_lists_only_readable_feeds(client_for, reporter):
    response = client_for(reporter).post(reverse("feeds:profile_calendar"), {"action": "create"})
    html = response.content.decode()
    assert "milepaele.ics" in html and "rapportering.ics" in html
    assert "moeder.ics" not in html


def test_a_meeting_with_a_time_is_a_timed_event_in_copenhagen(client, editor):
    from governance.models import Meeting

    meeting = make_meeting(
        editor,
        title="Møde med tid",
        held_on=datetime.date(2027, 6, 3),
        place="Sundhedsdatastyrelsen",
    )
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=datetime.time(13, 0))
    secret = feed_token_create(user=editor)
    response = client.get(feed_url(secret, "moeder"))
    cal = Calendar.from_ical(response.content)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    event = events(response)[f"steering-meeting-{meeting.pk}@sorplan"]
    start = event.decoded("DTSTART")
    assert start.utcoffset() == datetime.timedelta(hours=2)  # summer time
    assert (start.hour, start.minute) == (13, 0)
    assert str(event["LOCATION"]) == "Sundhedsdatastyrelsen"
    assert "(dagsorden i udkast)" in str(event["SUMMARY"])
