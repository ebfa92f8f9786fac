"""Reading the plan: lists and detail pages of goals, activities, milestones and baselines,
with RAG and slip against the active (or a chosen) baseline. The roadmap and an activity's
page are in `roadmap`.

Every member reads the whole plan; editors also get the controls that lead to
the editing views (milestones.views.editing)."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.cache import cached, cached_many, page_html
from core.cache import stamp as data_stamp
from parties.access import request_access
from parties.models import Party

from .. import history, selectors
from ..exports import ACTIVITY_COLUMNS, MILESTONE_COLUMNS, list_export, requested_format
from ..forms import (
    ActivityFilterForm,
    BaselineActivateForm,
    BaselineForm,
    DependencyForm,
    GoalFilterForm,
    MilestoneFilterForm,
    MilestoneQuickForm,
)
from ..models import (
    Activity,
    Baseline,
    BaselineEntry,
    Dependency,
    Goal,
    Milestone,
    ProgressUpdate,
)
from ..rag import milestone_rag
from ..selectors import materialised, status

PAGE_SIZE = 50


class CountedPaginator(Paginator):
    """A paginator told the count (counted without the ordering and prefetches of the
    query set it pages)."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("side"))


def list_page(
    request, template: str, main: str, build, *, kind: str, models=None, rows=None, live=None
):
    """Render a list page whose content (`main`, from `build(stamp)` -> context) is cached
    as HTML for a large plan (more than `ROADMAP_ALL` activities, like the roadmap)
    under the stamp of `models` and `rows` (default the lists', `LIST_PAGE_MODELS` and
    the baseline entries; read with the plan's size in one query,
    `selectors.sized_stamp`), the editor right, the day, the query string and the
    language. A small plan's list is rendered live, so an edit is always seen. `build`
    is given the stamp (also a small plan's: its rows are cached under parts of it,
    `selectors.stamp_part`). `live`: context the page's own template renders outside
    the cached content, on every request."""
    live = live or {}
    large, stamp = selectors.sized_stamp(
        models or selectors.LIST_PAGE_MODELS, rows=(BaselineEntry,) if rows is None else rows
    )
    if not large:
        return render(request, template, {**build(stamp), **live})
    body, _context = page_html(
        request,
        namespace="milestones",
        parts=(f"{kind}-html", 1, stamp, request_access(request).can_edit_plan),
        build=lambda: (main, build(stamp)),
        seconds=selectors.SUMMARY_CACHE_SECONDS,
    )
    return render(request, template, {"body": body, **live})


# A list's rows after an edit: each row's HTML is cached under what it shows (its record's
# version, the related names in the row and its rating), so an edit renders again only
# the rows it changed. The filter form's HTML is cached under what its choices and its
# checks read (goals, baselines, parties), not the whole plan.
ROW_CACHE_SECONDS = 24 * 60 * 60
FILTER_FORM_MODELS = (Goal, Baseline, Party)  # in the lists' stamp (`LIST_PAGE_MODELS`)


def cached_rows(
    request,
    items,
    *,
    template: str,
    name: str,
    shows,
    context: dict,
    ident=None,
    prepare=None,
    whole=None,
) -> None:
    """Set `item.row_html` on each of `items`: `template` rendered with the item as `name`
    and `context`, cached per item (`ident(item)`, default its pk) under `shows(item)`
    (everything the row renders that can change), the context's values, the editor
    right and the language; one round trip to the cache, and only the rows not found
    are rendered (`prepare(items)` first, with those: a row's own cached parts).
    `whole(items)` -> {ident: item}: what to render in place of the items not found, for
    items read narrow, with only what keys their rows (the milestone list's)."""
    items = list(items)
    ident = ident or (lambda item: item.pk)
    fixed = tuple(sorted((k, str(v)) for k, v in context.items()))
    editor = request_access(request).can_edit_plan
    by_id = {ident(item): item for item in items}
    parts = {i: (template, i, editor, fixed, shows(item)) for i, item in by_id.items()}
    row = get_template(template)

    def render_rows(missing):
        shown = by_id if whole is None else whole([by_id[i] for i in missing])
        if prepare is not None:
            prepare([shown[i] for i in missing])
        base = {**context, "access": request_access(request)}
        return {i: row.render({**base, name: shown[i]}) for i in missing}

    html = cached_many("milestones-rows", parts, render_rows, seconds=ROW_CACHE_SECONDS)
    for i, item in by_id.items():
        item.row_html = html[i]


def cached_forms_html(request, forms, *, template: str, shows, ident) -> None:
    """`form.row_html` on each unbound form of `forms` (`template` rendered with it as
    `pf`), through `cached_rows` under `shows(form)`; a form bound to a POST (with its
    errors) gets none and is rendered as it is. For a page of many small forms (a progress
    update's date proposals and register entries)."""
    unbound = [form for form in forms if not form.is_bound]
    if unbound:
        cached_rows(
            request, unbound, template=template, name="pf", shows=shows, context={}, ident=ident
        )


def filter_form_html(
    request,
    form,
    label: str,
    *,
    stamp: tuple | None = None,
    of=None,
    models=FILTER_FORM_MODELS,
    novalidate: bool = False,
) -> str:
    """The list's filter form as HTML (`_filter_form.html`), cached under the stamp of
    what its choices and checks read (`models`, default the plan's lists' choices,
    `FILTER_FORM_MODELS`), the query string and the language: an edit of a milestone
    leaves it as it was. `stamp`: the stamp the page read already (of `of`'s models,
    default the plan's lists', `list_page`), whose part for those models is taken
    instead of a query of its own. `novalidate`: as the template's (checks left to the
    server)."""
    watched = (
        selectors.stamp_part(stamp, models, of=of or selectors.LIST_PAGE_MODELS)
        if stamp is not None
        else data_stamp(models=models)
    )
    return cached(
        "milestones-filters",
        (type(form).__name__, watched, request.get_full_path(), novalidate),
        lambda: render_to_string(
            "milestones/_filter_form.html",
            {"form": form, "label": label, "novalidate": novalidate},
            request,
        ),
        seconds=selectors.SUMMARY_CACHE_SECONDS,
    )


def milestone_rows_cached(
    request, milestones, *, ctx: str, baseline, chosen: bool, whole=None
) -> str:
    """`m.row_html` on each of the milestones (with `m.rag`), rendered as the list
    (`ctx="list"`: its activity and party) or its activity's page (`"activity"`: its
    predecessors) shows it, through `cached_rows` (`whole`: as its). Returns the rows'
    `row_query`."""
    query = row_query(request, ctx, baseline, chosen)
    cached_rows(
        request,
        milestones,
        template="milestones/_milestone_row.html",
        name="m",
        shows=_MILESTONE_ROW_SHOWS[ctx],
        context={"ctx": ctx, "row_query": query},
        whole=whole,
    )
    return query


def milestone_shows(m) -> tuple:
    """A milestone row's own values (its version too: a save through the services moves
    it; the values themselves catch a write that does not)."""
    return (
        *(getattr(m, name) for name in status.MILESTONE_ROW_FIELDS[:-1]),
        tuple(m.demo_fields or ()),  # the last of them
        m.rag,
    )


def _list_row_shows(m) -> tuple:
    activity = m.activity
    party = activity.responsible_party.label
    return (*milestone_shows(m), activity.key, activity.title, party)


def _activity_page_row_shows(m) -> tuple:
    before = tuple((d.predecessor.key, d.predecessor.title) for d in m.predecessor_links.all())
    return (*milestone_shows(m), before)


_MILESTONE_ROW_SHOWS = {"list": _list_row_shows, "activity": _activity_page_row_shows}


# What an activity's row shows besides its own values and roll-up: the responsible
# party's own assessment (its progress updates and the party's name), watched by their
# part of the lists' stamp.
ACTIVITY_ROW_MODELS = (ProgressUpdate, Party)


def _activity_row_shows(a) -> tuple:
    goal = a.goal and a.goal.title
    return (
        *(getattr(a, name) for name in status.ACTIVITY_ROW_FIELDS),
        goal,
        a.responsible_party.key,
        a.responsible_party.label,
        a.rag_rollup,
    )


def _baseline(request):
    """The baseline the page compares against, and whether it is the person's choice."""
    return status.baseline_for(request.GET.get("baseline"))


def row_query(request, ctx: str, baseline: Baseline | None, chosen: bool) -> str:
    """The query string the quick-edit row endpoints need to render a row like the page's."""
    params = {"ctx": ctx, "next": request.get_full_path()}
    if chosen and baseline is not None:
        params["baseline"] = baseline.key
    return urlencode(params)


def milestone_rows_queryset():
    """Milestones with what a row shows (activity, party, predecessors) in a fixed number of
    queries."""
    return Milestone.objects.select_related("activity__responsible_party").prefetch_related(
        Prefetch(
            "predecessor_links",
            queryset=Dependency.objects.select_related("predecessor__activity"),
        )
    )


# ---------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------
MILESTONE_SORTS = {
    "forventet": [F("forecast_date").asc(nulls_last=True), "title"],
    "-forventet": [F("forecast_date").desc(nulls_last=True), "title"],
    "titel": ["title"],
    "aktivitet": ["activity__title", "sort_order"],
    "part": ["activity__responsible_party__name", "activity__title", "sort_order"],
    "status": ["status", F("forecast_date").asc(nulls_last=True)],
}


def _plan_filters(queryset, values: dict, prefix: str = ""):
    if track := values.get("spor"):
        queryset = queryset.filter(**{f"{prefix}track": track})
    if party := values.get("part"):
        queryset = queryset.filter(**{f"{prefix}responsible_party": party})
    if goal := values.get("maal"):
        queryset = queryset.filter(
            Q(**{f"{prefix}goal": goal}) | Q(**{f"{prefix}goal__parent": goal})
        )
    if plan := values.get("plan"):
        queryset = queryset.filter(**{f"{prefix}appearances__baseline": plan})
    return queryset


# The milestone list's parameters that pick no milestone: the list is all of them.
_UNFILTERED = {"sorter", "baseline"}


def _list_milestones(ids: list[int], *, today, baseline) -> list[Milestone]:
    """The milestones `ids` in that order, with what a list row shows (its activity and
    party; no predecessors, which the activity page's rows show) and `rag`."""
    found = Milestone.objects.select_related(
        "activity__responsible_party", "materialised_status"
    ).in_bulk(ids)
    rows = [found[pk] for pk in ids if pk in found]
    status.attach_materialised_rags(rows, today=today, baseline=baseline)
    return rows


def _milestones_counted(stamp: tuple) -> int:
    """The number of milestones, kept across the edits that add or delete none (by the
    milestones' newest history in the lists' stamp), instead of counting 20,000 again."""
    newest = selectors.stamp_part(stamp, (Milestone,), of=selectors.LIST_PAGE_MODELS)[0]
    return materialised.milestones_count(materialised.history_id(newest))


@require_safe
def milestone_list(request):
    """All milestones, filtered, searched, sorted and paginated, with RAG and slip."""
    form = MilestoneFilterForm(request.GET or None)
    values = form.values() if request.GET else {}
    milestones = _plan_filters(milestone_rows_queryset(), values, prefix="activity__")
    if state := values.get("status"):
        milestones = milestones.filter(status=state)
    if q := values.get("q"):
        milestones = milestones.filter(
            Q(title__icontains=q)
            | Q(key__icontains=q)
            | Q(description__icontains=q)
            | Q(source_text__icontains=q)
            | Q(activity__title__icontains=q)
        )
    milestones = milestones.order_by(*MILESTONE_SORTS[values.get("sorter", "forventet")], "pk")
    if values.get("plan"):
        milestones = milestones.distinct()
    baseline = values.get("baseline") or status.baseline_for(None)[0]
    if requested_format(request):
        rows = list(milestones)
        status.attach_rags(rows, today=timezone.localdate(), baseline=baseline)
        return list_export(
            request,
            name="milepaele",
            title=_("Milepæle"),
            columns=MILESTONE_COLUMNS,
            rows=rows,
            form=form,
        )

    def build(stamp):
        # The page's ids are sorted on their own (narrow rows), then read with what a row
        # shows: sorting 20,000 joined rows with their texts cost most of the page.
        ids = milestones.values_list("pk", flat=True)
        page = (
            CountedPaginator(ids, PAGE_SIZE, count=_milestones_counted(stamp)).get_page(
                request.GET.get("side")
            )
            if not values.keys() - _UNFILTERED
            else _page(request, ids)
        )
        today = timezone.localdate()
        chosen = bool(values.get("baseline")) and not baseline.is_active
        # What keys each row read as values; only a row to render read as a model.
        ids = list(page.object_list)
        narrow = status.milestone_rows_rated(ids, today=today, baseline=baseline)
        page.object_list = narrow or _list_milestones(ids, today=today, baseline=baseline)
        query = milestone_rows_cached(
            request,
            page.object_list,
            ctx="list",
            baseline=baseline,
            chosen=chosen,
            whole=None
            if narrow is None
            else lambda rows: {
                m.pk: m
                for m in _list_milestones([r.pk for r in rows], today=today, baseline=baseline)
            },
        )
        return {
            "form": form,
            "filter_form": filter_form_html(request, form, _("Filtrér milepæle"), stamp=stamp),
            "page": page,
            "milestones": page.object_list,
            "baseline": baseline,
            "baseline_chosen": chosen,
            "ctx": "list",
            "row_query": query,
        }

    return list_page(
        request,
        "milestones/milestone_list.html",
        "milestones/_milestone_list_main.html",
        build,
        kind="milestone-list",
    )


ACTIVITY_SORTS = {
    "spor": ["track", "sort_order", "title"],
    "titel": ["title"],
    "part": ["responsible_party__name", "sort_order"],
    "status": ["status", "sort_order"],
    "slut": [F("planned_end").asc(nulls_last=True), "title"],
}


def _activities(ids: list[int], *, today, baseline) -> list[Activity]:
    """The activities `ids` in that order, with what a list row shows (party, goal) and
    `rag_rollup`."""
    found = (
        Activity.objects.select_related("responsible_party", "goal")
        .annotate(has_milestones=Exists(Milestone.objects.filter(activity=OuterRef("pk"))))
        .in_bulk(ids)
    )
    rows = [found[pk] for pk in ids if pk in found]
    status.attach_materialised_rollups(rows, today=today, baseline=baseline)
    return rows


@require_safe
def activity_list(request):
    """All activities, filtered, searched, sorted and paginated, each with its roll-up."""
    form = ActivityFilterForm(request.GET or None)
    values = form.values() if request.GET else {}
    activities = _plan_filters(Activity.objects.select_related("responsible_party", "goal"), values)
    if state := values.get("status"):
        activities = activities.filter(status=state)
    if q := values.get("q"):
        activities = activities.filter(
            Q(title__icontains=q) | Q(key__icontains=q) | Q(description__icontains=q)
        )
    activities = activities.order_by(*ACTIVITY_SORTS[values.get("sorter", "spor")], "pk")
    if values.get("plan"):
        activities = activities.distinct()
    baseline = values.get("baseline") or status.baseline_for(None)[0]
    if requested_format(request):
        rows = list(activities.prefetch_related("milestones"))
        status.attach_rollups(rows, today=timezone.localdate(), baseline=baseline)
        return list_export(
            request,
            name="aktiviteter",
            title=_("Aktiviteter"),
            columns=ACTIVITY_COLUMNS,
            rows=rows,
            form=form,
        )

    def build(stamp):
        # The page's ids sorted on their own (narrow rows), then read with what a row
        # shows, as the milestone list does: sorting 2,000 activities with their texts
        # and the milestones' EXISTS cost ten times the ids' sort.
        page = _page(request, activities.values_list("pk", flat=True))
        today = timezone.localdate()
        # What keys each row read as values; only a row to render read as a model.
        ids = list(page.object_list)
        narrow = status.activity_rows_rated(ids, today=today, baseline=baseline)
        rows = page.object_list = narrow or _activities(ids, today=today, baseline=baseline)
        # The party's own assessment is read only for the rows to render: a row is cached
        # under the part of the stamp that watches it (`ACTIVITY_ROW_MODELS`), so an edit
        # of a milestone reads no progress updates.
        cached_rows(
            request,
            rows,
            template="milestones/_activity_row.html",
            name="a",
            shows=_activity_row_shows,
            context={
                "assessed": selectors.stamp_part(
                    stamp, ACTIVITY_ROW_MODELS, of=selectors.LIST_PAGE_MODELS
                )
            },
            prepare=status.attach_self_assessments,
            whole=None
            if narrow is None
            else lambda missing: {
                a.pk: a
                for a in _activities([a.pk for a in missing], today=today, baseline=baseline)
            },
        )
        return {
            "form": form,
            "filter_form": filter_form_html(request, form, _("Filtrér aktiviteter"), stamp=stamp),
            "page": page,
            "activities": rows,
            "baseline": baseline,
            "baseline_chosen": bool(values.get("baseline")) and not baseline.is_active,
        }

    return list_page(
        request,
        "milestones/activity_list.html",
        "milestones/_activity_list_main.html",
        build,
        kind="activity-list",
    )


@require_safe
def goal_list(request):
    """Strategic goals and sub-goals, searched, sorted and paginated."""
    form = GoalFilterForm(request.GET or None)
    values = form.values() if request.GET else {}
    goals = Goal.objects.select_related("parent").annotate(
        activity_count=Count("activities", distinct=True),
        sub_goal_count=Count("sub_goals", distinct=True),
    )
    if kind := values.get("type"):
        goals = goals.filter(kind=kind)
    if q := values.get("q"):
        goals = goals.filter(
            Q(title__icontains=q) | Q(description__icontains=q) | Q(key__icontains=q)
        )
    order = ["title"] if values.get("sorter") == "titel" else ["kind", "number", "title"]
    page = _page(request, goals.order_by(*order, "pk"))
    return render(request, "milestones/goal_list.html", {"form": form, "page": page})


# ---------------------------------------------------------------------------
# Details
# ---------------------------------------------------------------------------
@require_safe
def goal_detail(request, key):
    """A goal, its sub-goals and activities with their roll-ups."""
    goal = get_object_or_404(Goal.objects.select_related("parent"), key=key)
    activities = list(
        Activity.objects.filter(Q(goal=goal) | Q(goal__parent=goal))
        .select_related("responsible_party", "goal")
        .prefetch_related("milestones")
        .order_by("track", "sort_order")
    )
    baseline, chosen = _baseline(request)
    status.attach_rollups(activities, today=timezone.localdate(), baseline=baseline)
    return render(
        request,
        "milestones/goal_detail.html",
        {
            "goal": goal,
            "sub_goals": goal.sub_goals.all(),
            "activities": activities,
            "goal_rollup": status.party_rollup(activities),
            "baseline": baseline,
        },
    )


@require_safe
def milestone_detail(request, key):
    """A milestone: dates, RAG and slip, its dates in every baseline, dependencies, and its
    latest changes."""
    milestone = get_object_or_404(
        milestone_rows_queryset().prefetch_related(
            Prefetch(
                "successor_links",
                queryset=Dependency.objects.select_related("successor__activity"),
            )
        ),
        key=key,
    )
    return render(
        request, "milestones/milestone_detail.html", milestone_detail_context(request, milestone)
    )


def milestone_detail_context(request, milestone: Milestone, dependency_form=None) -> dict:
    baseline, chosen = _baseline(request)
    today = timezone.localdate()
    status.attach_rags([milestone], today=today, baseline=baseline)
    entries = {
        e.baseline_id: e
        for e in BaselineEntry.objects.filter(milestone=milestone).select_related("baseline")
    }
    in_baselines = [
        (
            b,
            entries.get(b.pk),
            milestone_rag(milestone, baseline_entry=entries.get(b.pk), today=today),
        )
        for b in Baseline.objects.all()
    ]
    recent = history.entries_for(history.record_keys("milestone", milestone.pk)[:5])
    access = request_access(request)
    if dependency_form is None and access.can_edit_plan:
        dependency_form = DependencyForm(successor=milestone)
    return {
        "milestone": milestone,
        "activity": milestone.activity,
        "baseline": baseline,
        "baseline_chosen": chosen,
        "baselines": [b for b, _, _ in in_baselines],
        "in_baselines": in_baselines,
        "recent": recent,
        "dependency_form": dependency_form,
        "quick_form": MilestoneQuickForm(instance=milestone) if access.can_edit_plan else None,
    }


# ---------------------------------------------------------------------------
# Baselines
# ---------------------------------------------------------------------------
@require_safe
def baseline_list(request):
    """Every baseline (the plan versions and those the SOR-team set), which is active,
    and for editors the form to set a new one."""
    return render(request, "milestones/baseline_list.html", baseline_list_context(request))


def baseline_list_context(request, form=None) -> dict:
    editor = request_access(request).can_edit_plan
    return {
        "baselines": Baseline.objects.select_related("created_by")
        .annotate(
            entry_count=Count("entries"),
            dated_count=Count("entries", filter=Q(entries__date__isnull=False)),
        )
        .order_by("-is_active", "-frozen_at", "sequence"),
        "form": form or (BaselineForm() if editor else None),
        "activate_form": BaselineActivateForm() if editor else None,
    }


@require_safe
def baseline_detail(request, key):
    """A baseline's frozen dates beside each milestone's current forecast, with slip and RAG
    measured against this baseline."""
    baseline = get_object_or_404(Baseline.objects.select_related("created_by"), key=key)
    entries = (
        BaselineEntry.objects.filter(baseline=baseline)
        .select_related("milestone__activity__responsible_party")
        .order_by(
            "milestone__activity__track",
            "milestone__activity__sort_order",
            "milestone__sort_order",
            "pk",
        )
    )
    page = _page(request, entries)
    today = timezone.localdate()
    rows = [
        (e, milestone_rag(e.milestone, baseline_entry=e, today=today)) for e in page.object_list
    ]
    return render(
        request,
        "milestones/baseline_detail.html",
        {
            "baseline": baseline,
            "page": page,
            "rows": rows,
            "activate_form": BaselineActivateForm()
            if request_access(request).can_edit_plan
            else None,
        },
    )
