"""Remove the synthetic programme again (or replace it by a fresh one), and refresh the
planner's statistics after a load."""

import time

from django.db import connection, transaction
from django.db.models import Q

from core.history import validity_deferred
from medcom.models import Certification, MessageType
from milestones.models import (
    Activity,
    Baseline,
    BaselineEntry,
    Dependency,
    ForecastProposal,
    Milestone,
    MilestoneStatus,
    ProgressUpdate,
    ReminderSent,
    ReportingRound,
    RoundObligation,
)
from milestones.services.status import status_rebuild
from milestones.services.status_history import status_history_backfill
from parties.models import Party
from register.models import Entry, EntryReadiness, Step
from reports import moment_store
from reports.models import MomentSnapshot

from .loaddata import LOAD_USERNAME, PREFIX, SCALES, Scale, load_data_generate


def _raw_delete(queryset) -> int:
    """Delete without loading rows or sending signals (synthetic data only)."""
    return queryset._raw_delete(queryset.db)


@transaction.atomic
def load_data_clear() -> dict:
    """Remove every synthetic row and its history; the plan's own data stays."""
    activities = Activity.objects.filter(key__startswith=PREFIX).values("id")
    milestones = Milestone.objects.filter(key__startswith=PREFIX).values("id")
    parties = Party.objects.filter(key__startswith=PREFIX).values("id")
    synthetic_rounds = ReportingRound.objects.filter(created_by__username=LOAD_USERNAME)
    entries = Entry.objects.filter(key__startswith=PREFIX).values("id")
    removed = {}
    removed["historik"] = sum(
        _raw_delete(qs)
        for qs in (
            Certification.history.filter(entry_id__in=entries),
            MessageType.history.filter(key__startswith=PREFIX),
            ProgressUpdate.history.filter(activity_id__in=activities),
            RoundObligation.history.filter(activity_id__in=activities),
            Dependency.history.filter(
                Q(predecessor_id__in=milestones) | Q(successor_id__in=milestones)
            ),
            # The ratings' history first: it names the synthetic milestones by key too.
            MilestoneStatus.history.filter(milestone_key__startswith=PREFIX),
            Milestone.history.filter(key__startswith=PREFIX),
            Activity.history.filter(key__startswith=PREFIX),
            Party.history.filter(key__startswith=PREFIX),
            Baseline.history.filter(key__startswith=PREFIX),
            ReportingRound.history.filter(id__in=synthetic_rounds.values("id")),
            Step.history.filter(entry_id__in=entries),
            Entry.history.filter(key__startswith=PREFIX),
        )
    )
    removed["medcom-rækker"] = _raw_delete(Certification.objects.filter(entry_id__in=entries))
    _raw_delete(MessageType.objects.filter(key__startswith=PREFIX))
    _raw_delete(EntryReadiness.objects.filter(entry_id__in=entries))  # their materialised rows
    removed["registerposter"] = _raw_delete(Step.objects.filter(entry_id__in=entries)) + (
        _raw_delete(Entry.objects.filter(key__startswith=PREFIX))
    )
    _raw_delete(
        ReminderSent.objects.filter(Q(party_id__in=parties) | Q(round__in=synthetic_rounds))
    )
    removed["statusopdateringer"] = _raw_delete(
        ForecastProposal.objects.filter(update__activity_id__in=activities)
    ) + _raw_delete(ProgressUpdate.objects.filter(activity_id__in=activities))
    removed["rapporteringspligter"] = _raw_delete(
        RoundObligation.objects.filter(activity_id__in=activities)
    )
    removed["afhængigheder"] = _raw_delete(
        Dependency.objects.filter(Q(predecessor_id__in=milestones) | Q(successor_id__in=milestones))
    )
    _raw_delete(BaselineEntry.objects.filter(milestone_id__in=milestones))
    _raw_delete(MilestoneStatus.objects.filter(milestone_id__in=milestones))
    _raw_delete(BaselineEntry.objects.filter(baseline__key__startswith=PREFIX))
    removed["milepæle"] = _raw_delete(Milestone.objects.filter(key__startswith=PREFIX))
    removed["aktiviteter"] = _raw_delete(Activity.objects.filter(key__startswith=PREFIX))
    _raw_delete(Baseline.objects.filter(key__startswith=PREFIX))
    removed["runder"] = _raw_delete(
        synthetic_rounds.exclude(updates__isnull=False).exclude(obligations__isnull=False)
    )
    removed["parter"] = _raw_delete(Party.objects.filter(key__startswith=PREFIX))
    # The past moments' stored figures: of the data just removed (derived, and computed
    # again on a moment's first visit).
    _raw_delete(MomentSnapshot.objects.all())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return removed


def analyze() -> None:
    """Refresh the planner's statistics and visibility map after a bulk load (PostgreSQL).

    VACUUM cannot run in a transaction: call this outside `atomic`.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


@transaction.atomic
def load_data_write(scale: Scale, *, seed: int = 2026) -> dict:
    """Write the synthetic programme at `scale` and rate it: the
    generator writes history in bulk, past the services, so every milestone is rated once
    and the ratings' history written from the plan's. The histories' ends are written once
    at the end instead of by their triggers on every statement (`validity_deferred`: the
    large programme's million rows took 136 → 398 s with them live). Returns the counts."""
    with validity_deferred():
        counts = load_data_generate(scale=scale, seed=seed)
        status_rebuild()
        status_history_backfill()
    return counts


def load_data_regenerate(scale: str) -> str:
    """Replace the synthetic programme by a fresh one at `scale` (a name in SCALES) and
    refresh the statistics; returns the line the bench commands print about it."""
    started = time.perf_counter()
    load_data_clear()
    counts = load_data_write(SCALES[scale])
    analyze()
    stored = moments_store(SCALES[scale])
    return (
        f"[{scale}] generated in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f"; {stored}"
    )


def moments_store(scale: Scale) -> str:
    """The past moments' figures of the bench's range stored ahead (the readers ask days
    up to a year back), after the load: the line saying what and how long."""
    return moment_store.backfill(scale.moment_days)
