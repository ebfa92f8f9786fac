"""Plan dates in words a person reads, honouring their precision."""

import datetime
from functools import lru_cache

from django.core.signals import setting_changed
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import DatePrecision


def format_plan_date(date: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """'24. november 2026', 'december 2023', '4. kvartal 2023', '2024' or 'dato ikke fastsat'."""
    if date is None:
        return _("dato ikke fastsat")
    if precision == DatePrecision.YEAR:
        return str(date.year)
    return _format(get_language(), date, precision)


# A large plan shows the same few thousand dates over and over, and Django's
# localised date formatting costs ~10 µs a date; remembered per language.
@lru_cache(maxsize=8192)
def _format(language: str | None, date: datetime.date, precision: str) -> str:
    if precision == DatePrecision.QUARTER:
        return _("%(quarter)s. kvartal %(year)s") % {
            "quarter": (date.month - 1) // 3 + 1,
            "year": date.year,
        }
    if precision == DatePrecision.MONTH:
        return formats.date_format(date, "YEAR_MONTH_FORMAT")
    return formats.date_format(date, "DATE_FORMAT")


def _forget_formats(**kwargs):
    # Formats and catalogues follow settings (tests override them).
    _format.cache_clear()


setting_changed.connect(_forget_formats, dispatch_uid="milestones.dates.forget_formats")
