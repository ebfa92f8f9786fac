"""KOMBIT's roll-out: municipalities per phase and per region, by status."""

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from milestones.models import MunicipalityRollout, RolloutPhase

from . import snapshot
from .snapshot import MilestoneRow, PartyRef


@dataclass
class RolloutPhaseRow:
    number: int
    title: str
    total: int
    in_production: int
    in_test: int
    not_started: int
    milestone: MilestoneRow | None = None

    def _pct(self, n: int) -> int:
        return round(100 * n / self.total) if self.total else 0

    @property
    def in_production_percent(self) -> int:
        return self._pct(self.in_production)

    @property
    def in_test_percent(self) -> int:
        return self._pct(self.in_test)

    @property
    def not_started_percent(self) -> int:
        return max(0, 100 - self.in_production_percent - self.in_test_percent)


@dataclass
class RolloutRegionRow(RolloutPhaseRow):
    key: str = ""


@dataclass
class RolloutStatus:
    phases: list[RolloutPhaseRow]
    regions: list[RolloutRegionRow]

    @property
    def total(self) -> RolloutPhaseRow:
        return RolloutPhaseRow(
            number=0,
            title=_("I alt"),
            total=sum(p.total for p in self.phases),
            in_production=sum(p.in_production for p in self.phases),
            in_test=sum(p.in_test for p in self.phases),
            not_started=sum(p.not_started for p in self.phases),
        )


def rollout_status(
    *,
    at: datetime.datetime | None = None,
    parties: dict[int, PartyRef] | None = None,
    milestones: "list[MilestoneRow] | Callable[[list[int]], dict[int, MilestoneRow]] | None" = None,
) -> RolloutStatus | None:
    """KOMBIT's roll-out: municipalities per phase and per region, by status (two queries).

    `milestones` holds the phases' milestones shown: a list, or a function giving them
    by id for the phases' milestone ids (one query more)."""
    phases = sorted(
        snapshot.rows(RolloutPhase, at, ("id", "number", "title", "milestone_id")),
        key=lambda p: p["number"],
    )
    if not phases:
        return None
    parties = parties if parties is not None else snapshot.party_refs(at)
    if callable(milestones):
        by_milestone = milestones([p["milestone_id"] for p in phases if p["milestone_id"]])
    else:
        by_milestone = {m.id: m for m in milestones or []}
    counts: dict[int, Counter] = defaultdict(Counter)
    regions: dict[int, Counter] = defaultdict(Counter)
    for r in snapshot.rows(MunicipalityRollout, at, ("phase_id", "municipality_id", "status")):
        counts[r["phase_id"]][r["status"]] += 1
        municipality = parties.get(r["municipality_id"])
        if municipality and municipality.region_id:
            regions[municipality.region_id][r["status"]] += 1
    S = MunicipalityRollout.Status

    def numbers(c: Counter) -> dict:
        return {
            "total": sum(c.values()),
            "in_production": c[S.IN_PRODUCTION],
            "in_test": c[S.IN_TEST],
            "not_started": c[S.NOT_STARTED],
        }

    phase_rows = [
        RolloutPhaseRow(
            number=p["number"],
            title=p["title"],
            milestone=by_milestone.get(p["milestone_id"]),
            **numbers(counts[p["id"]]),
        )
        for p in phases
    ]
    region_rows = [
        RolloutRegionRow(
            number=0,
            title=parties[rid].name,
            key=parties[rid].key,
            **numbers(c),
        )
        for rid, c in regions.items()
        if rid in parties
    ]
    region_rows.sort(key=lambda r: r.title)
    return RolloutStatus(phases=phase_rows, regions=region_rows)
