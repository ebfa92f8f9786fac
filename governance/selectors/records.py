"""The steering group's records that a reader may read, live or as they stood at a past
moment: one home for the risk register, the decision, issue and action logs, the
dashboard's summary and the monthly report.

A past moment reads django-simple-history's tables through `core.history.as_of_queryset`:
the latest history row per record at or before the moment, chosen in one query before
any filter, so records created later are absent, records deleted since are present, and
filters apply to the values as they stood. Related rows are attached in bulk, so a list
costs the same number of queries however long it is.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from core.history import as_of_queryset
from parties.models import Party

from ..models import GovernanceRecord

# A log's page, as the plan's lists: the file (`?format=`) keeps every row.
LOG_PAGE_SIZE = 50


def readable_at(model, access=None, at: datetime.datetime | None = None) -> QuerySet:
    """The rows of `model` that `access` may read (None: all, as for the steering group's
    report), live (`at=None`: the live table) or as they stood at `at` (history rows),
    unordered. The reading rule is the live one (`GovernanceRecord.readable_by`) applied
    to the rows as they stood."""
    rows = as_of_queryset(model, at)
    if (
        access is not None
        and issubclass(model, GovernanceRecord)
        and not access.may_read_all_governance
    ):
        rows = rows.filter(model.readable_by(access))
    return rows


def instances(model, rows) -> list:
    """Rows of `readable_at` as instances of `model` (historical rows become instances;
    SQLite's `as_of` gives instances already)."""
    return [row if isinstance(row, model) else row.instance for row in rows]


def records_at(model, at: datetime.datetime | None, access=None, **filters) -> list:
    """Instances of `model` as they stood at `at` (None: live), matching `filters`, limited
    to what `access` may read (None: everything)."""
    return instances(model, readable_at(model, access, at).filter(**filters))


def attach(records, name: str, model) -> None:
    """Set the foreign key `name` on each record from one query of `model` (historical
    rows have no select_related); a missing or empty key leaves None."""
    found = model.objects.in_bulk({getattr(r, f"{name}_id") for r in records} - {None})
    for r in records:
        setattr(r, name, found.get(getattr(r, f"{name}_id")))


def attach_owners(records) -> None:
    """Owner party and person on each record, in two queries."""
    attach(records, "owner_party", Party)
    attach(records, "owner_person", get_user_model())


def listed(model, rows, at: datetime.datetime | None, *, related: dict | None = None) -> list:
    """A log's rows ready for its page: live rows with their owners and `related` (name:
    model) joined; past rows as instances with the same attached in bulk and
    `deleted_since` set on those no longer in the live table (its page cannot link them).
    A constant number of queries."""
    related = related or {}
    if at is None:
        return list(rows.select_related("owner_party", "owner_person", *related))
    records = instances(model, rows)
    attach_owners(records)
    for name, related_model in related.items():
        attach(records, name, related_model)
    live = set(model.objects.filter(pk__in=[r.pk for r in records]).values_list("pk", flat=True))
    for r in records:
        r.deleted_since = r.pk not in live
    return records


def listed_page(
    model, rows, at: datetime.datetime | None, *, number, related: dict | None = None
) -> Page:
    """Page `number` (`?side=`; a bad one gives the first or the last) of `LOG_PAGE_SIZE`
    rows of an ordered `rows`, counted in SQL, its rows read as `listed` reads them: the
    same queries for 2 records as for 200."""
    page = Paginator(rows, LOG_PAGE_SIZE).get_page(number)
    page.object_list = listed(model, page.object_list, at, related=related)
    return page
