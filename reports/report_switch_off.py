"""The monthly status report's section "Kan SHAK slukkes?", as plain JSON-ready data.

Built on the switch-off gate (`reports.selectors.switch_off`) and the register's
readiness and burn-down, so the report shows the same figures, answer and SVG as
the page `/kan-shak-slukkes/`; what the page does not need and the report does
is added here: the figures at the previous report's moment and the entries that
moved state between the two moments (from the register's history).

Frozen with the report (`reports.report_data.build` puts it in the snapshot), so
everything is a string, number, boolean, list or dict; dates are pre-formatted in
Danish.
"""

import datetime
from collections import Counter

from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import formats, timezone

from milestones.history import user_label
from parties.models import Party
from register import selectors as register_selectors
from register.models import DEPENDING_STATES, Entry, ShakState

from .charts.burndown import burndown_chart
from .selectors import switch_off as gate

# Entries that moved state this period: the first (by owner and name), the rest counted.
MOVED_LIMIT = 40
# What `_moved` reads of each history row of an entry between the two moments.
_EVENT_FIELDS = (
    "id",
    "history_date",
    "history_type",
    "key",
    "name",
    "owner_id",
    "state",
    "history_user_id",
    "history_change_reason",
)


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _moment(value: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else f"\u2212{-n}" if n < 0 else "\u00b10"


def _figures(readiness) -> dict:
    return {
        "total": readiness.total,
        "depending": readiness.depending,
        "not_mapped": readiness.not_mapped,
        "done": readiness.done,
        "by_state": {value: n for value, _label, n in readiness.by_state},
    }


def _figures_of(rows: list[dict]) -> dict:
    """`_figures` of the entries as they stood (the previous moment's): the counts by
    SHAK state alone, as `register.selectors.readiness` counts them. Its other work,
    rating each depending entry's "in production" step for the problems it lists (3,500
    ratings at scale, a third of this section), the report shows only for now."""
    states = Counter(r["state"] for r in rows)
    depending = sum(states.get(s, 0) for s in DEPENDING_STATES)
    return {
        "total": len(rows),
        "depending": depending,
        "not_mapped": states.get(ShakState.NOT_MAPPED, 0),
        "done": len(rows) - depending,
        "by_state": {value: states.get(value, 0) for value in ShakState.values},
    }


def _readiness(now, previous: dict) -> dict:
    """The register's figures now and at the previous moment (`_figures_of`), with the change."""
    current = _figures(now)
    return {
        **{k: current[k] for k in ("total", "depending", "not_mapped", "done")},
        "before": {k: previous[k] for k in ("total", "depending", "not_mapped", "done")},
        "change": {
            k: _signed(current[k] - previous[k])
            for k in ("total", "depending", "not_mapped", "done")
        },
        "by_state": [
            {
                "state": value,
                "label": str(label),
                "count": current["by_state"].get(value, 0),
                "before": previous["by_state"].get(value, 0),
                "change": _signed(
                    current["by_state"].get(value, 0) - previous["by_state"].get(value, 0)
                ),
            }
            for value, label in ShakState.choices
        ],
    }


def _burndown(burndown) -> dict:
    return {
        "svg": render_to_string("reports/charts/burndown.svg", {"chart": burndown_chart(burndown)}),
        "switch_off": _date(burndown.switch_off) if burndown.switch_off else "",
        "points": [
            {
                "month_end": _date(p.month_end),
                "actual": p.actual,
                "forecast": p.forecast,
                "baseline": p.baseline,
            }
            for p in burndown.points
        ],
    }


def _conditions(result) -> list[dict]:
    return [
        {
            "key": c.key,
            "title": c.title,
            "status": c.status,
            "status_label": c.status_label,
            "count": c.count,
            "total": c.total,
            "detail": c.detail,
            "left": [name for name, _url in c.left],
        }
        for c in result.conditions
    ]


def _moved(since: datetime.datetime, at: datetime.datetime | None, since_rows: list[dict]) -> dict:
    """Entries whose SHAK state at `at` differs from the one at `since` (`since_rows`,
    the entries as they stood then; an entry added in between: from the state it was
    added with), with the last move's moment, who made it and why.

    The entries at `at` are those at `since` with the history rows between laid over
    them in order (the latest row by date, then history id, as `core.history.as_of_queryset`
    chooses; a deletion removes the entry): the history read once, not the register
    read again as it stood at `at`."""
    before = {r["id"]: r["state"] for r in since_rows}
    now = {r["id"]: r for r in since_rows}
    events = Entry.history.filter(history_date__gt=since)
    if at is not None:
        events = events.filter(history_date__lte=at)
    start: dict[int, str] = dict(before)
    state: dict[int, str] = dict(before)
    # A move's moment, who made it (their id; the users of those shown read after) and why.
    last_move: dict[int, tuple] = {}
    for pk, when, kind, key, name, owner_id, new, user_id, reason in events.order_by(
        "history_date", "history_id"
    ).values_list(*_EVENT_FIELDS):
        if kind == "-":
            now.pop(pk, None)
            continue
        now[pk] = {"id": pk, "key": key, "name": name, "owner_id": owner_id, "state": new}
        start.setdefault(pk, new)
        if state.get(pk, new) != new:
            last_move[pk] = (when, user_id, reason)
        state[pk] = new
    parties = dict(Party.objects.values_list("pk", "name"))
    found = []
    for pk, entry in now.items():
        old = start.get(pk)
        if old is None or old == entry["state"] or pk not in last_move:
            continue
        owner = parties.get(entry["owner_id"], "")
        found.append(((owner.lower(), entry["name"].lower(), entry["key"]), owner, old, entry))
    # Sorted and capped first: only the entries shown are worded (hundreds move at scale).
    found.sort(key=lambda item: item[0])
    shown = found[:MOVED_LIMIT]
    users = get_user_model().objects.in_bulk(
        {last_move[entry["id"]][1] for *_found, entry in shown} - {None}
    )
    moved = []
    for _order, owner, old, entry in shown:
        when, user_id, reason = last_move[entry["id"]]
        moved.append(
            {
                "key": entry["key"],
                "name": entry["name"],
                "owner": owner,
                "from": old,
                "from_label": register_selectors.state_label(old),
                "to": entry["state"],
                "to_label": register_selectors.state_label(entry["state"]),
                "backwards": register_selectors.is_backwards(old, entry["state"]),
                "when": _moment(when),
                "who": user_label(users.get(user_id)),
                "reason": reason or "",
            }
        )
    return {"moved": moved, "moved_total": len(found)}


def switch_off_section(*, at: datetime.datetime | None, since: datetime.datetime) -> dict:
    """The section's figures as they stood at `at` (None: now), compared with `since`
    (the previous report's moment, or the start of the period)."""
    result = gate.switch_off(at=at)
    # The entries at `since` are read once, for the figures then and for what moved since.
    since_rows = register_selectors.entry_rows(since)
    return {
        "answer": result.answer,
        "verdict": result.verdict,
        "conditions": _conditions(result),
        "readiness": _readiness(result.readiness, _figures_of(since_rows)),
        "burndown": _burndown(result.burndown),
        **_moved(since, at, since_rows),
    }
