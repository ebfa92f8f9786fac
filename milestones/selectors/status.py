"""RAG and slip for the plan's pages: the rule in milestones.rag applied to what a page shows.

Nothing here computes a colour: it calls `rags_for` and `rollup` and hangs the
results on the objects the templates render (`milestone.rag`,
`activity.rag_rollup`, `activity.self_assessment`).
"""

import datetime
from collections.abc import Iterable
from types import SimpleNamespace

from django.db.models import Exists, OuterRef, Subquery

from parties.models import Party

from ..models import Activity, Baseline, Milestone, MilestoneStatus, ProgressUpdate, StatusRollup
from ..rag import MilestoneRag, Rag, RagRollup, active_baseline, rags_for, rollup
from ..services.status import rating_from
from .materialised import RAG_FIELDS


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
    never mixed into it. One query, reading one update per activity (the latest is
    chosen in SQL: reading every past update of a page's activities was most of the
    activity list's time at scale)."""
    activities = list(activities)
    latest = (
        ProgressUpdate.objects.filter(
            activity_id=OuterRef("pk"),
            party_id=OuterRef("responsible_party_id"),
            status__in=SELF_ASSESSMENT_STATUSES,
        )
        .exclude(self_rag="")
        .order_by("-round__period", "-submitted_at", "-pk")
        .values("pk")[:1]
    )
    chosen = Activity.objects.filter(pk__in=[a.pk for a in activities]).values(
        latest=Subquery(latest)
    )
    updates = (
        ProgressUpdate.objects.filter(pk__in=chosen)
        .select_related("round", "party")
        # Only what the badge shows.
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
    )
    by_activity = {update.activity_id: update for update in updates}
    for activity in activities:
        activity.self_assessment = by_activity.get(activity.pk)


# ---------------------------------------------------------------------------
# Read from the materialised rows (milestones.models.status), for the lists
# ---------------------------------------------------------------------------
def _materialised_applies(baseline: Baseline | None) -> bool:
    """The rows are rated against the active baseline; another one is rated by the rule."""
    return baseline is not None and baseline.is_active


def attach_materialised_rags(
    milestones: Iterable[Milestone], *, today: datetime.date, baseline: Baseline | None
) -> None:
    """Set `milestone.rag` from its `MilestoneStatus` row (select_related
    `materialised_status` to read it with the milestone; otherwise one query). A
    milestone without a row rated today, or a baseline other than the active one, is
    rated by the rule (`attach_rags`, one query more, only then)."""
    milestones = list(milestones)
    if not _materialised_applies(baseline):
        attach_rags(milestones, today=today, baseline=baseline)
        return
    joined = all("materialised_status" in m._state.fields_cache for m in milestones)
    if joined:
        rows = {m.pk: m._state.fields_cache["materialised_status"] for m in milestones}
    else:
        rows = {
            row.pk: row
            for row in MilestoneStatus.objects.filter(milestone_id__in=[m.pk for m in milestones])
        }
    stale = []
    for milestone in milestones:
        row = rows.get(milestone.pk)
        if row is None or row.rated_on != today:
            stale.append(milestone)
        else:
            milestone.rag = rating_from(row.__dict__)
    if stale:
        attach_rags(stale, today=today, baseline=baseline)


# What a milestone's row shows of its own fields (`views.plan.milestone_shows`, in this
# order), read as values for the milestone list's rows by `milestone_rows_rated`.
MILESTONE_ROW_FIELDS = (
    "version",
    "key",
    "title",
    "source_text",
    "forecast_date",
    "forecast_precision",
    "actual_date",
    "actual_precision",
    "actual_date_unknown",
    "status",
    "status_source",
    "demo_fields",
)
_RATED = "materialised_status__"


def milestone_rows_rated(
    ids: list[int], *, today: datetime.date, baseline: Baseline | None
) -> list[SimpleNamespace] | None:
    """The milestones `ids`, in that order, as plain objects with what a list row shows of
    them (`MILESTONE_ROW_FIELDS`, `pk`, `activity.key`, `activity.title`,
    `activity.responsible_party.label`) and `rag` from their stored ratings, in one query
    of values: no model instances (reading a page's 50 milestones with their activities,
    parties and ratings as models was the largest part of a cold list that renders none
    of them again). None where the stored ratings do not answer (another baseline than
    the active one, or a row not rated today): the caller reads the milestones whole."""
    if not _materialised_applies(baseline):
        return None
    found = {
        values["pk"]: values
        for values in Milestone.objects.filter(pk__in=ids).values(
            "pk",
            *MILESTONE_ROW_FIELDS,
            "activity__key",
            "activity__title",
            "activity__responsible_party__short_name",
            "activity__responsible_party__name",
            f"{_RATED}rated_on",
            *(_RATED + name for name in RAG_FIELDS),
        )
    }
    rows = []
    for pk in ids:
        values = found.get(pk)
        if values is None:
            continue
        if values[f"{_RATED}rated_on"] != today:
            return None
        rows.append(
            SimpleNamespace(
                pk=pk,
                **{name: values[name] for name in MILESTONE_ROW_FIELDS},
                activity=SimpleNamespace(
                    key=values["activity__key"],
                    title=values["activity__title"],
                    responsible_party=SimpleNamespace(
                        label=Party.label_of(
                            values["activity__responsible_party__short_name"],
                            values["activity__responsible_party__name"],
                        )
                    ),
                ),
                rag=rating_from(values, prefix=_RATED),
            )
        )
    return rows


# What a row of the activity list shows of an activity's own fields
# (`views.plan._activity_row_shows`, in this order), read as values by `activity_rows_rated`.
ACTIVITY_ROW_FIELDS = (
    "version",
    "key",
    "title",
    "track",
    "status",
    "planned_end",
    "planned_end_precision",
)


def activity_rows_rated(
    ids: list[int], *, today: datetime.date, baseline: Baseline | None
) -> list[SimpleNamespace] | None:
    """The activities `ids`, in that order, as plain objects with what a list row shows of
    them (`ACTIVITY_ROW_FIELDS`, `pk`, `goal.title`, `responsible_party.key` and `.label`)
    and `rag_rollup` from their stored roll-ups, as `milestone_rows_rated` reads
    milestones (two queries of values, no model instances). None where the stored
    roll-ups do not answer (`attach_materialised_rollups` would rate one by the rule)."""
    if not _materialised_applies(baseline):
        return None
    found = {
        values["pk"]: values
        for values in Activity.objects.filter(pk__in=ids)
        .annotate(has_milestones=Exists(Milestone.objects.filter(activity=OuterRef("pk"))))
        .values(
            "pk",
            *ACTIVITY_ROW_FIELDS,
            "goal_id",
            "goal__title",
            "responsible_party__key",
            "responsible_party__short_name",
            "responsible_party__name",
            "has_milestones",
        )
    }
    rollups = {
        values["scope_key"]: SimpleNamespace(**values)
        for values in StatusRollup.objects.filter(
            scope=StatusRollup.Scope.ACTIVITY, scope_key__in=[str(pk) for pk in found]
        ).values()
    }
    rows = []
    for pk in ids:
        values = found.get(pk)
        if values is None:
            continue
        rolled = rollups.get(str(pk))
        if (rolled is None and values["has_milestones"]) or (
            rolled is not None and rolled.rated_on != today
        ):
            return None
        rows.append(
            SimpleNamespace(
                pk=pk,
                **{name: values[name] for name in ACTIVITY_ROW_FIELDS},
                goal=values["goal_id"] and SimpleNamespace(title=values["goal__title"]),
                responsible_party=SimpleNamespace(
                    key=values["responsible_party__key"],
                    label=Party.label_of(
                        values["responsible_party__short_name"], values["responsible_party__name"]
                    ),
                ),
                rag_rollup=_rollup_from(rolled),
            )
        )
    return rows


def _rollup_from(row: StatusRollup | None) -> RagRollup:
    if row is None:
        return rollup(())
    return RagRollup(
        rag=row.rag,
        counts={
            colour: getattr(row, colour)
            for colour in (*Rag.ROLLUP_COLOURS, Rag.DONE, Rag.CANCELLED)
        },
        worst_milestone_id=row.worst_milestone_id,
        worst_title=row.worst_title,
        worst=rating_from(row.worst) if row.worst else None,
    )


def attach_materialised_rollups(
    activities: Iterable[Activity], *, today: datetime.date, baseline: Baseline | None
) -> None:
    """Set `activity.rag_rollup` from the activities' `StatusRollup` rows (one query).
    Activities without a row rated today (none is kept for one without milestones), or
    another baseline than the active one: the rule, over those activities' milestones
    (three queries more, only then)."""
    activities = list(activities)
    rows = {}
    if _materialised_applies(baseline):
        rows = {
            row.scope_key: row
            for row in StatusRollup.objects.filter(
                scope=StatusRollup.Scope.ACTIVITY, scope_key__in=[str(a.pk) for a in activities]
            )
        }
    # No row for an activity with milestones (rows not yet built), or a row not rated
    # today: the rule. An activity without milestones has no row (`has_milestones`, when
    # the caller annotated it, saves asking the rule about it).
    stale = [
        a
        for a in activities
        if ((r := rows.get(str(a.pk))) is None and getattr(a, "has_milestones", True))
        or (r is not None and r.rated_on != today)
    ]
    for activity in activities:
        activity.rag_rollup = _rollup_from(rows.get(str(activity.pk)))
    if stale:
        again = list(
            Activity.objects.filter(pk__in=[a.pk for a in stale]).prefetch_related("milestones")
        )
        attach_rollups(again, today=today, baseline=baseline)
        computed = {a.pk: a.rag_rollup for a in again}
        for activity in activities:
            if activity.pk in computed:
                activity.rag_rollup = computed[activity.pk]
