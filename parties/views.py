from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from .access import request_access
from .models import Membership, Party


@login_not_required
def accessibility(request):
    """Tilgængelighedserklæring: required of Danish public-sector sites, open to all."""
    return render(request, "accessibility.html")


def no_membership(request):
    """Shown to a logged-in person who belongs to no party."""
    return render(request, "parties/no_membership.html")


def party_list(request):
    """Every party except the 98 municipalities (counted, shown on KOMBIT's page)."""
    parties = (
        Party.objects.select_related("coordinator", "region")
        .annotate(activity_count=Count("responsible_activities"))
        .exclude(kind=Party.Kind.MUNICIPALITY)
    )
    return render(
        request,
        "parties/party_list.html",
        {"parties": parties, "municipality_count": Party.objects.municipalities().count()},
    )


def party_detail(request, key):
    """A party, the parties it coordinates, its activities; members for the SOR-team."""
    party = get_object_or_404(Party.objects.select_related("coordinator", "region"), key=key)
    members = (
        Membership.objects.filter(party=party).select_related("user")
        if request_access(request).can_edit_plan
        else Membership.objects.none()
    )
    return render(
        request,
        "parties/party_detail.html",
        {
            "party": party,
            "activities": party.responsible_activities.prefetch_related("milestones"),
            "coordinated": party.coordinated_parties.all(),
            "members": members,
        },
    )
