from celery import shared_task

from . import services


@shared_task
def password_reset_send(*, email: str, domain: str, use_https: bool) -> int:
    """Write the password-reset mail for this address into the outbox (if it has users).

    Runs in the background so that the page answers in the same time whether the
    address is known or not.
    """
    return services.password_reset_mail_enqueue(email=email, domain=domain, use_https=use_https)
