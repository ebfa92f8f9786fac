"""The load test's users (locust): 40 readers, 5 editors, 5 reporters.

Started by `manage.py loadtest`, which passes the users' names, the password and
the URLs to read in LOADTEST_PLAN (JSON). Readers open the dashboard, roadmap,
timeline, trend, activity pages and the dashboard at random past dates; editors
move a milestone's forecast with a reason through the quick-edit form; reporters
open their party's reporting page. Think time 1-3 s. Requests are named by kind
("read: ...", "write: ...") so the command can split the figures.
"""

import datetime
import json
import os
import random
import re
import zoneinfo

from locust import HttpUser, between, task

COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")
PLAN = json.loads(os.environ.get("LOADTEST_PLAN", "{}"))
_INPUT = re.compile(r"<input\b[^>]*>", re.S)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
_SELECT = re.compile(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S)
_SELECTED = re.compile(r'<option\b[^>]*value="([^"]*)"[^>]*selected', re.S)


def form_values(html: str) -> dict:
    """The values a browser would send for the first form's inputs and selects."""
    values = {}
    for tag in _INPUT.findall(html):
        attrs = dict(_ATTR.findall(tag))
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if not name or kind in ("submit", "button"):
            continue
        if kind == "checkbox":
            if "checked" in tag:
                values[name] = attrs.get("value", "on")
            continue
        values[name] = attrs.get("value", "")
    for name, body in _SELECT.findall(html):
        chosen = _SELECTED.search(body)
        values[name] = chosen.group(1) if chosen else ""
    return values


def _moved(text: str, days: int) -> str:
    """A typed date (ISO or Danish day-month-year) moved by `days`, in the same form."""
    for pattern, order in (
        (r"(\d{4})-(\d{2})-(\d{2})", "ymd"),
        (r"(\d{2})[-.](\d{2})[-.](\d{4})", "dmy"),
    ):
        found = re.fullmatch(pattern, text.strip())
        if not found:
            continue
        parts = dict(zip(order, map(int, found.groups()), strict=True))
        moved = datetime.date(parts["y"], parts["m"], parts["d"]) + datetime.timedelta(days=days)
        return moved.isoformat() if order == "ymd" else moved.strftime("%d-%m-%Y")
    return text


class _Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    pool: list[str] = []

    def on_start(self):
        # Logged in by the command beforehand: a session of its own per simulated user.
        session = self.pool.pop() if self.pool else ""
        self.client.cookies.set(PLAN["session_cookie"], session)


class Reader(_Person):
    weight = 40
    pool = list(PLAN.get("readers", []))

    @task(4)
    def dashboard(self):
        self.client.get("/", name="read: dashboard")

    @task(2)
    def roadmap(self):
        self.client.get("/plan/", name="read: roadmap")

    @task(2)
    def timeline(self):
        self.client.get("/tidslinje/", name="read: timeline")

    @task(1)
    def trend(self):
        self.client.get("/trend/", name="read: trend")

    @task(3)
    def activity(self):
        key = random.choice(PLAN["activities"])
        self.client.get(f"/plan/aktiviteter/{key}/", name="read: activity page")

    @task(2)
    def point_in_time(self):
        moment = datetime.datetime.now(COPENHAGEN) - datetime.timedelta(
            days=random.randint(1, 365), minutes=random.randint(0, 1440)
        )
        self.client.get(
            f"/?som_den_var={moment:%Y-%m-%dT%H:%M}", name="read: dashboard (point in time)"
        )


class Editor(_Person):
    weight = 5
    pool = list(PLAN.get("editors", []))

    @task
    def save_forecast(self):
        key = random.choice(PLAN["milestones"])
        url = f"/plan/milepaele/{key}/hurtig/"
        page = self.client.get(url, name="write: open forecast form")
        values = form_values(page.text)
        if "forecast_date" in values:
            values["forecast_date"] = _moved(values["forecast_date"], random.choice((-1, 1)))
        values["change_reason"] = "Belastningstest: leverandøren har meldt en ny dato"
        self.client.post(
            url, values, headers={"Referer": self.host + url}, name="write: save forecast"
        )


class Reporter(_Person):
    weight = 5
    pool = list(PLAN.get("reporters", []))

    @task
    def reporting(self):
        self.client.get("/plan/rapportering/", name="read: reporting (reporter)")
