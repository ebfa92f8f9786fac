"""Plan dates in words a person reads, honouring their precision."""

import datetime

from django.utils import formats
from django.utils.translation import gettext as _

from .models import DatePrecision


def format_plan_date(date: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """'24. november 2026', 'december 2023', '4. kvartal 2023', '2024' or 'dato ikke fastsat'."""
    if date is None:
        return _("dato ikke fastsat")
    if precision == DatePrecision.YEAR:
        return str(date.year)
    if precision == DatePrecision.QUARTER:
        return _("%(quarter)s. kvartal %(year)s") % {
            "quarter": (date.month - 1) // 3 + 1,
            "year": date.year,
        }
    if precision == DatePrecision.MONTH:
        return formats.date_format(date, "YEAR_MONTH_FORMAT")
    return formats.date_format(date, "DATE_FORMAT")
