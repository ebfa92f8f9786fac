"""The dashboard's section "Kan SHAK slukkes?": the gate's one-line answer and the
register's counts, from `reports.switch_off` (the same figures as its page)."""

import datetime
import hashlib
import weakref

from django import template
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language

from core.cache import kept, stamp
from medcom.models import Certification, MessageType
from milestones.models import Activity
from parties.models import Party
from register import selectors as register_selectors
from register.models import Entry, Step

from ..selectors import snapshot
from ..selectors import switch_off as gate
from ..selectors.moments import point_in_time
from ..selectors.status import CACHE_SECONDS

register = template.Library()


def summary(*, at: datetime.datetime | None, today: datetime.date, party, track, version=None):
    """The section's gate (no burn-down) and the digest of what it shows (`_with_shown`),
    mostly from the gate's own cached parts (`gate.switch_off`). `version` (unused: the
    stored summary's key reads it, `switch_off.moment_parts`) is kept for the callers.

    Now, under the stamps of what it reads (the register's part as the page's key has it,
    `register_part`; MedCom's; the parties, activities and roll-out the plan's conditions
    read) and kept across the milestone edits that change no milestone's status or
    activity (`gate.kept_across_forecasts`): a forecast moved builds nothing.

    A past moment is stored and cached by the data as it stood (the steering group's
    stamp and MedCom's at the moment) and its day, not by the minute asked for
    (`switch_off.moment_parts`): every moment of a day between two changes shares one
    entry (what the section shows holds no minute)."""

    def build():
        return _with_shown(
            gate.switch_off(
                at=at, party=party, track=track or None, with_burndown=False, cache_parts=True
            )
        )

    if at is not None:
        # A past moment's figures are cached by the store, packed (`gate.switch_off`,
        # `moment_store.stored_or_built`): not pickled again here.
        return build()
    return gate.kept_across_forecasts(
        "switch-off",
        ("summary-now", 3, *_now_parts(today, party.pk if party else None, track)),
        build,
        plan=snapshot.plan_version(),
    )


def _now_parts(today: datetime.date, party_pk: int | None, track: str | None) -> tuple:
    """What the section's figures now are kept under besides the plan's conditions'
    stamps (`gate.kept_across_forecasts`): the register's part, MedCom's stamp, the day,
    the language and the filters (no query inside the page's stamps)."""
    medcom = stamp(models=(Certification, MessageType))
    register = register_part(None, today, track or None)
    return (register, medcom, today, get_language(), party_pk, track or None)


def summary_digest_now(board) -> str:
    """The digest of what the section shows now (`_with_shown`) for a live Dashboard,
    kept on its own beside the summary, under the same parts and the same check
    (`gate.kept_across_forecasts`): the cold dashboard keys the section's cached HTML by
    it without reading the whole summary (24 kB, the largest entry it read only for
    this); the summary is read when the section is rendered (`switch_off_summary`).
    Both hold while nothing their figures are built from changed since each was built,
    so a digest kept is the digest of the summary it would read."""
    return gate.kept_across_forecasts(
        "switch-off",
        (
            "summary-digest-now",
            1,
            *_now_parts(board.point.today, board.party.id if board.party else None, board.track),
        ),
        lambda: _board_summary(board)[1][1],
        plan=snapshot.plan_version(),
    )


def _with_shown(result) -> tuple:
    """The result and the digest of what the dashboard's section shows of it
    (`_switch_off_summary.html`: the answer, the verdict and the register's counts by
    state; its link is keyed by the request's path): an edit that changes none of them
    (a forecast moved, an entry's description) renders the section not again."""
    shown = (result.answer, result.verdict, tuple(map(tuple, result.readiness.by_state)))
    return result, hashlib.sha256(repr(shown).encode()).hexdigest()


def summary_stamp(*, as_of, party_key: str | None, track: str | None) -> tuple:
    """What the section's figures are read from, for the dashboard's filters: the
    dashboard keys its cached HTML by it instead of the register's stamp. No figure is
    computed for it: the plan's stamp (taken from the steering group's, read once), the
    register's part (`register_part`) and MedCom's."""
    point = point_in_time(as_of)
    version = snapshot.data_version(point.at)
    if track and track not in Activity.Track.values:
        track = None
    medcom = stamp(models=(Certification, MessageType), at=point.at)
    register = register_part(point.at, point.today, track or None)
    return (snapshot.plan_version_of(version), register, medcom, party_key or None, track or None)


def register_part(at, today: datetime.date, track: str | None) -> tuple:
    """What the register's figures are read from: now, while the materialised readiness
    is of today and no track is chosen, its stamp (`register.selectors.readiness_mark`,
    which an edit that changes no figure, a description, leaves); else the register's
    own history stamp (no query: the page's stamps are read at once).

    The readiness's stamp is a query of its own: kept under the register's history stamp
    and the day while it stands (a plan edit reads it not again), asked again while the
    readiness is not of today (before the daily re-rate)."""
    register = stamp(models=(Entry, Step), at=at)
    if at is not None or track:
        return ("register", register)

    def read():
        mark = register_selectors.readiness_mark(today)
        return ("readiness", mark) if mark is not None else ("register", register)

    return kept(
        "switch-off",
        ("register-part", 1, register, today),
        read,
        still_holds=lambda found: found[0] == "readiness",
        seconds=CACHE_SECONDS,
    )


# What `_board_summary` found for a Dashboard, while it lives (a request): the page's
# section asks it for its digest and again to render it. By the board's id, with a weak
# reference to it (a Dashboard compares by value: no hash), dropped when it goes.
_FOUND: dict[int, tuple] = {}


def _board_summary(board):
    """The chosen party and the section's (result, digest) for a Dashboard's point in
    time and filters, read once for the board."""
    entry = _FOUND.get(id(board))
    if entry is not None and entry[0]() is board:
        return entry[1]
    party = Party.objects.filter(pk=board.party.id).first() if board.party else None
    found = (
        party,
        summary(at=board.point.at, today=board.point.today, party=party, track=board.track),
    )
    _FOUND[id(board)] = (weakref.ref(board), found)
    weakref.finalize(board, _FOUND.pop, id(board), None)
    return found


def board_digest(board) -> str:
    """The digest of what the section shows on a dashboard (its cached HTML's key): now
    kept on its own (`summary_digest_now`), at a past moment from the summary."""
    if board.point.at is None:
        return summary_digest_now(board)
    return _board_summary(board)[1][1]


@register.inclusion_tag("reports/_switch_off_summary.html")
def switch_off_summary(board, minute_hole=None):
    """For the dashboard's point in time and filters (`board` is the Dashboard); its link
    to the minute with `minute_hole` (a past moment's mark, `views.dashboard.
    _MINUTE_LINK_HOLE`) in the minute's place, when given."""
    party, (result, _digest) = _board_summary(board)
    params = {}
    if board.point.at:
        params["som_den_var"] = minute_hole or board.point.at.strftime("%Y-%m-%dT%H:%M")
    if party:
        params["part"] = party.key
    if board.track:
        params["spor"] = board.track
    url = reverse("reports:switch_off") + ("?" + urlencode(params) if params else "")
    return {"gate": result, "readiness": result.readiness, "url": url}
