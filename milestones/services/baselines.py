"""Baselines: frozen copies of the plan's dates that slip and RAG are measured against."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.history import record_save

from ..models import Baseline, BaselineEntry, Milestone
from .plan import unique_key


@transaction.atomic
def baseline_set(
    *,
    name: str,
    user,
    short_name: str = "",
    description: str = "",
    activate: bool = False,
    reason: str = "",
) -> Baseline:
    """Freeze every milestone's current forecast date and precision as a new, named baseline."""
    now = timezone.now()
    baseline = Baseline(
        key=unique_key(Baseline, f"{name} {timezone.localdate(now):%Y-%m-%d}"),
        name=name,
        short_name=short_name,
        description=description,
        is_plan_version=False,
        sequence=(
            Baseline.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
        )
        + 1,
        frozen_at=now,
        created_by=user,
    )
    record_save(baseline, user=user, reason=reason or _("Ny baseline sat"))
    BaselineEntry.objects.bulk_create(
        BaselineEntry(
            baseline=baseline,
            milestone_id=pk,
            date=date,
            precision=precision,
            source_text=source_text,
        )
        for pk, date, precision, source_text in Milestone.objects.order_by("pk").values_list(
            "pk", "forecast_date", "forecast_precision", "source_text"
        )
    )
    if activate:
        baseline_activate(baseline_id=baseline.pk, user=user, reason=reason)
        baseline.refresh_from_db()
    return baseline


@transaction.atomic
def baseline_activate(*, baseline_id: int, user, reason: str = "") -> Baseline:
    """Make one baseline the active one (the one slip and RAG are measured against)."""
    baseline = Baseline.objects.select_for_update().get(pk=baseline_id)
    if baseline.is_active:
        return baseline
    why = reason or _("“%(name)s” gjort til aktiv baseline") % {"name": baseline.name}
    # The old one first: at most one may be active at any moment (a unique constraint).
    for previous in Baseline.objects.select_for_update().filter(is_active=True):
        previous.is_active = False
        record_save(previous, user=user, reason=why)
    baseline.is_active = True
    return record_save(baseline, user=user, reason=why)
