"""MedCom's certification matrix: the message types with MedCom's cut-over plan, and
one row per supplier system (a register entry maintained by an IT supplier) ×
message type × direction, moving from "ikke startet" to "i produktion med
SOR-adressering".

A row is rated by the milestones' rule (`milestones.rag`): its baseline is the
message type's cut-over date, its forecast the supplier's planned production
date, its actual the day it went into production.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from milestones.models import DatePrecision, Milestone, period_end, plan_date_error
from parties.models import Party
from register.models import Entry

# Paths under /medcom/ that a message type's key cannot take.
RESERVED_KEYS = frozenset({"ny", "import", "eksport", "arbejdsliste", "udvikling", "forslag"})


class Family(models.TextChoices):
    EDIFACT_OIOXML = "edifact_oioxml", _("EDIFACT/OIOXML")
    XML = "xml", _("XML")
    FHIR = "fhir", _("FHIR")


class PlanState(models.TextChoices):
    """A message type's state in MedCom's plan for SOR addressing."""

    PLANNED = "planned", _("Planlagt")
    TRANSITION = "transition", _("Glidende overgang")
    SOR_ONLY = "sor_only", _("Kun SOR-adressering")
    RETIRED = "retired", _("Udgået")


class Direction(models.TextChoices):
    SENDS = "sends", _("Sender")
    RECEIVES = "receives", _("Modtager")


class CertState(models.TextChoices):
    """A row's state, in the order it moves; "afvist i test" is the way back."""

    NOT_STARTED = "not_started", _("Ikke startet")
    IN_DEVELOPMENT = "in_development", _("Under udvikling")
    READY_FOR_TEST = "ready_for_test", _("Klar til test")
    IN_TEST = "in_test", _("I test")
    CERTIFIED = "certified", _("Certificeret")
    IN_PRODUCTION = "in_production", _("I produktion med SOR-adressering")
    REJECTED = "rejected", _("Afvist i test")


# Short labels for the matrix's cells (the full label is beside them for screen readers).
SHORT_LABELS = {
    CertState.NOT_STARTED: _("Ikke startet"),
    # Not "Udvikling" alone: that is also the trend page's name ("Trend").
    CertState.IN_DEVELOPMENT: _("I udvikling"),
    CertState.READY_FOR_TEST: _("Klar til test"),
    CertState.IN_TEST: _("I test"),
    CertState.CERTIFIED: _("Certificeret"),
    CertState.IN_PRODUCTION: _("I produktion"),
    CertState.REJECTED: _("Afvist"),
}
# How far a row has come; "afvist" ranks with "under udvikling" (it goes back there).
STATE_RANK = {
    CertState.NOT_STARTED: 0,
    CertState.IN_DEVELOPMENT: 1,
    CertState.REJECTED: 1,
    CertState.READY_FOR_TEST: 2,
    CertState.IN_TEST: 3,
    CertState.CERTIFIED: 4,
    CertState.IN_PRODUCTION: 5,
}
# Set only by MedCom's reporters and the SOR-team: the test and its result.
CERTIFIER_STATES = frozenset({CertState.IN_TEST, CertState.CERTIFIED, CertState.REJECTED})
# A supplier's own moves: from each state, where its reporter may take the row.
SUPPLIER_MOVES = {
    CertState.NOT_STARTED: {CertState.IN_DEVELOPMENT, CertState.READY_FOR_TEST},
    CertState.IN_DEVELOPMENT: {CertState.NOT_STARTED, CertState.READY_FOR_TEST},
    CertState.READY_FOR_TEST: {CertState.IN_DEVELOPMENT},
    CertState.REJECTED: {CertState.IN_DEVELOPMENT, CertState.READY_FOR_TEST},
    CertState.CERTIFIED: {CertState.IN_PRODUCTION},
    CertState.IN_TEST: set(),
    CertState.IN_PRODUCTION: set(),
}
CERTIFIED_STATES = (CertState.CERTIFIED, CertState.IN_PRODUCTION)
# The day a row entered each state is kept on the row.
STATE_DATE_FIELD = {
    CertState.IN_DEVELOPMENT: "development_started_on",
    CertState.READY_FOR_TEST: "ready_for_test_on",
    CertState.IN_TEST: "test_started_on",
    CertState.CERTIFIED: "certified_on",
    CertState.IN_PRODUCTION: "in_production_on",
    CertState.REJECTED: "rejected_on",
}


class MessageType(models.Model):
    """A MedCom message type and MedCom's plan for moving it to SOR addressing."""

    key = models.SlugField(
        _("nøgle"),
        max_length=60,
        unique=True,
        help_text=_("Stabil nøgle til sidens adresse, fx 'xdis16'."),
    )
    code = models.CharField(
        _("kode"), max_length=40, unique=True, help_text=_("MedComs kode, fx 'XDIS16'.")
    )
    name = models.CharField(_("navn"), max_length=200)
    family = models.CharField(_("standardfamilie"), max_length=20, choices=Family.choices)
    cutover_date = models.DateField(
        _("overgang til SOR"),
        null=True,
        blank=True,
        help_text=_("Datoen, fra hvilken MedCom forventer adressering med SOR alene."),
    )
    cutover_precision = models.CharField(
        _("præcision, overgang"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.MONTH,
    )
    plan_state = models.CharField(
        _("tilstand i MedComs plan"),
        max_length=20,
        choices=PlanState.choices,
        default=PlanState.PLANNED,
    )
    description = models.TextField(_("beskrivelse"), blank=True)
    is_demo = models.BooleanField(
        _("demodata"), default=False, help_text=_("Meddelelsestypen er illustrative demodata.")
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["family", "code"]
        verbose_name = _("meddelelsestype")
        verbose_name_plural = _("meddelelsestyper")

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def cutover_period_end(self):
        return period_end(self.cutover_date, self.cutover_precision) if self.cutover_date else None

    def clean(self):
        errors = {}
        if self.key in RESERVED_KEYS:
            errors["key"] = _("Nøglen “%(key)s” er reserveret; vælg en anden.") % {"key": self.key}
        error = plan_date_error(self.cutover_date, self.cutover_precision)
        if error:
            errors["cutover_date"] = error
        if errors:
            raise ValidationError(errors)


class CertificationQuerySet(models.QuerySet):
    def visible_to(self, access):
        """The rows a person reads: all, or those of the suppliers they report for."""
        if access.may_read_all_certifications:
            return self
        return self.filter(entry__supplier_id__in=access.certification_supplier_ids)


class Certification(models.Model):
    """One supplier system × message type × direction, on its way to SOR addressing.

    Offers what `milestones.rag.milestone_rag` reads of a milestone: the cut-over is
    the baseline (passed in by the selector), the planned production date the
    forecast, the production date the actual.
    """

    entry = models.ForeignKey(
        Entry,
        verbose_name=_("system"),
        on_delete=models.PROTECT,
        related_name="certifications",
        help_text=_("Leverandørens system i SHAK-registeret."),
    )
    message_type = models.ForeignKey(
        MessageType,
        verbose_name=_("meddelelsestype"),
        on_delete=models.PROTECT,
        related_name="certifications",
    )
    direction = models.CharField(_("retning"), max_length=10, choices=Direction.choices)
    state = models.CharField(
        _("tilstand"), max_length=20, choices=CertState.choices, default=CertState.NOT_STARTED
    )
    development_started_on = models.DateField(_("udvikling startet"), null=True, blank=True)
    ready_for_test_on = models.DateField(_("klar til test"), null=True, blank=True)
    test_started_on = models.DateField(_("test startet"), null=True, blank=True)
    certified_on = models.DateField(_("certificeret"), null=True, blank=True)
    in_production_on = models.DateField(_("i produktion"), null=True, blank=True)
    rejected_on = models.DateField(_("afvist i test"), null=True, blank=True)
    planned_production_date = models.DateField(
        _("planlagt i produktion"),
        null=True,
        blank=True,
        help_text=_("Leverandørens forventede dato for produktion med SOR-adressering."),
    )
    planned_production_precision = models.CharField(
        _("præcision, planlagt"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.MONTH,
    )
    reference = models.CharField(
        _("test-/certifikatreference"),
        max_length=100,
        blank=True,
        help_text=_("MedComs reference for testen eller certifikatet."),
    )
    rejection_reason = models.TextField(_("begrundelse for afvisning"), blank=True)
    note = models.TextField(_("note"), blank=True)
    is_demo = models.BooleanField(
        _("demodata"), default=False, help_text=_("Rækken er illustrative demodata.")
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()
    objects = CertificationQuerySet.as_manager()

    # What milestones.rag reads of a milestone, for a row.
    rag_override = ""
    rag_override_reason = ""
    actual_date_unknown = False
    actual_precision = DatePrecision.DAY

    class Meta:
        ordering = ["entry", "message_type", "direction"]
        verbose_name = _("certificering")
        verbose_name_plural = _("certificeringer")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "message_type", "direction"],
                name="medcom_certification_one_per_direction",
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(rejection_reason=""),
                name="medcom_certification_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["certified", "in_production"])
                | Q(certified_on__isnull=False),
                name="medcom_certification_certified_has_date",
            ),
        ]
        indexes = [models.Index(fields=["state"], name="medcom_cert_state_idx")]

    def __str__(self):
        return f"{self.entry} – {self.message_type.code} ({self.get_direction_display()})"

    @property
    def short_label(self) -> str:
        return str(SHORT_LABELS[self.state])

    @property
    def rank(self) -> int:
        return STATE_RANK[self.state]

    @property
    def is_certified(self) -> bool:
        return self.state in CERTIFIED_STATES

    # -- for milestones.rag --------------------------------------------------
    @property
    def status(self) -> str:
        return (
            Milestone.Status.DONE
            if self.state == CertState.IN_PRODUCTION
            else Milestone.Status.PLANNED
        )

    @property
    def actual_date(self):
        return self.in_production_on if self.state == CertState.IN_PRODUCTION else None

    @property
    def forecast_date(self):
        return self.planned_production_date

    @property
    def forecast_precision(self):
        return self.planned_production_precision

    @property
    def forecast_period_end(self):
        if not self.planned_production_date:
            return None
        return period_end(self.planned_production_date, self.planned_production_precision)

    @property
    def actual_period_end(self):
        return self.actual_date

    def clean(self):
        errors = {}
        if self.entry_id and self.entry.supplier_id is None:
            errors["entry"] = _(
                "Systemet har ingen it-leverandør i registeret; angiv leverandøren på posten først."
            )
        error = plan_date_error(self.planned_production_date, self.planned_production_precision)
        if error:
            errors["planned_production_date"] = error
        if self.state == CertState.REJECTED and not self.rejection_reason.strip():
            errors["rejection_reason"] = _("Skriv, hvorfor testen er afvist.")
        if self.state in CERTIFIED_STATES and not self.certified_on:
            errors["certified_on"] = _("Angiv datoen for certificeringen.")
        today = timezone.localdate()
        for name in STATE_DATE_FIELD.values():
            value = getattr(self, name)
            if value and value > today and name not in errors:
                errors[name] = ValidationError(
                    _("Datoen kan ikke ligge i fremtiden (i dag er %(today)s)."),
                    code="future",
                    params={"today": formats.date_format(today, "DATE_FORMAT")},
                )
        if errors:
            raise ValidationError(errors)


def supplier_parties():
    """The IT suppliers (kind IT supplier), the group "It-leverandører" among them."""
    return Party.objects.filter(kind=Party.Kind.IT_SUPPLIER)


class CertificationProposal(models.Model):
    """A supplier's proposed move of one of its rows, in its monthly progress update
    (the section `medcom.reporting.MEDCOM_SECTION`): a new state (only the supplier's
    own moves, `services.supplier_move_refusal`) with the day it was reached, and/or a
    new planned production date. MedCom's reporters (on the proposals' page) or the
    SOR-team (there, or when it reviews the update) accept it, applied through
    `services.certification_set`, or return it."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Afventer")
        ACCEPTED = "accepted", _("Godkendt")
        RETURNED = "returned", _("Returneret")

    update = models.ForeignKey(
        "milestones.ProgressUpdate",
        verbose_name=_("opdatering"),
        on_delete=models.CASCADE,
        related_name="certification_proposals",
    )
    certification = models.ForeignKey(
        Certification,
        verbose_name=_("række"),
        on_delete=models.CASCADE,
        related_name="proposals",
    )
    state = models.CharField(
        _("foreslået tilstand"), max_length=20, choices=CertState.choices, blank=True
    )
    state_on = models.DateField(_("dato for tilstanden"), null=True, blank=True)
    planned_production_date = models.DateField(
        _("foreslået planlagt i produktion"), null=True, blank=True
    )
    planned_production_precision = models.CharField(
        _("præcision, planlagt"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.MONTH,
    )
    decision = models.CharField(
        _("afgørelse"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["update", "certification"]
        verbose_name = _("forslag til certificeringsrække")
        verbose_name_plural = _("forslag til certificeringsrækker")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "certification"], name="medcom_proposal_one_per_update"
            ),
        ]

    def __str__(self):
        return f"{self.certification} ({self.update})"
