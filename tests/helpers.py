"""Plain helpers shared by the test folders, imported by name."""

from core.history import system_user_get
from parties.models import Party
from parties.services import membership_grant
from tests import factories


def member(username: str, party_key: str, role: str, **extra):
    """A user with `role` in the party with `party_key`, granted by the system user."""
    user = factories.UserFactory(username=username, **extra)
    membership_grant(
        user=user, party=Party.objects.get(key=party_key), role=role, by=system_user_get()
    )
    return user


def two_factor_give(user):
    """A confirmed TOTP device for `user` (editors and superusers must have one)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="sorplan", confirmed=True)


def totp_code(user) -> str:
    """The code `user`'s app would show now (or the next step's, if now's is used), for
    their confirmed device, else for the one being set up."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    device = device or two_factor_give(user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.time = time.time()
    base = totp.t()
    totp.drift = max(base + device.drift, device.last_t + 1) - base
    return f"{totp.token():0{device.digits}d}"


def client_log_in(client, user):
    """Log the test client in as `user`, its session confirmed with two-factor for those
    who must have it (as after the code step), so pages answer as they do for them."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.two_factor import two_factor_required

    client.force_login(user)
    if two_factor_required(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = two_factor_give(user).persistent_id
        session.save()
    return client


def browser_log_in(page, user, password):
    """Fill sorplan's log-in page as `user` (already open), and the code step if asked."""
    page.get_by_label("Brugernavn").fill(user.username)
    page.get_by_label("Adgangskode").fill(password)
    page.locator("main").get_by_role("button", name="Log ind").click()
    from accounts.two_factor import has_two_factor

    if has_two_factor(user):
        page.get_by_label("Kode", exact=True).fill(totp_code(user))
        page.locator("main").get_by_role("button", name="Log ind").click()
