"""Risks (probability × impact, banded) and issues (problems now)."""

import datetime
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .common import GovernanceRecord, RecordQuerySet


class Band(NamedTuple):
    key: str
    label: str
    low: int
    high: int


# The one place the bands are defined: score = probability × impact (1-25). 17-19
# cannot occur (no product of two numbers 1-5 lies there).
BANDS = (
    Band("low", _("Lav"), 1, 4),
    Band("medium", _("Middel"), 5, 9),
    Band("high", _("Høj"), 10, 16),
    Band("critical", _("Kritisk"), 17, 25),
)
TOP_BAND = BANDS[-1]
SCALE_VALUES = (1, 2, 3, 4, 5)


def band_of(score: int) -> Band:
    for band in BANDS:
        if band.low <= score <= band.high:
            return band
    raise ValueError(f"score {score} outside 1-25")


def band_by_key(key: str) -> Band | None:
    return next((b for b in BANDS if b.key == key), None)


class RiskQuerySet(RecordQuerySet):
    def with_score(self):
        return self.annotate(score_value=F("probability") * F("impact"))

    def in_band(self, key: str):
        band = band_by_key(key)
        if band is None:
            return self.none()
        return self.with_score().filter(score_value__gte=band.low, score_value__lte=band.high)

    def active(self):
        return self.filter(status__in=Risk.ACTIVE_STATUSES)

    def flagged(self, today: datetime.date):
        """Active risks in the top band or past their review date."""
        return (
            self.active()
            .with_score()
            .filter(Q(score_value__gte=TOP_BAND.low) | Q(review_on__lt=today))
        )


class Risk(GovernanceRecord):
    """Something that may happen and hurt the programme."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Foreslået")
        OPEN = "open", _("Åben")
        OBSERVED = "observed", _("Under observation")
        CLOSED = "closed", _("Lukket")
        OCCURRED = "occurred", _("Indtruffet")
        REJECTED = "rejected", _("Afvist")

    class Response(models.TextChoices):
        AVOID = "avoid", _("Undgå")
        REDUCE = "reduce", _("Reducér")
        TRANSFER = "transfer", _("Overfør")
        ACCEPT = "accept", _("Acceptér")

    ACTIVE_STATUSES = (Status.OPEN, Status.OBSERVED)
    # Which status may follow which. Occurred, closed and rejected are final.
    MOVES = {
        Status.PROPOSED: (Status.OPEN, Status.REJECTED),
        Status.OPEN: (Status.OBSERVED, Status.CLOSED, Status.OCCURRED),
        Status.OBSERVED: (Status.OPEN, Status.CLOSED, Status.OCCURRED),
        Status.CLOSED: (),
        Status.OCCURRED: (),
        Status.REJECTED: (),
    }

    cause = models.TextField(_("årsag"), blank=True)
    consequence = models.TextField(_("konsekvens"), blank=True)
    probability = models.PositiveSmallIntegerField(
        _("sandsynlighed (1-5)"), choices=[(n, str(n)) for n in SCALE_VALUES]
    )
    impact = models.PositiveSmallIntegerField(
        _("konsekvens (1-5)"), choices=[(n, str(n)) for n in SCALE_VALUES]
    )
    proximity = models.DateField(
        _("nærhed"), null=True, blank=True, help_text=_("Hvornår risikoen vil ramme.")
    )
    response = models.CharField(
        _("håndtering"), max_length=20, choices=Response.choices, blank=True
    )
    mitigation = models.TextField(_("afbødende handlinger"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    review_on = models.DateField(_("næste gennemgang"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("foreslået af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_update = models.ForeignKey(
        "milestones.ProgressUpdate",
        verbose_name=_("fra statusopdatering"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("risiko")
        verbose_name_plural = _("risici")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=1, probability__lte=5),
                name="governance_risk_probability_1_5",
                violation_error_message=_("Sandsynligheden skal være mellem 1 og 5."),
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=5),
                name="governance_risk_impact_1_5",
                violation_error_message=_("Konsekvensen skal være mellem 1 og 5."),
            ),
        ]

    @property
    def score(self) -> int:
        return self.probability * self.impact

    @property
    def band(self) -> Band:
        return band_of(self.score)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def is_flagged(self, today: datetime.date) -> bool:
        if not self.is_active:
            return False
        return self.band == TOP_BAND or bool(self.review_on and self.review_on < today)

    def may_move_to(self, status: str) -> bool:
        return status in self.MOVES.get(self.status, ())


class Issue(GovernanceRecord):
    """A problem now: what it blocks and by when it must be solved."""

    class Severity(models.TextChoices):
        LOW = "low", _("Lav")
        MEDIUM = "medium", _("Middel")
        HIGH = "high", _("Høj")
        CRITICAL = "critical", _("Kritisk")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Foreslået")
        OPEN = "open", _("Åben")
        IN_PROGRESS = "in_progress", _("Under løsning")
        RESOLVED = "resolved", _("Løst")
        REJECTED = "rejected", _("Afvist")

    ACTIVE_STATUSES = (Status.OPEN, Status.IN_PROGRESS)
    MOVES = {
        Status.PROPOSED: (Status.OPEN, Status.REJECTED),
        Status.OPEN: (Status.IN_PROGRESS, Status.RESOLVED),
        Status.IN_PROGRESS: (Status.OPEN, Status.RESOLVED),
        Status.RESOLVED: (Status.OPEN,),
        Status.REJECTED: (),
    }

    severity = models.CharField(_("alvor"), max_length=20, choices=Severity.choices)
    blocks = models.TextField(_("hvad det blokerer"), blank=True)
    due_on = models.DateField(_("løses senest"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    from_risk = models.OneToOneField(
        Risk,
        verbose_name=_("fra risiko"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issue",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("foreslået af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("problem")
        verbose_name_plural = _("problemer")

    def may_move_to(self, status: str) -> bool:
        return status in self.MOVES.get(self.status, ())

    def clean(self):
        if self.due_on and self.created_at and self.due_on < self.created_at.date():
            raise ValidationError(
                {"due_on": _("Fristen kan ikke ligge før problemet blev oprettet.")}
            )
