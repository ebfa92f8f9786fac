"""The steering group's pages: the dashboard, the roadmap timeline and the trend chart.

Read-only for every member. Each takes `?som_den_var=` to show the plan as it
stood at a past moment; the figures come from `reports.selectors`.

A page's main content is cached as HTML under the data version stamp (the
newest history rows, one query), the day, the full query string, the language
and the reader's review right: any save through the services changes the
stamp, so readers see a change on their next request, while repeated reads of
an unchanged plan cost about as much as a static page.
"""

import contextlib
import copy
import dataclasses
import hashlib
import pickle

from django.core.paginator import Paginator
from django.http import HttpRequest, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.cache import cached, cached_many, page_html, read_ahead, stamp, stamps_read_once
from core.dates import today
from core.forms import MomentInput
from core.history import history_since_read_once
from core.holes import Hole
from governance.models import DeliveryConfidence
from governance.selectors.summary import programme_confidence
from medcom.models import Certification, MessageType
from milestones.models import Activity, BaselineEntry, Milestone
from parties.access import Access, request_access
from parties.models import Party

from .. import charts, moment_store, selectors
from ..filters import PointInTimeForm, parse_month
from ..selectors import current, snapshot, status
from ..selectors.governance import (
    GOVERNANCE_MODELS,
    governance_at,
    governance_key,
    governance_shape,
    shown_overdue,
)
from ..selectors.status import changes_since, dashboard_lists
from ..selectors.switch_off import CONDITION_MILESTONE_FIELDS
from ..selectors.timeline import timeline_version
from ..selectors.trend import milestone_trend_cached, trend_version
from ..templatetags import switch_off as switch_off_tags


def _filters(request) -> tuple[PointInTimeForm, dict]:
    """The point in time and filters of a request; bad input is reported, not fatal.
    Read once per request (the page, its content, its governance section and its
    stamp each ask)."""
    found = getattr(request, "_sorplan_filters", None)
    if found is not None and found[0] is request.GET:
        return found[1]
    form = PointInTimeForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    else:
        data = {}
    filters = (
        form,
        {
            "as_of": data.get("som_den_var"),
            "party": data.get("part"),
            "track": data.get("spor"),
        },
    )
    request._sorplan_filters = (request.GET, filters)
    return filters


def _round_url(request, round_status) -> str:
    """The round's matrix (milestones app), for those who may open it (the SOR-team)."""
    if round_status is None or not request_access(request).can_review:
        return ""
    try:
        return reverse("milestones:reporting_round", args=[f"{round_status.period:%Y-%m}"])
    except NoReverseMatch:
        return ""


# Every model the pages' parts are stamped by (the data version, the dashboard's pieces,
# the governance section, MedCom's switch-off condition): read in one query per request
# (`core.cache.stamps_read_once`), however many parts ask.
PAGE_STAMP_MODELS = tuple(
    dict.fromkeys(
        (
            *snapshot.WATCHED_MODELS,
            *current.FIGURES_MODELS,
            *current.ROUND_MODELS,
            *current.ROLLOUT_MODELS,
            *GOVERNANCE_MODELS,
            Certification,
            MessageType,
        )
    )
)


# The milestones' fields whose change the live pages' kept pieces check
# ("Kan SHAK slukkes?"'s plan conditions: `switch_off.CONDITION_MILESTONE_FIELDS`).
HISTORY_SINCE_FIELDS = CONDITION_MILESTONE_FIELDS


def _page(request, *, kind: str, title: str, build, extra_html=None, version=None):
    """Render a page whose main content comes from `build()` -> (template, context).

    An htmx request gets the content's body partial, uncached. `extra_html()`, if given,
    adds HTML after the content, outside its cached HTML (records outside the plan's data
    version, e.g. governance, cached under their own stamp). `version(at)`, if given, is
    the stamp the content is cached under instead of `snapshot.data_version(at)`. Every
    stamp the page's parts ask for is read in one query (`PAGE_STAMP_MODELS`).
    """
    # A past moment's page is keyed by the data as it stood then: edits made since
    # leave it warm (core.cache.stamp).
    at = selectors.point_in_time(_filters(request)[1]["as_of"]).at
    access = request_access(request)
    # A page's entries read from the cache in one round trip (`core.cache.read_ahead`):
    # those its last request asked for the same kind, rights and filters (a warm page: its
    # HTML, its sections' parts), and, live, the pieces its last build found. Not a past
    # moment's pieces: each build asks other entries (another day's), which would be read
    # for nothing; its scope is the minute asked for.
    ahead = read_ahead(
        "reports-page",
        kind,
        access.can_review,
        access.may_read_governance,
        _path_without_moment(request) if at is None else request.get_full_path(),
        builds=at is None,
    )
    # Now, the milestones' history after the kept pieces' watermarks read once for all
    # their checks (`core.history.history_since_read_once`).
    since = (
        history_since_read_once(
            Milestone, HISTORY_SINCE_FIELDS, ("reports-page", kind, _path_without_moment(request))
        )
        if at is None
        else contextlib.nullcontext()
    )
    with ahead, stamps_read_once(models=PAGE_STAMP_MODELS, rows=(BaselineEntry,), at=at), since:
        if request.htmx:
            template, context = build()
            return render(request, template.replace("_main", "_body"), context)
        return _full_page(
            request, at, kind=kind, title=title, build=build, extra_html=extra_html, version=version
        )


def _full_page(request, at, *, kind, title, build, extra_html, version):
    content, context = page_html(
        request,
        namespace="reports",
        parts=(
            "html",
            kind,
            version(at) if version else snapshot.data_version(at),
            request_access(request).can_review,
            request_access(request).may_read_governance,
        ),
        build=build,
        seconds=selectors.CACHE_SECONDS,
        # A past dashboard's build reads its stored content (`_past_main`, one query; its
        # figures, when not stored, are built once by the store): no lock around it.
        once=not (at is not None and kind == "dashboard"),
    )
    return render(
        request,
        "reports/page.html",
        {
            **context,
            "content": content,
            "extra_html": extra_html() if extra_html else "",
            "page_title": title,
        },
    )


def _digest(value) -> str:
    """A digest of what a section shows (its data as pickled): the section's HTML is
    cached under it, so an edit that changes none of its figures renders it not again."""
    return hashlib.sha256(pickle.dumps(value, protocol=5)).hexdigest()


# The dashboard body's sections (`reports/_board_<name>.html`) and what each shows.
_SECTIONS = {
    # What it shows of the status lines (the overall line, the tracks', the parties'
    # shown and how many there are), not the stamp of what they are read from: a
    # milestone edit that moves no count, colour or reason shown renders it not again.
    # As its repr: a pickle of equal values differs with what they share.
    "status": lambda board, ctx: repr(
        (
            _line_shown(board.overall, previous=True),
            [_line_shown(line) for line in board.tracks],
            len(board.parties),
            [_line_shown(line) for line in _parties_shown(board, ctx)],
            board.baseline_name,
            board.changes_since,
            board.party and board.party.key,
            board.track,
            ctx["show_confidence"],
            ctx["confidence"] and dataclasses.astuple(_Confidence.of(ctx["confidence"])),
            # The dates it shows: the month end changes are measured from, and the day
            # a past moment's "what changed since" link ends at.
            board.previous_day,
            board.point.is_past and board.changes_since and board.point.today,
        )
    ),
    "slipped": lambda board, ctx: (board.slipped, board.slipped_total),
    "blockers": lambda board, ctx: (board.blockers, board.blockers_total),
    "due_done": lambda board, ctx: (
        board.due_soon,
        board.due_soon_total,
        board.completed,
        board.completed_total,
        board.due_until,  # "til og med <date>"
    ),
    "round": lambda board, ctx: (
        board.round,
        board.concerns,
        board.concerns_total,
        ctx["round_url"],
    ),
    "switch_off": lambda board, ctx: switch_off_tags.board_digest(board),
    "rollout": lambda board, ctx: board.rollout,
}


def _line_shown(line, *, previous: bool = False) -> tuple:
    """What the status section shows of a status line (`_board_status.html`,
    `_party_table.html`): its colour, reason, counts and change (with `previous`, the
    colour it was)."""
    r = line.rollup
    return (
        line.key,
        line.label,
        r.rag,
        r.reason,
        tuple(r.counts.items()),
        line.change,
        line.previous.rag if previous and line.previous else None,
    )


def _parties_shown(board, ctx) -> list:
    """The party lines the status section shows: the worst few, or the page asked for."""
    page = ctx.get("party_page")
    return list(page.object_list) if page else board.parties[:PARTY_FIRST]


@dataclasses.dataclass
class _Confidence:
    """What the status section shows of the programme's delivery confidence."""

    pk: int
    version: int
    level: str
    label: str
    justification: str

    @classmethod
    def of(cls, c):
        return cls(c.pk, c.version, c.level, str(c.get_level_display()), c.justification)


def _sections(request, context: dict) -> dict[str, str]:
    """The dashboard body's sections as HTML, each cached on its own under the digest
    of what it shows (`_SECTIONS`, the dates it shows among it), the reader's rights that
    change it, the query string without the moment and the language: after an edit only
    the sections whose figures it changed are rendered again, and the days (live or
    past) that show the same share one entry.

    At a past moment with its minute in holes (`_MOMENT_HOLE`, and `_MINUTE_LINK_HOLE` in
    the switch-off section's link, which is shared too), filled by the caller
    (`_moment_filled`): the page they go into is kept for every minute of its state."""
    board = context["board"]
    access = request_access(request)
    rights = (access.can_review, access.may_read_governance)
    # Not keyed by the day nor the minute asked for: what a section shows of either is
    # in its digest (its figures as they stood, its dates), so every minute and every
    # day that shows the same shares it (the load test's readers ask days over a year).
    # Whether it is a past moment's (its query strings hold the moment, through a hole)
    # is in the key. Live, the switch-off section is keyed by the day and the minute (it
    # links to the moment itself, and its digest holds no day); at a past moment its link
    # holds the minute through a hole (`_MINUTE_LINK_HOLE`), as the others' query strings.
    if board.point.is_past:
        context = {**context, "minute_link_hole": _MINUTE_LINK_HOLE.mark}
    moment = (board.point.today.isoformat(), board.point.is_past)
    path = _path_without_moment(request)
    # Their links keep the query string (`{% querystring %}`), the minute asked for in it:
    # rendered with a hole for that minute, filled in each request's own.
    asked = request.GET.get("som_den_var")
    holed = _with_moment_hole(request) if asked is not None else request
    filled = _asked_filled(request)

    def parts(name, shows):
        minute = name in _MINUTE_SECTIONS and not board.point.is_past
        return (
            "board-section",
            4,
            name,
            _digest(shows(board, context)),
            rights,
            (moment, today().isoformat(), request.get_full_path())
            if minute
            else (board.point.is_past, asked is not None, path),
        )

    def render(name):
        minute = name in _MINUTE_SECTIONS and not board.point.is_past
        return render_to_string(
            f"reports/_board_{name}.html", context, request if minute else holed
        )

    def section(name, shows):
        html = cached(
            "reports", parts(name, shows), lambda: render(name), seconds=selectors.CACHE_SECONDS
        )
        return (
            html if name in _MINUTE_SECTIONS or asked is None else _MOMENT_HOLE.fill(html, filled)
        )

    if not board.point.is_past:
        return {name: section(name, shows) for name, shows in _SECTIONS.items()}
    # A past moment's: the cache, then the moment store (`moment_store.SECTIONS`: every
    # section not found in the cache read in one query; the backfill stores them ahead,
    # `sections_store`), then rendered and stored (one statement). The switch-off
    # section's link to the minute is a hole too (`_MINUTE_LINK_HOLE`, in the context).
    stored_parts = {name: parts(name, shows) for name, shows in _SECTIONS.items()}

    def build(missing):
        keys = {name: moment_store.key_of(stored_parts[name]) for name in missing}
        found = moment_store.read_many(moment_store.SECTIONS, keys.values())
        built = {name: found.get(keys[name]) for name in missing}
        rendered = {name: render(name) for name, html in built.items() if html is None}
        moment_store.store_many(
            moment_store.SECTIONS,
            board.point.today,
            {keys[name]: str(html) for name, html in rendered.items()},
        )
        return {name: mark_safe(html) for name, html in {**built, **rendered}.items()}

    return cached_many("reports", stored_parts, build, seconds=selectors.CACHE_SECONDS)


# Sections whose HTML holds the minute asked for elsewhere than in their query strings
# (live: keyed by the minute and the day; at a past moment through `_MINUTE_LINK_HOLE`).
_MINUTE_SECTIONS = {"switch_off"}
# What stands for the minute asked for in a shared section's query strings
# (`core.holes`), filled with each request's own, URL-encoded.
_MOMENT_HOLE = Hole("moment asked for", "sorplanMomentHole7f3a")
# What stands for the moment the governance section names ("som de så ud den …").
_AT_HOLE = Hole("moment named", "sorplanAtHole5c1e")
# What stands, in a past moment's kept page (`_past_main`), for the minute shown
# (ÅÅÅÅ-MM-DDTTT:MM): in the form's moment field, URL-encoded in the switch-off section's
# link, and its time (TT:MM) in the banner ("Som den så ud den … kl. …").
_MINUTE_HOLE = Hole("minute shown", "sorplanMinuteHole2b9d")
_MINUTE_LINK_HOLE = Hole("minute linked", "sorplanMinuteLink8e4c")
_TIME_HOLE = Hole("time named", "sorplanTimeHole4a7f")


def _asked_filled(request) -> str:
    """The minute asked for (`?som_den_var=`) as its query strings hold it, URL-encoded."""
    fill = QueryDict(mutable=True)
    fill["som_den_var"] = request.GET.get("som_den_var") or ""
    return fill.urlencode().removeprefix("som_den_var=")


def _moment_filled(html: str, request, point) -> str:
    """A past moment's holed HTML (`_past_main`, `_sections`) with the request's minute."""
    shown = timezone.localtime(point.at)
    minute = f"{shown:%Y-%m-%dT%H:%M}"
    for hole, value in (
        (_MOMENT_HOLE, _asked_filled(request)),
        (_MINUTE_HOLE, minute),
        (_MINUTE_LINK_HOLE, urlencode({"m": minute}).removeprefix("m=")),
        (_TIME_HOLE, dateformat.format(shown, "H:i")),
    ):
        html = hole.fill(html, value)
    return html


class _MinuteHoleInput(MomentInput):
    """The moment's input showing `_MINUTE_HOLE` for its value (a valid moment's, which
    `MomentInput` shows as ÅÅÅÅ-MM-DDTTT:MM), in a past moment's kept page."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["value"] = _MINUTE_HOLE.mark
        return context


def _form_holed(form):
    """`form` (validated: its errors kept) rendering its moment as `_MINUTE_HOLE`."""
    holed = copy.copy(form)
    holed.fields = dict(form.fields)
    field = holed.fields["som_den_var"] = copy.copy(form.fields["som_den_var"])
    field.widget = copy.copy(field.widget)
    field.widget.__class__ = _MinuteHoleInput
    holed._bound_fields_cache = {}
    return holed


def _with_moment_hole(request):
    """The request with `?som_den_var=` holding `_MOMENT_HOLE` (for its query strings)."""
    holed = copy.copy(request)
    holed.GET = request.GET.copy()
    holed.GET["som_den_var"] = _MOMENT_HOLE.mark
    return holed


def _path_without_moment(request) -> str:
    """The request's path and query without `?som_den_var=`."""
    query = request.GET.copy()
    query.pop("som_den_var", None)
    return request.path + ("?" + query.urlencode() if query else "")


def dashboard(request):
    """The programme's status at a glance, live or as it stood at `?som_den_var=`."""

    def build():
        form, chosen = _filters(request)
        point = selectors.point_in_time(chosen["as_of"])
        if point.is_past and not request.htmx:
            html, context = _past_main(request, point, chosen, form)
            return "reports/_dashboard_past.html", {**context, "html": html}
        board = selectors.dashboard(
            as_of=chosen["as_of"], party=chosen["party"], track=chosen["track"]
        )
        context = _board_context(request, board, form)
        if not request.htmx:
            context["sections"] = _sections(request, context)
        return "reports/_dashboard_main.html", context

    def governance():
        # Live, or as the records stood at `?som_den_var=` (from their history); its HTML
        # cached under what its records are keyed by (`governance_key`: live the records'
        # stamp and the day; past, their stamps at the moment and a month before its day,
        # not the day), the overdue actions shown, the milestones' stamp while open
        # exception notes name them (else a milestone edit leaves it), the reader's
        # rights and the language. Not the minute asked for nor the query string (it
        # shows no filter): the moment it names is filled in after the cache (`_AT_HOLE`).
        access = request_access(request)
        if not access.may_read_governance:
            return ""
        _form, chosen = _filters(request)
        point = selectors.point_in_time(chosen["as_of"])
        key = governance_key(access, point)
        shape = governance_shape(access, point, key)
        named = shape[0]
        html = cached(
            "reports",
            (
                "governance-html",
                4,
                key,
                shown_overdue(shape, point.today),
                stamp(models=(Milestone,), at=point.at) if named else (),
                dataclasses.astuple(access),
            ),
            lambda: render_to_string(
                "reports/_governance.html",
                {"governance": governance_at(access, point, key), "at_hole": _AT_HOLE.mark},
                request,
            ),
            seconds=selectors.CACHE_SECONDS,
        )
        if point.at is None:
            return html
        when = date_format(timezone.localtime(point.at), "DATETIME_FORMAT")
        return _AT_HOLE.fill(html, when)

    def version(at):
        # The register shows only in the "Kan SHAK slukkes?" section: the plan's stamp
        # and the stamps of what the section reads (no figure computed for the key), so a
        # register edit that changes none of its figures leaves the page's HTML
        # (reports.templatetags.switch_off).
        _form, chosen = _filters(request)
        return switch_off_tags.summary_stamp(
            as_of=chosen["as_of"], party_key=chosen["party"], track=chosen["track"]
        )

    return _page(
        request,
        kind="dashboard",
        title=_("Overblik"),
        build=build,
        extra_html=governance,
        version=version,
    )


def _board_context(request, board, form) -> dict:
    """What the dashboard's main template and its sections render `board` with."""
    return {
        "board": board,
        **_party_table(request, board),
        # The SOR-team's judgement beside the computed status, as it stood then.
        "confidence": _confidence_at(board.point.at)
        if request_access(request).may_read_governance
        else None,
        "show_confidence": request_access(request).may_read_governance,
        "point": board.point,
        "form": form,
        "tracks": Activity.Track.choices,
        "round_url": _round_url(request, board.round),
    }


# A reader of each set of rights the sections differ by (`_sections`: may review, may
# read governance) among those who read the dashboard: every member reads governance
# (a reporter the records of their parties), the SOR-team reviews too.
_READERS = (
    Access(is_authenticated=True, editor_party_ids=frozenset({0})),
    Access(is_authenticated=True, steering_party_ids=frozenset({0})),
)


def sections_store(point) -> None:
    """The unfiltered dashboard's main content at the past moment `point` stored ahead
    (`moment_store.PAGE`, and its sections, `moment_store.SECTIONS`) for a reader of each
    set of rights they differ by, in the active language, as a reader's first visit
    stores them (`_past_main`; what is in the store already is not rendered again): the
    backfill's (`moment_store.store_moment`)."""
    for access in _READERS:
        request = HttpRequest()
        request.method = "GET"
        request.path = request.path_info = reverse("reports:dashboard")
        request.GET = QueryDict(mutable=True)
        request.GET["som_den_var"] = f"{timezone.localtime(point.at):%Y-%m-%dT%H:%M}"
        request._sorplan_access = access
        form, chosen = _filters(request)
        _past_main(request, point, chosen, form)


def _past_parts(request, point, chosen) -> tuple:
    """What a past moment's main content is stored under (`moment_store.key_of` adds the
    language), every minute of its state sharing it: the stamps at the moment of what
    its figures and sections read (the page's version, `switch_off.summary_stamp`, with
    the filters), the parties now (the switch-off conditions read them as they are), the
    moment's day, where its "what changed since" starts (the reports published by the
    minute), the reader's rights that change it and the path without the moment."""
    access = request_access(request)
    return (
        "dashboard-page",
        1,
        switch_off_tags.summary_stamp(
            as_of=chosen["as_of"], party_key=chosen["party"], track=chosen["track"]
        ),
        stamp(models=(Party,)),
        point.today.isoformat(),
        changes_since(point).isoformat(),
        access.can_review,
        access.may_read_governance,
        _path_without_moment(request),
    )


def _past_main(request, point, chosen, form) -> tuple[str, dict]:
    """A past moment's main content and, when rendered, its context: read from the moment
    store (kind `PAGE`, one query: no figure unpacked, no section read) by what it shows
    (`_past_parts`), else rendered with the minute in holes and stored; the holes filled
    with the request's minute (`_moment_filled`)."""
    key = moment_store.key_of(_past_parts(request, point, chosen))
    html, context = moment_store.read(moment_store.PAGE, key), {}
    if html is None:
        board = selectors.dashboard(
            as_of=chosen["as_of"], party=chosen["party"], track=chosen["track"]
        )
        context = _board_context(request, board, form)
        holed = {**context, "form": _form_holed(form), "time_hole": _TIME_HOLE.mark}
        holed["sections"] = _sections(request, holed)
        html = render_to_string("reports/_dashboard_main.html", holed, _with_moment_hole(request))
        moment_store.store(moment_store.PAGE, key, point.today, html)
    return mark_safe(_moment_filled(html, request, point)), context


def _confidence_at(at):
    """The programme's delivery confidence live or at `at` (`programme_confidence`),
    cached under its records' stamp then (no query inside the page's stamps)."""
    return cached(
        "reports",
        ("programme-confidence", 1, stamp(models=(DeliveryConfidence,), at=at)),
        lambda: (programme_confidence(at),),
        seconds=selectors.CACHE_SECONDS,
    )[0]


# The party table shows the worst few; "vis alle" pages through every party, the page
# in the URL (`?parter_side=`), so a programme of 160 parties is not one long table.
PARTY_FIRST = status.PARTIES_SHOWN_FIRST
PARTY_PAGE_SIZE = 25


def _party_table(request, board) -> dict:
    """The party table's rows: the worst PARTY_FIRST, or a page of all (`?parter_side=`)."""
    context = {
        "party_page": None,
        "party_first": PARTY_FIRST,
        "party_first_slice": f":{PARTY_FIRST}",
    }
    if "parter_side" in request.GET and len(board.parties) > PARTY_FIRST:
        context["party_page"] = Paginator(board.parties, PARTY_PAGE_SIZE).get_page(
            request.GET.get("parter_side")
        )
    return context


def timeline(request):
    """The roadmap as a Gantt chart, a page of activities at a time, with a table alternative."""

    def build():
        form, chosen = _filters(request)
        try:
            page = int(request.GET.get("side", "1"))
        except ValueError:
            page = 1
        data = selectors.roadmap_timeline(
            as_of=chosen["as_of"],
            track=chosen["track"],
            party=chosen["party"],
            start=parse_month(request.GET.get("fra")),
            end=_month_end(parse_month(request.GET.get("til"))),
            page=page,
        )
        context = {
            "timeline": data,
            "point": data.point,
            "form": form,
            "tracks": Activity.Track.choices,
            "period_from": f"{data.start:%Y-%m}",
            "period_to": f"{data.end:%Y-%m}",
        }

        def content():
            chart = charts.gantt_chart(
                data, url_for=lambda a: reverse("milestones:activity_detail", args=[a.key])
            )
            return "reports/_timeline_main.html", {**context, "chart": chart}

        if request.htmx:
            return content()
        # Laid out and rendered under the digest of what it shows (the page's activities,
        # milestones and ratings, the filters' choices; its moment without now, which
        # moves every request): an edit of a milestone elsewhere renders nothing again.
        shows = dataclasses.replace(data, point=(data.point.at, data.point.today))
        return "reports/_rendered.html", {
            "html": page_html(
                request,
                namespace="reports",
                parts=("timeline-content", 1, _digest(shows)),
                build=content,
                seconds=selectors.CACHE_SECONDS,
            )[0]
        }

    # Under the stamp of what it reads, not the whole dashboard's data version.
    return _page(
        request, kind="timeline", title=_("Tidslinje"), build=build, version=timeline_version
    )


def _month_end(first):
    if first is None:
        return None
    return selectors.month_ends(first, selectors.add_months(first, 1))[0]


def trend(request):
    """Milestone trend analysis: how the forecasts of chosen milestones moved, month by month."""

    def build():
        form, chosen = _filters(request)
        keys = [k for k in request.GET.getlist("m") if k][: selectors.MTA_MAX_COUNT]
        try:
            months = min(36, max(3, int(request.GET.get("maaneder", "12"))))
        except ValueError:
            months = 12
        # The dashboard's lists only: its blockers, round and roll-out are not shown here.
        board = dashboard_lists(as_of=chosen["as_of"], party=chosen["party"], track=chosen["track"])
        candidates = selectors.trend_candidates(board=board)
        if keys:
            by_key = dict(Milestone.objects.filter(key__in=keys).values_list("key", "id"))
            ids = [by_key[k] for k in keys if k in by_key]
        else:
            ids = [m.id for m in candidates[: selectors.MTA_DEFAULT_COUNT]]
        data = milestone_trend_cached(milestone_ids=ids, as_of=chosen["as_of"], months=months)
        listed = {c.id for c in candidates}
        extra = [s.milestone for s in data.series if s.milestone.id not in listed]
        context = {
            "trend": data,
            "point": data.point,
            "form": form,
            "tracks": Activity.Track.choices,
            "candidates": [*extra, *candidates],
            "chosen_ids": {s.milestone.id for s in data.series},
            "party_choices": board.party_choices,
            "party": board.party,
            "track": board.track,
            "trend_table": data.table,
            "months": months,
            "month_choices": (6, 12, 18, 24, 36),
        }
        if request.htmx:
            return "reports/_trend_main.html", {**context, "chart": charts.mta_chart(data)}
        # Rendered under the digest of what it shows: an edit that changes neither the
        # milestones to choose from nor the chosen ones' forecasts renders nothing again.
        shows = (
            context["candidates"],
            sorted(context["chosen_ids"]),
            # The trend without its moment (now, which moves every request).
            dataclasses.replace(data, point=(data.point.at, data.point.today)),
            board.party_choices,
            board.party,
            board.track,
        )
        return "reports/_rendered.html", {
            "html": page_html(
                request,
                namespace="reports",
                parts=("trend-content", 1, _digest(shows)),
                build=lambda: (
                    "reports/_trend_main.html",
                    {**context, "chart": charts.mta_chart(data)},
                ),
                seconds=selectors.CACHE_SECONDS,
            )[0]
        }

    return _page(
        request, kind="trend", title=_("Milepælstrend"), build=build, version=trend_version
    )
