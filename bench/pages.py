"""The pages the bench measures: one URL per page kind, as a plain data list.

Each entry is `Page(name, route, sample, query)`: `route` is the URL name,
`sample` names a function of `SAMPLES` that picks the URL's arguments (and the
milestone a "cold" edit moves) in the bench database, `query` is appended as the
query string (`{past}` is a moment 45 days ago). Another app adds its pages by
appending to `PAGES` (and a sample to `SAMPLES` when its URL takes a key); a page
whose route does not resolve, or whose sample finds nothing, is reported as
skipped, not failed.
"""

import datetime
from collections.abc import Callable
from typing import NamedTuple

from django.utils import timezone

from milestones.models import Activity, ReportingRound


class Page(NamedTuple):
    name: str
    route: str
    sample: str = ""
    query: str = ""


# The bench's own floor: a @login_required view returning "ok" (bench.urls).
BARE = Page("bare Django view", "bench_ok")
TRIVIAL = Page("trivial", "accessibility")

PAGES: list[Page] = [
    Page("dashboard", "reports:dashboard"),
    Page("dashboard (point in time)", "reports:dashboard", query="som_den_var={past}"),
    Page("roadmap", "milestones:roadmap"),
    Page("roadmap (track, page 2)", "milestones:roadmap", "activity_track", "spor={track}&side=2"),
    Page("activity page", "milestones:activity_detail", "activity"),
    Page("milestone list", "milestones:milestone_list"),
    Page("activity list", "milestones:activity_list"),
    Page("change feed", "milestones:change_feed"),
    Page("round matrix", "milestones:reporting_round", "round"),
    Page("timeline (Gantt)", "reports:timeline"),
    Page("trend (MTA)", "reports:trend"),
    Page("party list", "parties:list"),
    Page("switch-off (Kan SHAK slukkes?)", "reports:switch_off"),
]


def _activity() -> Activity | None:
    return (
        Activity.objects.filter(key__startswith="load-").order_by("key").first()
        or Activity.objects.order_by("key").first()
    )


def _sample_activity() -> dict | None:
    activity = _activity()
    return activity and {"args": [activity.key]}


def _sample_activity_track() -> dict | None:
    activity = _activity()
    return activity and {"args": [], "track": activity.track}


def _sample_round() -> dict | None:
    today = timezone.localdate()
    current = ReportingRound.objects.filter(opens_on__lte=today).order_by("-period").first()
    return current and {"args": [f"{current.period:%Y-%m}"]}


# name -> function returning {"args": [...], <query fields>...}, or None when there is nothing.
SAMPLES: dict[str, Callable[[], dict | None]] = {
    "activity": _sample_activity,
    "activity_track": _sample_activity_track,
    "round": _sample_round,
}


def past_moment() -> str:
    past = timezone.localtime(timezone.now() - datetime.timedelta(days=45))
    return f"{past:%Y-%m-%dT%H:%M}"
