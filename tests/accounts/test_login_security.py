"""Log-in throttling (django-axes), password-reset limits and the idle session timeout,
through the real log-in, reset and page views."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from core.models import OutboxMessage
from tests.factories import UserFactory
from tests.helpers import client_log_in

pytestmark = pytest.mark.django_db

PASSWORD = "Rigtig-Adgangskode-2026"


@pytest.fixture(autouse=True)
def fresh_counters():
    """The reset counters live in the cache, which outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(editor):
    editor.set_password(PASSWORD)
    editor.email = "redaktoer@example.dk"
    editor.save()
    return editor


def log_in(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_sixth_try_is_refused_even_with_the_right_password(person):
    client = Client()
    for _ in range(4):
        assert log_in(client, person.username, "forkert").status_code == 200
    # The fifth wrong password locks; the sixth try, with the right password, is refused.
    assert log_in(client, person.username, "forkert").status_code == 429
    response = log_in(client, person.username, PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Log ind er midlertidigt spærret" in body
    assert "heller ikke med den rigtige adgangskode" in body
    assert "_auth_user_id" not in client.session


def test_the_account_is_locked_from_another_address_too(person):
    for _ in range(5):
        log_in(Client(), person.username, "forkert", ip="10.0.0.1")
    assert log_in(Client(), person.username, PASSWORD, ip="10.0.0.2").status_code == 429


def test_another_account_from_another_address_is_not_affected(person):
    other = UserFactory(username="t-anden")
    other.set_password(PASSWORD)
    other.save()
    for _ in range(5):
        log_in(Client(), person.username, "forkert", ip="10.0.0.1")
    response = log_in(Client(), other.username, PASSWORD, ip="10.0.0.9")
    assert response.status_code == 302


def test_one_address_is_locked_for_every_account(person):
    for number in range(5):
        log_in(Client(), f"gaet-{number}", "forkert", ip="10.0.0.7")
    assert log_in(Client(), person.username, PASSWORD, ip="10.0.0.7").status_code == 429


@pytest.mark.django_db
def test_behind_the_proxy_the_address_comes_from_x_forwarded_for(person, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        Client().post(
            reverse("login"),
            {"username": f"x{_}", "password": "forkert"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.5",
        )
    # The proxy's own address is shared by everyone: a different client is not locked.
    response = Client().post(
        reverse("login"),
        {"username": person.username, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="spoofed, 198.51.100.6",
    )
    assert response.status_code == 302


@pytest.fixture
def reset(django_capture_on_commit_callbacks):
    """Ask for a reset as the page does, and run what it leaves for after the commit (the
    outbox's send), so the mail arrives as it would with a worker."""

    def ask(client, email, ip="10.0.0.1"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)

    return ask


def test_known_and_unknown_addresses_get_the_same_answer(person, reset):
    known = reset(Client(), person.email)
    unknown = reset(Client(), "findes-ikke@example.dk")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person.email]
    assert "/konto/nulstil/" in mail.outbox[0].body
    assert OutboxMessage.objects.filter(address=person.email.lower(), status="sent").count() == 1


def test_a_reset_asked_for_while_the_broker_is_down_is_written_to_the_outbox(
    person, reset, monkeypatch
):
    from accounts import tasks

    def broker_down(**kwargs):
        raise ConnectionRefusedError("the broker does not answer")

    monkeypatch.setattr(tasks.password_reset_send, "delay", broker_down)
    response = reset(Client(), person.email)
    assert response.status_code == 302
    assert OutboxMessage.objects.filter(address=person.email.lower()).count() == 1
    assert len(mail.outbox) == 1


def test_reset_mails_are_limited_per_address_and_hour(person, settings, reset):
    settings.SORPLAN_PASSWORD_RESET_PER_EMAIL_HOUR = 3
    for number in range(5):
        response = reset(Client(), person.email, ip=f"10.0.1.{number}")
        assert response.status_code == 302
        assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 3
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1, minutes=1)):
        # The cache's own clock decides the hour; locmem uses time.time().
        reset(Client(), person.email, ip="10.0.2.1")
    assert len(mail.outbox) == 4


def test_reset_requests_are_limited_per_client_address(person, settings, reset):
    settings.SORPLAN_PASSWORD_RESET_PER_IP_HOUR = 2
    for number in range(4):
        reset(Client(), f"p{number}-{person.email}" if number else person.email, ip="10.0.3.1")
    reset(Client(), person.email, ip="10.0.3.1")
    assert len(mail.outbox) == 1


def test_the_session_ends_after_the_idle_timeout(editor, settings):
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = Client()
        client_log_in(client, editor)
        assert client.get(reverse("milestones:roadmap")).status_code == 200
        traveller.shift(dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT + 60))
        response = client.get(reverse("milestones:roadmap"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_activity_keeps_the_session_alive(editor, settings):
    start = dt.datetime.now(dt.UTC)
    seven_hours = dt.timedelta(hours=7)
    with time_machine.travel(start, tick=False) as traveller:
        client = Client()
        client_log_in(client, editor)
        for _ in range(3):  # 21 hours in all, never 8 idle
            traveller.shift(seven_hours)
            assert client.get(reverse("milestones:roadmap")).status_code == 200


def test_the_cookie_is_not_persistent(editor):
    client = Client()
    response = log_in(client, editor.username, "forkert")
    editor.set_password(PASSWORD)
    editor.save()
    response = log_in(client, editor.username, PASSWORD)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert not cookie["max-age"] and not cookie["expires"]


def test_keepalive_needs_post(client_for, editor):
    client = client_for(editor)
    assert client.get(reverse("session_keepalive")).status_code == 405
    assert client.post(reverse("session_keepalive")).status_code == 204


def test_pages_carry_the_timeout_warning_for_logged_in_people_only(client_for, editor, settings):
    body = client_for(editor).get(reverse("milestones:roadmap")).content.decode()
    assert 'id="session-timeout"' in body
    assert f'data-idle-seconds="{settings.SESSION_IDLE_TIMEOUT}"' in body
    assert "js/session-timeout.js" in body
    anonymous = Client().get(reverse("login")).content.decode()
    assert 'id="session-timeout"' not in anonymous
