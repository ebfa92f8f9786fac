from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from .. import selectors
from ..models import Activity, Baseline, Dependency, Milestone


def roadmap(request):
    """The roadmap: activities by track and responsible party, with their milestones."""
    plan_versions = list(Baseline.objects.filter(is_plan_version=True))
    chosen = request.GET.get("plan", "")
    plan_version = next((b for b in plan_versions if b.key == chosen), None)
    track = request.GET.get("spor", "")
    if track not in Activity.Track.values:
        track = ""
    return render(
        request,
        "milestones/roadmap.html",
        {
            "groups": selectors.roadmap(plan_version=plan_version, track=track or None),
            "plan_versions": plan_versions,
            "plan_version": plan_version,
            "tracks": Activity.Track.choices,
            "track": track,
        },
    )


def activity_detail(request, key):
    """One activity: its description, plan versions, milestones and their dependencies."""
    activity = get_object_or_404(
        Activity.objects.select_related("responsible_party", "goal").prefetch_related(
            "appearances__baseline",
            "activityparticipant_set__party",
            Prefetch(
                "milestones",
                queryset=Milestone.objects.prefetch_related(
                    Prefetch(
                        "predecessor_links",
                        queryset=Dependency.objects.select_related("predecessor__activity"),
                    ),
                    Prefetch(
                        "successor_links",
                        queryset=Dependency.objects.select_related("successor__activity"),
                    ),
                ),
            ),
        ),
        key=key,
    )
    return render(request, "milestones/activity_detail.html", {"activity": activity})
