"""What the plan's list pages (milestones, activities, the change feed, the parties) are
cached under: their data-version stamps (`core.cache.stamp`, one query each)."""

from core.cache import stamp as data_stamp

from ..models import BaselineEntry, Dependency, Goal
from .roadmap import PLAN_PAGE_MODELS

# The lists also show goals (the activity list) and are filtered by them; the change
# feed shows the history of goals, activities, milestones, dependencies and baselines.
LIST_PAGE_MODELS = (*PLAN_PAGE_MODELS, Goal, Dependency)


def list_data_version() -> tuple:
    """The stamp of the plan's list pages: any save through the services moves it."""
    return data_stamp(models=LIST_PAGE_MODELS, rows=(BaselineEntry,))
