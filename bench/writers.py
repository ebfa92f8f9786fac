"""The writers' requests the bench measures: what the load test's editors and reporters
do (`bench/locustfile.py`), one visit after another through Django's test client, with
each request's time, the CPU time of this process and its SQL queries.

`WRITERS` is a plain list of `Writer(name, user, visit)` another app appends to:
`user()` gives the logged-in user the writer is and its share of the data (as the load
test picks them, `bench.management.commands.loadtest`), `visit(ask, share, n)` makes the
n-th visit's requests through `ask(name, url, data=None)` (a GET, or a POST of `data`),
which answers the response's text after checking it like the load test (the status, the
page's marker, a save's redirect and its confirmation). The forms are filled from the
GET as a browser sends them (`bench.loadforms.form_values`), with a fresh reason or text
each time.
"""

import itertools
import statistics
import time
import uuid
from collections.abc import Callable
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.loadforms import (
    DRAFT_SAVED,
    FORECAST_SAVED,
    QUICK_FORM,
    REPORTING_HOME,
    UPDATE_FORM,
    form_values,
    moved,
)
from parties.models import Membership, Party


class Writer(NamedTuple):
    name: str
    user: Callable[[], tuple]
    visit: Callable[[Callable, dict, int], None]


class Asked(NamedTuple):
    name: str
    ms: float
    cpu_ms: float
    queries: int


class WriterFailed(RuntimeError):
    pass


def writer_user(prefix: str, n: int, party: Party, role: str):
    """The load test's n-th writer of a kind (`load-<prefix>-NN`), a member of `party`
    with `role` (one user, as the load test makes it)."""
    user, _created = get_user_model().objects.get_or_create(username=f"load-{prefix}-{n + 1:02d}")
    Membership.objects.get_or_create(user=user, party=party, role=role)
    return user


# ---------------------------------------------------------------------------
# The editor: open a milestone's quick form, save a new forecast with a reason, read
# the activity page the save leads to.
# ---------------------------------------------------------------------------
def _editor_user() -> tuple:
    from bench.management.commands.loadtest import _editor_milestones

    milestones = _editor_milestones(1)[0]
    team = Party.objects.get(key="sor-team")
    user = writer_user("editor", 0, team, Membership.Role.EDITOR)
    return user, {"activity_of": milestones, "keys": list(milestones)}


def _editor_visit(ask: Callable, share: dict, n: int) -> None:
    keys = share["keys"]
    key = keys[n % len(keys)]
    # One day later, back the next time round: the plan stays where it was.
    days = 1 if (n // len(keys)) % 2 == 0 else -1
    url = f"/plan/milepaele/{key}/hurtig/"
    page = ask("write: open forecast form", url, marker=QUICK_FORM)
    values = form_values(page, QUICK_FORM)
    values["forecast_date"] = moved(values.get("forecast_date", ""), days)
    values["change_reason"] = (
        f"Belastningstest {uuid.uuid4().hex[:8]}: leverandøren har meldt en ny dato"
    )
    activity_page = f"/plan/aktiviteter/{share['activity_of'][key]}/"
    location = ask("write: save forecast", url, data=values, expect=activity_page)
    ask("write: forecast saved (its page)", location, marker=FORECAST_SAVED)


# ---------------------------------------------------------------------------
# The reporter: open the reporting home, one of the party's update forms, save a draft,
# read it back.
# ---------------------------------------------------------------------------
def _reporter_user() -> tuple:
    from bench.management.commands.loadtest import _open_round, _reporting_parties

    ((party, edits),) = _reporting_parties(_open_round(), 1)
    user = writer_user("reporter", 0, party, Membership.Role.REPORTER)
    return user, {"edits": edits}


def _reporter_visit(ask: Callable, share: dict, n: int) -> None:
    ask("write: open reporting (reporter)", "/plan/rapportering/", marker=REPORTING_HOME)
    url = share["edits"][n % len(share["edits"])]
    values = form_values(ask("write: open progress update", url, marker=UPDATE_FORM), UPDATE_FORM)
    mark = uuid.uuid4().hex[:12]
    values.update(
        action="draft",
        narrative=f"Belastningstest {mark}: test af integrationen er i gang.",
        self_rag=("green", "yellow", "red")[n % 3],
        self_rag_reason="Syntetisk vurdering fra belastningstesten.",
        percent_complete=str(n % 101),
        achievements=f"Testmiljø sat op ({mark}).",
        next_steps="Pilottest med udvalgte enheder.",
    )
    location = ask("write: save draft", url, data=values, expect=url)
    ask("write: draft saved (its page)", location, marker=DRAFT_SAVED, text=mark)


WRITERS: list[Writer] = [
    Writer("editor", _editor_user, _editor_visit),
    Writer("reporter", _reporter_user, _reporter_visit),
]


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------
class _Asker:
    """`ask` for one client: each request timed (wall and this process's CPU), its
    queries counted and its answer checked; the measured ones kept in `asked`."""

    def __init__(self, client: Client):
        self.client = client
        self.asked: list[Asked] = []
        self.measuring = True

    def __call__(self, name, url, *, data=None, marker="", expect="", text="") -> str:
        with CaptureQueriesContext(connection) as ctx:
            started, cpu = time.perf_counter(), time.process_time()
            if data is None:
                response = self.client.get(url)
            else:
                response = self.client.post(url, data, HTTP_REFERER=f"http://testserver{url}")
            ms = (time.perf_counter() - started) * 1000
            cpu_ms = (time.process_time() - cpu) * 1000
        if self.measuring:
            self.asked.append(Asked(name, ms, cpu_ms, len(ctx.captured_queries)))
        if data is not None:
            location = response.get("Location", "")
            if response.status_code != 302 or location.split("#")[0] != expect:
                raise WriterFailed(f"{name}: {response.status_code} {location or url}")
            return location
        body = response.content.decode()
        if response.status_code != 200 or (marker and marker not in body) or text not in body:
            raise WriterFailed(f"{name}: {response.status_code} at {url}")
        return body


def writer_timings(runs: int, *, log_in, host: str = "testserver", wanted=()) -> list[dict]:
    """Each writer's requests, `runs` visits (after one visit unmeasured: first imports
    and templates): per request kind its median ms, median CPU ms and most queries. A
    writer the data has no share for, or whose request fails, gives one row with `note`
    (why) instead."""
    from django.core.management.base import CommandError

    rows = []
    for writer in WRITERS:
        if wanted and not any(w in writer.name or w in "writers" for w in wanted):
            continue
        try:
            user, share = writer.user()
            client = Client(HTTP_HOST=host)
            log_in(client, user)
            ask = _Asker(client)
            ask.measuring = False
            counter = itertools.count()
            writer.visit(ask, share, next(counter))
            ask.measuring = True
            for _ in range(runs):
                writer.visit(ask, share, next(counter))
        except (CommandError, WriterFailed) as error:
            rows.append({"writer": writer.name, "request": "", "note": f"skipped: {error}"})
            continue
        for name in dict.fromkeys(a.name for a in ask.asked):
            mine = [a for a in ask.asked if a.name == name]
            rows.append(
                {
                    "writer": writer.name,
                    "request": name,
                    "count": len(mine),
                    "ms": statistics.median(a.ms for a in mine),
                    "cpu_ms": statistics.median(a.cpu_ms for a in mine),
                    "queries": max(a.queries for a in mine),
                }
            )
    return rows
