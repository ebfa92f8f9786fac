"""Personal access tokens: made and revoked on the person's page, shown once, stored as a
digest, with scope and expiry; a token acts as its person and never more."""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from api.models import AccessToken
from api.tokens import digest_of, token_create
from milestones.models import Milestone

MILESTONES = "/api/v1/milestones/"


def bearer(text):
    return Client(headers={"Authorization": f"Bearer {text}"})


@pytest.mark.django_db
def test_a_token_is_made_on_the_page_shown_once_and_stored_only_as_a_digest(client_for, reporter):
    client = client_for(reporter)
    page = client.get("/profil/tokens/")
    assert page.status_code == 200 and "Du har ingen nøgler endnu" in page.content.decode()
    response = client.post(
        "/profil/tokens/", {"name": "Regionens planværktøj", "scope": "read", "days": "90"}
    )
    html = response.content.decode()
    text = re.search(r'data-testid="new-token">([^<]+)<', html)[1]
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )
    token = AccessToken.objects.get(user=reporter)
    assert token.scope == "read" and token.name == "Regionens planværktøj"
    assert token.digest == digest_of(text) and text not in (token.digest, token.prefix)
    assert token.history.first().history_change_reason == "Adgangsnøgle oprettet"
    # Never shown again: the list shows the prefix only.
    again = client.get("/profil/tokens/").content.decode()
    assert text not in again and token.prefix in again and "Aldrig" in again
    # It works, and the list shows its last use.
    assert bearer(text).get(MILESTONES).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "Aldrig" not in client.get("/profil/tokens/").content.decode()


@pytest.mark.django_db
def test_the_form_says_what_is_missing_and_keeps_what_was_typed(client_for, reporter):
    response = client_for(reporter).post("/profil/tokens/", {"name": "Mit værktøj", "days": "7"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="Mit værktøj"' in html and AccessToken.objects.count() == 0


@pytest.mark.django_db
def test_revoked_tokens_stop_at_once_and_only_the_owner_revokes(client_for, reporter, editor):
    token, text = token_create(user=reporter, name="x", scope="write", days=30)
    assert client_for(editor).post(f"/profil/tokens/{token.pk}/tilbagekald/").status_code == 404
    assert bearer(text).get(MILESTONES).status_code == 200
    owner = client_for(reporter)
    assert (
        "Tilbagekald nøglen"
        in owner.get(f"/profil/tokens/{token.pk}/tilbagekald/").content.decode()
    )
    assert owner.post(f"/profil/tokens/{token.pk}/tilbagekald/").status_code == 302
    response = bearer(text).get(MILESTONES)
    assert response.status_code == 401
    assert response.json()["detail"] == "Nøglen er ukendt, udløbet eller tilbagekaldt."
    assert response["WWW-Authenticate"] == "Bearer"
    assert "Tilbagekaldt" in owner.get("/profil/tokens/").content.decode()


@pytest.mark.django_db
def test_an_expired_token_and_a_token_of_an_inactive_person_never_authenticate(reporter, editor):
    _token, text = token_create(user=reporter, name="x", scope="read", days=30)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        assert bearer(text).get(MILESTONES).status_code == 401
    assert bearer(text).get(MILESTONES).status_code == 200
    _token, editor_text = token_create(user=editor, name="x", scope="write", days=30)
    editor.is_active = False
    editor.save()
    assert bearer(editor_text).get(MILESTONES).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "Bearer sorplan_nope_nope",
        "Bearer",
        "Bearer a b",
        "Bearer sorplan__",
        "Bearer " + "x" * 5000,
    ],
)
def test_a_wrong_token_is_a_json_401(header):
    response = Client(headers={"Authorization": header}).get(MILESTONES)
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.django_db
def test_a_guessed_secret_with_a_real_prefix_fails(reporter):
    token, text = token_create(user=reporter, name="x", scope="read", days=30)
    assert bearer(text[:-1] + ("A" if text[-1] != "A" else "B")).get(MILESTONES).status_code == 401


@pytest.mark.django_db
def test_a_token_never_exceeds_its_persons_rights(reporter, editor):
    """A reporter's write token cannot move a forecast (the SOR-team's right), and reads
    only the register entries the reporter reads on the pages."""
    _token, text = token_create(user=reporter, name="x", scope="write", days=30)
    client = bearer(text)
    response = client.post(f"{MILESTONES}x/forecast/", data="{}", content_type="application/json")
    assert response.status_code == 404  # no such milestone
    key = Milestone.objects.order_by("pk").first().key
    response = client.post(
        f"{MILESTONES}{key}/forecast/", data="{}", content_type="application/json"
    )
    assert response.status_code == 403
    owners = {e["owner"] for e in client.get("/api/v1/register/entries/").json()["results"]}
    assert owners == {"region-midtjylland"}
    _token, editor_text = token_create(user=editor, name="x", scope="read", days=30)
    all_owners = {
        e["owner"]
        for e in bearer(editor_text)
        .get("/api/v1/register/entries/?page_size=500")
        .json()["results"]
    }
    assert len(all_owners) > 1


@pytest.mark.django_db
def test_the_browser_session_needs_csrf_for_unsafe_methods(reporter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reporter)
    assert client.get(MILESTONES).status_code == 200
    response = client.post(
        "/api/v1/register/entries/x/state/", data="{}", content_type="application/json"
    )
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


@pytest.mark.django_db
def test_throttling_is_per_token(settings, reporter):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/min"},
    }
    from django.core.cache import cache

    cache.clear()
    try:
        first = bearer(token_create(user=reporter, name="a", scope="read", days=30)[1])
        second = bearer(token_create(user=reporter, name="b", scope="read", days=30)[1])
        assert [first.get(MILESTONES).status_code for _ in range(4)] == [200, 200, 200, 429]
        throttled = first.get(MILESTONES)
        assert throttled.json()["detail"].startswith("For mange forespørgsler")
        assert "Retry-After" in throttled
        assert second.get(MILESTONES).status_code == 200
    finally:
        cache.clear()
