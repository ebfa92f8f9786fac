"""Baselines: named, frozen sets of milestone dates (the plan versions among them)."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .dates import DatePrecision, period_end


class Baseline(models.Model):
    """A named, frozen set of milestone dates.

    Each seed plan version is one (named from the document's own title); the
    SOR-team sets new ones later. At most one is active: slip and RAG are
    measured against it.
    """

    key = models.SlugField(_("nøgle"), max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=300)
    short_name = models.CharField(_("kort navn"), max_length=60, blank=True)
    description = models.TextField(_("beskrivelse"), blank=True)
    source_document = models.CharField(
        _("kildedokument"),
        max_length=200,
        blank=True,
        help_text=_("Planens dokument, hvis den kommer fra et."),
    )
    is_plan_version = models.BooleanField(
        _("planversion"),
        default=False,
        help_text=_("En udgave af planen, som aktiviteter hører til."),
    )
    sequence = models.PositiveSmallIntegerField(
        _("rækkefølge"), default=0, help_text=_("Ældste først: 1 er den første planversion.")
    )
    frozen_at = models.DateTimeField(_("fastfrosset"), null=True, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oprettet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sequence", "created_at"]
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="milestones_baseline_one_active",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def short_label(self):
        return self.short_name or self.name


class BaselineEntry(models.Model):
    """One milestone's date as frozen in a baseline."""

    baseline = models.ForeignKey(
        Baseline, verbose_name=_("baseline"), on_delete=models.CASCADE, related_name="entries"
    )
    milestone = models.ForeignKey(
        "milestones.Milestone",
        verbose_name=_("milepæl"),
        on_delete=models.CASCADE,
        related_name="baseline_entries",
    )
    date = models.DateField(_("dato"), null=True, blank=True)
    precision = models.CharField(
        _("præcision"), max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    source_text = models.CharField(_("kildens ordlyd"), max_length=300, blank=True)

    class Meta:
        ordering = ["baseline", "milestone"]
        verbose_name = _("baselinedato")
        verbose_name_plural = _("baselinedatoer")
        constraints = [
            models.UniqueConstraint(
                fields=["baseline", "milestone"], name="milestones_baselineentry_unique"
            )
        ]

    def __str__(self):
        return f"{self.milestone}: {self.date or '–'} ({self.baseline})"

    @property
    def period_end(self) -> datetime.date | None:
        return period_end(self.date, self.precision) if self.date else None
