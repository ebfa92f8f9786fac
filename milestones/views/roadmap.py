"""Reading the plan: the roadmap and an activity's page, with RAG and slip against the
active (or a chosen) baseline; large plans are shown a track, a party or a page at a time."""

from itertools import groupby

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from core.cache import cached, cached_many, page_html
from parties.access import request_access
from parties.models import Party

from .. import selectors
from ..models import (
    Activity,
    ActivityParticipant,
    ActivityPlanVersion,
    Baseline,
    Dependency,
    Milestone,
    ProgressUpdate,
    StatusRollup,
)
from ..selectors import status
from ..selectors.roadmap import APPEARANCES, STRUCTURE_MODELS
from .plan import CountedPaginator, cached_rows, milestone_rows_cached, milestone_shows


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
    large, stamp = _roadmap_stamp(request)
    if not large:
        return render(request, "milestones/roadmap.html", _roadmap_context(request))
    body, _context = page_html(
        request,
        namespace="milestones",
        parts=(
            "roadmap-html",
            1,
            stamp,
            request_access(request).can_edit_plan,
            *_extra_parts(request),
        ),
        build=lambda: ("milestones/_roadmap_main.html", _roadmap_context(request, stamp=stamp)),
        seconds=selectors.SUMMARY_CACHE_SECONDS,
    )
    return render(request, "milestones/roadmap.html", {"body": body})


def _roadmap_context(request, *, stamp: tuple | None = None) -> dict:
    """What the roadmap shows: the whole plan (no `stamp`), or for a large plan (its data
    version as `stamp`) the summary or a page of the chosen track or party."""
    baselines = (
        list(Baseline.objects.all())
        if stamp is None
        else selectors.baselines_cached(selectors.stamp_part(stamp, (Baseline,)))
    )
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
        # A track's page reads that track's roll-ups alone (its rows, its parties' and its
        # own): after an edit the plan's are not read, combined and kept again.
        summary = selectors.roadmap_summary(
            plan_version=plan_version,
            baseline=baseline,
            today=today,
            stamp=stamp,
            track=track,
            rollups=request._roadmap_rollups,
        )
        parties = summary.party_choices
    party = next((p for p in parties if p.key == request.GET.get("part")), None)
    context = {
        "plan_versions": plan_versions,
        "plan_version": plan_version,
        "tracks": Activity.Track.choices,
        "track": track,
        "party": party,
        "baselines": baselines,
        "baseline": baseline,
        "baseline_chosen": baseline_chosen,
        "summary": None,
        "page": None,
        "groups": [],
    }
    if stamp is None:
        context["party_options"] = _party_options(parties, party)
    else:
        # The heading and filters read the baselines and the structure's parties alone:
        # cached under their part of the stamp, the query and the editor right, so an
        # edit of a milestone neither joins hundreds of parties' options nor renders them.
        context["filters_html"] = cached(
            "milestones",
            (
                "roadmap-filters",
                1,
                selectors.stamp_part(stamp, STRUCTURE_MODELS),
                request_access(request).can_edit_plan,
                request.get_full_path(),
            ),
            lambda: render_to_string(
                "milestones/_roadmap_filters.html",
                {**context, "party_options": _party_options(parties, party)},
                request,
            ),
            seconds=selectors.SUMMARY_CACHE_SECONDS,
        )
    chosen = {
        "plan_version": plan_version,
        "track": track or None,
        "party_id": party.id if party else None,
    }
    if summary is None:
        activities = list(selectors.roadmap_activities(**chosen, appearances=False))
        context["groups"] = _roadmap_groups(request, activities, today=today, baseline=baseline)
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
        count = summary.count_of(track=track, party_id=party.id if party else None)
        paginator = CountedPaginator(
            selectors.roadmap_activities(**chosen, appearances=False, milestones=False),
            selectors.ROADMAP_PAGE_SIZE,
            count=count,
        )
        page = paginator.get_page(request.GET.get("side"))
        # The page's activities with the stamp of their milestones, not the milestones:
        # each block is keyed by it, and only the blocks to render read theirs.
        activities = selectors.page_with_milestones_stamp(page, ratings=True)
        context.update(
            page=page,
            total=count,
            groups=_roadmap_groups(
                request,
                activities,
                today=today,
                baseline=baseline,
                summary=summary,
                party=party,
            ),
        )
    return context


def _roadmap_groups(request, activities, *, today, baseline, summary=None, party=None):
    """Activities grouped by track and party, with RAG, roll-ups and own assessments, each
    activity's HTML in `activity.row_html` (`_roadmap_activity_rows`).

    Without `summary` the activities are all there are: a party's roll-up is over them.
    With it they are a page: a party's roll-up, and a track's count, come from it, and the
    activities come without their milestones, with their stamp (`selectors.milestones_stamp`)
    to key their blocks by: the blocks to render read theirs."""
    groups = selectors.roadmap_groups(activities)
    if summary is None:
        _rate(activities, today=today, baseline=baseline)
        _roadmap_activity_rows(request, activities)
    else:
        _roadmap_activity_rows(request, activities, rated=(today, baseline))
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


# What an activity's block shows besides its own values and its milestones: its plan
# versions (their baselines' names) and the party's own assessment (progress updates,
# the party's name), watched by their part of the plan's stamp (`_extra_parts`), so that
# only the blocks to render read them.
BLOCK_MODELS = (ActivityPlanVersion, Baseline, ProgressUpdate, Party)


def _activity_own_shows(activity) -> tuple:
    """The activity's own values its block on the roadmap shows."""
    return (
        activity.version,
        activity.key,
        activity.title,
        activity.status,
        activity.status_source,
        tuple(activity.demo_fields or ()),
    )


def _roadmap_activity_shows(activity) -> tuple:
    """What an activity's block on the roadmap shows that can change with it: its own
    values, its roll-up and each milestone's row (the rest: `BLOCK_MODELS`)."""
    return (
        *_activity_own_shows(activity),
        activity.rag_rollup,
        tuple(milestone_shows(m) for m in activity.milestones.all()),
    )


def _rate(activities, *, today, baseline) -> None:
    """RAG on the activities' milestones from their materialised rows, read with them (the
    rule where a row is not rated today or another baseline is chosen), and each
    activity's roll-up by the rule's own worst-of over them."""
    status.attach_materialised_rags(
        [m for a in activities for m in a.milestones.all()], today=today, baseline=baseline
    )
    for activity in activities:
        activity.rag_rollup = status.party_rollup([activity])


def _roadmap_block_keyed(request, today, baseline):
    """What a large plan's block is cached under, from the activity read without its
    milestones: its own values, the stamp of its milestones and their ratings
    (`selectors.milestones_stamp`), and what rates them: the day (a row not rated today
    is rated by the rule), the baseline chosen and the baselines' and their entries' part
    of the roadmap's stamp (`_roadmap_stamp`)."""
    rated = (today.isoformat(), baseline.pk if baseline else None, request._roadmap_baselines)

    def shows(activity) -> tuple:
        return (*_activity_own_shows(activity), selectors.milestones_stamp(activity), rated)

    return shows


def _roadmap_activity_rows(request, activities, *, rated=None) -> None:
    """`activity.row_html` for each activity: `_roadmap_activity.html`, cached per activity
    under what it shows (`views.plan.cached_rows`), the apps' facts by their `cache_part`
    (who may see them and their latest change), and within a block to render each
    milestone's row under its own: an edit renders only its milestone's row and its
    activity's frame.

    `rated` (today, the baseline): the activities come without their milestones, with
    their stamp; each block is keyed by that (`_roadmap_block_keyed`), and only the
    blocks to render read their milestones and ratings. Else the milestones are read and
    rated already, and each block is keyed by them."""

    def prepare(missing) -> None:
        # The blocks to render: their milestones (when not read), what they show besides
        # the activity and its milestones, each part cached per activity under the stamp
        # of what it reads (`BLOCK_MODELS`, the extensions' parts) and read only for the
        # parts not found; and their milestones' rows each cached on its own. An edit of
        # one milestone renders its row and its activity's frame, and reads nothing else.
        if rated is not None:
            prefetch_related_objects(missing, selectors.roadmap_milestones())
            _rate(missing, today=rated[0], baseline=rated[1])
        _block_parts(request, missing)
        cached_rows(
            request,
            [m for activity in missing for m in activity.milestones.all()],
            template="milestones/_roadmap_milestone_row.html",
            name="m",
            shows=milestone_shows,
            context={},
        )

    cached_rows(
        request,
        activities,
        template="milestones/_roadmap_activity.html",
        name="activity",
        shows=_roadmap_activity_shows if rated is None else _roadmap_block_keyed(request, *rated),
        context={"extra_parts": _extra_parts(request)},
        prepare=prepare,
    )


def _block_parts(request, activities) -> None:
    """`activity.versions_html` (its plan versions) and `activity.assessed_html` (the
    party's own assessment and the extensions' facts) on each of `activities`, each cached
    per activity under the stamp of what it reads (`_extra_parts`: `BLOCK_MODELS` and the
    extensions'; the party's assessment also under the activity's responsible party),
    read only for the activities whose part is not found."""
    parts = {"extra_parts": _extra_parts(request)}
    cached_rows(
        request,
        activities,
        template="milestones/_roadmap_activity_versions.html",
        name="activity",
        shows=lambda activity: (),
        context=parts,
        prepare=lambda found: prefetch_related_objects(
            found, Prefetch("appearances", queryset=APPEARANCES)
        ),
    )
    for activity in activities:
        activity.versions_html = activity.row_html

    def assessed(found) -> None:
        status.attach_self_assessments(found)
        _attach_extra_facts(request, found)

    cached_rows(
        request,
        activities,
        template="milestones/_roadmap_activity_assessed.html",
        name="activity",
        shows=lambda activity: (activity.responsible_party_id,),
        context=parts,
        prepare=assessed,
    )
    for activity in activities:
        activity.assessed_html = activity.row_html


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


# Where the facts of the apps above milestones go in an activity page's cached HTML: they
# are rendered per request (they watch governance's records, not the plan), and an HTML
# comment cannot come from the data (every value is escaped).
EXTRA_FACTS_MARK = "<!--sorplan:activity-extra-facts-->"


@require_safe
def activity_detail(request, key):
    """One activity: description, plan versions, milestones with RAG, slip and dependencies,
    its roll-up and the party's own assessment; quick edits for editors.

    For a large plan (more than `ROADMAP_ALL` activities, as the lists) the content is
    cached as HTML under the stamp of what it shows (`selectors.activity_page_stamp`: its
    own rows, its milestones' predecessors, baselines, parties, goals), the editor right, the day,
    the query string and the language (`core.cache.page_html`); the facts of the apps
    above milestones (`ACTIVITY_PAGE_EXTRA_FACTS`) are rendered on every request and put
    in at `EXTRA_FACTS_MARK`. Warm: the activity, the stamp and those facts' queries."""
    activity = get_object_or_404(
        Activity.objects.select_related("responsible_party", "goal"), key=key
    )

    # Keyed by what this activity's page shows, not the plan's lists' stamp: an edit of
    # another activity leaves it warm.
    large, stamp = selectors.activity_page_stamp(activity.pk)

    def build():
        return "milestones/_activity_detail_main.html", _activity_context(request, activity, stamp)

    if not large:
        template, context = build()
        body = render_to_string(template, context, request)
    else:
        body, _context = page_html(
            request,
            namespace="milestones",
            parts=(
                "activity-html",
                2,
                activity.pk,
                stamp,
                request_access(request).can_edit_plan,
            ),
            build=build,
            seconds=selectors.SUMMARY_CACHE_SECONDS,
        )
    facts = render_to_string(
        "milestones/_activity_extra_facts.html",
        {"extra_facts": _extra_facts(request, activity)},
        request,
    )
    return render(
        request,
        "milestones/activity_detail.html",
        {"activity": activity, "body": mark_safe(body.replace(EXTRA_FACTS_MARK, facts))},
    )


# The parts of an activity's page that its milestones do not change, each cached per
# activity under the values of its stamp that watch what the part reads
# (`selectors.stamp_part` of `ACTIVITY_PAGE_PARTS`): after a milestone's edit none is read
# again.
ACTIVITY_PAGE_PIECES = {
    "versions": ("milestones/_activity_versions.html", ("plan versions", "baselines")),
    "involved": ("milestones/_activity_involved.html", ("participants", "parties")),
    "assessed": ("milestones/_self_rag.html", ("activity", "progress updates", "parties")),
}


def _activity_parts(request, activity: Activity, stamp: tuple) -> dict[str, str]:
    """{piece: HTML} of `ACTIVITY_PAGE_PIECES` for the activity's page (one round trip to
    the cache); the pieces not found read what they show (its plan versions, its
    participants, the party's own assessment: a query each) and are rendered."""
    parts = {
        name: (
            "activity-piece",
            1,
            activity.pk,
            name,
            selectors.stamp_part(stamp, watched, of=selectors.ACTIVITY_PAGE_PARTS, width=1),
        )
        for name, (_template, watched) in ACTIVITY_PAGE_PIECES.items()
    }

    def build(missing) -> dict[str, str]:
        reads = {
            "versions": Prefetch("appearances", queryset=APPEARANCES),
            "involved": Prefetch(
                "activityparticipant_set",
                queryset=ActivityParticipant.objects.select_related("party").order_by(
                    "party__name", "pk"
                ),
            ),
        }
        prefetch_related_objects([activity], *(reads[name] for name in missing if name in reads))
        if "assessed" in missing:
            status.attach_self_assessments([activity])
        context = {"activity": activity, "u": getattr(activity, "self_assessment", None)}
        return {
            name: render_to_string(ACTIVITY_PAGE_PIECES[name][0], context, request)
            for name in missing
        }

    return cached_many("milestones", parts, build, seconds=selectors.SUMMARY_CACHE_SECONDS)


def _activity_context(request, activity: Activity, stamp: tuple) -> dict:
    """The activity page's content, its relations read onto the activity the view read
    (with its party and goal): its milestones with their predecessors and ratings, the
    baselines, and the pieces its milestones do not change (`_activity_parts`). Each
    prefetch names its own order: the models' default orderings reach through several
    relations, which cost joins and query compilation."""
    prefetch_related_objects(
        [activity],
        Prefetch(
            "milestones",
            queryset=Milestone.objects.select_related("materialised_status")
            .order_by("sort_order", "forecast_date", "title", "pk")
            .prefetch_related(
                Prefetch(
                    "predecessor_links",
                    queryset=Dependency.objects.select_related("predecessor").order_by(
                        *PREDECESSOR_ORDER
                    ),
                )
            ),
        ),
    )
    baselines = selectors.baselines_cached(
        selectors.stamp_part(stamp, ("baselines",), of=selectors.ACTIVITY_PAGE_PARTS, width=1)
    )
    baseline, chosen = _baseline_among(request, baselines)
    # RAG from the milestones' materialised rows, read with them (the rule where a row
    # is not rated today or another baseline is chosen); the roll-up by the rule's own
    # worst-of over them.
    status.attach_materialised_rags(
        activity.milestones.all(), today=timezone.localdate(), baseline=baseline
    )
    activity.rag_rollup = status.party_rollup([activity])
    query = milestone_rows_cached(
        request, activity.milestones.all(), ctx="activity", baseline=baseline, chosen=chosen
    )
    return {
        "activity": activity,
        "milestones": activity.milestones.all(),
        "baselines": baselines,
        "baseline": baseline,
        "baseline_chosen": chosen,
        "ctx": "activity",
        "row_query": query,
        "extra_facts_mark": mark_safe(EXTRA_FACTS_MARK),
        "parts": {
            name: mark_safe(html)
            for name, html in _activity_parts(request, activity, stamp).items()
        },
    }


def _roadmap_extras() -> list:
    """The roadmap's extensions from the apps above milestones (`ROADMAP_EXTRA_FACTS`):
    each has `facts(request, activities)` → {activity id: (template, context)},
    `cache_part(request)` for the key of the roadmap's cached HTML and its activities'
    blocks, and may name `stamp_models`: models whose history the facts read, stamped
    with the plan in the roadmap's one stamp query."""
    return [import_string(name) for name in settings.ROADMAP_EXTRA_FACTS]


def _roadmap_stamp(request) -> tuple[bool, tuple]:
    """(whether the plan is large, the roadmap's stamp) in one query: the plan's models
    and the models the extensions' facts read (their `stamp_models`, if they name any);
    the extensions' part of it and their `cache_part`s go into `_extra_parts`."""
    extras = _roadmap_extras()
    models = tuple(model for extra in extras for model in getattr(extra, "stamp_models", ()))
    # The stored roll-ups last (a track's summary is kept under their stamp).
    large, stamp = selectors.sized_stamp((*selectors.PLAN_PAGE_MODELS, *models, StatusRollup))
    start = 2 * len(selectors.PLAN_PAGE_MODELS)
    rollups_at = start + 2 * len(models)
    request._roadmap_rollups = stamp[rollups_at : rollups_at + 2]
    # The baselines' part and their entries' (the rows after the models), which rate the
    # blocks of a large plan's page (`_roadmap_block_keyed`).
    request._roadmap_baselines = (
        *selectors.stamp_part(stamp, (Baseline,)),
        stamp[rollups_at + 2],
    )
    request._roadmap_extra_parts = (
        *(extra.cache_part(request) for extra in extras),
        stamp[start : start + 2 * len(models)],
        selectors.stamp_part(stamp, BLOCK_MODELS),
    )
    return large, stamp


def _extra_parts(request) -> tuple:
    """The roadmap extensions' `cache_part`s, the stamp of their `stamp_models` and of
    `BLOCK_MODELS`, read once per request (`_roadmap_stamp`)."""
    if not hasattr(request, "_roadmap_extra_parts"):
        _roadmap_stamp(request)
    return request._roadmap_extra_parts


def _attach_extra_facts(request, activities) -> None:
    """`activity.extra_facts`: the (template, fact) pairs shown beside its RAG line."""
    found = [extra.facts(request, activities) for extra in _roadmap_extras()]
    for activity in activities:
        activity.extra_facts = [f[activity.pk] for f in found if activity.pk in f]


def _extra_facts(request, activity) -> list:
    """(template, context) pairs from the apps above milestones (`ACTIVITY_PAGE_EXTRA_FACTS`),
    e.g. governance's delivery confidence beside the rule-based RAG."""
    found = (import_string(name)(request, activity) for name in settings.ACTIVITY_PAGE_EXTRA_FACTS)
    return [fact for fact in found if fact]


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
