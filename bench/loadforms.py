"""What the load test's users (bench/locustfile.py) read in the pages and send back, kept
apart from locust (which patches the standard library when imported) so that the
tests can check it against the real forms: the markers that only the intended page
shows, and the values a browser would send for a form.
"""

import datetime
import html
import re

# What only the intended page shows (Danish, the default language).
DASHBOARD = 'id="dashboard-body"'
PAST_BANNER = "sp-past-banner"
ROADMAP = "Roadmap: Fuld overgang til SOR"
TIMELINE = 'id="timeline-body"'
TREND = 'id="trend-body"'
ACTIVITY = 'id="milepaele"'
REPORTING_HOME = 'id="mine"'
QUICK_FORM = 'class="sp-quick-form"'
UPDATE_FORM = 'id="update-form"'
FORECAST_SAVED = "Milepælen er gemt."
DRAFT_SAVED = "Kladden er gemt."
# The header each request names its kind in ("read: dashboard", ...): gunicorn's access
# log during the load test writes it beside the time the server spent
# (`bench.management.commands.loadtest.LOG_FORMAT`).
NAME_HEADER = "X-Load-Name"

_FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
_INPUT = re.compile(r"<input\b[^>]*>", re.S)
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')
_SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
_OPTION = re.compile(r"<option\b([^>]*)>", re.S)
_TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.S)


def form_values(page: str, marker: str) -> dict | None:
    """What a browser sends for the form that holds `marker` (None: no such form):
    hidden and text inputs, ticked boxes, the chosen (else the first) option of each
    select, and each textarea's text; buttons are left to the caller."""
    form = next((f for f in _FORM.findall(page) if marker in f), None)
    if form is None:
        return None
    values = {}
    for tag in _INPUT.findall(form):
        attrs = dict(_ATTR.findall(tag))
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if not name or kind in ("submit", "button", "image", "reset", "file"):
            continue
        if kind in ("checkbox", "radio"):
            if re.search(r"\schecked\b", tag):
                values[name] = html.unescape(attrs.get("value", "on"))
            continue
        values[name] = html.unescape(attrs.get("value", ""))
    for select_attrs, body in _SELECT.findall(form):
        name = dict(_ATTR.findall(select_attrs)).get("name")
        options = [o for o in _OPTION.findall(body)]
        if not name or not options:
            continue
        chosen = next((o for o in options if re.search(r"\sselected\b", o)), options[0])
        values[name] = html.unescape(dict(_ATTR.findall(chosen)).get("value", ""))
    for area_attrs, text in _TEXTAREA.findall(form):
        name = dict(_ATTR.findall(area_attrs)).get("name")
        if name:
            # The template puts a newline after <textarea>; the browser drops it.
            values[name] = html.unescape(text.removeprefix("\n"))
    return values


def moved(text: str, days: int) -> str:
    """A typed date (15.03.2027, 15-03-2027 or 2027-03-15) moved by `days`, written the
    same way."""
    found = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    if found:
        y, m, d = map(int, found.groups())
        return (datetime.date(y, m, d) + datetime.timedelta(days=days)).isoformat()
    found = re.fullmatch(r"(\d{2})([-.])(\d{2})[-.](\d{4})", text.strip())
    if found:
        d, sep, m, y = found.groups()
        day = datetime.date(int(y), int(m), int(d)) + datetime.timedelta(days=days)
        return day.strftime(f"%d{sep}%m{sep}%Y")
    return text
