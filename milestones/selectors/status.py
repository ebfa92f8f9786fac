"""RAG and slip for the plan's pages: the rule in milestones.rag applied to what a page shows.

Nothing here computes a colour: it calls `rags_for` and `rollup` and hangs the
results on the objects the templates render (`milestone.rag`,
`activity.rag_rollup`, `activity.self_assessment`).
"""

import datetime
from collections.abc import Iterable

from ..models import Activity, Baseline, Milestone, ProgressUpdate
from ..rag import MilestoneRag, RagRollup, active_baseline, rags_for, rollup


def baseline_for(key: str | None) -> tuple[Baseline | None, bool]:
    """The baseline a page compares against: `?baseline=<key>`, else the active one.

    Returns (baseline, chosen) where chosen says the person picked another than the active one.
    """
    if key:
        chosen = Baseline.objects.filter(key=key).first()
        if chosen is not None:
            return chosen, not chosen.is_active
    return active_baseline(), False


def attach_rags(
    milestones: Iterable[Milestone], *, today: datetime.date, baseline: Baseline | None
) -> dict[int, MilestoneRag]:
    """Compute RAG for milestones (one query) and set `milestone.rag` on each."""
    milestones = list(milestones)
    rags = rags_for(milestones, today=today, baseline=baseline, use_active=False)
    for milestone in milestones:
        milestone.rag = rags[milestone.pk]
    return rags


def attach_rollups(
    activities: Iterable[Activity], *, today: datetime.date, baseline: Baseline | None
) -> None:
    """Set `activity.rag_rollup` (worst of its milestones, with counts) and `milestone.rag`.

    The activities must have their milestones prefetched.
    """
    activities = list(activities)
    attach_rags([m for a in activities for m in a.milestones.all()], today=today, baseline=baseline)
    for activity in activities:
        activity.rag_rollup = rollup((m, m.rag) for m in activity.milestones.all())


def party_rollup(activities: Iterable[Activity]) -> RagRollup:
    """A party's roll-up over the milestones of the activities it is responsible for
    (after `attach_rollups`)."""
    return rollup((m, m.rag) for a in activities for m in a.milestones.all())


SELF_ASSESSMENT_STATUSES = (ProgressUpdate.Status.SUBMITTED, ProgressUpdate.Status.ACCEPTED)


def attach_self_assessments(activities: Iterable[Activity]) -> None:
    """Set `activity.self_assessment`: the responsible party's latest submitted or accepted
    progress update with a self-assessed RAG, or None. Shown beside the computed RAG,
    never mixed into it. One query."""
    activities = list(activities)
    latest: dict[int, ProgressUpdate] = {}
    updates = (
        ProgressUpdate.objects.filter(
            activity_id__in=[a.pk for a in activities],
            status__in=SELF_ASSESSMENT_STATUSES,
        )
        .exclude(self_rag="")
        .select_related("round", "party")
        # Only what the badge shows: the long texts of every past update are not read.
        .only(
            "activity_id",
            "party_id",
            "status",
            "self_rag",
            "self_rag_reason",
            "submitted_at",
            "round__period",
            "party__name",
            "party__short_name",
        )
        .order_by("activity_id", "-round__period", "-submitted_at", "-pk")
    )
    responsible = {a.pk: a.responsible_party_id for a in activities}
    for update in updates:
        if update.party_id == responsible[update.activity_id]:
            latest.setdefault(update.activity_id, update)
    for activity in activities:
        activity.self_assessment = latest.get(activity.pk)
