"""A person's secret calendar link: calendar programs cannot log in, so the link itself
is the key. Only its SHA-256 is stored (the link is shown once, when made); making a
new one replaces the old, deleting it revokes it."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class FeedToken(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bruger"),
        on_delete=models.CASCADE,
        related_name="feed_token",
    )
    secret_sha256 = models.CharField(_("hemmelighed (SHA-256)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("sidst brugt"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["secret_sha256", "last_used_at"])

    class Meta:
        verbose_name = _("kalenderlink")
        verbose_name_plural = _("kalenderlinks")
        ordering = ["user"]

    def __str__(self):
        return str(self.user)
