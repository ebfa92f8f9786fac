"""The security audit log: who logged in, how, and who got which rights.

Personal data is limited to what the log needs: the acting and the affected user
(by reference, so anonymising a person renames them here too), the log-in method,
the client address and a short detail text. Rows older than
SORPLAN_AUDIT_RETENTION_DAYS are deleted by a daily task (accounts.tasks).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SecurityEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN_SUCCESS = "login_success", _("Log-ind")
        LOGIN_FAILURE = "login_failure", _("Mislykket log-ind")
        LOGOUT = "logout", _("Log-ud")
        INVITATION_SENT = "invitation_sent", _("Invitation sendt")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation modtaget")
        MEMBERSHIP_GRANTED = "membership_granted", _("Medlemskab eller rolle givet")
        MEMBERSHIP_REMOVED = "membership_removed", _("Medlemskab eller rolle fjernet")
        DEACTIVATED = "deactivated", _("Deaktiveret")
        REACTIVATED = "reactivated", _("Genaktiveret")
        TWO_FACTOR_SET_UP = "two_factor_set_up", _("Totrinsbekræftelse oprettet")
        TWO_FACTOR_RESET = "two_factor_reset", _("Totrinsbekræftelse nulstillet")
        PASSWORD_RESET_REQUESTED = (
            "password_reset_requested",
            _("Nulstilling af adgangskode bedt om"),
        )
        ANONYMISED = "anonymised", _("Anonymiseret")

    class Method(models.TextChoices):
        NONE = "", _("—")
        PASSWORD = "password", _("Adgangskode")
        PASSWORD_TOTP = "password_totp", _("Adgangskode og totrinsbekræftelse")
        RECOVERY_CODE = "recovery_code", _("Adgangskode og gendannelseskode")
        OIDC = "oidc", _("Single sign-on (OIDC)")

    at = models.DateTimeField(_("tidspunkt"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("hændelse"), max_length=40, choices=Kind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("udført af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="security_events_done",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("berørt person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="security_events",
    )
    method = models.CharField(_("metode"), max_length=60, blank=True, default="")
    ip = models.GenericIPAddressField(_("IP-adresse"), null=True, blank=True)
    detail = models.CharField(_("detaljer"), max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("sikkerhedshændelse")
        verbose_name_plural = _("sikkerhedshændelser")
        indexes = [models.Index(fields=["subject", "-at"], name="accounts_se_subject_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    @property
    def method_label(self) -> str:
        return str(dict(self.Method.choices).get(self.method, self.method)) if self.method else ""


class OidcIdentity(models.Model):
    """An identity at an OIDC provider that has logged in as this person: later log-ins
    match on it even if the provider's e-mail changes. Made at the first log-in matched
    by a verified e-mail; never makes a person."""

    provider = models.CharField(_("udbyder"), max_length=40)
    subject = models.CharField(_("identitet hos udbyderen"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities"
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("SSO-identitet")
        verbose_name_plural = _("SSO-identiteter")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="accounts_oidc_identity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject}"
