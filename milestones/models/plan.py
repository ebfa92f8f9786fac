"""The plan: the programme, its goals, activities, milestones and the dependencies between them."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parties.models import Party

from .baselines import Baseline
from .dates import DatePrecision, period_end, plan_date_error
from .provenance import Provenance
from .validity import HistoryValidity


class Programme(models.Model):
    """The programme itself ("Fuld overgang til SOR"). There is one."""

    key = models.SlugField(_("nøgle"), max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    description = models.TextField(_("beskrivelse"), blank=True)
    owner = models.ForeignKey(
        Party, verbose_name=_("ejer"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("program")
        verbose_name_plural = _("programmer")

    def __str__(self):
        return self.name


class Goal(models.Model):
    """A strategic goal, or a sub-goal (delmål) under one."""

    class Kind(models.TextChoices):
        STRATEGIC = "strategic", _("Strategisk mål")
        SUB_GOAL = "sub_goal", _("Delmål")

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.CASCADE, related_name="goals"
    )
    key = models.SlugField(_("nøgle"), max_length=60, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("overordnet mål"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sub_goals",
    )
    number = models.PositiveSmallIntegerField(_("nummer"), default=0)
    title = models.CharField(_("titel"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "number", "title"]
        verbose_name = _("mål")
        verbose_name_plural = _("mål")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="strategic", parent__isnull=True)
                | Q(kind="sub_goal", parent__isnull=False),
                name="milestones_goal_sub_goal_has_parent",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.kind == self.Kind.SUB_GOAL and self.parent_id is None:
            raise ValidationError({"parent": _("Et delmål skal have et overordnet mål.")})
        if self.kind == self.Kind.STRATEGIC and self.parent_id is not None:
            raise ValidationError({"parent": _("Et strategisk mål har ikke noget overordnet mål.")})
        if self.parent_id is not None:
            if self.pk is not None and self.parent_id == self.pk:
                raise ValidationError(
                    {"parent": _("Et mål kan ikke være sit eget overordnede mål.")}
                )
            if self.parent.kind != self.Kind.STRATEGIC:
                raise ValidationError(
                    {"parent": _("Det overordnede mål skal være et strategisk mål.")}
                )


class ActivityQuerySet(models.QuerySet):
    def for_party(self, party):
        return self.filter(responsible_party=party)


class Activity(Provenance):
    """Something a party must do in the programme, with its milestones."""

    class Track(models.TextChoices):
        INTERNAL_IT = "internal_it", _("Interne parter – it og drift")
        SUM_IT = "sum_it", _("Interne parter – øvrig it i SUM-koncernen")
        EXTERNAL = "external", _("Eksterne parter")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Ikke startet")
        IN_PROGRESS = "in_progress", _("I gang")
        DONE = "done", _("Afsluttet")
        ON_HOLD = "on_hold", _("Sat på pause")
        CANCELLED = "cancelled", _("Aflyst")

    key = models.SlugField(_("nøgle"), max_length=80, unique=True)
    title = models.CharField(_("titel"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    goal = models.ForeignKey(
        Goal,
        verbose_name=_("mål"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    track = models.CharField(_("spor"), max_length=20, choices=Track.choices)
    responsible_party = models.ForeignKey(
        Party,
        verbose_name=_("ansvarlig part"),
        on_delete=models.PROTECT,
        related_name="responsible_activities",
    )
    involved_parties = models.ManyToManyField(
        Party,
        verbose_name=_("involverede parter"),
        through="ActivityParticipant",
        related_name="involved_activities",
        blank=True,
    )
    plan_versions = models.ManyToManyField(
        Baseline,
        verbose_name=_("planversioner"),
        through="ActivityPlanVersion",
        related_name="activities",
        blank=True,
    )
    planned_start = models.DateField(_("planlagt start"), null=True, blank=True)
    planned_start_precision = models.CharField(
        _("præcision, start"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    planned_end = models.DateField(_("planlagt slut"), null=True, blank=True)
    planned_end_precision = models.CharField(
        _("præcision, slut"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    sort_order = models.PositiveIntegerField(_("rækkefølge"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords(bases=[HistoryValidity])
    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["track", "sort_order", "title"]
        verbose_name = _("aktivitet")
        verbose_name_plural = _("aktiviteter")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=models.F("planned_start")),
                name="milestones_activity_end_after_start",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        for name in ("planned_start", "planned_end"):
            error = plan_date_error(getattr(self, name), getattr(self, f"{name}_precision"))
            if error:
                errors[name] = error
        if (
            not errors
            and self.planned_start
            and self.planned_end
            and self.planned_end < self.planned_start
        ):
            errors["planned_end"] = _("Planlagt slut kan ikke ligge før planlagt start.")
        if errors:
            raise ValidationError(errors)


class ActivityParticipant(models.Model):
    """A party involved in an activity besides the responsible one (history kept, for as_of)."""

    activity = models.ForeignKey(Activity, verbose_name=_("aktivitet"), on_delete=models.CASCADE)
    party = models.ForeignKey(Party, verbose_name=_("part"), on_delete=models.CASCADE)
    role = models.CharField(_("rolle"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["activity", "party__name"]
        verbose_name = _("involveret part")
        verbose_name_plural = _("involverede parter")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "party"], name="milestones_activityparticipant_unique"
            )
        ]

    def __str__(self):
        return f"{self.party} i {self.activity}"


class ActivityPlanVersion(models.Model):
    """An activity as it appears in one plan version: the document's own title and row."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("aktivitet"), on_delete=models.CASCADE, related_name="appearances"
    )
    baseline = models.ForeignKey(
        Baseline,
        verbose_name=_("planversion"),
        on_delete=models.CASCADE,
        related_name="appearances",
    )
    title_in_document = models.CharField(_("titel i dokumentet"), max_length=300)
    responsible_in_document = models.CharField(
        _("ansvarlig i dokumentet"), max_length=200, blank=True
    )
    location = models.CharField(
        _("placering i dokumentet"),
        max_length=200,
        blank=True,
        help_text=_("Fx 'SOR Roadmap 2/4'."),
    )
    description_in_document = models.TextField(
        _("beskrivelse i dokumentet"),
        blank=True,
        help_text=_("Aktiviteten med dette dokuments egne ord."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["baseline__sequence", "activity"]
        verbose_name = _("aktivitet i planversion")
        verbose_name_plural = _("aktiviteter i planversioner")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "baseline"], name="milestones_activityplanversion_unique"
            )
        ]

    def __str__(self):
        return f"{self.title_in_document} ({self.baseline})"


class MilestoneQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=[Milestone.Status.DONE, Milestone.Status.CANCELLED])

    def for_party(self, party):
        return self.filter(activity__responsible_party=party)


class Milestone(Provenance):
    """A point an activity must reach, with its forecast and actual dates."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planlagt")
        IN_PROGRESS = "in_progress", _("I gang")
        DONE = "done", _("Nået")
        CANCELLED = "cancelled", _("Aflyst")

    class Rag(models.TextChoices):
        GREEN = "green", _("Grøn")
        YELLOW = "yellow", _("Gul")
        RED = "red", _("Rød")

    key = models.SlugField(_("nøgle"), max_length=100, unique=True)
    activity = models.ForeignKey(
        Activity, verbose_name=_("aktivitet"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("titel"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    source_text = models.CharField(
        _("kildens ordlyd"),
        max_length=300,
        blank=True,
        help_text=_("Hvad kilden siger om datoen, fx 'medio december 2023'."),
    )
    forecast_date = models.DateField(_("forventet dato"), null=True, blank=True)
    forecast_precision = models.CharField(
        _("præcision, forventet"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    actual_date = models.DateField(_("faktisk dato"), null=True, blank=True)
    actual_precision = models.CharField(
        _("præcision, faktisk"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    actual_date_unknown = models.BooleanField(
        _("nået, dato ukendt"),
        default=False,
        help_text=_("Milepælen er nået, men kilden oplyser ingen dato."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    rag_override = models.CharField(
        _("RAG tilsidesat"), max_length=10, choices=Rag.choices, blank=True
    )
    rag_override_reason = models.TextField(_("begrundelse for tilsidesat RAG"), blank=True)
    sort_order = models.PositiveIntegerField(_("rækkefølge"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()
    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["activity", "sort_order", "forecast_date", "title"]
        verbose_name = _("milepæl")
        verbose_name_plural = _("milepæle")
        indexes = [
            models.Index(fields=["status", "forecast_date"], name="ms_milestone_status_fc_idx"),
            # The milestone list's default order (`views.plan.MILESTONE_SORTS["forventet"]`,
            # then the id): its first page read from the index, not a sort of every row.
            models.Index(
                fields=["forecast_date", "title", "id"], name="ms_milestone_list_order_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done")
                | Q(actual_date__isnull=False)
                | Q(actual_date_unknown=True),
                name="milestones_milestone_done_has_actual_or_unknown",
            ),
            models.CheckConstraint(
                condition=Q(actual_date_unknown=False) | Q(actual_date__isnull=True),
                name="milestones_milestone_unknown_has_no_date",
            ),
            models.CheckConstraint(
                condition=Q(rag_override="") | ~Q(rag_override_reason=""),
                name="milestones_milestone_override_has_reason",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        """The rules for a milestone's dates and status that hold on every write path."""
        errors = {}
        for name in ("forecast_date", "actual_date"):
            prefix = name.removesuffix("_date")
            error = plan_date_error(getattr(self, name), getattr(self, f"{prefix}_precision"))
            if error:
                errors[name] = error
        today = timezone.localdate()
        if self.actual_date and "actual_date" not in errors and self.actual_date > today:
            errors["actual_date"] = ValidationError(
                _("Den faktiske dato kan ikke ligge i fremtiden (i dag er %(today)s)."),
                code="future",
                params={"today": formats.date_format(today, "DATE_FORMAT")},
            )
        if self.actual_date and self.actual_date_unknown:
            errors["actual_date_unknown"] = _(
                "Vælg enten en faktisk dato eller “dato ukendt”, ikke begge."
            )
        if self.status == self.Status.DONE:
            if (
                not self.actual_date
                and not self.actual_date_unknown
                and "actual_date" not in errors
            ):
                errors["actual_date"] = _(
                    "En nået milepæl skal have en faktisk dato. Kendes datoen ikke, "
                    "så sæt kryds i “nået, dato ukendt”."
                )
        elif self.actual_date or self.actual_date_unknown:
            errors["status"] = _(
                "En faktisk dato betyder, at milepælen er nået: sæt status til “Nået”, "
                "eller fjern den faktiske dato."
            )
        if self.rag_override and not (self.rag_override_reason or "").strip():
            errors["rag_override_reason"] = _("Skriv en begrundelse, når RAG-status tilsidesættes.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    @property
    def forecast_period_end(self) -> datetime.date | None:
        if self.forecast_date is None:
            return None
        return period_end(self.forecast_date, self.forecast_precision)

    @property
    def actual_period_end(self) -> datetime.date | None:
        if self.actual_date is None:
            return None
        return period_end(self.actual_date, self.actual_precision)


class Dependency(models.Model):
    """The successor milestone cannot be reached before the predecessor."""

    predecessor = models.ForeignKey(
        Milestone,
        verbose_name=_("forudgående milepæl"),
        on_delete=models.CASCADE,
        related_name="successor_links",
    )
    successor = models.ForeignKey(
        Milestone,
        verbose_name=_("afhængig milepæl"),
        on_delete=models.CASCADE,
        related_name="predecessor_links",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["predecessor", "successor"]
        verbose_name = _("afhængighed")
        verbose_name_plural = _("afhængigheder")
        constraints = [
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")),
                name="milestones_dependency_not_self",
            ),
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="milestones_dependency_unique"
            ),
        ]

    def __str__(self):
        return f"{self.predecessor} → {self.successor}"

    def clean(self):
        """Refuse a dependency on itself, or one that would close a cycle (naming it)."""
        if self.predecessor_id is None or self.successor_id is None:
            return
        if self.predecessor_id == self.successor_id:
            raise ValidationError({"predecessor": _("En milepæl kan ikke afhænge af sig selv.")})
        cycle = self.cycle_path()
        if cycle:
            titles = dict(Milestone.objects.filter(pk__in=cycle).values_list("pk", "title"))
            raise ValidationError(
                {
                    "predecessor": ValidationError(
                        _("Afhængigheden vil give en løkke: %(cycle)s."),
                        code="cycle",
                        params={"cycle": " → ".join(titles[pk] for pk in cycle)},
                    )
                }
            )

    def cycle_path(self) -> list[int]:
        """The cycle this dependency would close, as milestone ids from predecessor back to
        itself (empty when none). One query: the dependency table is small."""
        successors: dict[int, list[int]] = {}
        links = Dependency.objects.exclude(pk=self.pk) if self.pk else Dependency.objects.all()
        for before, after in links.values_list("predecessor_id", "successor_id"):
            successors.setdefault(before, []).append(after)
        # A path successor -> ... -> predecessor closes predecessor -> successor -> ... .
        start, goal = self.successor_id, self.predecessor_id
        came_from: dict[int, int | None] = {start: None}
        queue = [start]
        while queue:
            node = queue.pop(0)
            if node == goal:
                path = [node]
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                path.reverse()  # successor ... predecessor
                return [goal, *path]
            for nxt in successors.get(node, []):
                if nxt not in came_from:
                    came_from[nxt] = node
                    queue.append(nxt)
        return []
