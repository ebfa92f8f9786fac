"""What every governance record shares: a stable key, an owner (party and person), links
to the plan, a version for conflict checks, and history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from milestones.models import Activity, Milestone
from parties.models import Party


class RecordQuerySet(models.QuerySet):
    def visible_to(self, access):
        """Everything for the SOR-team and the steering group; for anyone else the records
        of `GovernanceRecord.readable_by`."""
        if access.may_read_all_governance:
            return self
        return self.filter(self.model.readable_by(access))

    def for_party(self, party):
        return self.filter(owner_party=party)


class GovernanceRecord(models.Model):
    """Abstract base of risks, issues, decisions and actions."""

    key = models.SlugField(_("nøgle"), max_length=80, unique=True)
    title = models.CharField(_("titel"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    owner_party = models.ForeignKey(
        Party, verbose_name=_("ansvarlig part"), on_delete=models.PROTECT, related_name="+"
    )
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ansvarlig person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    activities = models.ManyToManyField(
        Activity, verbose_name=_("aktiviteter"), blank=True, related_name="+"
    )
    milestones = models.ManyToManyField(
        Milestone, verbose_name=_("milepæle"), blank=True, related_name="+"
    )
    register_entries = models.ManyToManyField(
        "register.Entry", verbose_name=_("registerposter"), blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("opdateret"), auto_now=True)

    objects = RecordQuerySet.as_manager()

    # The record's own fields naming a party whose reporters may read it.
    READER_PARTY_FIELDS = ("owner_party",)

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    @classmethod
    def readable_by(cls, access) -> Q:
        """What a party's reporter may read: the records owned by (or, for a decision,
        requested by) a party they report for, or linked through an activity to one, and
        the records they own themselves. Written on columns the history table shares, so
        it narrows the records as they stood at a past moment as well as the live ones;
        the activity links are today's (links have no history)."""
        ids = access.reports_for_party_ids
        rule = Q(id__in=cls.objects.filter(activities__responsible_party_id__in=ids).values("pk"))
        for name in cls.READER_PARTY_FIELDS:
            rule |= Q(**{f"{name}_id__in": ids})
        if access.user_id is not None:
            rule |= Q(owner_person_id=access.user_id)
        return rule
