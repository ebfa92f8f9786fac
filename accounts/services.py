"""Writes of the log-in mechanics: the password-reset mail, through the outbox."""

import uuid

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.mail import mail_enqueue

from .audit import Kind, security_event_record


@transaction.atomic
def password_reset_mail_enqueue(
    *, email: str, domain: str, use_https: bool, ip: str | None = None
) -> int:
    """Write the password-reset mail for each active user with this address into the
    outbox (none for an unknown address). Returns how many were written.

    Through the outbox like every e-mail, so a dead broker, worker or SMTP server only
    delays it. Each is in the security audit log (asked from `ip`).
    """
    written = 0
    for user in PasswordResetForm().get_users(email):
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
        mail_enqueue(
            template="password_reset",
            context={
                "user": user,
                "reset_url": f"{'https' if use_https else 'http'}://{domain}{path}",
            },
            to=[user.email],
            # Each request is its own message, even when its link is the same as the last.
            dedupe_key=f"password-reset:{user.pk}:{uuid.uuid4().hex}",
        )
        security_event_record(Kind.PASSWORD_RESET_REQUESTED, subject=user, ip=ip)
        written += 1
    return written
