"""The SHAK dependency register: every system, register, service, report and
integration that still uses SHAK, its state on the way to SOR, its transition
plan, and the plan's dated steps (changes made, tested, in production).

The steps are the register's own rows, not milestones: they do not appear among
the programme's milestones, its roll-ups or the report's appendix, but they are
rated by the same rule (`milestones.rag`).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from milestones.models import Activity, DatePrecision, Milestone, period_end, plan_date_error
from milestones.models.status import RatingColumns
from milestones.models.validity import HistoryValidity
from parties.models import Party


class ShakState(models.TextChoices):
    """An entry's use of SHAK, in the order it moves towards SOR."""

    NOT_MAPPED = "not_mapped", _("Ikke kortlagt")
    SHAK = "shak", _("SHAK")
    SHAK_PLUS = "shak_plus", _("SHAK+")
    SHAK_AND_SOR = "shak_and_sor", _("SHAK og SOR")
    SOR_ONLY = "sor_only", _("Kun SOR")
    RETIRED = "retired", _("Udfaset")


STATE_ORDER = {state: n for n, state in enumerate(ShakState.values)}
# Still depending on SHAK: everything before "kun SOR".
DEPENDING_STATES = (
    ShakState.NOT_MAPPED,
    ShakState.SHAK,
    ShakState.SHAK_PLUS,
    ShakState.SHAK_AND_SOR,
)
# Paths under /register/ that a key cannot take.
RESERVED_KEYS = frozenset({"ny", "import"})
# Reaching these needs a date and who confirmed it.
FINAL_STATES = (ShakState.SOR_ONLY, ShakState.RETIRED)


class EntryQuerySet(models.QuerySet):
    def depending_on_shak(self):
        return self.filter(state__in=DEPENDING_STATES)

    def visible_to(self, access):
        """The entries a person may read (see `Access.register_scope`)."""
        scope = access.register_scope()
        if scope.everything:
            return self
        if not scope.owner_ids and not scope.supplier_ids:
            return self.none()
        return self.filter(Q(owner_id__in=scope.owner_ids) | Q(supplier_id__in=scope.supplier_ids))


class Entry(models.Model):
    """A system, register, service, report or integration that holds or sends SHAK codes."""

    class Kind(models.TextChoices):
        SYSTEM = "system", _("System")
        REGISTER = "register", _("Register")
        SERVICE = "service", _("Service")
        REPORT = "report", _("Indberetning/rapport")
        INTEGRATION = "integration", _("Integration")

    class Category(models.TextChoices):
        PATIENT_RECORD = "patient_record", _("Patientjournal")
        CLINICAL_LOGISTICS = "clinical_logistics", _("Klinisk logistik")
        PHARMACY = "pharmacy", _("Apotek")
        PATHOLOGY = "pathology", _("Patologi")
        LABORATORY = "laboratory", _("Laboratorie")
        LPR_REPORTING = "lpr_reporting", _("LPR-indberetning")
        ORGANISATION_DATA = "organisation_data", _("Organisationsdata")
        ADMINISTRATIVE = "administrative", _("Administrativ")
        OTHER = "other", _("Andet")

    class Criticality(models.TextChoices):
        HIGH = "high", _("Høj")
        MEDIUM = "medium", _("Middel")
        LOW = "low", _("Lav")
        UNKNOWN = "unknown", _("Ikke vurderet")

    class Budget(models.TextChoices):
        UNDECIDED = "undecided", _("Ikke afklaret")
        EXISTING_CONTRACT = "existing_contract", _("Del af eksisterende vedligeholdelseskontrakt")
        NEW_MONEY = "new_money", _("Kræver nye midler")

    key = models.SlugField(
        _("nøgle"),
        max_length=100,
        unique=True,
        help_text=_("Stabil nøgle, fx 'region-midt-epj'. Bruges ved import."),
    )
    name = models.CharField(_("navn"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    is_nsp_service = models.BooleanField(_("NSP-service"), default=False)
    category = models.CharField(
        _("kategori"), max_length=30, choices=Category.choices, default=Category.OTHER
    )
    owner = models.ForeignKey(
        Party,
        verbose_name=_("systemejer"),
        on_delete=models.PROTECT,
        related_name="register_entries",
        help_text=_("Den part, der ejer systemet og står for overgangen."),
    )
    supplier = models.ForeignKey(
        Party,
        verbose_name=_("leverandør"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="maintained_register_entries",
        help_text=_("It-leverandøren, der vedligeholder systemet."),
    )
    criticality = models.CharField(
        _("kritikalitet"), max_length=10, choices=Criticality.choices, default=Criticality.UNKNOWN
    )
    activities = models.ManyToManyField(
        Activity, verbose_name=_("aktiviteter"), blank=True, related_name="register_entries"
    )
    milestones = models.ManyToManyField(
        Milestone, verbose_name=_("milepæle"), blank=True, related_name="register_entries"
    )
    description = models.TextField(_("beskrivelse"), blank=True)

    # -- SHAK use ------------------------------------------------------------
    state = models.CharField(
        _("SHAK-anvendelse"), max_length=20, choices=ShakState.choices, default=ShakState.NOT_MAPPED
    )
    state_date = models.DateField(_("dato for tilstanden"), null=True, blank=True)
    state_date_precision = models.CharField(
        _("præcision, tilstandsdato"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    state_confirmed_by = models.CharField(
        _("bekræftet af"),
        max_length=200,
        blank=True,
        help_text=_("Hvem der har bekræftet, at systemet kun bruger SOR eller er udfaset."),
    )

    # -- transition plan -----------------------------------------------------
    solution_description = models.TextField(
        _("løsningsbeskrivelse"),
        blank=True,
        help_text=_("Løsningsbeskrivelse/specifikation af nødvendige ændringer."),
    )
    resources_internal = models.TextField(_("ressourcer, interne"), blank=True)
    resources_external = models.TextField(_("ressourcer, eksterne"), blank=True)
    budget = models.CharField(
        _("budget"), max_length=20, choices=Budget.choices, default=Budget.UNDECIDED
    )
    budget_amount = models.DecimalField(
        _("beløb (kr.)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    support_sor_sources = models.BooleanField(_("behov: SOR-kilder"), default=False)
    support_content = models.BooleanField(_("behov: beskrivelse af SOR-indhold"), default=False)
    support_use_cases = models.BooleanField(_("behov: anvendelsessituationer"), default=False)
    support_expertise = models.BooleanField(
        _("behov: hjælp fra medarbejdere med SOR-kompetencer"), default=False
    )
    support_note = models.TextField(_("støttebehov, uddybning"), blank=True)
    release_name = models.CharField(
        _("release i leverandørens roadmap"),
        max_length=100,
        blank=True,
        help_text=_("Fx 'Release 2026.2'. Roadmaps er booket 1-2 år frem."),
    )
    release_date = models.DateField(_("planlagt release"), null=True, blank=True)
    release_precision = models.CharField(
        _("præcision, release"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.QUARTER,
    )

    is_demo = models.BooleanField(
        _("demodata"), default=False, help_text=_("Posten er illustrative demodata.")
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[activities, milestones], bases=[HistoryValidity])
    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["name", "key"]
        verbose_name = _("post i SHAK-registeret")
        verbose_name_plural = _("poster i SHAK-registeret")
        indexes = [
            models.Index(fields=["state"], name="register_entry_state_idx"),
            # The list's order (`ordering`): a page read from the index, not a sort of
            # every entry joined with its owner and supplier.
            models.Index(fields=["name", "key"], name="register_entry_list_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=[s.value for s in FINAL_STATES])
                | (Q(state_date__isnull=False) & ~Q(state_confirmed_by="")),
                name="register_entry_final_state_has_date_and_confirmation",
            ),
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | Q(budget_amount__gte=0),
                name="register_entry_budget_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(supplier__isnull=True) | ~Q(supplier=models.F("owner")),
                name="register_entry_supplier_is_not_owner",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def depends_on_shak(self) -> bool:
        return self.state in DEPENDING_STATES

    @property
    def state_rank(self) -> int:
        return STATE_ORDER[self.state]

    def clean(self):
        errors = {}
        if self.key in RESERVED_KEYS:
            errors["key"] = _("Nøglen “%(key)s” er reserveret; vælg en anden.") % {"key": self.key}
        if self.supplier_id and self.supplier.kind != Party.Kind.IT_SUPPLIER:
            errors["supplier"] = _("Leverandøren skal være en part af typen it-leverandør.")
        if self.supplier_id and self.supplier_id == self.owner_id:
            errors["supplier"] = _("Systemejeren kan ikke også være leverandøren.")
        for name, precision in (
            ("state_date", self.state_date_precision),
            ("release_date", self.release_precision),
        ):
            error = plan_date_error(getattr(self, name), precision)
            if error:
                errors[name] = error
        if self.state in FINAL_STATES:
            if not self.state_date and "state_date" not in errors:
                errors["state_date"] = _("Angiv datoen for “%(state)s” (med præcision).") % {
                    "state": ShakState(self.state).label
                }
            if not self.state_confirmed_by.strip():
                errors["state_confirmed_by"] = _("Angiv, hvem der har bekræftet “%(state)s”.") % {
                    "state": ShakState(self.state).label
                }
        if self.state_date and "state_date" not in errors:
            today = timezone.localdate()
            if self.state_date > today:
                errors["state_date"] = ValidationError(
                    _("Datoen for tilstanden kan ikke ligge i fremtiden (i dag er %(today)s)."),
                    code="future",
                    params={"today": formats.date_format(today, "DATE_FORMAT")},
                )
        if errors:
            raise ValidationError(errors)


class Step(models.Model):
    """A dated step of an entry's transition plan, with baseline, forecast and actual.

    Rated by `milestones.rag.milestone_rag`, which reads a milestone's dates; a
    step offers the same attributes (status, forecast and actual periods, no
    override).
    """

    class Kind(models.TextChoices):
        CHANGES_MADE = "changes_made", _("Ændringer lavet")
        TESTED = "tested", _("Testet")
        IN_PRODUCTION = "in_production", _("I produktion")

    entry = models.ForeignKey(
        Entry, verbose_name=_("post"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("trin"), max_length=20, choices=Kind.choices)
    baseline_date = models.DateField(_("baselinedato"), null=True, blank=True)
    baseline_precision = models.CharField(
        _("præcision, baseline"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
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
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords(bases=[HistoryValidity])

    # What milestones.rag reads of a milestone, for a step.
    rag_override = ""
    rag_override_reason = ""
    actual_date_unknown = False

    class Meta:
        ordering = ["entry", "kind"]
        verbose_name = _("trin i overgangsplan")
        verbose_name_plural = _("trin i overgangsplaner")
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind"], name="register_step_one_per_kind"),
        ]

    def __str__(self):
        return f"{self.entry}: {self.get_kind_display()}"

    @property
    def sort_key(self) -> int:
        return list(self.Kind.values).index(self.kind)

    @property
    def status(self) -> str:
        return Milestone.Status.DONE if self.actual_date else Milestone.Status.PLANNED

    @property
    def forecast_period_end(self):
        return (
            period_end(self.forecast_date, self.forecast_precision) if self.forecast_date else None
        )

    @property
    def actual_period_end(self):
        return period_end(self.actual_date, self.actual_precision) if self.actual_date else None

    @property
    def baseline_period_end(self):
        return (
            period_end(self.baseline_date, self.baseline_precision) if self.baseline_date else None
        )

    @property
    def is_empty(self) -> bool:
        return not (self.baseline_date or self.forecast_date or self.actual_date)

    def clean(self):
        errors = {}
        for prefix in ("baseline", "forecast", "actual"):
            error = plan_date_error(
                getattr(self, f"{prefix}_date"), getattr(self, f"{prefix}_precision")
            )
            if error:
                errors[f"{prefix}_date"] = error
        today = timezone.localdate()
        if self.actual_date and "actual_date" not in errors and self.actual_date > today:
            errors["actual_date"] = ValidationError(
                _("Den faktiske dato kan ikke ligge i fremtiden (i dag er %(today)s)."),
                code="future",
                params={"today": formats.date_format(today, "DATE_FORMAT")},
            )
        if errors:
            raise ValidationError(errors)


class EntryProposal(models.Model):
    """A party's proposed changes to one of its entries, in its monthly progress update:
    a new SHAK state (with the date, precision and confirmation the move needs, and a
    reason for a move backwards), changed plan texts and step dates. The SOR-team
    accepts (applied through the register's services) or rejects it when it reviews
    the update, as it does the update's proposed milestone dates.

    `plan` holds only the texts that differ from the entry's ({field: text}); `steps`
    only the steps whose dates differ ({kind: {forecast_date, forecast_precision,
    actual_date, actual_precision}}, dates as ISO text).
    """

    class Decision(models.TextChoices):
        PENDING = "pending", _("Afventer")
        ACCEPTED = "accepted", _("Godkendt")
        REJECTED = "rejected", _("Afvist")

    update = models.ForeignKey(
        "milestones.ProgressUpdate",
        verbose_name=_("opdatering"),
        on_delete=models.CASCADE,
        related_name="register_proposals",
    )
    entry = models.ForeignKey(
        Entry, verbose_name=_("post"), on_delete=models.CASCADE, related_name="proposals"
    )
    state = models.CharField(
        _("foreslået SHAK-anvendelse"), max_length=20, choices=ShakState.choices, blank=True
    )
    state_date = models.DateField(_("dato for tilstanden"), null=True, blank=True)
    state_date_precision = models.CharField(
        _("præcision, tilstandsdato"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    state_confirmed_by = models.CharField(_("bekræftet af"), max_length=200, blank=True)
    state_reason = models.TextField(_("begrundelse"), blank=True)
    plan = models.JSONField(_("overgangsplanens tekster"), default=dict, blank=True)
    steps = models.JSONField(_("trinenes datoer"), default=dict, blank=True)
    decision = models.CharField(
        _("afgørelse"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["update", "entry__name"]
        verbose_name = _("forslag til ændring af post")
        verbose_name_plural = _("forslag til ændringer af poster")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "entry"], name="register_entryproposal_one_per_update"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[s.value for s in FINAL_STATES])
                | (Q(state_date__isnull=False) & ~Q(state_confirmed_by="")),
                name="register_entryproposal_final_state_has_date_and_confirmation",
            ),
        ]

    def __str__(self):
        return f"{self.entry}: {self.update}"


class EntryReadiness(RatingColumns):
    """An entry's readiness as rated on `rated_on`: what the readiness page groups,
    counts and names it by (its key, name, kind, category, owner, supplier, state and
    whether that still depends on SHAK), and its plan's "in production" step rated by
    `milestones.rag`, with the ends of the periods the burn-down's forecast and
    baseline lines count by. A cache of the entry and the rule, kept by
    `register.readiness`. An entry without the step, or with neither a forecast nor an
    actual date on it, has no plan (`has_plan` false, no rating). `changed_at` moves
    whenever a row's values change: with the row count it stamps the page's figures."""

    entry = models.OneToOneField(
        Entry,
        verbose_name=_("post"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="readiness",
    )
    rated_on = models.DateField(_("vurderet den"))
    changed_at = models.DateTimeField(_("ændret"))
    # The entry's own columns the page reads (copied).
    key = models.CharField(_("nøgle"), max_length=100)
    name = models.CharField(_("navn"), max_length=200)
    kind = models.CharField(_("type"), max_length=20)
    category = models.CharField(_("kategori"), max_length=30)
    owner = models.ForeignKey(
        Party, verbose_name=_("systemejer"), on_delete=models.CASCADE, related_name="+"
    )
    supplier = models.ForeignKey(
        Party,
        verbose_name=_("leverandør"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    state = models.CharField(_("SHAK-anvendelse"), max_length=20)
    depends_on_shak = models.BooleanField(_("afhænger af SHAK"))
    created_at = models.DateTimeField(_("oprettet"))
    is_demo = models.BooleanField(_("demodata"), default=False)
    # The "in production" step, rated by milestones.rag:
    has_plan = models.BooleanField(_("har dato for “i produktion”"), default=False)
    # The rating's columns (`RatingColumns`; "" and None without a plan).
    # The burn-down's lines: the end of the actual period, else of the forecast one;
    # and the end of the baseline's period (None: no date, still depending).
    forecast_end = models.DateField(_("forventet i produktion"), null=True, blank=True)
    baseline_end = models.DateField(_("i produktion efter baseline"), null=True, blank=True)

    class Meta:
        verbose_name = _("materialiseret parathed")
        verbose_name_plural = _("materialiserede paratheder")
        indexes = [
            models.Index(
                fields=["depends_on_shak", "has_plan", "rag"], name="register_readiness_idx"
            ),
        ]

    def __str__(self):
        return f"{self.entry_id}: {self.rag or '-'} ({self.rated_on})"
