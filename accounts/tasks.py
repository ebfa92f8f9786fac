from celery import shared_task
from django.contrib.auth.forms import PasswordResetForm


@shared_task
def password_reset_send(*, email: str, domain: str, use_https: bool) -> None:
    """Send the password-reset mail to the active users with this address (if any).

    Runs in the background so that the page answers in the same time whether the
    address is known or not.
    """
    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    form.save(
        domain_override=domain,
        use_https=use_https,
        subject_template_name="registration/password_reset_subject.txt",
        email_template_name="registration/password_reset_email.txt",
    )
