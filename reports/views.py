"""The steering group's pages: the dashboard, the roadmap timeline and the trend chart.

Read-only for every member. Each takes `?som_den_var=` to show the plan as it
stood at a past moment; the figures come from `reports.selectors`.
"""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from milestones.models import Activity, Milestone
from parties.access import request_access

from . import charts, selectors
from .filters import PointInTimeForm, parse_month


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
    """Engineer B's matrix of the round, for those who may open it (the SOR-team)."""
    if round_status is None or not request_access(request).can_review:
        return ""
    try:
        return reverse("milestones:reporting_round", args=[f"{round_status.period:%Y-%m}"])
    except NoReverseMatch:
        return ""


def dashboard(request):
    """The programme's status at a glance, live or as it stood at `?som_den_var=`."""
    form, chosen = _filters(request)
    board = selectors.dashboard(as_of=chosen["as_of"], party=chosen["party"], track=chosen["track"])
    context = {
        "board": board,
        "point": board.point,
        "form": form,
        "tracks": Activity.Track.choices,
        "round_url": _round_url(request, board.round),
    }
    template = "reports/_dashboard_body.html" if request.htmx else "reports/dashboard.html"
    return render(request, template, context)


def timeline(request):
    """The roadmap as a Gantt chart, a page of activities at a time, with a table alternative."""
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
    context = {
        "timeline": data,
        "chart": chart,
        "point": data.point,
        "form": form,
        "tracks": Activity.Track.choices,
        "period_from": f"{data.start:%Y-%m}",
        "period_to": f"{data.end:%Y-%m}",
    }
    template = "reports/_timeline_body.html" if request.htmx else "reports/timeline.html"
    return render(request, template, context)


def _month_end(first):
    if first is None:
        return None
    return selectors.month_ends(first, selectors.add_months(first, 1))[0]


def trend(request):
    """Milestone trend analysis: how the forecasts of chosen milestones moved, month by month."""
    form, chosen = _filters(request)
    keys = [k for k in request.GET.getlist("m") if k][: selectors.MTA_MAX_COUNT]
    try:
        months = min(36, max(3, int(request.GET.get("maaneder", "12"))))
    except ValueError:
        months = 12
    board = selectors.dashboard(as_of=chosen["as_of"], party=chosen["party"], track=chosen["track"])
    candidates = selectors.trend_candidates(board=board)
    if keys:
        by_key = dict(Milestone.objects.filter(key__in=keys).values_list("key", "id"))
        ids = [by_key[k] for k in keys if k in by_key]
    else:
        ids = [m.id for m in candidates[: selectors.MTA_DEFAULT_COUNT]]
    data = selectors.milestone_trend(milestone_ids=ids, as_of=chosen["as_of"], months=months)
    chosen_ids = {s.milestone.id for s in data.series}
    extra = [s.milestone for s in data.series if s.milestone.id not in {c.id for c in candidates}]
    context = {
        "trend": data,
        "chart": charts.mta_chart(data),
        "point": data.point,
        "form": form,
        "tracks": Activity.Track.choices,
        "candidates": [*extra, *candidates],
        "party_choices": board.party_choices,
        "party": board.party,
        "track": board.track,
        "trend_table": data.table,
        "chosen_ids": chosen_ids,
        "months": months,
        "month_choices": (6, 12, 18, 24, 36),
    }
    template = "reports/_trend_body.html" if request.htmx else "reports/trend.html"
    return render(request, template, context)
