"""What the steering group reads that is stored: the monthly status reports,
frozen once published, the extra addresses that receive them, and the log of
each e-mail delivery."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PublishedReportError(Exception):
    """A published status report is frozen: nothing may change or delete it."""


def report_pdf_path(instance: "StatusReport", filename: str) -> str:
    return f"statusrapporter/{instance.period:%Y}/statusrapport-{instance.period:%Y-%m}.pdf"


class StatusReportQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=StatusReport.Status.PUBLISHED)

    def visible_to(self, access):
        """Every member reads published reports; the SOR-team also reads drafts."""
        if access.can_edit_plan:
            return self
        if access.has_membership:
            return self.published()
        return self.none()

    # A published report is frozen, also against bulk writes that skip save().
    def update(self, **kwargs):
        if self.filter(status=StatusReport.Status.PUBLISHED).exists():
            raise PublishedReportError(_("En publiceret statusrapport kan ikke ændres."))
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=StatusReport.Status.PUBLISHED).exists():
            raise PublishedReportError(_("En publiceret statusrapport kan ikke slettes."))
        return super().delete()


class StatusReport(models.Model):
    """The programme's status report for one month.

    A draft is computed from the live data as of `as_of`; publishing stores the
    figures (`snapshot`) and the PDF, which never change again.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Kladde")
        PUBLISHED = "published", _("Publiceret")

    period = models.DateField(_("periode"), help_text=_("Månedens første dag."))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    as_of = models.DateTimeField(
        _("opgjort pr."),
        help_text=_("Det første øjeblik i den følgende måned (dansk tid)."),
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("forrige rapport"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    leader_summary = models.TextField(_("ledelsesresumé"), blank=True)
    decisions_needed = models.TextField(_("beslutninger til styregruppen"), blank=True)
    snapshot = models.JSONField(_("tal (fastfrosset)"), default=dict, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=report_pdf_path, blank=True, max_length=200)
    pdf_sha256 = models.CharField(_("PDF (SHA-256)"), max_length=64, blank=True)
    published_at = models.DateTimeField(_("publiceret"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publiceret af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Why the last attempt to publish failed (e.g. the PDF render timed out twice).
    publish_error = models.TextField(_("fejl ved publicering"), blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    # The snapshot is large and never changes after publishing: keep it out of history.
    history = HistoricalRecords(excluded_fields=["snapshot"])
    objects = StatusReportQuerySet.as_manager()

    class Meta:
        ordering = ["-period"]
        verbose_name = _("statusrapport")
        verbose_name_plural = _("statusrapporter")
        constraints = [
            models.UniqueConstraint(fields=["period"], name="reports_statusreport_one_per_period"),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(published_at__isnull=False) & ~Q(pdf="") & ~Q(pdf_sha256="")),
                name="reports_statusreport_published_is_frozen",
            ),
        ]

    def __str__(self):
        return f"Statusrapport {self.period:%Y-%m}"

    # A published report is frozen: this guards the rule against every code path
    # that saves or deletes one instance (the queryset guards bulk writes).
    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.PUBLISHED:
                raise PublishedReportError(_("En publiceret statusrapport kan ikke ændres."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published or type(self).objects.filter(pk=self.pk).published().exists():
            raise PublishedReportError(_("En publiceret statusrapport kan ikke slettes."))
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def period_key(self) -> str:
        return f"{self.period:%Y-%m}"

    @property
    def filename(self) -> str:
        return f"statusrapport-{self.period_key}.pdf"


class ReportRecipient(models.Model):
    """An extra address on the steering group's distribution list (besides its users)."""

    email = models.EmailField(_("e-mailadresse"), unique=True)
    name = models.CharField(_("navn"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["email"]
        verbose_name = _("modtager af statusrapporten")
        verbose_name_plural = _("modtagere af statusrapporten")

    def __str__(self):
        return f"{self.name} <{self.email}>" if self.name else self.email


class MomentSnapshot(models.Model):
    """A past moment's figures as computed once, stored (`reports.moment_store`): a past
    moment's dashboard (`status.dashboard`) and its "Kan SHAK slukkes?" summary read
    them instead of computing a new day again, in any worker and after a restart.

    Derived data, no history: keyed by a digest of what the figures are computed from
    (the stamps of the data as it stood at the moment, the day, the filters and the
    language, `moment_store.key_of`) and the packing's format (`moment_store.FORMAT`):
    a history row written since with a date at or before the moment moves the stamps
    (a new key, never the old row); rows of another format are ignored and pruned."""

    kind = models.CharField(max_length=20)
    format = models.PositiveIntegerField()
    key = models.CharField(max_length=64)
    # The day shown (Europe/Copenhagen), for pruning and the backfill's bookkeeping.
    day = models.DateField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "format", "key"], name="reports_momentsnapshot_one_per_key"
            )
        ]
        indexes = [models.Index(fields=["day"], name="reports_momentsnap_day")]

    def __str__(self):
        return f"{self.kind} {self.day:%Y-%m-%d}"
