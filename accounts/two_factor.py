"""Two-factor log-in (TOTP, with recovery codes) on django-otp: who must have it,
setting it up, checking a code, and an editor's reset. Every change is in the audit log.

Required for SOR-team editors and superusers on password log-ins (their sessions are
led to set-up or to the code step by accounts.middleware.TwoFactorRequiredMiddleware);
offered to everyone. A single sign-on log-in relies on the provider instead.
"""

import base64

import segno
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from parties.access import access_for

from .audit import Kind, Method, security_event_record

RECOVERY_CODES = 10
TOTP_NAME = "sorplan"
RECOVERY_NAME = "gendannelseskoder"


def two_factor_required(user, access=None) -> bool:
    """Editors and superusers must use two-factor on password log-ins. `access`: the
    user's Access if the caller has it (a request's, parties.access.request_access)."""
    return (access or access_for(user)).can_edit_plan


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_pending(user) -> TOTPDevice:
    """The person's unconfirmed TOTP device being set up (made once, then reused, so the
    QR code does not change on each reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret as an app takes it when typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code (rendered here, no outside service)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=_("QR-kode til din godkendelsesapp")
    )


def _clean(code: str) -> str:
    return "".join((code or "").split()).lower()


@transaction.atomic
def two_factor_confirm(*, user, code: str, request=None) -> list[str] | None:
    """Confirm the pending TOTP device with a code from the app. Returns the new
    recovery codes (shown once), or None if the code is wrong."""
    device = totp_device_pending(user)
    if not device.verify_token(_clean(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    security_event_record(Kind.TWO_FACTOR_SET_UP, request=request, actor=user, subject=user)
    user.otp_device = device
    return codes


@transaction.atomic  # the devices are locked while a code is checked (django-otp's throttle)
def two_factor_check(user, code: str):
    """(device, method) for a right TOTP or recovery code, else (None, "")."""
    code = _clean(code)
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        if device.verify_token(code):
            method = (
                Method.RECOVERY_CODE if isinstance(device, StaticDevice) else Method.PASSWORD_TOTP
            )
            return device, method
    return None, ""


@transaction.atomic
def two_factor_reset(*, user, by, reason: str, request=None) -> int:
    """An editor removes a person's two-factor devices (lost phone); they set it up
    again at their next log-in. Returns how many devices were removed."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    security_event_record(
        Kind.TWO_FACTOR_RESET, request=request, actor=by, subject=user, detail=reason
    )
    return removed
