"""The steering group's meetings, the decisions it is asked to take, the actions agreed,
exception notes on red milestones, and the SOR-team's delivery confidence."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from milestones.models import Activity, Milestone
from parties.models import Party

from .common import GovernanceRecord, RecordQuerySet
from .risks import Risk


class Meeting(models.Model):
    """A meeting of the national steering group."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dagsorden i udkast")
        PUBLISHED = "published", _("Dagsorden udsendt")
        HELD = "held", _("Afholdt")

    key = models.SlugField(_("nøgle"), max_length=80, unique=True)
    title = models.CharField(_("titel"), max_length=300)
    held_on = models.DateField(_("dato"))
    starts_at = models.TimeField(_("klokken"), null=True, blank=True)
    place = models.CharField(_("sted"), max_length=300, blank=True)
    agenda = models.TextField(_("dagsorden"), blank=True)
    minutes = models.TextField(_("referat"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("møde")
        verbose_name_plural = _("møder")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="held") | ~Q(minutes=""),
                name="governance_meeting_held_has_minutes",
                violation_error_message=_("Et afholdt møde skal have et referat."),
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.held_on:%d.%m.%Y})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def previous(self):
        return Meeting.objects.filter(held_on__lt=self.held_on).order_by("-held_on").first()


class MeetingParticipant(models.Model):
    """Who takes part in a meeting: a user of the system, or a name only."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("møde"), on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bruger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("navn"), max_length=200)
    party = models.ForeignKey(
        Party, verbose_name=_("part"), null=True, blank=True, on_delete=models.PROTECT
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "name"]
        verbose_name = _("mødedeltager")
        verbose_name_plural = _("mødedeltagere")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="governance_meetingparticipant_user_once",
            )
        ]

    def __str__(self):
        return self.name


class DecisionQuerySet(RecordQuerySet):
    def requested(self):
        return self.filter(status=Decision.Status.REQUESTED)


class Decision(GovernanceRecord):
    """A decision the steering group is asked to take, and, once taken, what it decided."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Anmodet")
        TAKEN = "taken", _("Truffet")
        WITHDRAWN = "withdrawn", _("Trukket tilbage")

    question = models.TextField(_("hvad der skal besluttes"))
    background = models.TextField(_("hvorfor"), blank=True)
    recommendation = models.TextField(_("SOR-teamets anbefaling"), blank=True)
    needed_by = models.DateField(_("skal besluttes senest"), null=True, blank=True)
    requested_by_party = models.ForeignKey(
        Party,
        verbose_name=_("anmodet af (part)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("anmodet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    outcome = models.TextField(_("beslutning"), blank=True)
    decided_on = models.DateField(_("besluttet den"), null=True, blank=True)
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("møde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    conditions = models.TextField(_("betingelser"), blank=True)
    source_update = models.ForeignKey(
        "milestones.ProgressUpdate",
        verbose_name=_("fra statusopdatering"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = DecisionQuerySet.as_manager()

    READER_PARTY_FIELDS = ("owner_party", "requested_by_party")

    class Meta:
        ordering = ["needed_by", "-created_at"]
        verbose_name = _("beslutning")
        verbose_name_plural = _("beslutninger")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="taken") | (Q(decided_on__isnull=False) & ~Q(outcome="")),
                name="governance_decision_taken_has_outcome_and_date",
                violation_error_message=_("En truffet beslutning skal have en ordlyd og en dato."),
            )
        ]

    @property
    def is_requested(self) -> bool:
        return self.status == self.Status.REQUESTED


class DecisionOption(models.Model):
    """One option put to the steering group, with its consequences."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("beslutning"), on_delete=models.CASCADE, related_name="options"
    )
    number = models.PositiveSmallIntegerField(_("nummer"))
    title = models.CharField(_("mulighed"), max_length=300)
    consequences = models.TextField(_("konsekvenser"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["decision", "number"]
        verbose_name = _("beslutningsmulighed")
        verbose_name_plural = _("beslutningsmuligheder")
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "number"], name="governance_decisionoption_unique_number"
            )
        ]

    def __str__(self):
        return self.title


class ActionQuerySet(RecordQuerySet):
    def open(self):
        return self.filter(status__in=Action.OPEN_STATUSES)

    def overdue(self, today: datetime.date):
        return self.open().filter(due_on__lt=today)


class Action(GovernanceRecord):
    """Something a person must do by a date, agreed at a meeting, for a decision or a risk."""

    class Status(models.TextChoices):
        OPEN = "open", _("Åben")
        IN_PROGRESS = "in_progress", _("I gang")
        DONE = "done", _("Udført")
        CANCELLED = "cancelled", _("Annulleret")

    class Origin(models.TextChoices):
        MEETING = "meeting", _("Møde")
        DECISION = "decision", _("Beslutning")
        RISK = "risk", _("Risikohåndtering")
        OTHER = "other", _("Andet")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    due_on = models.DateField(_("frist"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    progress_note = models.TextField(_("status i ord"), blank=True)
    origin = models.CharField(
        _("oprindelse"), max_length=20, choices=Origin.choices, default=Origin.OTHER
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("møde"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("beslutning"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    risk = models.ForeignKey(
        Risk,
        verbose_name=_("risiko"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )

    history = HistoricalRecords()
    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "title"]
        verbose_name = _("handling")
        verbose_name_plural = _("handlinger")
        constraints = [
            models.CheckConstraint(
                condition=Q(origin="other")
                | Q(origin="meeting", meeting__isnull=False)
                | Q(origin="decision", decision__isnull=False)
                | Q(origin="risk", risk__isnull=False),
                name="governance_action_origin_is_linked",
                violation_error_message=_(
                    "Vælg det møde, den beslutning eller den risiko, handlingen kommer fra."
                ),
            )
        ]

    def is_overdue(self, today: datetime.date) -> bool:
        return self.status in self.OPEN_STATUSES and self.due_on < today


class ActionReminderSent(models.Model):
    """An overdue action's owner was e-mailed; at most once per action."""

    action = models.OneToOneField(
        Action, verbose_name=_("handling"), on_delete=models.CASCADE, related_name="reminder"
    )
    sent_at = models.DateTimeField(_("sendt"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("påmindelse om handling")
        verbose_name_plural = _("påmindelser om handlinger")

    def __str__(self):
        return str(self.action)


class ExceptionNote(models.Model):
    """PRINCE2's exception report on a milestone that turned red: cause, consequences,
    options and recommendation, raised to the steering group as a decision request."""

    key = models.SlugField(_("nøgle"), max_length=80, unique=True)
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milepæl"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    cause = models.TextField(_("årsag"))
    consequences = models.TextField(_("konsekvenser"))
    options = models.TextField(_("muligheder"))
    recommendation = models.TextField(_("anbefaling"))
    decision = models.OneToOneField(
        Decision,
        verbose_name=_("beslutningsanmodning"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exception_note",
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("afvigelsesrapport")
        verbose_name_plural = _("afvigelsesrapporter")

    def __str__(self):
        return str(self.milestone)


class DeliveryConfidence(models.Model):
    """The SOR-team's forward-looking judgement (the IPA's five levels), for the programme
    (no activity) or one activity. One row per subject; its history keeps every rating."""

    class Level(models.TextChoices):
        GREEN = "green", _("Grøn")
        GREEN_AMBER = "green_amber", _("Grøn/gul")
        AMBER = "amber", _("Gul")
        AMBER_RED = "amber_red", _("Gul/rød")
        RED = "red", _("Rød")

    key = models.SlugField(_("nøgle"), max_length=90, unique=True)
    activity = models.OneToOneField(
        Activity,
        verbose_name=_("aktivitet"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    level = models.CharField(_("leveringssikkerhed"), max_length=20, choices=Level.choices)
    justification = models.TextField(_("begrundelse"))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]
        verbose_name = _("leveringssikkerhed")
        verbose_name_plural = _("leveringssikkerhed")
        constraints = [
            models.CheckConstraint(
                condition=~Q(justification=""),
                name="governance_deliveryconfidence_justified",
                violation_error_message=_("Begrund vurderingen af leveringssikkerheden."),
            )
        ]

    def __str__(self):
        return f"{self.activity or _('Programmet')}: {self.get_level_display()}"
