"""Writes of KOMBIT's roll-out of FK-OSS to the municipalities."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.history import record_save
from core.versioning import EditConflict

from ..models import MunicipalityRollout, RolloutPhase


@dataclass(frozen=True)
class RolloutChange:
    """One municipality's row as the user submitted it, with the version they saw."""

    rollout_id: int
    status: str
    status_date: datetime.date | None
    version: int


@transaction.atomic
def municipality_rollouts_update(
    *, phase: RolloutPhase, changes: list[RolloutChange], user, today: datetime.date
) -> list[MunicipalityRollout]:
    """Apply a phase's bulk form: save (with history) only the rows that changed.

    If any changed row was saved by someone else in between, nothing is saved
    and `EditConflict` names those rows (`rows`).
    """
    rows = {
        row.pk: row
        for row in MunicipalityRollout.objects.select_for_update(of=("self",))
        .select_related("municipality")
        .filter(phase=phase, pk__in=[c.rollout_id for c in changes])
    }
    changed, conflicts = [], []
    for change in changes:
        row = rows.get(change.rollout_id)
        if row is None:
            continue  # not a municipality of this phase: ignored
        if change.status not in MunicipalityRollout.Status.values:
            raise ValidationError(_("Ukendt status for %(name)s.") % {"name": row.municipality})
        status_date = (
            None if change.status == MunicipalityRollout.Status.NOT_STARTED else change.status_date
        )
        if status_date is None and change.status != MunicipalityRollout.Status.NOT_STARTED:
            raise ValidationError(
                _("Angiv datoen for %(name)s' status.") % {"name": row.municipality.name}
            )
        if status_date and status_date > today:
            raise ValidationError(
                _("Datoen for %(name)s ligger i fremtiden.") % {"name": row.municipality.name}
            )
        if row.status == change.status and row.status_date == status_date:
            continue
        if row.version != change.version:
            conflicts.append(row)
            continue
        row.status = change.status
        row.status_date = status_date
        row.is_demo = False
        row.version += 1
        changed.append(row)
    if conflicts:
        raise EditConflict(rows=conflicts)
    for row in changed:
        record_save(
            row,
            user=user,
            reason=f"Udrulning, {phase.title.lower()}: {row.municipality.name} "
            f"{row.get_status_display().lower()}",
        )
    return changed
