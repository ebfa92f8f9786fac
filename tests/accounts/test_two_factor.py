"""TOTP two-factor: set-up with a server-rendered QR code and recovery codes, the code
step of a password log-in (same throttle as passwords), the rule that editors and
superusers reach no page and make no write without it (through the resolver), SSO
sessions exempt, and an editor's audited reset."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import get_resolver, reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SecurityEvent
from accounts.signals import SESSION_LOGIN_METHOD
from parties.models import Membership
from tests.factories import PASSWORD
from tests.helpers import member, totp_code, two_factor_give
from tests.project.test_login_required import OPEN_URL_NAMES, concrete, walk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    from axes.utils import reset
    from django.core.cache import cache

    reset()
    cache.clear()


@pytest.fixture
def new_editor(db):
    """An editor who has not set up two-factor yet."""
    return member("t-ny-redaktoer", "sor-team", Membership.Role.EDITOR)


def password_log_in(client, user, ip="10.3.3.3"):
    return client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ip
    )


def code_step(client, code, ip="10.3.3.3"):
    return client.post(reverse("accounts:two_factor_verify"), {"code": code}, REMOTE_ADDR=ip)


def test_with_two_factor_the_password_alone_does_not_log_in(editor, settings):
    # django-otp also slows down retries on the device after a wrong code; off here so
    # the right code can follow at once (the log-in throttle is django-axes, below).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client = Client()
    response = password_log_in(client, editor)
    assert response["Location"] == reverse("accounts:two_factor_verify")
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # not logged in yet

    wrong = code_step(client, "000000")
    assert "Koden passer ikke" in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    right = code_step(client, totp_code(editor))
    assert right.status_code == 302 and right["Location"] == "/"
    assert client.get("/").status_code == 200
    events = list(SecurityEvent.objects.order_by("id").values_list("kind", "method", "subject"))
    assert events == [
        ("login_failure", "password_totp", editor.pk),
        ("login_success", "password_totp", editor.pk),
    ]


def test_wrong_codes_go_through_the_password_throttle(editor, settings):
    client = Client()
    password_log_in(client, editor)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert code_step(client, "000000").status_code == 200
    assert code_step(client, "000000").status_code == 429
    # Locked: even the right code (and the right password) is refused now.
    assert code_step(client, totp_code(editor)).status_code == 429
    assert password_log_in(Client(), editor).status_code == 429


def test_a_recovery_code_logs_in_once(new_editor):
    client = Client()
    client.force_login(new_editor)
    client.get(reverse("accounts:two_factor_setup"))
    codes_page = client.post(reverse("accounts:two_factor_setup"), {"code": totp_code(new_editor)})
    codes = list(
        StaticToken.objects.filter(device__user=new_editor).values_list("token", flat=True)
    )
    assert len(codes) == 10 and all(c in codes_page.content.decode() for c in codes)

    for expected in ("/", None):
        client = Client()
        password_log_in(client, new_editor)
        response = code_step(client, codes[0])
        if expected:
            assert response["Location"] == expected
        else:
            assert response.status_code == 200  # used already
    assert SecurityEvent.objects.filter(kind="login_success", method="recovery_code").count() == 1


def test_an_editor_without_it_is_led_to_set_it_up_and_the_qr_is_rendered_here(new_editor, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code below, then the right one at once
    client = Client()
    assert password_log_in(client, new_editor)["Location"] == "/"  # no device: logged in
    response = client.get("/plan/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor_setup") + "?next=%2Fplan%2F"

    page = client.get(response["Location"]).content.decode()
    device = TOTPDevice.objects.get(user=new_editor, confirmed=False)
    assert "<svg" in page and "<path" in page  # the QR code, as SVG in the page
    secret = page.split('class="sp-secret">', 1)[1].split("<", 1)[0]
    import base64

    assert (
        base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
        == device.bin_key
    )
    assert (
        client.get(reverse("accounts:two_factor_setup")).content.decode().count(secret) == 1
    )  # same key on reload

    bad = client.post(reverse("accounts:two_factor_setup"), {"code": "123"})
    assert "Koden passer ikke" in bad.content.decode()
    done = client.post(reverse("accounts:two_factor_setup"), {"code": totp_code(new_editor)})
    assert "Gem disse gendannelseskoder" in done.content.decode()
    assert client.get("/plan/").status_code == 200
    assert SecurityEvent.objects.filter(kind="two_factor_set_up", subject=new_editor).exists()


def test_a_reporter_is_offered_it_but_not_forced(reporter):
    client = Client()
    client.force_login(reporter)
    assert client.get("/plan/").status_code == 200
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert "Du skal slå totrinsbekræftelse til" not in page and "<svg" in page
    client.post(reverse("accounts:two_factor_setup"), {"code": totp_code(reporter)})
    # Once set up, the reporter's password log-ins ask for the code too.
    assert password_log_in(Client(), reporter)["Location"] == reverse("accounts:two_factor_verify")


def test_an_sso_session_is_not_asked_for_two_factor(new_editor):
    client = Client()
    client.force_login(new_editor)
    session = client.session
    session[SESSION_LOGIN_METHOD] = "oidc"
    session.save()
    assert client.get("/plan/").status_code == 200


OPEN_WITHOUT_TWO_FACTOR = OPEN_URL_NAMES | {
    "logout",
    "session_keepalive",
    "no_membership",
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "accounts:oidc_login",
    "accounts:oidc_callback",
}


def test_no_page_and_no_write_escapes_for_an_editor_without_two_factor(new_editor, superuser):
    """Every URL pattern, read and write, as an editor and a superuser whose session is
    not confirmed: led to set-up (or the code), never the page."""
    routes = [
        (route, name)
        for route, name, _entry in walk(get_resolver())
        if name and name not in OPEN_WITHOUT_TWO_FACTOR
    ]
    assert len(routes) > 50
    setup = reverse("accounts:two_factor_setup")
    for user in (new_editor, superuser):
        client = Client()
        client.force_login(user)  # a password log-in's session, not confirmed
        for route, name in routes:
            path = concrete(route)
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                assert response.status_code == 302, (user, method, name, response.status_code)
                assert response["Location"].startswith(setup), (method, name)


def test_an_editor_resets_a_persons_two_factor_with_a_reason(client_for, editor, reporter):
    two_factor_give(reporter)
    url = reverse("accounts:two_factor_reset", args=[reporter.pk])
    assert client_for(reporter).get(url).status_code == 403
    assert client_for(reporter).post(url, {"reason": "x"}).status_code == 403
    client = client_for(editor)
    missing = client.post(url, {"reason": ""})
    assert "Skriv hvorfor" in missing.content.decode()
    assert TOTPDevice.objects.filter(user=reporter).exists()
    done = client.post(url, {"reason": "Mistet telefon, ringede 1. dec."})
    assert done["Location"] == reverse("accounts:security_log")
    assert not TOTPDevice.objects.filter(user=reporter).exists()
    event = SecurityEvent.objects.get(kind="two_factor_reset")
    assert (event.actor, event.subject, event.detail) == (
        editor,
        reporter,
        "Mistet telefon, ringede 1. dec.",
    )
    assert User.objects.filter(pk=reporter.pk).exists()


def test_the_people_pages_show_how_each_person_logs_in_and_lead_to_reset_and_log(
    client_for, editor, reporter
):
    from accounts.models import OidcIdentity

    sso_only = member("t-sso-person", "rsi", Membership.Role.REPORTER)
    sso_only.set_unusable_password()
    sso_only.save()
    OidcIdentity.objects.create(provider="test", subject="sub-1", user=sso_only)
    two_factor_give(reporter)
    client = client_for(editor)

    listing = client.get(reverse("accounts:people_list")).content.decode()
    assert reverse("accounts:security_log") in listing
    rows = {
        u.username: listing.split(reverse("accounts:person_detail", args=[u.pk]), 1)[1].split(
            "</tr>", 1
        )[0]
        for u in (editor, reporter, sso_only)
    }
    assert "Adgangskode og totrinsbekræftelse" in rows[reporter.username]
    assert "<td>SSO</td>" in rows[sso_only.username]

    page = client.get(reverse("accounts:person_detail", args=[reporter.pk])).content.decode()
    assert reverse("accounts:two_factor_reset", args=[reporter.pk]) in page
    assert f"{reverse('accounts:security_log')}?person={reporter.username}" in page
    SecurityEvent.objects.create(kind="two_factor_reset", actor=editor, subject=reporter)
    log = client.get(reverse("accounts:security_log"), {"person": reporter.username})
    assert reporter.username in log.content.decode()

    # no devices: nothing to reset; the person's method says password only
    page = client.get(reverse("accounts:person_detail", args=[sso_only.pk])).content.decode()
    assert reverse("accounts:two_factor_reset", args=[sso_only.pk]) not in page


def test_the_demo_editor_and_admin_set_up_two_factor_at_their_first_log_in(settings):
    """make run's demo users: the editor and the superuser are led to the set-up page
    by their first password log-in (the demo data gives nobody a device); a reporter
    goes straight in."""
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("load_demo_data", verbosity=0)
    setup = reverse("accounts:two_factor_setup")
    for username, must in [("redaktoer", True), ("admin", True), ("rsi", False)]:
        client = Client()
        response = client.post(
            reverse("login"), {"username": username, "password": "sorplan-demo-2026"}
        )
        assert response.status_code == 302, username
        assert not TOTPDevice.objects.filter(user__username=username, confirmed=True).exists()
        home = client.get("/")
        if must:
            assert home.status_code == 302 and home["Location"].startswith(setup), username
            page = client.get(home["Location"])
            assert page.status_code == 200 and "<svg" in page.content.decode(), username
        else:
            assert home.status_code == 200, username
