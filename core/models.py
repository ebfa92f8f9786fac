"""The e-mail outbox: every e-mail the product sends is a row here first, written in the
same transaction as the change that causes it (core.mail)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One e-mail to one recipient, sent at most once (apart from the one window after
    the SMTP server's 250 and before our commit, resent with the same Message-ID)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Afventer")
        SENT = "sent", _("Sendt")
        FAILED = "failed", _("Fejlet")

    # The logical message (e.g. a report's delivery, a reminder for a party and day):
    # with the address, written once however often the cause is repeated.
    dedupe_key = models.CharField(_("nøgle"), max_length=200)
    template = models.CharField(_("skabelon"), max_length=100)
    address = models.EmailField(_("e-mailadresse"))
    subject = models.CharField(_("emne"), max_length=500)
    body_text = models.TextField(_("tekst"))
    body_html = models.TextField(_("HTML"), blank=True)
    # Files in the default storage: [{"filename", "storage_name", "mimetype"}].
    attachments = models.JSONField(_("vedhæftede filer"), default=list, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=250)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("forsøg"), default=0)
    last_error = models.TextField(_("seneste fejl"), blank=True)
    next_attempt_at = models.DateTimeField(_("næste forsøg"))
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    class Meta:
        ordering = ["dedupe_key", "address"]
        verbose_name = _("udgående e-mail")
        verbose_name_plural = _("udgående e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "address"], name="core_outboxmessage_once_per_address"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="core_outboxmessage_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="core_outbox_pending_due",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.address} ({self.get_status_display()})"
