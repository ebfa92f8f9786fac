"""KOMBIT's roll-out: municipalities per phase by status."""

from dataclasses import dataclass

from django.db.models import Count, Q

from ..models import (
    MunicipalityRollout,
    RolloutPhase,
)


@dataclass(frozen=True)
class PhaseCount:
    """Municipalities in a roll-out phase by status."""

    phase: RolloutPhase
    total: int
    not_started: int
    in_test: int
    in_production: int

    @property
    def percent_in_production(self) -> int:
        return round(100 * self.in_production / self.total) if self.total else 0

    @property
    def percent_in_test(self) -> int:
        return round(100 * self.in_test / self.total) if self.total else 0


def rollout_counts() -> list[PhaseCount]:
    """KOMBIT's roll-out phases in order, with their municipalities counted by
    status (phase 1, FK-OSS itself, has none: see its milestone). One query."""
    status = MunicipalityRollout.Status
    phases = (
        RolloutPhase.objects.select_related("milestone")
        .annotate(
            n_total=Count("municipalities"),
            n_not_started=Count(
                "municipalities", filter=Q(municipalities__status=status.NOT_STARTED)
            ),
            n_in_test=Count("municipalities", filter=Q(municipalities__status=status.IN_TEST)),
            n_in_production=Count(
                "municipalities", filter=Q(municipalities__status=status.IN_PRODUCTION)
            ),
        )
        .order_by("number")
    )
    return [
        PhaseCount(
            phase=p,
            total=p.n_total,
            not_started=p.n_not_started,
            in_test=p.n_in_test,
            in_production=p.n_in_production,
        )
        for p in phases
    ]
