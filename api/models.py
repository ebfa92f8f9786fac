"""Personal access tokens: a program acts as its person through the API."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AccessToken(models.Model):
    """A person's token. Only its SHA-256 digest is stored: the secret is shown once.

    `prefix` (random, not secret) finds the row; the digest of the whole token is then
    compared in constant time (`api.tokens`)."""

    class Scope(models.TextChoices):
        READ = "read", _("Kun læse")
        WRITE = "write", _("Læse og skrive")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="access_tokens",
    )
    name = models.CharField(_("navn"), max_length=100)
    prefix = models.CharField(_("præfiks"), max_length=16, unique=True, editable=False)
    digest = models.CharField(_("SHA-256"), max_length=64, editable=False)
    scope = models.CharField(_("rettighed"), max_length=10, choices=Scope.choices)
    expires_at = models.DateTimeField(_("udløber"))
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    # Written with a plain UPDATE on each use (no history row per call).
    last_used_at = models.DateTimeField(_("senest brugt"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("tilbagekaldt"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["last_used_at", "digest"])

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("adgangsnøgle")
        verbose_name_plural = _("adgangsnøgler")

    def __str__(self):
        return f"{self.name} ({self.prefix})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE
