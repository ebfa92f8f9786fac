"""Materialised status: the RAG rule's results kept as rows (a cache of `milestones.rag`).

`MilestoneStatus` holds each milestone's RAG, slip and reason as rated on
`rated_on`; `StatusRollup` the worst-of roll-up per activity, party, track, a
party within a track and the programme, with the worst milestone's rating for its reason. Both are kept
up to date in the same transaction as every write that records history
(`milestones.services.status`), rebuilt by `manage.py status_rebuild` and
re-rated daily for what the date alone changes (`milestones.tasks.status_rerate`).
Ratings and roll-ups keep history; a past moment reads the ratings as they stood
(`reports.selectors.past`) within `StatusHistoryMark`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .validity import HistoryValidity


class RatingColumns(models.Model):
    """The columns of one rating by `milestones.rag` (a `MilestoneRag`, written and read
    by the names in `selectors.materialised.RAG_FIELDS`): a milestone's
    (`MilestoneStatus`) and a register entry's "in production" step
    (`register.EntryReadiness`, blank while the entry has no plan)."""

    rag = models.CharField(_("status"), max_length=10, blank=True)
    computed = models.CharField(_("beregnet status"), max_length=10, blank=True)
    reason_code = models.CharField(_("begrundelse (kode)"), max_length=20, blank=True)
    overridden = models.BooleanField(_("tilsidesat"), default=False)
    override_reason = models.TextField(_("begrundelse for tilsidesættelse"), blank=True)
    baseline_date = models.DateField(_("baselinedato"), null=True, blank=True)
    baseline_precision = models.CharField(_("baselinedatoens præcision"), max_length=10)
    slip_days = models.IntegerField(_("forsinkelse i dage"), null=True, blank=True)
    slip_months = models.IntegerField(_("forsinkelse i måneder"), null=True, blank=True)
    forecast_date = models.DateField(_("forventet dato"), null=True, blank=True)
    forecast_precision = models.CharField(_("forventet datos præcision"), max_length=10)

    class Meta:
        abstract = True


class MilestoneStatus(RatingColumns):
    """One milestone's rating by `milestones.rag.milestone_rag` on `rated_on`."""

    milestone = models.OneToOneField(
        "milestones.Milestone",
        verbose_name=_("milepæl"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="materialised_status",
    )
    rated_on = models.DateField(_("vurderet den"))
    # Red 3, yellow 2, green 1, grey 0; done and cancelled -1 (left out of roll-ups).
    severity = models.SmallIntegerField(_("alvor"))
    # The ends of the periods the forecast and actual dates stand for (the milestone's
    # `forecast_period_end`, `actual_period_end`): the dashboard's lists filter on them.
    forecast_end = models.DateField(_("forventet periodes slutning"), null=True, blank=True)
    actual_end = models.DateField(_("faktisk periodes slutning"), null=True, blank=True)
    # The milestone's actual date: the list of those reached lately filters and sorts by it
    # on the ratings alone (joining every milestone for it took most of its count).
    actual_date = models.DateField(_("faktisk dato"), null=True, blank=True)
    # What a row of the dashboard shows of the milestone, as it stood when rated: its
    # history (below) is then the plan's ratings at any moment, read without replaying
    # the milestones' history (`reports.selectors.past`).
    # (Named apart from the milestone's own fields, which readers of the live ratings
    # join and name as they are: `reports.selectors.current`.)
    activity_id = models.BigIntegerField(_("aktivitet"), null=True, blank=True)
    milestone_key = models.CharField(_("nøgle"), max_length=100, blank=True)
    milestone_title = models.CharField(_("titel"), max_length=300, blank=True)
    milestone_status = models.CharField(_("milepælens status"), max_length=20, blank=True)
    milestone_actual_precision = models.CharField(
        _("faktisk datos præcision"), max_length=10, blank=True
    )
    milestone_actual_date_unknown = models.BooleanField(_("faktisk dato ukendt"), default=False)
    milestone_sort_order = models.IntegerField(_("rækkefølge"), default=0)
    # Every change of a rating, dated when it was made (a daily re-rating at the start of
    # its day, Copenhagen time): `milestones.services.status` writes it with the rating,
    # `manage.py status_history_backfill` from the plan's history.
    history = HistoricalRecords(bases=[HistoryValidity])

    class Meta:
        verbose_name = _("materialiseret milepælsstatus")
        verbose_name_plural = _("materialiserede milepælsstatusser")

    def __str__(self):
        return f"{self.milestone_id}: {self.rag} ({self.rated_on})"


class StatusHistoryMark(models.Model):
    """From when the ratings' history (`MilestoneStatus.history`) is complete, and the
    last day whose date-only changes it holds (one row). A past moment reads the
    ratings as they stood only within it; before it the page replays by the rule."""

    complete_from = models.DateTimeField(_("fuldstændig fra"))
    rerated_on = models.DateField(_("genvurderet til og med"))

    class Meta:
        verbose_name = _("historik for materialiseret status")
        verbose_name_plural = _("historik for materialiseret status")

    def __str__(self):
        return f"{self.complete_from:%Y-%m-%d %H:%M} - {self.rerated_on}"


class StatusRollup(models.Model):
    """The worst-of roll-up of one scope's milestones, as `milestones.rag.rollup` gives it."""

    class Scope(models.TextChoices):
        PROGRAMME = "programme", _("Programmet")
        TRACK = "track", _("Spor")
        PARTY = "party", _("Part")
        ACTIVITY = "activity", _("Aktivitet")
        # A party's activities within one track ("<track>:<party id>"): the large roadmap's
        # summary rows; ties named in roadmap order (`materialised.ROADMAP_TIE_ORDER`).
        TRACK_PARTY = "trackparty", _("Part i spor")

    scope = models.CharField(_("omfang"), max_length=10, choices=Scope.choices)
    # The track's value, the party's or activity's id, "<track>:<party id>", "" for the
    # programme.
    scope_key = models.CharField(_("nøgle"), max_length=40, blank=True)
    rated_on = models.DateField(_("vurderet den"))
    rag = models.CharField(_("status"), max_length=10)
    red = models.PositiveIntegerField(_("røde"), default=0)
    yellow = models.PositiveIntegerField(_("gule"), default=0)
    green = models.PositiveIntegerField(_("grønne"), default=0)
    grey = models.PositiveIntegerField(_("uden baseline"), default=0)
    done = models.PositiveIntegerField(_("nåede"), default=0)
    cancelled = models.PositiveIntegerField(_("aflyste"), default=0)
    worst_milestone_id = models.IntegerField(_("værste milepæl"), null=True, blank=True)
    worst_title = models.CharField(_("værste milepæls titel"), max_length=300, blank=True)
    # The worst milestone's rating (MilestoneRag's fields), for the roll-up's reason.
    worst = models.JSONField(_("værste milepæls vurdering"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("materialiseret samlet status")
        verbose_name_plural = _("materialiserede samlede statusser")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_key"], name="status_rollup_unique_scope"
            )
        ]

    def __str__(self):
        return f"{self.scope} {self.scope_key}: {self.rag} ({self.rated_on})"
