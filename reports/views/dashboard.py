"""The steering group's pages: the dashboard, the roadmap timeline and the trend chart.

Read-only for every member. Each takes `?som_den_var=` to show the plan as it
stood at a past moment; the figures come from `reports.selectors`.

A page's main content is cached as HTML under the data version stamp (the
newest history rows, one query), the day, the full query string, the language
and the reader's review right: any save through the services changes the
stamp, so readers see a change on their next request, while repeated reads of
an unchanged plan cost about as much as a static page.
"""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from core.cache import page_html
from governance.selectors.summary import programme_confidence
from milestones.models import Activity, Milestone
from parties.access import request_access

from .. import charts, selectors
from ..filters import PointInTimeForm, parse_month
from ..selectors import snapshot
from ..selectors.governance import governance_at
from ..selectors.status import dashboard_lists
from ..templatetags import switch_off as switch_off_tags


def _filters(request) -> tuple[PointInTimeForm, dict]:
    """The point in time and filters of a request; bad input is reported, not fatal."""
    form = PointInTimeForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    else:
        data = {}
    return form, {
        "as_of": data.get("som_den_var"),
        "party": data.get("part"),
        "track": data.get("spor"),
    }


def _round_url(request, round_status) -> str:
    """The round's matrix (milestones app), for those who may open it (the SOR-team)."""
    if round_status is None or not request_access(request).can_review:
        return ""
    try:
        return reverse("milestones:reporting_round", args=[f"{round_status.period:%Y-%m}"])
    except NoReverseMatch:
        return ""


def _page(request, *, kind: str, title: str, build, live_extra=None, version=None):
    """Render a page whose main content comes from `build()` -> (template, context).

    An htmx request gets the content's body partial, uncached. `live_extra()`, if
    given, adds context for the full page outside the cached HTML (records outside the
    plan's data version, e.g. governance, cached under its own stamp). `version(at)`, if
    given, is the stamp the content is cached under instead of `snapshot.data_version(at)`.
    """
    if request.htmx:
        template, context = build()
        return render(request, template.replace("_main", "_body"), context)
    # A past moment's page is keyed by the data as it stood then: edits made since
    # leave it warm (core.cache.stamp).
    at = selectors.point_in_time(_filters(request)[1]["as_of"]).at
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
    )
    extra = live_extra() if live_extra else {}
    return render(
        request,
        "reports/page.html",
        {**context, **extra, "content": content, "page_title": title},
    )


def dashboard(request):
    """The programme's status at a glance, live or as it stood at `?som_den_var=`."""

    def build():
        form, chosen = _filters(request)
        board = selectors.dashboard(
            as_of=chosen["as_of"], party=chosen["party"], track=chosen["track"]
        )
        return "reports/_dashboard_main.html", {
            "board": board,
            **_party_table(request, board),
            # The SOR-team's judgement beside the computed status, as it stood then.
            "confidence": programme_confidence(board.point.at)
            if request_access(request).may_read_governance
            else None,
            "show_confidence": request_access(request).may_read_governance,
            "point": board.point,
            "form": form,
            "tracks": Activity.Track.choices,
            "round_url": _round_url(request, board.round),
        }

    def governance():
        # Live, or as the records stood at `?som_den_var=` (from their history).
        access = request_access(request)
        if not access.may_read_governance:
            return {}
        _form, chosen = _filters(request)
        point = selectors.point_in_time(chosen["as_of"])
        return {"governance": governance_at(access, point)}

    def version(at):
        # The register shows only in the "Kan SHAK slukkes?" section: the plan's stamp
        # and what the section says, so a register edit that changes none of its
        # figures leaves the page's HTML (reports.templatetags.switch_off).
        _form, chosen = _filters(request)
        digest, plan = switch_off_tags.summary_digest(
            as_of=chosen["as_of"], party_key=chosen["party"], track=chosen["track"]
        )
        return (plan, digest)

    return _page(
        request,
        kind="dashboard",
        title=_("Overblik"),
        build=build,
        live_extra=governance,
        version=version,
    )


# The party table shows the worst few; "vis alle" pages through every party, the page
# in the URL (`?parter_side=`), so a programme of 160 parties is not one long table.
PARTY_FIRST = 12
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
        chart = charts.gantt_chart(
            data, url_for=lambda a: reverse("milestones:activity_detail", args=[a.key])
        )
        return "reports/_timeline_main.html", {
            "timeline": data,
            "chart": chart,
            "point": data.point,
            "form": form,
            "tracks": Activity.Track.choices,
            "period_from": f"{data.start:%Y-%m}",
            "period_to": f"{data.end:%Y-%m}",
        }

    return _page(request, kind="timeline", title=_("Tidslinje"), build=build)


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
        data = selectors.milestone_trend(milestone_ids=ids, as_of=chosen["as_of"], months=months)
        listed = {c.id for c in candidates}
        extra = [s.milestone for s in data.series if s.milestone.id not in listed]
        return "reports/_trend_main.html", {
            "trend": data,
            "chart": charts.mta_chart(data),
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

    return _page(request, kind="trend", title=_("Milepælstrend"), build=build)
