"""Reads of the plan shared by pages (and later the dashboard and the PDF)."""

from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Prefetch

from parties.models import Party

from .models import Activity, ActivityPlanVersion, Baseline, Milestone


@dataclass
class PartyGroup:
    party: Party
    activities: list[Activity] = field(default_factory=list)


@dataclass
class TrackGroup:
    track: str
    label: str
    parties: list[PartyGroup] = field(default_factory=list)

    @property
    def activity_count(self) -> int:
        return sum(len(group.activities) for group in self.parties)


def roadmap(*, plan_version: Baseline | None = None, track: str | None = None) -> list[TrackGroup]:
    """Activities grouped by track, then responsible party, each with its milestones.

    Three queries whatever the size of the plan.
    """
    activities = (
        Activity.objects.select_related("responsible_party", "goal")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.order_by("sort_order", "forecast_date", "pk"),
            ),
            Prefetch(
                "appearances",
                queryset=ActivityPlanVersion.objects.select_related("baseline"),
            ),
        )
        .order_by("track", "responsible_party__name", "sort_order", "title")
    )
    if plan_version is not None:
        activities = activities.filter(appearances__baseline=plan_version)
    if track:
        activities = activities.filter(track=track)
    labels = dict(Activity.Track.choices)
    order = {value: index for index, value in enumerate(Activity.Track.values)}
    groups: list[TrackGroup] = []
    rows = sorted(
        activities, key=lambda a: (order[a.track], a.responsible_party.name, a.sort_order)
    )
    for track_value, in_track in groupby(rows, key=lambda a: a.track):
        group = TrackGroup(track=track_value, label=labels[track_value])
        for party, in_party in groupby(in_track, key=lambda a: a.responsible_party):
            group.parties.append(PartyGroup(party=party, activities=list(in_party)))
        groups.append(group)
    return groups
