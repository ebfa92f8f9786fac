"""Plain helpers shared by the test folders, imported by name."""

import datetime
from contextlib import contextmanager

from django.db import transaction

from core.dates import today as today_get
from core.history import system_user_get
from parties.models import Party
from parties.services import membership_grant
from tests import factories


def member(username: str, party: str | Party, role: str, **extra):
    """A user with `role` in `party` (a party or its key), granted by the system user;
    `extra` goes to the user's factory (names, a password)."""
    user = factories.UserFactory(username=username, **extra)
    if not isinstance(party, Party):
        party = Party.objects.get(key=party)
    membership_grant(user=user, party=party, role=role, by=system_user_get())
    return user


def forecast_move(
    milestone,
    days: int | None = None,
    *,
    to: datetime.date | None = None,
    precision: str | None = "day",
    user=None,
    reason: str = "Test: flyttet",
):
    """`milestone`'s forecast moved through the plan's service (a real edit, with history
    and the materialised status kept): by `days` from its saved forecast (from today if it
    has none), or `to` a date; with `precision` (the service's default, "day"; None keeps
    the milestone's own), as `user` (the system user if None), with `reason`. `milestone`
    is read again first, so the edit is of its saved version. Returns the saved one."""
    from milestones.services.plan import milestone_forecast_set

    if (days is None) == (to is None):
        raise TypeError("forecast_move takes days or to, not both")
    milestone.refresh_from_db()
    if to is None:
        to = (milestone.forecast_date or today_get()) + datetime.timedelta(days=days)
    saved, _changed = milestone_forecast_set(
        milestone_id=milestone.pk,
        version=milestone.version,
        forecast_date=to,
        forecast_precision=precision or milestone.forecast_precision,
        user=user or system_user_get(),
        reason=reason,
    )
    return saved


def entry_state_move(entry, state: str, *, user=None, **extra):
    """A register entry (an entry or its key) moved to `state` through the register's
    service (a real edit, with history), as `user` (the system user if None); `extra` is
    the service's (a date, who confirmed it). The entry is read again first, so the edit
    is of its saved version. Returns the saved entry."""
    from register.models import Entry
    from register.services import entry_state_set

    entry = Entry.objects.get(key=entry) if isinstance(entry, str) else entry
    entry.refresh_from_db()
    saved, _changed = entry_state_set(
        entry_id=entry.pk,
        version=entry.version,
        user=user or system_user_get(),
        state=state,
        **extra,
    )
    return saved


def draft_update_of_midt(round_, reporter):
    """Region Midtjylland's draft progress update in `round_` (on its first obligation's
    activity), saved by `reporter`: a record for each page and endpoint that shows one."""
    from milestones.models import RoundObligation
    from milestones.services import updates

    midt = Party.objects.get(key="region-midtjylland")
    activity = RoundObligation.objects.filter(round=round_, party=midt).first().activity
    return updates.progress_update_save(
        round_=round_,
        party=midt,
        activity=activity,
        values={"narrative": "Kladde"},
        proposals=[],
        version=0,
        user=reporter,
    )


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


@contextmanager
def scope_transaction(django_db_blocker):
    """A transaction open for more than one test (a class-, module- or session-scoped
    fixture's): what the fixture writes in it is loaded once and seen by each test of the
    scope, whose own transaction is a savepoint in it (as pytest-django nests them), and it
    is all rolled back after the scope's last test. Not for transaction=True tests: their
    flush would empty the tables under it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
