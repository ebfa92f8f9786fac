"""Today's date as the programme counts it: in Copenhagen (settings.TIME_ZONE)."""

import datetime
import zoneinfo

from django.utils import timezone

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")


def today() -> datetime.date:
    """Today in Copenhagen, whatever the server's or the active time zone."""
    return timezone.localdate(timezone=COPENHAGEN)


def task_today(value: str | None) -> datetime.date:
    """A periodic task's optional `today` argument (ISO date, for reruns and tests), else today."""
    return datetime.date.fromisoformat(value) if value else today()
