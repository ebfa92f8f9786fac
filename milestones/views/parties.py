"""The parties' pages: every party but the 98 municipalities, and each party's
activities and milestones. They show the plan, so they live here; parties itself
knows no other app. Read-only for every member; members' names for the SOR-team."""

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.cache import cached
from parties.access import request_access
from parties.models import Membership, Party

from .. import selectors
from ..exports import PARTY_COLUMNS, list_export, requested_format
from ..models import Activity, Milestone
from .plan import CountedPaginator, cached_rows, list_page

PARTY_PAGE_SIZE = 50
PARTY_ACTIVITY_PAGE_SIZE = 20
# What the party list and a party's page show (their cached HTML's stamps).
PARTY_LIST_MODELS = (Party, Activity)
PARTY_PAGE_MODELS = (Party, Activity, Milestone)


def prefetch_related_objects_for(activities) -> list:
    """The activities with their milestones in the page's order (one query)."""
    activities = list(activities)
    prefetch_related_objects(
        activities,
        Prefetch(
            "milestones",
            queryset=Milestone.objects.order_by("sort_order", "forecast_date", "title", "pk"),
        ),
    )
    return activities


@require_safe
def party_list(request):
    """Every party except the 98 municipalities (counted, shown on KOMBIT's page)."""
    parties = (
        Party.objects.select_related("coordinator", "region")
        .annotate(activity_count=Count("responsible_activities"))
        .exclude(kind=Party.Kind.MUNICIPALITY)
    )
    if requested_format(request):
        return list_export(
            request,
            name="parter",
            title=_("Parter i programmet"),
            columns=PARTY_COLUMNS,
            rows=parties.order_by("name"),
        )

    def build(_stamp):
        page = Paginator(parties.order_by("name", "pk"), PARTY_PAGE_SIZE).get_page(
            request.GET.get("side")
        )
        return {
            "page": page,
            "parties": page.object_list,
            "municipality_count": Party.objects.municipalities().count(),
        }

    # Cached for a large plan under what it shows (parties and their activities), so a
    # milestone's edit leaves it warm.
    return list_page(
        request,
        "parties/party_list.html",
        "parties/_party_list_main.html",
        build,
        kind="party-list",
        models=PARTY_LIST_MODELS,
        rows=(),
    )


@require_safe
def party_detail(request, key):
    """A party, the parties it coordinates, its activities; members for the SOR-team."""
    party = get_object_or_404(Party.objects.select_related("coordinator", "region"), key=key)
    members = (
        Membership.objects.filter(party=party).select_related("user")
        if request_access(request).can_edit_plan
        else Membership.objects.none()
    )

    def build(stamp):
        # What a milestone's edit does not change is kept under its part of the page's
        # stamp: the number of the party's activities (`Activity`) and the parties it
        # coordinates (`Party`), so that after one neither is read.
        def part(model) -> tuple:
            return (party.pk, *selectors.stamp_part(stamp, (model,), of=PARTY_PAGE_MODELS))

        count = cached(
            "milestones",
            ("party-activity-count", 1, *part(Activity)),
            party.responsible_activities.count,
            seconds=selectors.SUMMARY_CACHE_SECONDS,
        )
        coordinated = cached(
            "milestones",
            ("party-coordinated", 1, *part(Party)),
            lambda: [
                selectors.PartyChoice(*row)
                for row in party.coordinated_parties.values_list("id", "key", "name")
            ],
            seconds=selectors.SUMMARY_CACHE_SECONDS,
        )
        page = CountedPaginator(
            party.responsible_activities.order_by("track", "sort_order", "title", "pk"),
            PARTY_ACTIVITY_PAGE_SIZE,
            count=count,
        ).get_page(request.GET.get("side"))
        # The page's activities with the stamp of their milestones, not the milestones
        # (`selectors.milestones_stamp`): each activity's part is cached under it, and
        # only the parts to render read their milestones (one query for all of them).
        activities = selectors.page_with_milestones_stamp(page, ratings=False)
        cached_rows(
            request,
            activities,
            template="parties/_party_activity.html",
            name="a",
            shows=lambda a: (a.key, a.title, selectors.milestones_stamp(a)),
            context={},
            prepare=prefetch_related_objects_for,
        )
        return {
            "party": party,
            "page": page,
            "activities": activities,
            "coordinated": coordinated,
        }

    # Cached for a large plan under the parties, activities and milestones it shows; the
    # members (the SOR-team's) are read on every request, outside the cached content.
    return list_page(
        request,
        "parties/party_detail.html",
        "parties/_party_detail_main.html",
        build,
        kind="party-page",
        models=PARTY_PAGE_MODELS,
        rows=(),
        live={"party": party, "members": members},
    )
