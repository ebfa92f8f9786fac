"""Single sign-on through a real OpenID Connect provider (oidc-provider, started by the
tests), in Chromium: the log-in page's button, the provider's pages, the callback, and
the refusals: an unknown identity, a deactivated person, an unverified e-mail, a
forged state and a wrong nonce. Log-out ends the provider's session too."""

import importlib

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from accounts.models import OidcIdentity, SecurityEvent
from parties.models import Membership
from tests.conftest import BROWSER_TIMEOUT_MS
from tests.helpers import member

pytestmark = [pytest.mark.browser, pytest.mark.oidc, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_counters():
    from axes.utils import reset
    from django.core.cache import cache

    reset()
    cache.clear()


@pytest.fixture
def anna(loaded_plan):
    return member(
        "t-anna", "region-midtjylland", Membership.Role.REPORTER, email="anna@region.example"
    )


def sso_start(page, live_server, subject):
    """From sorplan's log-in page through the provider's log-in as `subject`."""
    page.goto(f"{live_server.url}/konto/log-ind/")
    page.get_by_role("link", name="Log ind med Testudbyder").click()
    page.locator("input[name=login]").fill(subject)
    page.locator("input[name=password]").fill("hvad-som-helst")
    page.get_by_role("button", name="Sign-in").click()


def test_a_known_person_logs_in_and_out_through_the_provider(
    live_server, page, oidc_settings, anna
):
    sso_start(page, live_server, "anna-sub")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".sp-user-name").inner_text() == "t-anna"

    event = SecurityEvent.objects.get(kind="login_success")
    assert (event.subject, event.method) == (anna, "oidc")
    assert OidcIdentity.objects.get().user == anna  # later log-ins match on the subject

    # Log-out: the local session ends and the provider is asked to end its own.
    page.get_by_role("button", name="Log ud").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/konto/log-ind/")
    page.goto(f"{live_server.url}/")
    page.wait_for_url("**/konto/log-ind/?next=/")
    # The provider's session is gone: a new SSO log-in asks for the log-in again.
    page.goto(f"{live_server.url}/konto/log-ind/")
    page.get_by_role("link", name="Log ind med Testudbyder").click()
    page.locator("input[name=login]").wait_for(timeout=BROWSER_TIMEOUT_MS)
    assert SecurityEvent.objects.filter(kind="logout", subject=anna).exists()


def test_an_unknown_identity_gets_the_danish_page_and_no_account(
    live_server, page, oidc_settings, anna
):
    users_before = User.objects.count()
    sso_start(page, live_server, "fremmed-sub")
    page.get_by_role(
        "heading", name="Du er ikke oprettet i sorplan – kontakt SOR-teamet"
    ).wait_for()
    assert User.objects.count() == users_before
    assert not OidcIdentity.objects.exists()
    failure = SecurityEvent.objects.get(kind="login_failure")
    assert (failure.method, failure.detail, failure.subject) == ("oidc", "unknown", None)


def test_an_unverified_email_is_not_matched(live_server, page, oidc_settings, anna):
    sso_start(page, live_server, "uverificeret-sub")
    page.get_by_role(
        "heading", name="Du er ikke oprettet i sorplan – kontakt SOR-teamet"
    ).wait_for()
    assert not SecurityEvent.objects.filter(kind="login_success").exists()


def test_a_deactivated_person_is_refused(live_server, page, oidc_settings, loaded_plan):
    member(
        "t-lukket",
        "region-midtjylland",
        Membership.Role.REPORTER,
        email="lukket@region.example",
        is_active=False,
    )
    sso_start(page, live_server, "lukket-sub")
    page.get_by_role("heading", name="Din adgang til sorplan er lukket").wait_for()
    assert SecurityEvent.objects.get(kind="login_failure").detail == "inactive"
    assert not OidcIdentity.objects.exists()


def session_states_change(page, change):
    """Change the `oidc_states` kept in the browser's sorplan session (server side)."""
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    store["oidc_states"] = change(store["oidc_states"])
    store.save()


def provider_page_reached(page, live_server):
    page.goto(f"{live_server.url}/konto/log-ind/")
    page.get_by_role("link", name="Log ind med Testudbyder").click()
    page.locator("input[name=login]").wait_for()


def provider_log_in(page, subject):
    page.locator("input[name=login]").fill(subject)
    page.locator("input[name=password]").fill("x")
    page.get_by_role("button", name="Sign-in").click()


def test_a_state_sorplan_did_not_send_is_refused(live_server, page, oidc_settings, anna):
    provider_page_reached(page, live_server)
    # The provider will send back the state it got; sorplan now only knows another one.
    session_states_change(page, lambda states: {"en-anden-state": next(iter(states.values()))})
    provider_log_in(page, "anna-sub")
    page.get_by_role("heading", name="Log-ind mislykkedes").wait_for()
    assert not SecurityEvent.objects.filter(kind="login_success").exists()
    assert SecurityEvent.objects.get(kind="login_failure").detail == "state"


def test_a_wrong_nonce_is_refused(live_server, page, oidc_settings, anna):
    provider_page_reached(page, live_server)
    # The ID token will carry the nonce sent to the provider; sorplan now expects another.
    session_states_change(
        page, lambda states: {k: {**v, "nonce": "en-anden-nonce"} for k, v in states.items()}
    )
    provider_log_in(page, "anna-sub")
    page.get_by_role("heading", name="Log-ind mislykkedes").wait_for()
    assert not SecurityEvent.objects.filter(kind="login_success").exists()
    assert SecurityEvent.objects.get(kind="login_failure").detail == "state"


def invited(editor, *, expired=False):
    """An invitation sent the real way (mail in the outbox); its link's path."""
    import datetime

    from django.utils import timezone

    from accounts import people
    from parties.access import access_for
    from parties.models import Party

    invitation, token = people.person_invite(
        email="inviteret@region.example",
        first_name="Ida",
        last_name="Inviteret",
        memberships=[(Party.objects.get(key="region-midtjylland"), Membership.Role.REPORTER)],
        reason="Ny rapportør",
        by=editor,
        access=access_for(editor),
    )
    if expired:
        invitation.expires_at = timezone.now() - datetime.timedelta(minutes=1)
        invitation.save(update_fields=["expires_at"])
    return invitation, f"/konto/invitation/{token}/"


def test_an_invitation_is_accepted_by_single_sign_on(
    live_server, page, oidc_settings, loaded_plan, editor
):
    from core.models import OutboxMessage

    invitation, path = invited(editor)
    mail = OutboxMessage.objects.get(address="inviteret@region.example").body_text
    assert "Log ind med" in mail and "Testudbyder" in mail
    page.goto(live_server.url + path)
    page.get_by_role("link", name="Log ind med Testudbyder").click()
    provider_log_in(page, "inviteret-sub")
    page.wait_for_url(f"{live_server.url}/**")
    page.locator(".sp-user-name").wait_for(timeout=BROWSER_TIMEOUT_MS)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    accepted = SecurityEvent.objects.get(kind="invitation_accepted")
    assert (accepted.subject, accepted.method) == (invitation.user, "oidc")
    assert OidcIdentity.objects.get().user == invitation.user
    # The link is used up now.
    page.goto(live_server.url + path)
    page.get_by_role("heading", name="Linket virker ikke").wait_for()


def test_an_expired_invitation_gets_its_page_and_no_sso_log_in(
    live_server, page, oidc_settings, loaded_plan, editor
):
    invitation, path = invited(editor, expired=True)
    page.goto(live_server.url + path)
    page.get_by_role("heading", name="Invitationen er udløbet").wait_for()
    sso_start(page, live_server, "inviteret-sub")
    page.get_by_role("heading", name="Invitationen er udløbet").wait_for()
    assert SecurityEvent.objects.get(kind="login_failure").detail == "expired"
    assert not SecurityEvent.objects.filter(kind__in=["login_success", "invitation_accepted"])
    assert not OidcIdentity.objects.exists()


def test_a_required_acr_the_provider_does_not_issue_is_refused(
    live_server, page, oidc_settings, anna
):
    """The test provider's log-in sets no `acr`; sorplan configured to require one
    refuses the log-in with its Danish page."""
    from tests.accounts.oidc import provider_settings

    issuer = oidc_settings.SORPLAN_OIDC_PROVIDERS["test"]["issuer"]
    oidc_settings.SORPLAN_OIDC_PROVIDERS = provider_settings(issuer, acr=["urn:sorplan:stærk"])
    sso_start(page, live_server, "anna-sub")
    page.get_by_text("Sorplan kræver et stærkere log-ind").wait_for()
    assert SecurityEvent.objects.get(kind="login_failure").detail == "acr"
    assert not SecurityEvent.objects.filter(kind="login_success").exists()
