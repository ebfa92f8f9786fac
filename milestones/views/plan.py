"""Reading the plan: roadmap, lists and detail pages of goals, activities, milestones
and baselines, with RAG and slip against the active (or a chosen) baseline.

Every member reads the whole plan; editors also get the controls that lead to
the editing views (milestones.views.editing)."""

import hashlib
from itertools import groupby
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from parties.access import request_access

from .. import history, selectors
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
    ActivityParticipant,
    ActivityPlanVersion,
    Baseline,
    BaselineEntry,
    Dependency,
    Goal,
    Milestone,
)
from ..rag import milestone_rag
from ..selectors import status

PAGE_SIZE = 50


class CountedPaginator(Paginator):
    """A paginator told the count (counted without the ordering and prefetches of the
    query set it pages)."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


def _page(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("side"))


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
# Roadmap and activity page
# ---------------------------------------------------------------------------
@require_safe
def roadmap(request):
    """The roadmap: activities by track and responsible party, with their milestones,
    RAG and slip against the active (or chosen) baseline.

    A plan of at most `ROADMAP_ALL` activities (the SOR plan) is shown whole, live. A
    larger one is summarised by track and party (counts and roll-ups), and a chosen track
    or party is shown a page of activities at a time; that page is cached as HTML under
    the plan's data version (one query), like the dashboard, so any save through the
    services shows on the next request. A fixed number of queries in each case,
    whatever the size of the plan."""
    if Activity.objects.count() <= selectors.ROADMAP_ALL:
        return render(request, "milestones/roadmap.html", _roadmap_context(request))
    stamp = selectors.plan_data_version()
    raw = repr(
        (
            "roadmap-html",
            1,
            stamp,
            timezone.localdate().isoformat(),
            request.get_full_path(),
            translation.get_language(),
            request_access(request).can_edit_plan,
        )
    )
    key = "sorplan:milestones:" + hashlib.sha256(raw.encode()).hexdigest()
    body = cache.get(key)
    if body is None:
        context = _roadmap_context(request, stamp=stamp)
        body = render_to_string("milestones/_roadmap_main.html", context, request)
        cache.set(key, body, selectors.SUMMARY_CACHE_SECONDS)
    return render(request, "milestones/roadmap.html", {"body": body})


def _roadmap_context(request, *, stamp: tuple | None = None) -> dict:
    """What the roadmap shows: the whole plan (no `stamp`), or for a large plan (its data
    version as `stamp`) the summary or a page of the chosen track or party."""
    baselines = list(Baseline.objects.all())
    plan_versions = [b for b in baselines if b.is_plan_version]
    plan_version = next((b for b in plan_versions if b.key == request.GET.get("plan")), None)
    track = request.GET.get("spor", "")
    if track not in Activity.Track.values:
        track = ""
    baseline, baseline_chosen = _baseline_among(request, baselines)
    today = timezone.localdate()
    summary = None
    if stamp is None:
        parties = selectors.roadmap_parties()
    else:
        summary = selectors.roadmap_summary(
            plan_version=plan_version, baseline=baseline, today=today, stamp=stamp
        )
        parties = summary.party_choices
    party = next((p for p in parties if p.key == request.GET.get("part")), None)
    context = {
        "plan_versions": plan_versions,
        "plan_version": plan_version,
        "tracks": Activity.Track.choices,
        "track": track,
        "party": party,
        "party_options": _party_options(parties, party),
        "baselines": baselines,
        "baseline": baseline,
        "baseline_chosen": baseline_chosen,
        "summary": None,
        "page": None,
        "groups": [],
    }
    chosen = {
        "plan_version": plan_version,
        "track": track or None,
        "party_id": party.id if party else None,
    }
    if summary is None:
        activities = list(selectors.roadmap_activities(**chosen))
        context["groups"] = _roadmap_groups(activities, today=today, baseline=baseline)
    elif not (track or party):
        page = Paginator(summary.parties, selectors.ROADMAP_SUMMARY_PAGE_SIZE).get_page(
            request.GET.get("side")
        )
        context.update(
            summary=summary,
            page=page,
            total=summary.activity_count,
            summary_groups=_summary_groups(page),
        )
    else:
        count = selectors.roadmap_filter(**chosen).count()
        paginator = CountedPaginator(
            selectors.roadmap_activities(**chosen), selectors.ROADMAP_PAGE_SIZE, count=count
        )
        page = paginator.get_page(request.GET.get("side"))
        context.update(
            page=page,
            total=count,
            groups=_roadmap_groups(
                list(page.object_list),
                today=today,
                baseline=baseline,
                summary=summary,
                party=party,
            ),
        )
    return context


def _roadmap_groups(activities, *, today, baseline, summary=None, party=None):
    """Activities grouped by track and party, with RAG, roll-ups and own assessments.

    Without `summary` the activities are all there are: a party's roll-up is over them.
    With it they are a page: a party's roll-up, and a track's count, come from it."""
    groups = selectors.roadmap_groups(activities)
    status.attach_rollups(activities, today=today, baseline=baseline)
    status.attach_self_assessments(activities)
    for group in groups:
        for party_group in group.parties:
            if summary is None:
                party_group.rag_rollup = status.party_rollup(party_group.activities)
            else:
                row = summary.for_party(group.track, party_group.party.id)
                party_group.rag_rollup = row.rollup if row else None
        if summary is not None:
            row = (
                summary.for_party(group.track, party.id)
                if party
                else summary.for_track(group.track)
            )
            group.total = row.activity_count if row else None
    return groups


def _party_options(parties, chosen) -> str:
    """The party chooser's options (a large programme has hundreds of parties: joined
    here, as a template loop over them cost as much as the rest of the page)."""
    return mark_safe(  # every value is escaped
        "".join(
            f'<option value="{escape(p.key)}"{" selected" if p == chosen else ""}>'
            f"{escape(p.name)}</option>"
            for p in parties
        )
    )


def _summary_groups(page) -> list[tuple[str, list]]:
    """A page of the summary's party rows, grouped by track: (track label, rows)."""
    return [
        (rows[0].track_label, rows)
        for rows in (list(g) for _track, g in groupby(page.object_list, key=lambda r: r.track))
    ]


@require_safe
def activity_detail(request, key):
    """One activity: description, plan versions, milestones with RAG, slip and dependencies,
    its roll-up and the party's own assessment; quick edits for editors.

    Eight queries. Each prefetch names its own order: the models' default orderings
    reach through several relations, which cost joins and query compilation."""
    activity = get_object_or_404(
        Activity.objects.select_related("responsible_party", "goal").prefetch_related(
            Prefetch(
                "appearances",
                queryset=ActivityPlanVersion.objects.select_related("baseline").order_by(
                    "baseline__sequence", "pk"
                ),
            ),
            Prefetch(
                "activityparticipant_set",
                queryset=ActivityParticipant.objects.select_related("party").order_by(
                    "party__name", "pk"
                ),
            ),
            Prefetch(
                "milestones",
                queryset=Milestone.objects.order_by(
                    "sort_order", "forecast_date", "title", "pk"
                ).prefetch_related(
                    Prefetch(
                        "predecessor_links",
                        queryset=Dependency.objects.select_related("predecessor").order_by(
                            *PREDECESSOR_ORDER
                        ),
                    )
                ),
            ),
        ),
        key=key,
    )
    baselines = list(Baseline.objects.all())
    baseline, chosen = _baseline_among(request, baselines)
    status.attach_rollups([activity], today=timezone.localdate(), baseline=baseline)
    status.attach_self_assessments([activity])
    return render(
        request,
        "milestones/activity_detail.html",
        {
            "activity": activity,
            "milestones": activity.milestones.all(),
            "baselines": baselines,
            "baseline": baseline,
            "baseline_chosen": chosen,
            "ctx": "activity",
            "row_query": row_query(request, "activity", baseline, chosen),
        },
    )


# A milestone's predecessors as Dependency's default ordering lists them (by the
# predecessor: its activity's track, order and title, then its own order), spelled out.
PREDECESSOR_ORDER = (
    "predecessor__activity__track",
    "predecessor__activity__sort_order",
    "predecessor__activity__title",
    "predecessor__sort_order",
    "predecessor__forecast_date",
    "predecessor__title",
    "pk",
)


def _baseline_among(request, baselines: list[Baseline]) -> tuple[Baseline | None, bool]:
    """`status.baseline_for` choosing from the baselines the page lists anyway (no query)."""
    if key := request.GET.get("baseline"):
        chosen = next((b for b in baselines if b.key == key), None)
        if chosen is not None:
            return chosen, not chosen.is_active
    return next((b for b in baselines if b.is_active), None), False


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
    page = _page(request, milestones)
    baseline = values.get("baseline") or status.baseline_for(None)[0]
    chosen = bool(values.get("baseline")) and not baseline.is_active
    status.attach_rags(page.object_list, today=timezone.localdate(), baseline=baseline)
    return render(
        request,
        "milestones/milestone_list.html",
        {
            "form": form,
            "page": page,
            "milestones": page.object_list,
            "baseline": baseline,
            "baseline_chosen": chosen,
            "ctx": "list",
            "row_query": row_query(request, "list", baseline, chosen),
        },
    )


ACTIVITY_SORTS = {
    "spor": ["track", "sort_order", "title"],
    "titel": ["title"],
    "part": ["responsible_party__name", "sort_order"],
    "status": ["status", "sort_order"],
    "slut": [F("planned_end").asc(nulls_last=True), "title"],
}


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
    page = _page(request, activities)
    rows = list(
        Activity.objects.filter(pk__in=[a.pk for a in page.object_list])
        .select_related("responsible_party", "goal")
        .prefetch_related("milestones")
    )
    by_pk = {a.pk: a for a in rows}
    ordered = [by_pk[a.pk] for a in page.object_list]
    baseline = values.get("baseline") or status.baseline_for(None)[0]
    status.attach_rollups(ordered, today=timezone.localdate(), baseline=baseline)
    status.attach_self_assessments(ordered)
    return render(
        request,
        "milestones/activity_list.html",
        {
            "form": form,
            "page": page,
            "activities": ordered,
            "baseline": baseline,
            "baseline_chosen": bool(values.get("baseline")) and not baseline.is_active,
        },
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
