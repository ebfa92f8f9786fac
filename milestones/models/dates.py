"""Plan dates and their precision (day, month, quarter, year)."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    """How precise a date is. The seeds often say only 'medio december 2023' or '2024'.

    An imprecise date is stored as the first day of its period and compared by
    the end of its period.
    """

    DAY = "day", _("Dag")
    MONTH = "month", _("Måned")
    QUARTER = "quarter", _("Kvartal")
    YEAR = "year", _("År")


def period_start(date: datetime.date, precision: str) -> datetime.date:
    if precision == DatePrecision.MONTH:
        return date.replace(day=1)
    if precision == DatePrecision.QUARTER:
        return date.replace(month=3 * ((date.month - 1) // 3) + 1, day=1)
    if precision == DatePrecision.YEAR:
        return date.replace(month=1, day=1)
    return date


def period_end(date: datetime.date, precision: str) -> datetime.date:
    """The last day of the period a date of this precision stands for."""
    if precision == DatePrecision.MONTH:
        return date.replace(day=calendar.monthrange(date.year, date.month)[1])
    if precision == DatePrecision.QUARTER:
        last_month = 3 * ((date.month - 1) // 3) + 3
        return date.replace(month=last_month, day=calendar.monthrange(date.year, last_month)[1])
    if precision == DatePrecision.YEAR:
        return date.replace(month=12, day=31)
    return date


def is_period_start(date: datetime.date, precision: str) -> bool:
    return period_start(date, precision) == date


def plan_date_error(date: datetime.date | None, precision: str) -> ValidationError | None:
    """The error for an imprecise date that is not the first day of its period, else None."""
    if date is None or precision not in DatePrecision.values or is_period_start(date, precision):
        return None
    from ..dates import format_plan_date

    start = period_start(date, precision)
    return ValidationError(
        _(
            "Når præcisionen er “%(precision)s”, gemmes datoen som periodens første dag: "
            "skriv %(start)s for %(period)s."
        ),
        code="not_period_start",
        params={
            "precision": DatePrecision(precision).label.lower(),
            "start": formats.date_format(start, "SHORT_DATE_FORMAT"),
            "period": format_plan_date(start, precision),
        },
    )
