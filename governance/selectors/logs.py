"""The decision log, the issue log and the action list: the rows a reader may read, live
or as they stood at a past moment (`?som_den_var=`), narrowed by the page's filters.

The filters are written on columns the history tables share, so they apply to the
values as they stood; `records.listed` attaches owners and meetings in bulk. With `page`
(the page's `?side=`) one page of `records.LOG_PAGE_SIZE` rows (`records.listed_page`);
without it every row (the files).
"""

import datetime

from django.db.models import Q

from ..models import Action, Decision, Issue, Meeting
from .records import listed, listed_page, readable_at

ACTION_OPEN = Q(status__in=Action.OPEN_STATUSES)
EVERY_ROW = object()  # no `page`: the whole log


def _listed(model, rows, at, page, related=None):
    if page is EVERY_ROW:
        return listed(model, rows, at, related=related)
    return listed_page(model, rows, at, number=page, related=related)


def decision_rows(access, *, status: str = "", at: datetime.datetime | None = None, page=EVERY_ROW):
    """The decision log: every decision, or those in `status` (a `Decision.Status`)."""
    rows = readable_at(Decision, access, at)
    if status in Decision.Status.values:
        rows = rows.filter(status=status)
    rows = rows.order_by(*Decision._meta.ordering, "id")
    return _listed(Decision, rows, at, page, related={"meeting": Meeting})


def issue_rows(access, *, status: str = "", at: datetime.datetime | None = None, page=EVERY_ROW):
    """The issue log: the open ones (not resolved or rejected), those in `status` (an
    `Issue.Status`) or, for "alle", every issue; by due date."""
    rows = readable_at(Issue, access, at)
    if status in Issue.Status.values:
        rows = rows.filter(status=status)
    elif status != "alle":
        rows = rows.exclude(status__in=[Issue.Status.RESOLVED, Issue.Status.REJECTED])
    return _listed(Issue, rows.order_by("due_on", "title", "id"), at, page)


def action_rows(
    access,
    *,
    view: str,
    closed: bool,
    today: datetime.date,
    at: datetime.datetime | None = None,
    page=EVERY_ROW,
):
    """The action list: "mine" (owned by the reader), "part" (their parties'),
    "over-frist" (open past their due date on `today`) or "alle"; without `closed` only
    the open ones."""
    rows = readable_at(Action, access, at)
    if view == "mine":
        rows = rows.filter(owner_person_id=access.user_id)
    elif view == "part":
        rows = rows.filter(owner_party_id__in=access.party_ids)
    elif view == "over-frist":
        rows = rows.filter(ACTION_OPEN, due_on__lt=today)
    if not closed and view != "over-frist":
        rows = rows.filter(ACTION_OPEN)
    return _listed(Action, rows.order_by(*Action._meta.ordering, "id"), at, page)
