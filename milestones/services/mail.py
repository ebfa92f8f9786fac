"""The reporting's e-mails: one message rendered from templates/emails/, in Danish."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def mail_send(*, template: str, context: dict, to: list[str]) -> int:
    """Render templates/emails/<template>_subject.txt, .txt and .html, and send one
    message (text with an HTML alternative) in Danish."""
    if not to:
        return 0
    with translation.override("da"):
        context = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    return message.send()
