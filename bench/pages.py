"""The pages the bench measures: one URL per page kind, as a plain data list.

Each entry is `Page(name, route, sample, query)`: `route` is the URL name,
`sample` names a function of `SAMPLES` that picks the URL's arguments (and the
milestone a "cold" edit moves) in the bench database, `query` is appended as the
query string (`{past}` is a moment 45 days ago, `{new_past}` a moment not asked before,
drawn anew for each visit). Another app adds its pages by
appending to `PAGES` (and a sample to `SAMPLES` when its URL takes a key); a page
whose route does not resolve, or whose sample finds nothing, is reported as
skipped, not failed.
"""

import datetime
import random
from collections.abc import Callable
from typing import NamedTuple

from django.utils import timezone

from medcom.models import MessageType, supplier_parties
from milestones.models import Activity, ReportingRound
from register.models import Entry


class Page(NamedTuple):
    name: str
    route: str
    sample: str = ""
    query: str = ""
    # What a "cold" visit follows: "" a milestone's forecast moved through the plan's
    # service; "register" an entry edited through the register's (bench.register_pages);
    # "medcom" a certification row edited through MedCom's (bench.medcom_pages).
    edit: str = ""


# The bench's own floor: a @login_required view returning "ok" (bench.urls).
BARE = Page("bare Django view", "bench_ok")
TRIVIAL = Page("trivial", "accessibility")

PAGES: list[Page] = [
    Page("dashboard", "reports:dashboard"),
    Page("dashboard (point in time)", "reports:dashboard", query="som_den_var={past}"),
    # Each cold visit asks a moment not asked before (`new_past_moment`): the one above is
    # keyed by the data as it stood 45 days ago, so its "cold after an edit" is warm.
    Page(
        "dashboard (point in time, a new moment)",
        "reports:dashboard",
        query="som_den_var={new_past}",
    ),
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
    Page("party page", "parties:detail", "party"),
    # The steering group's logs, paged (50 a page), live and at a past moment. The
    # synthetic programme writes no governance records: these measure the pages' floor.
    Page("decision log", "governance:decision_list"),
    Page("decision log (point in time)", "governance:decision_list", query="som_den_var={past}"),
    Page("issue log", "governance:issue_list", query="status=alle"),
    Page("action list", "governance:action_list"),
    Page("risk register", "governance:risk_list"),
    Page("risk register (point in time)", "governance:risk_list", query="som_den_var={past}"),
    Page("switch-off (Kan SHAK slukkes?)", "reports:switch_off", edit="register"),
    # The same page after the bench's forecast edit, the edit the steering group's readers
    # meet most (its regions' and municipalities' conditions kept across forecasts).
    Page("switch-off (after a milestone edit)", "reports:switch_off"),
    Page("dashboard (after a register edit)", "reports:dashboard", edit="register"),
    Page("register list", "register:entry_list", edit="register"),
    Page("register entry", "register:entry_detail", "register_entry", edit="register"),
    Page("MedCom matrix", "medcom:matrix", edit="medcom"),
    Page("MedCom message type", "medcom:message_type_detail", "message_type", edit="medcom"),
    Page("MedCom matrix (family)", "medcom:matrix", query="familie=fhir", edit="medcom"),
    Page("MedCom matrix (state)", "medcom:matrix", query="tilstand=ready_for_test", edit="medcom"),
    Page("MedCom supplier", "medcom:supplier_detail", "medcom_supplier", edit="medcom"),
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


def _sample_party() -> dict | None:
    activity = _activity()
    return activity and {"args": [activity.responsible_party.key]}


def _sample_round() -> dict | None:
    today = timezone.localdate()
    current = ReportingRound.objects.filter(opens_on__lte=today).order_by("-period").first()
    return current and {"args": [f"{current.period:%Y-%m}"]}


def _sample_register_entry() -> dict | None:
    entry = (
        Entry.objects.filter(key__startswith="load-").order_by("key").first()
        or Entry.objects.order_by("key").first()
    )
    return entry and {"args": [entry.key]}


def _sample_message_type() -> dict | None:
    message_type = MessageType.objects.order_by("key").first()
    return message_type and {"args": [message_type.key]}


def _sample_medcom_supplier() -> dict | None:
    supplier = (
        supplier_parties().filter(key__startswith="load-").order_by("key").first()
        or supplier_parties().order_by("key").first()
    )
    return supplier and {"args": [supplier.key]}


# name -> function returning {"args": [...], <query fields>...}, or None when there is nothing.
SAMPLES: dict[str, Callable[[], dict | None]] = {
    "activity": _sample_activity,
    "activity_track": _sample_activity_track,
    "round": _sample_round,
    "party": _sample_party,
    "register_entry": _sample_register_entry,
    "message_type": _sample_message_type,
    "medcom_supplier": _sample_medcom_supplier,
}


def past_moment() -> str:
    past = timezone.localtime(timezone.now() - datetime.timedelta(days=45))
    return f"{past:%Y-%m-%dT%H:%M}"


_asked: set[str] = set()
_draw = random.SystemRandom()


def new_past_moment() -> str:
    """A moment 1-365 days back (as the load test's point in time) at a minute not asked
    before in this process: a visit with it computes a moment of its own."""
    while True:
        back = datetime.timedelta(days=_draw.randint(1, 365), minutes=_draw.randint(0, 1439))
        moment = f"{timezone.localtime(timezone.now() - back):%Y-%m-%dT%H:%M}"
        if moment not in _asked:
            _asked.add(moment)
            return moment
