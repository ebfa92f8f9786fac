"""The load test's users (locust): 40 readers, 5 editors, 5 reporters.

Started by `manage.py loadtest`, which passes the sessions, the URLs and each writer's
own share of the data in LOADTEST_PLAN (JSON). Think time 1-3 s.

- Readers open the dashboard, roadmap, timeline, trend, activity pages and the
  dashboard at a random past moment.
- Editors (SOR-team, two-factor confirmed) open a milestone's quick-edit form, move
  its forecast by a day with a reason and save: the real form, its CSRF token and
  version, each editor on milestones of their own (two editors on one milestone
  would make a real edit conflict, not a load figure).
- Reporters (each of a different party) open one of their party's obligations in the
  open round, write a fresh text and save the draft through the real form.

Every response is checked: the status (no redirect is followed unless it is the one
a save answers with), a marker that only the intended page has, and for a save its
redirect and the message on the page it leads to (the draft also its text read back).
So a log-in page, an error page or a refused save counts as an error.

Requests are named by kind ("read: ...", "write: ..."); every sample's time is also
written to LOADTEST_SAMPLES so the command can compute the readers' and the writers'
percentiles over all their requests. Each request carries its kind in the header
`X-Load-Name` (NAME_HEADER), which the command has gunicorn write to its access log with
the time the server spent on it: the table then says, per kind, how much of what a user
waited was the page itself and how much the wait for a free thread.
"""

import datetime
import itertools
import json
import os
import random
import re
import sys
import uuid
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from locust.exception import StopUser

# locust loads this file by path: the project's root on the path for bench.loadforms.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.loadforms import (  # noqa: E402
    ACTIVITY,
    DASHBOARD,
    DRAFT_SAVED,
    FORECAST_SAVED,
    NAME_HEADER,
    PAST_BANNER,
    QUICK_FORM,
    REPORTING_HOME,
    ROADMAP,
    TIMELINE,
    TREND,
    UPDATE_FORM,
    form_values,
    moved,
)

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")
PLAN = json.loads(os.environ.get("LOADTEST_PLAN", "{}"))


def _path(url: str) -> str:
    return urlsplit(url).path


class _Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    pool: list = []

    def on_start(self):
        # Logged in by the command beforehand: a session of its own per simulated user.
        if not self.pool:
            raise StopUser()
        self.me = self.pool.pop()
        session = self.me if isinstance(self.me, str) else self.me["session"]
        self.client.cookies.set(PLAN["session_cookie"], session)

    def page(self, url: str, name: str, *markers: str):
        """GET `url` (no redirect followed), checked for 200 and each marker."""
        with self.client.get(
            url,
            name=name,
            headers={NAME_HEADER: name},
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} {r.headers.get('Location', '')}")
            elif missing := [m for m in markers if m not in r.text]:
                r.failure(f"200 without {missing[0]!r}")
            else:
                r.success()
                return r.text
        return None

    def save(self, url: str, data: dict, name: str, expect: str) -> str | None:
        """POST the form as a browser does (CSRF token from the form, the cookie, the
        Referer); the save answers with a redirect to `expect`. Returns where it leads."""
        headers = {"Referer": self.host + url, NAME_HEADER: name}
        with self.client.post(
            url, data, headers=headers, name=name, allow_redirects=False, catch_response=True
        ) as r:
            location = r.headers.get("Location", "")
            if r.status_code != 302:
                errors = re.findall(r'class="form-error-message"[^>]*>(.*?)<', r.text, re.S)
                r.failure(f"{r.status_code} {' | '.join(e.strip() for e in errors)[:200]}")
            elif _path(location) != expect:
                r.failure(f"302 to {location}, expected {expect}")
            else:
                r.success()
                return location
        return None


class Reader(_Person):
    weight = 40
    pool = list(PLAN.get("readers", []))

    @task(4)
    def dashboard(self):
        self.page("/", "read: dashboard", DASHBOARD)

    @task(2)
    def roadmap(self):
        self.page("/plan/", "read: roadmap", ROADMAP)

    @task(2)
    def timeline(self):
        self.page("/tidslinje/", "read: timeline", TIMELINE)

    @task(1)
    def trend(self):
        self.page("/trend/", "read: trend", TREND)

    @task(3)
    def activity(self):
        key = random.choice(PLAN["activities"])
        self.page(f"/plan/aktiviteter/{key}/", "read: activity page", ACTIVITY)

    @task(2)
    def point_in_time(self):
        moment = datetime.datetime.now(COPENHAGEN) - datetime.timedelta(
            days=random.randint(1, 365), minutes=random.randint(0, 1440)
        )
        self.page(
            f"/?som_den_var={moment:%Y-%m-%dT%H:%M}",
            "read: dashboard (point in time)",
            DASHBOARD,
            PAST_BANNER,
        )


class Editor(_Person):
    fixed_count = 5
    pool = list(PLAN.get("editors", []))

    def on_start(self):
        super().on_start()
        # Each editor's own milestones, in turn; each forecast goes one day later, then
        # back the next time, so the plan stays where it was.
        self.milestones = itertools.cycle(self.me["milestones"])
        self.direction: dict[str, int] = {}

    @task
    def save_forecast(self):
        key = next(self.milestones)
        url = f"/plan/milepaele/{key}/hurtig/"
        page = self.page(url, "write: open forecast form", QUICK_FORM)
        values = form_values(page, QUICK_FORM) if page else None
        if values is None:
            return
        days = self.direction.get(key, 1)
        self.direction[key] = -days
        values["forecast_date"] = moved(values.get("forecast_date", ""), days)
        values["change_reason"] = (
            f"Belastningstest {uuid.uuid4().hex[:8]}: leverandøren har meldt en ny dato"
        )
        activity_page = f"/plan/aktiviteter/{self.me['activity_of'][key]}/"
        location = self.save(url, values, "write: save forecast", expect=activity_page)
        if location:
            self.page(location, "write: forecast saved (its page)", FORECAST_SAVED)


class Reporter(_Person):
    fixed_count = 5
    pool = list(PLAN.get("reporters", []))

    @task
    def save_draft(self):
        self.page("/plan/rapportering/", "write: open reporting (reporter)", REPORTING_HOME)
        url = random.choice(self.me["edits"])
        page = self.page(url, "write: open progress update", UPDATE_FORM)
        values = form_values(page, UPDATE_FORM) if page else None
        if values is None:
            return
        mark = uuid.uuid4().hex[:12]
        values.update(
            action="draft",
            narrative=f"Belastningstest {mark}: test af integrationen er i gang.",
            self_rag=random.choice(["green", "yellow", "red"]),
            self_rag_reason="Syntetisk vurdering fra belastningstesten.",
            percent_complete=str(random.randint(0, 100)),
            achievements=f"Testmiljø sat op ({mark}).",
            next_steps="Pilottest med udvalgte enheder.",
        )
        location = self.save(url, values, "write: save draft", expect=url)
        if location:
            # The draft is read back: the message and the text just written.
            self.page(location, "write: draft saved (its page)", DRAFT_SAVED, mark)


_samples: list[tuple[str, float, bool]] = []


@events.request.add_listener
def _sample(name, response_time, exception, **kwargs):
    _samples.append((name, response_time, exception is None))


@events.quitting.add_listener
def _write_samples(environment, **kwargs):
    path = os.environ.get("LOADTEST_SAMPLES")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(_samples, handle)
