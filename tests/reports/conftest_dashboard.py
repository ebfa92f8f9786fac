"""Helpers for the dashboard, timeline and trend tests: a test party with its own
activities and milestones, written with backdated history where a test needs a past."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from core.history import record_save, system_user_get
from milestones.models import Activity, Baseline, BaselineEntry, Dependency, Milestone
from parties.models import Party

D = datetime.date
REASON = "Test"


def ago(days: float, hour: int = 12) -> datetime.datetime:
    """An aware moment `days` days before now (at `hour` o'clock, Copenhagen time)."""
    day = timezone.localdate() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def save_at(instance, when: datetime.datetime | None = None, reason: str = REASON):
    """Save through the history helper, with the history row dated `when` (None: now)."""
    # simple-history keeps _history_date on the instance: set or clear it each time.
    if when is not None:
        instance._history_date = when
    elif hasattr(instance, "_history_date"):
        del instance._history_date
    return record_save(instance, user=system_user_get(), reason=reason)


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def make_party(key: str = "t-part", when=None, **kw) -> Party:
    return save_at(
        Party(
            key=key,
            name=kw.pop("name", f"Testpart {key}"),
            kind=Party.Kind.AUTHORITY,
            side=Party.Side.EXTERNAL,
            **kw,
        ),
        when,
    )


def make_activity(party: Party, key: str, when=None, **kw) -> Activity:
    kw.setdefault("track", Activity.Track.EXTERNAL)
    return save_at(
        Activity(key=key, title=kw.pop("title", f"Aktivitet {key}"), responsible_party=party, **kw),
        when,
    )


def make_milestone(
    activity: Activity, key: str, forecast=None, when=None, baseline=None, **kw
) -> Milestone:
    """A milestone; with `baseline` (a date) it gets an entry in the active baseline."""
    milestone = save_at(
        Milestone(
            key=key,
            title=kw.pop("title", f"Milepæl {key}"),
            activity=activity,
            forecast_date=forecast,
            **kw,
        ),
        when,
    )
    if baseline is not None:
        BaselineEntry.objects.create(
            baseline=Baseline.objects.get(is_active=True), milestone=milestone, date=baseline
        )
    return milestone


def change_at(milestone: Milestone, when=None, **changes) -> Milestone:
    for name, value in changes.items():
        setattr(milestone, name, value)
    milestone.version += 1
    return save_at(milestone, when)


def depend(predecessor: Milestone, successor: Milestone, when=None) -> Dependency:
    return save_at(Dependency(predecessor=predecessor, successor=successor), when)


@pytest.fixture(autouse=False)
def fresh_cache():
    """The dashboard caches under a stamp of the newest history rows; start each test empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def past_baseline(db):
    """A new active baseline whose history says it has been active for over a year."""
    for old in Baseline.objects.filter(is_active=True):
        old.is_active = False
        save_at(old)
    return save_at(Baseline(key="t-baseline", name="Testbaseline", is_active=True), ago(400))
