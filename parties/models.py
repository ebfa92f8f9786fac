"""Who takes part in the programme: parties and people's roles in them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PartyQuerySet(models.QuerySet):
    def regions(self):
        return self.filter(kind=Party.Kind.REGION)

    def municipalities(self):
        return self.filter(kind=Party.Kind.MUNICIPALITY)


class Party(models.Model):
    """An organisation with a part in the programme (SDS, RSI, a region, a municipality...)."""

    class Kind(models.TextChoices):
        AUTHORITY = "authority", _("Myndighed")
        PROGRAMME_TEAM = "programme_team", _("Programteam")
        MINISTRY_GROUP = "ministry_group", _("Ministerkoncern")
        SYSTEM_OWNER = "system_owner", _("Systemejere")
        REGIONAL_BODY = "regional_body", _("Regional organisation")
        REGION = "region", _("Region")
        REGIONAL_IT = "regional_it", _("Regional it-organisation")
        STANDARDS_BODY = "standards_body", _("Standardiseringsorganisation")
        MUNICIPAL_IT = "municipal_it", _("Kommunal it-organisation")
        MUNICIPALITY = "municipality", _("Kommune")
        IT_SUPPLIER = "it_supplier", _("It-leverandør")
        FORUM = "forum", _("Forum")

    class Side(models.TextChoices):
        INTERNAL = "internal", _("Intern part")
        EXTERNAL = "external", _("Ekstern part")

    key = models.SlugField(
        _("nøgle"),
        max_length=60,
        unique=True,
        help_text=_("Stabil nøgle, fx 'rsi' eller 'kommune-0101'."),
    )
    name = models.CharField(_("navn"), max_length=200)
    short_name = models.CharField(_("kort navn"), max_length=60, blank=True)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    side = models.CharField(_("intern/ekstern"), max_length=10, choices=Side.choices)
    official_code = models.CharField(
        _("officiel kode"),
        max_length=10,
        blank=True,
        help_text=_("Regionskode eller kommunekode, hvor en sådan findes."),
    )
    coordinator = models.ForeignKey(
        "self",
        verbose_name=_("koordineres af"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coordinated_parties",
        help_text=_("Fx RSI for regionerne og KOMBIT for kommunerne."),
    )
    region = models.ForeignKey(
        "self",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="municipalities",
        limit_choices_to={"kind": "region"},
        help_text=_("Den region en kommune ligger i."),
    )
    coordinates_municipal_rollout = models.BooleanField(
        _("koordinerer den kommunale udrulning"),
        default=False,
        help_text=_(
            "Partens rapportører opdaterer kommunernes status i udrulningen (KOMBIT for FK-OSS)."
        ),
    )
    description = models.TextField(_("beskrivelse"), blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()
    objects = PartyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("part")
        verbose_name_plural = _("parter")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "official_code"],
                condition=~Q(official_code=""),
                name="parties_party_official_code_unique_per_kind",
            ),
            models.CheckConstraint(
                condition=~Q(coordinator=models.F("pk")),
                name="parties_party_not_own_coordinator",
            ),
            models.CheckConstraint(
                condition=Q(region__isnull=True) | Q(kind="municipality"),
                name="parties_party_only_municipality_has_region",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def label(self):
        return self.short_name or self.name


class Membership(models.Model):
    """A person's role in a party. A person may hold several; their rights combine."""

    class Role(models.TextChoices):
        EDITOR = "editor", _("Redaktør i SOR-teamet")
        STEERING = "steering", _("Læser i styregruppen")
        REPORTER = "reporter", _("Rapportør for part")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bruger"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    party = models.ForeignKey(
        Party, verbose_name=_("part"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username", "party__name", "role"]
        verbose_name = _("medlemskab")
        verbose_name_plural = _("medlemskaber")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "party", "role"], name="parties_membership_unique_role"
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.party} ({self.get_role_display()})"
