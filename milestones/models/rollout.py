"""KOMBIT's roll-out of FK-OSS to the municipalities: phases and each municipality's status."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parties.models import Party

from .plan import Activity, Milestone


class RolloutPhase(models.Model):
    """A phase of KOMBIT's roll-out of FK-OSS to the municipalities; the phases run in order."""

    key = models.SlugField(_("nøgle"), max_length=60, unique=True)
    number = models.PositiveSmallIntegerField(_("nummer"), unique=True)
    title = models.CharField(_("titel"), max_length=200)
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("aktivitet"),
        on_delete=models.PROTECT,
        related_name="rollout_phases",
    )
    milestone = models.OneToOneField(
        Milestone,
        verbose_name=_("milepæl"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rollout_phase",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        verbose_name = _("udrulningsfase")
        verbose_name_plural = _("udrulningsfaser")

    def __str__(self):
        return f"{self.number}. {self.title}"


class MunicipalityRollout(models.Model):
    """A municipality's place and status in KOMBIT's roll-out."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Ikke startet")
        IN_TEST = "in_test", _("Tilslutning/test")
        IN_PRODUCTION = "in_production", _("I produktion")

    phase = models.ForeignKey(
        RolloutPhase,
        verbose_name=_("fase"),
        on_delete=models.PROTECT,
        related_name="municipalities",
    )
    municipality = models.ForeignKey(
        Party,
        verbose_name=_("kommune"),
        on_delete=models.PROTECT,
        related_name="rollouts",
        limit_choices_to={"kind": "municipality"},
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    status_date = models.DateField(_("statusdato"), null=True, blank=True)
    is_demo = models.BooleanField(_("demodata"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["phase__number", "municipality__name"]
        verbose_name = _("kommunes udrulning")
        verbose_name_plural = _("kommuners udrulning")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"], name="milestones_municipalityrollout_one_phase"
            ),
            models.CheckConstraint(
                condition=Q(status="not_started") | Q(status_date__isnull=False),
                name="milestones_municipalityrollout_status_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.municipality}: {self.get_status_display()}"
