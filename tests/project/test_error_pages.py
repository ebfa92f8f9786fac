"""
The error pages: Danish, in the site's layout, with the reason the view gave; the 500
and 503 pages answer without the database.

pytest-django runs with DEBUG off, so these are the pages production shows.
"""

import copy

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from milestones.models import Goal
from sorplan.errors import server_error
from sorplan.middleware import DatabaseUnavailableMiddleware
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAVIGATION = 'aria-label="Hovedmenu"'


def text(response):
    return response.content.decode()


def test_403_is_danish_in_the_layout_with_the_views_reason(client_for, steering):
    goal = Goal.objects.order_by("key").first()
    response = client_for(steering).get(reverse("milestones:goal_edit", args=[goal.key]))
    assert response.status_code == 403
    body = text(response)
    assert '<html lang="da">' in body
    assert "Du har ikke adgang" in body
    assert "Kun SOR-teamets redaktører kan ændre planen." in body
    assert NAVIGATION in body


def test_403_follows_the_active_language(client_for, steering):
    goal = Goal.objects.order_by("key").first()
    client = client_for(steering)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("milestones:goal_edit", args=[goal.key]))
    assert response.status_code == 403
    assert '<html lang="en">' in text(response)


def test_404_is_danish_in_the_layout(client_for, editor):
    response = client_for(editor).get("/plan/maal/findes-ikke/")
    assert response.status_code == 404
    body = text(response)
    assert '<html lang="da">' in body
    assert "Siden findes ikke" in body
    assert NAVIGATION in body
    # Django's English technical messages are not shown to people.
    assert "matches the given query" not in body


def test_404_for_an_unknown_address_when_logged_out(client):
    response = client.get("/findes-slet-ikke/")
    assert response.status_code in {302, 404}
    if response.status_code == 404:
        assert "Siden findes ikke" in text(response)


def test_400_is_danish_in_the_layout(client):
    response = client.get(reverse("login"), HTTP_HOST="angriber.invalid")
    assert response.status_code == 400
    body = text(response)
    assert '<html lang="da">' in body
    assert "Forespørgslen kunne ikke behandles" in body
    # The technical reason (the bad host) is for the log only.
    assert "angriber.invalid" not in body


def test_csrf_failure_is_danish():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = text(response)
    assert "Formularen er udløbet" in body
    assert "Din ændring er ikke gemt" in body


def test_500_renders_without_the_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    body = text(response)
    assert '<html lang="da">' in body
    assert "Der opstod en fejl" in body


@pytest.fixture
def database_down():
    """Point the default connection at a database that cannot be reached (a real failure)."""
    saved = copy.deepcopy(connection.settings_dict)

    def down():
        connection.close()
        if connection.vendor == "postgresql":
            # Nothing listens on port 9 (discard) on 127.0.0.1.
            connection.settings_dict.update(HOST="127.0.0.1", PORT="9")
        else:
            connection.settings_dict["NAME"] = "/nonexistent-folder/db.sqlite3"

    yield down
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_503_when_the_database_is_down(database_down):
    # (transaction=True empties the tables afterwards; a plain user needs no plan.)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="t-db-down"))
    database_down()
    response = client.get(reverse("milestones:roadmap"))
    assert response.status_code == 503
    body = text(response)
    assert '<html lang="da">' in body
    assert "Databasen er midlertidigt utilgængelig – din ændring er ikke gemt." in body
    assert response["Retry-After"]


@pytest.mark.django_db(transaction=True)
def test_503_from_a_view_that_meets_the_database_down(database_down):
    database_down()
    try:
        Goal.objects.count()
    except OperationalError as error:
        failure = error
    else:
        pytest.fail("the database answered although it was made unreachable")
    request = RequestFactory().post("/plan/maal/ny/")
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(request, failure)
    assert response.status_code == 503
    assert "din ændring er ikke gemt" in text(response)
    # Other errors are left to the normal 500 handling.
    assert middleware.process_exception(request, ValueError("x")) is None
