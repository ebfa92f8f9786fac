"""Who takes part in the programme: parties, people's roles in them, their invitations
and their open sessions."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
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
        return self.label_of(self.short_name, self.name)

    @staticmethod
    def label_of(short_name: str, name: str) -> str:
        """A party's label from its names (`label`), for a party read as values."""
        return short_name or name


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


class Person(models.Model):
    """What the programme keeps about a person beside their log-in: since when they are
    deactivated, whether their data is anonymised, and a version for the administration
    pages' conflict check. Every change to a person's access is a history row here, with
    who made it and why (the memberships have their own history)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bruger"),
        on_delete=models.CASCADE,
        related_name="person",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inviteret af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deactivated_at = models.DateTimeField(_("deaktiveret"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymiseret"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("person")
        verbose_name_plural = _("personer")
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=True) | Q(deactivated_at__isnull=False),
                name="parties_person_anonymised_only_when_deactivated",
            )
        ]

    def __str__(self):
        return str(self.user)


def token_hash(token: str) -> str:
    """Only a hash of an invitation's token is stored: the database alone opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A one-time, expiring link for an invited person to set their password (or, once
    single sign-on is configured, to sign in with it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inviteret af"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("begrundelse"))
    token_hash = models.CharField(_("nøgle (hash)"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("udløber"))
    accepted_at = models.DateTimeField(_("modtaget"), null=True, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitationer")

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        """Neither used nor expired."""
        return self.accepted_at is None and not self.is_expired


class UserSession(models.Model):
    """A log-in's session, so the person sees where they are logged in and can end all.

    Written at log-in, removed at log-out; rows whose session has expired are ignored
    and cleared when the person's sessions are listed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="tracked_sessions",
    )
    session_key = models.CharField(_("sessionsnøgle"), max_length=40, unique=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("logget ind"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessioner")

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
