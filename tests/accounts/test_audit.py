"""The security audit log: the recorder writes what it is given, and only that."""

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory

from accounts.audit import Kind, Method, security_event_record
from accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db


def test_record_keeps_actor_subject_method_ip_and_cut_detail():
    actor = User.objects.create_user("editor-a")
    subject = User.objects.create_user("person-b")
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    request.user = actor

    event = security_event_record(
        Kind.MEMBERSHIP_GRANTED,
        request=request,
        subject=subject,
        method=Method.PASSWORD,
        detail="x" * 500,
    )

    event.refresh_from_db()
    assert (event.kind, event.actor, event.subject, event.method, event.ip) == (
        "membership_granted",
        actor,
        subject,
        "password",
        "192.0.2.7",
    )
    assert len(event.detail) == 300


def test_anonymous_request_has_no_actor_and_unknown_kind_is_refused():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.8")
    request.user = AnonymousUser()
    event = security_event_record(Kind.LOGIN_FAILURE, request=request, method=Method.PASSWORD)
    assert event.actor is None and event.ip == "192.0.2.8"
    with pytest.raises(ValueError):
        security_event_record("made_up")
    assert SecurityEvent.objects.count() == 1


# ---------------------------------------------------------------------------
# Log-in, log-out and failures through the real pages
# ---------------------------------------------------------------------------
PASSWORD = "Rigtig-Adgangskode-2026"


@pytest.fixture(autouse=True)
def fresh_counters():
    from axes.utils import reset
    from django.core.cache import cache

    reset()
    cache.clear()


def test_password_log_in_failure_and_log_out_are_logged():
    from django.test import Client
    from django.urls import reverse

    from tests.factories import UserFactory

    person = UserFactory(username="t-logget", password=PASSWORD)
    client = Client()
    client.post(
        reverse("login"), {"username": "t-logget", "password": "forkert"}, REMOTE_ADDR="10.1.1.1"
    )
    client.post(
        reverse("login"), {"username": "findes-ikke", "password": "x"}, REMOTE_ADDR="10.1.1.1"
    )
    client.post(
        reverse("login"), {"username": "t-logget", "password": PASSWORD}, REMOTE_ADDR="10.1.1.2"
    )
    client.post(reverse("logout"), REMOTE_ADDR="10.1.1.2")

    rows = list(
        SecurityEvent.objects.order_by("id").values_list(
            "kind", "subject", "method", "ip", "detail"
        )
    )
    assert rows == [
        ("login_failure", person.pk, "password", "10.1.1.1", ""),
        ("login_failure", None, "password", "10.1.1.1", "ukendt bruger"),
        ("login_success", person.pk, "password", "10.1.1.2", ""),
        ("logout", person.pk, "", "10.1.1.2", ""),
    ]


def test_a_password_reset_request_is_logged_for_the_known_address(
    django_capture_on_commit_callbacks,
):
    from django.test import Client
    from django.urls import reverse

    from tests.factories import UserFactory

    person = UserFactory(username="t-glemsom", email="glemsom@example.dk")
    with django_capture_on_commit_callbacks(execute=True):
        for email in ("glemsom@example.dk", "ukendt@example.dk"):
            Client().post(reverse("password_reset"), {"email": email}, REMOTE_ADDR="10.2.2.2")
    assert list(SecurityEvent.objects.values_list("kind", "subject", "ip")) == [
        ("password_reset_requested", person.pk, "10.2.2.2")
    ]


# ---------------------------------------------------------------------------
# The page, its filters, the export, retention
# ---------------------------------------------------------------------------
def test_only_editors_read_the_log(client_for, role_users, superuser):
    from django.urls import reverse

    url = reverse("accounts:security_log")
    answers = {name: client_for(u).get(url).status_code for name, u in role_users.items()}
    assert answers == {"editor": 200, "steering": 403, "reporter": 403, "outsider": 403}
    assert client_for(superuser).get(url).status_code == 200
    assert client_for(None).get(url).status_code == 302


def test_filters_by_kind_person_and_date_and_exports_the_same_rows(client_for, editor):
    import datetime
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    from tests.factories import UserFactory

    anna = UserFactory(username="t-anna", first_name="Anna", last_name="Andersen")
    bo = UserFactory(username="t-bo")
    security_event_record(Kind.DEACTIVATED, actor=editor, subject=anna, detail="=HYPERLINK(x)")
    security_event_record(Kind.DEACTIVATED, actor=editor, subject=bo)
    old = security_event_record(Kind.TWO_FACTOR_RESET, actor=editor, subject=anna)
    SecurityEvent.objects.filter(pk=old.pk).update(at=old.at - datetime.timedelta(days=40))
    client = client_for(editor)
    url = reverse("accounts:security_log")

    page = client.get(url, {"haendelse": "deactivated", "person": "andersen"}).content.decode()
    assert "Anna Andersen" in page and "t-bo" not in page and "1 hændelse" in page

    since = (old.at - datetime.timedelta(days=10)).date().strftime("%d.%m.%Y")
    page = client.get(url, {"person": "anna", "fra": since}).content.decode()
    assert '<th scope="row">Totrinsbekræftelse nulstillet' not in page
    assert '<th scope="row">Deaktiveret' in page

    bad = client.get(url, {"fra": "31.02.2027"}).content.decode()
    assert "Skriv en gyldig dato" in bad and 'value="31.02.2027"' in bad

    csv = client.get(url, {"person": "anna", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "'=HYPERLINK(x)" in text and "t-bo" not in text and text.count("Anna Andersen") == 2

    xlsx = client.get(url, {"haendelse": "deactivated", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "Anna Andersen (t-anna)" in values and "t-bo" in values
    assert "Totrinsbekræftelse nulstillet" not in values


def test_the_daily_task_deletes_rows_past_retention_but_never_within_a_year(settings):
    import datetime

    from accounts.tasks import security_events_expire

    ages = {"new": 10, "year": 365, "past": 401}
    ids = {}
    for name, days in ages.items():
        e = security_event_record(Kind.LOGOUT)
        SecurityEvent.objects.filter(pk=e.pk).update(at=e.at - datetime.timedelta(days=days))
        ids[name] = e.pk
    settings.SORPLAN_AUDIT_RETENTION_DAYS = 400
    assert security_events_expire() == 1
    assert set(SecurityEvent.objects.values_list("pk", flat=True)) == {ids["new"], ids["year"]}
    settings.SORPLAN_AUDIT_RETENTION_DAYS = 30  # below the floor: a year is kept anyway
    assert security_events_expire() == 0
