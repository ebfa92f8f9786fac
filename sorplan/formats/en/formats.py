"""British date and number formats for the English pages (Django's own "en" is American).

The long forms mirror the Danish ones ("24. november 2026" / "24 November 2026").
"""

from django.conf.locale.en_GB.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"  # '24 November 2026'
TIME_FORMAT = "H:i"  # '14:30'
DATETIME_FORMAT = "j F Y, H:i"  # '24 November 2026, 14:30'
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # '24/11/2026 14:30'
