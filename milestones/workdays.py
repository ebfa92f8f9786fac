"""Danish working days: weekdays that are not Danish public holidays.

Public holidays come from the `holidays` package (category "public"), so
Christmas Eve, New Year's Eve and Constitution Day (days off by agreement in
many workplaces, not public holidays) count as working days.
"""

import calendar
import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _danish_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("DK", years=year))


def is_working_day(date: datetime.date) -> bool:
    return date.weekday() < 5 and date not in _danish_holidays(date.year)


def month_start(date: datetime.date) -> datetime.date:
    return date.replace(day=1)


def first_working_day(period: datetime.date) -> datetime.date:
    """The first working day of the month `period` lies in."""
    day = month_start(period)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def last_working_day(period: datetime.date) -> datetime.date:
    """The last working day of the month `period` lies in."""
    day = period.replace(day=calendar.monthrange(period.year, period.month)[1])
    while not is_working_day(day):
        day -= datetime.timedelta(days=1)
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start).

    working_days_between(today, due) == 1 means the due date is the next working day.
    """
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
