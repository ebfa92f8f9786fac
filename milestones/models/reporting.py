"""The monthly reporting rounds: obligations, parties' progress updates, forecast proposals, reminders."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parties.models import Party

from .dates import DatePrecision
from .plan import Activity, Milestone
from .validity import HistoryValidity


class ReportingRound(models.Model):
    """A month's reporting round: which parties must report on which activities, by when."""

    period = models.DateField(_("periode"), unique=True, help_text=_("Månedens første dag."))
    opens_on = models.DateField(_("åbner"))
    due_on = models.DateField(_("frist"))
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
        ordering = ["-period"]
        verbose_name = _("rapporteringsrunde")
        verbose_name_plural = _("rapporteringsrunder")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("opens_on")),
                name="milestones_reportinground_due_after_open",
            ),
        ]

    def __str__(self):
        return f"{self.period:%Y-%m}"


class RoundObligation(models.Model):
    """A party must report on an activity in a round (fixed when the round is created)."""

    round = models.ForeignKey(
        ReportingRound,
        verbose_name=_("runde"),
        on_delete=models.CASCADE,
        related_name="obligations",
    )
    party = models.ForeignKey(
        Party, verbose_name=_("part"), on_delete=models.PROTECT, related_name="+"
    )
    activity = models.ForeignKey(
        Activity, verbose_name=_("aktivitet"), on_delete=models.CASCADE, related_name="+"
    )

    history = HistoricalRecords(bases=[HistoryValidity])

    class Meta:
        ordering = ["round", "party__name", "activity__title"]
        verbose_name = _("rapporteringspligt")
        verbose_name_plural = _("rapporteringspligter")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "party", "activity"], name="milestones_roundobligation_unique"
            )
        ]

    def __str__(self):
        return f"{self.party} – {self.activity} ({self.round})"


class ProgressUpdate(models.Model):
    """A party's progress update on one activity for one round."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Kladde")
        SUBMITTED = "submitted", _("Indsendt")
        RETURNED = "returned", _("Sendt retur")
        ACCEPTED = "accepted", _("Godkendt")

    round = models.ForeignKey(
        ReportingRound, verbose_name=_("runde"), on_delete=models.PROTECT, related_name="updates"
    )
    party = models.ForeignKey(
        Party, verbose_name=_("part"), on_delete=models.PROTECT, related_name="progress_updates"
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("aktivitet"),
        on_delete=models.PROTECT,
        related_name="progress_updates",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    narrative = models.TextField(_("status i ord"), blank=True)
    self_rag = models.CharField(
        _("egen vurdering (RAG)"), max_length=10, choices=Milestone.Rag.choices, blank=True
    )
    self_rag_reason = models.TextField(_("begrundelse for egen vurdering"), blank=True)
    percent_complete = models.PositiveSmallIntegerField(_("procent færdig"), null=True, blank=True)
    achievements = models.TextField(_("opnået i perioden"), blank=True)
    next_steps = models.TextField(_("næste skridt"), blank=True)
    risks = models.TextField(_("risici og forhindringer"), blank=True)
    help_needed = models.TextField(_("behov for hjælp fra styregruppen"), blank=True)
    submitted_at = models.DateTimeField(_("indsendt"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("indsendt af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("behandlet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField(_("kommentar fra SOR-teamet"), blank=True)
    is_demo = models.BooleanField(_("demodata"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords(bases=[HistoryValidity])

    # The history reason of a draft saved again (`services.updates.progress_update_save`):
    # its status stays as it was, and only the party's own form and the update's page,
    # both read live, show a draft's texts; so the pages' stamps leave these rows out
    # (`core.cache.stamp`: `STAMP_QUIET_HISTORY`), and the steering group's dashboard,
    # the plan's pages and the round's counts stay warm while a party writes.
    DRAFT_SAVED_REASON = "Kladde gemt"
    STAMP_QUIET_HISTORY = {"history_type": "~", "history_change_reason": DRAFT_SAVED_REASON}

    class Meta:
        ordering = ["-round__period", "party__name", "activity__title"]
        verbose_name = _("statusopdatering")
        verbose_name_plural = _("statusopdateringer")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "party", "activity"], name="milestones_progressupdate_unique"
            ),
            models.CheckConstraint(
                condition=Q(percent_complete__isnull=True) | Q(percent_complete__lte=100),
                name="milestones_progressupdate_percent_max_100",
            ),
        ]

    def __str__(self):
        return f"{self.party} – {self.activity} ({self.round})"

    @property
    def is_submitted(self) -> bool:
        """Submitted to the SOR-team (awaiting review or accepted): what the steering group reads."""
        return self.status in (self.Status.SUBMITTED, self.Status.ACCEPTED)


class ForecastProposal(models.Model):
    """A party's proposal, in an update, of a new forecast date for one milestone."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Afventer")
        ACCEPTED = "accepted", _("Godkendt")
        REJECTED = "rejected", _("Afvist")

    update = models.ForeignKey(
        ProgressUpdate,
        verbose_name=_("opdatering"),
        on_delete=models.CASCADE,
        related_name="proposals",
    )
    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milepæl"), on_delete=models.CASCADE, related_name="proposals"
    )
    proposed_date = models.DateField(_("foreslået dato"))
    proposed_precision = models.CharField(
        _("præcision"), max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    reason = models.TextField(_("begrundelse"))
    decision = models.CharField(
        _("afgørelse"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["update", "milestone"]
        verbose_name = _("forslag til ny dato")
        verbose_name_plural = _("forslag til nye datoer")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "milestone"], name="milestones_forecastproposal_unique"
            )
        ]

    def __str__(self):
        return f"{self.milestone}: {self.proposed_date}"


class ReminderSent(models.Model):
    """A reminder e-mail sent for a party in a round; at most one per kind."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Frist nærmer sig")
        OVERDUE = "overdue", _("Frist overskredet")

    round = models.ForeignKey(
        ReportingRound, verbose_name=_("runde"), on_delete=models.CASCADE, related_name="reminders"
    )
    party = models.ForeignKey(
        Party, verbose_name=_("part"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sendt"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("påmindelse")
        verbose_name_plural = _("påmindelser")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "party", "kind"], name="milestones_remindersent_once"
            )
        ]

    def __str__(self):
        return f"{self.party} – {self.get_kind_display()} ({self.round})"
