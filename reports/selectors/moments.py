"""The moment a page shows: now, or a past moment rebuilt from history."""

import datetime
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class PointInTime:
    """The moment a page shows. `at` is None for the live plan."""

    at: datetime.datetime | None
    today: datetime.date
    moment: datetime.datetime

    @property
    def is_past(self) -> bool:
        return self.at is not None

    @property
    def previous_month_end(self) -> datetime.datetime:
        """The end of the month before `today` (midnight starting the 1st)."""
        first = self.today.replace(day=1)
        return timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))


def point_in_time(as_of: datetime.datetime | None = None) -> PointInTime:
    """`as_of` as a PointInTime; a moment not in the past counts as now."""
    now = timezone.now()
    if as_of is not None and timezone.is_naive(as_of):
        raise ValueError("as_of must be an aware datetime")
    if as_of is None or as_of >= now:
        return PointInTime(at=None, today=timezone.localdate(now), moment=now)
    return PointInTime(at=as_of, today=timezone.localdate(as_of), moment=as_of)
