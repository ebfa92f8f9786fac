"""The risk register's reads: the filtered list and the 5 × 5 heat map with its change
since a month ago (from history)."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from core.history import as_of_queryset
from milestones.rag import add_months

from ..models import SCALE_VALUES, Band, Risk, band_by_key, band_of
from .records import readable_at


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


def risk_rows(access, data: dict, at: datetime.datetime | None = None):
    """The risks `access` may read, as they stood at `at` (None: the live table), narrowed
    by the register's filters (`RiskFilterForm.cleaned_data`, empty: all) and annotated
    with `score_value`. Party, band, status, owner and who may read a risk apply to the
    rows as they stood; the track follows today's links (links have no history)."""
    rows = readable_at(Risk, access, at).annotate(score_value=F("probability") * F("impact"))
    if data.get("party"):
        rows = rows.filter(owner_party_id=data["party"].pk)
    if data.get("track"):
        rows = rows.filter(id__in=Risk.objects.filter(activities__track=data["track"]).values("pk"))
    if data.get("band"):
        band = band_by_key(data["band"])
        rows = (
            rows.filter(score_value__gte=band.low, score_value__lte=band.high)
            if band
            else rows.none()
        )
    if data.get("owner"):
        rows = rows.filter(owner_person_id=data["owner"].pk)
    return rows


def month_before(today: datetime.date) -> datetime.datetime:
    """The end of the same day a month before `today`: what "since last month" compares with."""
    return datetime.datetime.combine(
        add_months(today, -1), datetime.time.max, tzinfo=timezone.get_current_timezone()
    )


def heat_map(
    risks, *, at: datetime.datetime | None = None, today: datetime.date | None = None
) -> HeatMap:
    """Active risks among `risks` (a filtered queryset, live or historical rows) per
    probability × impact as they stood at `at` (None: live), beside the same count a month
    earlier from history (a risk counts then if it existed, was active and sat in that
    cell)."""
    today = today or (timezone.localdate(at) if at else timezone.localdate())
    ids = risks.values("id")

    def counts(moment):
        return Counter(
            as_of_queryset(Risk, moment)
            .filter(id__in=ids, status__in=Risk.ACTIVE_STATUSES)
            .values_list("probability", "impact")
        )

    return heat_map_of(
        counts(at),
        counts(month_before(today)),
        as_of=today,
        compared_with=add_months(today, -1),
    )


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
