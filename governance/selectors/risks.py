"""The risk register's reads: the filtered list and the 5 × 5 heat map with its change
since a month ago (from history)."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from milestones.rag import add_months

from ..models import SCALE_VALUES, Band, Risk, band_of


@dataclass(frozen=True)
class HeatCell:
    probability: int
    impact: int
    count: int
    month_ago: int

    @property
    def score(self) -> int:
        return self.probability * self.impact

    @property
    def band(self) -> Band:
        return band_of(self.score)

    @property
    def change(self) -> int:
        return self.count - self.month_ago


@dataclass(frozen=True)
class HeatMap:
    rows: list[list[HeatCell]]  # probability 5 first (the top of the map), impact 1..5
    total: int
    month_ago_total: int
    as_of: datetime.date
    compared_with: datetime.date

    @property
    def change(self) -> int:
        return self.total - self.month_ago_total


def heat_map(risks, *, today: datetime.date | None = None) -> HeatMap:
    """Active risks among `risks` (a filtered queryset) per probability × impact, beside
    the same count a month earlier from history (the same filter on today's rows: a risk
    counts then if it existed, was active and sat in that cell)."""
    today = today or timezone.localdate()
    month_ago = add_months(today, -1)
    now = Counter(risks.active().values_list("probability", "impact"))
    moment = datetime.datetime.combine(
        month_ago, datetime.time.max, tzinfo=timezone.get_current_timezone()
    )
    ids = set(risks.values_list("pk", flat=True))
    before = Counter(
        (h.probability, h.impact)
        for h in Risk.history.as_of(moment)
        if h.pk in ids and h.status in Risk.ACTIVE_STATUSES
    )
    return heat_map_of(now, before, as_of=today, compared_with=month_ago)


def heat_map_of(
    now: Counter, before: Counter, *, as_of: datetime.date, compared_with: datetime.date
) -> HeatMap:
    """The map from two counts of active risks per (probability, impact)."""
    rows = [
        [HeatCell(p, i, now[(p, i)], before[(p, i)]) for i in SCALE_VALUES]
        for p in reversed(SCALE_VALUES)
    ]
    return HeatMap(
        rows=rows,
        total=sum(now.values()),
        month_ago_total=sum(before.values()),
        as_of=as_of,
        compared_with=compared_with,
    )
