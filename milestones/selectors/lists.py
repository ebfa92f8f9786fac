"""What the plan's list pages (milestones, activities, the change feed, the parties) are
cached under: their data-version stamps (`core.cache.stamp`, one query each)."""

from django.db import connection
from django.db.models import BigIntegerField
from django.db.models.expressions import RawSQL

from core.cache import history_newest_sql, stamp_sql_read
from core.cache import stamp as data_stamp
from core.sql import compiled_once
from parties.models import Party

from ..models import (
    Activity,
    ActivityParticipant,
    ActivityPlanVersion,
    Baseline,
    BaselineEntry,
    Dependency,
    Goal,
    Milestone,
    MilestoneStatus,
    ProgressUpdate,
)
from .roadmap import PLAN_PAGE_MODELS, ROADMAP_ALL

# The lists also show goals (the activity list) and are filtered by them; the change
# feed shows the history of goals, activities, milestones, dependencies and baselines.
LIST_PAGE_MODELS = (*PLAN_PAGE_MODELS, Goal, Dependency)


def list_data_version() -> tuple:
    """The stamp of the plan's list pages: any save through the services moves it."""
    return data_stamp(models=LIST_PAGE_MODELS, rows=(BaselineEntry,))


def sized_stamp(models, rows=(BaselineEntry,)) -> tuple[bool, tuple]:
    """(whether the plan is large, more than `ROADMAP_ALL` activities; the stamp of
    `models` and `rows`), read in one query: a large plan's pages are cached under the
    stamp, a small one's shown live. The count is the stamp's last value."""
    stamp = data_stamp(models=models, rows=rows, counts=(Activity,))
    return int(stamp[-1]) > ROADMAP_ALL, stamp


@compiled_once
def _activity_page_sql() -> tuple[str, tuple]:
    """The activity page's stamp query (`activity_page_stamp`), built once per process
    (`core.sql.compiled_once`: looking up `Model.history` builds a manager class)."""
    quote = connection.ops.quote_name
    milestones = quote(Milestone._meta.db_table)
    dependencies = quote(Dependency._meta.db_table)
    parts = [
        f"(SELECT COUNT(*) FROM {quote(Activity._meta.db_table)})",
        "(SELECT COUNT(*) FROM ms)",
        history_newest_sql(Activity, "id = $1"),
        history_newest_sql(Milestone, "id IN (SELECT id FROM shown)"),
        history_newest_sql(Dependency, "successor_id IN (SELECT id FROM ms)"),
        history_newest_sql(MilestoneStatus, "milestone_id IN (SELECT id FROM ms)"),
        history_newest_sql(ActivityPlanVersion, "activity_id = $1"),
        history_newest_sql(ActivityParticipant, "activity_id = $1"),
        history_newest_sql(ProgressUpdate, "activity_id = $1"),
        history_newest_sql(Baseline),
        history_newest_sql(Party),
        history_newest_sql(Goal),
        f"(SELECT MAX(id) FROM {quote(BaselineEntry._meta.db_table)})",
    ]
    sql = (
        f"WITH ms AS (SELECT id FROM {milestones} WHERE activity_id = $1), "
        "shown AS (SELECT id FROM ms UNION "
        f"SELECT predecessor_id FROM {dependencies} WHERE successor_id IN (SELECT id FROM ms)) "
        "SELECT " + ", ".join(parts)
    )
    return sql, ()


# The activity page's stamp (`activity_page_stamp`), part by part in its order: what each
# value watches, for a part of the page cached under some of them (`stamp_part(stamp,
# names, of=ACTIVITY_PAGE_PARTS, width=1)`).
ACTIVITY_PAGE_PARTS = (
    "milestone count",
    "activity",
    "milestones",
    "dependencies",
    "ratings",
    "plan versions",
    "participants",
    "progress updates",
    "baselines",
    "parties",
    "goals",
    "baseline entries",
)


def activity_page_stamp(activity_id: int) -> tuple[bool, tuple]:
    """(whether the plan is large, as `sized_stamp`; the stamp of what one activity's page
    shows), in one query: the activity's own rows' history (the activity, its milestones
    and their ratings, its dependencies, plan versions, participants and progress
    updates), its milestones' predecessors' (their keys and titles are shown), the
    number of its milestones (one moved away), and the few records every page names
    (baselines and their entries, parties, goals). An edit of another activity leaves it."""
    found = stamp_sql_read(_activity_page_sql()[0], activity_id)
    return int(found[0]) > ROADMAP_ALL, found[1:]


def milestones_stamp_annotations(*, ratings: bool) -> dict[str, RawSQL]:
    """Annotations for a query set of activities that stamp what an activity's block shows
    of its milestones, read with the activities (three small subqueries a row): the
    number of its milestones and the newest history row of them (and, with `ratings`, of
    their ratings), as `activity_page_stamp` reads them for one activity. A milestone
    added, edited, moved in, or its rating changed, writes a history row of one of its
    milestones now; one moved away or deleted lowers the number. A page keys its
    activities' blocks by `milestones_stamp(activity)` and reads the milestones of the
    blocks it renders only (the roadmap's track page, a party's page)."""
    names = ("milestones_count", "milestones_newest", *(("ratings_newest",) if ratings else ()))
    return {
        name: RawSQL(*_milestones_stamp_sql(name), output_field=BigIntegerField()) for name in names
    }


@compiled_once
def _milestones_stamp_sql(name: str) -> tuple[str, tuple]:
    """One of `milestones_stamp_annotations`' subqueries, built once per process
    (`core.sql.compiled_once`: looking up `Model.history` builds a manager class)."""
    quote = connection.ops.quote_name
    outer = f"{quote(Activity._meta.db_table)}.{quote('id')}"
    ms = f"SELECT id FROM {quote(Milestone._meta.db_table)} WHERE activity_id = {outer}"
    if name == "milestones_count":
        return f"(SELECT COUNT(*) FROM ({ms}) AS counted)", ()
    model = {"milestones_newest": Milestone, "ratings_newest": MilestoneStatus}[name]
    column = "id" if model is Milestone else "milestone_id"
    return history_newest_sql(model, f"{column} IN ({ms})"), ()


def page_with_milestones_stamp(page, *, ratings: bool) -> list[Activity]:
    """The activities of `page` (a `Paginator` page of an ordered query set of activities)
    in its order, with the stamp of their milestones (`milestones_stamp_annotations`), in
    one query: the page's rows picked by their ids in a subquery and annotated alone (the
    paged query set annotated would compute it for every row before the page too).
    `page.object_list` becomes them, so the page is not read again."""
    base = page.paginator.object_list
    page.object_list = list(
        base.filter(pk__in=page.object_list.values("pk")).annotate(
            **milestones_stamp_annotations(ratings=ratings)
        )
    )
    return page.object_list


def milestones_stamp(activity) -> tuple:
    """The stamp of an activity's milestones read with it (`milestones_stamp_annotations`)."""
    return (
        activity.milestones_count,
        activity.milestones_newest,
        getattr(activity, "ratings_newest", None),
    )
