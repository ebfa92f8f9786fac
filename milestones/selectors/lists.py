"""What the plan's list pages (milestones, activities, the change feed, the parties) are
cached under: their data-version stamps (`core.cache.stamp`, one query each)."""

from core.cache import stamp as data_stamp

from ..models import Activity, BaselineEntry, Dependency, Goal
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
