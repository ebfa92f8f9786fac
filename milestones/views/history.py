"""History pages (read-only for everyone; every member reads the plan and so its history):
one record's changes, and the programme-wide change feed."""

import datetime
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.cache import kept
from parties.access import request_access

from .. import history
from ..exports import AUDIT_COLUMNS, CHANGE_COLUMNS, change_rows, list_export, requested_format
from ..forms import AuditTrailForm, ChangeFeedFilterForm
from .plan import cached_rows, filter_form_html, list_page

PAGE_SIZE = 25
FEED_PAGE_SIZE = 50
# The feed counts its changes up to this many (a count of a million history rows would
# cost more than the page); past it the page says "more than" and pages that far.
FEED_COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` + 1 rows (`capped` says it stopped there),
    or is told the count (`counted`: (count, capped), e.g. `_feed_count`'s)."""

    def __init__(self, object_list, per_page, *, cap: int, counted: tuple | None = None):
        super().__init__(object_list, per_page)
        self.cap = cap
        self.capped = False
        self.counted = counted

    @cached_property
    def count(self) -> int:
        if self.counted is not None:
            count, self.capped = self.counted
            return count
        counted = history.feed_count_to(self.object_list, self.cap + 1)
        self.capped = counted > self.cap
        return min(counted, self.cap)


@dataclass(frozen=True)
class _FeedCount:
    count: int
    capped: bool
    watermark: tuple  # the feed's models' newest history ids when counted


def _feed_count(keys, filters: dict, watermark: dict) -> tuple[int, bool]:
    """(count, capped) of the feed's `keys` for `filters`, as `CappedPaginator` counts it,
    kept across new history: a count past the cap stays past it while history rows are
    only added (`watermark`, the newest history ids of the feed's stamp, did not go back),
    so after an edit the whole feed (a million rows) is not counted to the cap again; a
    count under the cap is counted again whenever the stamp moves."""
    marks = tuple(watermark.values())
    by = tuple(sorted((name, getattr(value, "pk", value)) for name, value in filters.items()))

    def build() -> _FeedCount:
        counted = history.feed_count_to(keys, FEED_COUNT_CAP + 1)
        return _FeedCount(min(counted, FEED_COUNT_CAP), counted > FEED_COUNT_CAP, marks)

    found = kept(
        "milestones",
        ("feed-count", 1, FEED_COUNT_CAP, by),
        build,
        still_holds=lambda found: (
            found.watermark == marks
            or (
                found.capped
                and len(found.watermark) == len(marks)
                and all(now >= then for now, then in zip(marks, found.watermark, strict=True))
            )
        ),
        seconds=history.ENTRY_CACHE_SECONDS,
    )
    return found.count, found.capped


def _record(kind: str, key: str):
    """The record (current, or its last history row when it was deleted) and whether it exists."""
    model = history.KINDS[kind]
    current = model.objects.filter(key=key).first()
    if current is not None:
        return current.pk, current, True
    last = model.history.filter(key=key).order_by("-history_id").first()
    if last is None:
        raise Http404
    return last.id, last, False


def _record_history(request, kind: str, key: str):
    object_id, record, exists = _record(kind, key)
    page = Paginator(history.record_keys(kind, object_id), PAGE_SIZE).get_page(
        request.GET.get("side")
    )
    return render(
        request,
        "milestones/history.html",
        {
            "kind": kind,
            "kind_label": history.KIND_LABELS[kind],
            "record": record,
            "record_label": getattr(record, history.LABEL_FIELD[kind]),
            "exists": exists,
            "detail_url": reverse(history.DETAIL_URL[kind], args=[key]) if exists else "",
            "page": page,
            "entries": history.entries_for(page.object_list),
        },
    )


@require_safe
def goal_history(request, key):
    return _record_history(request, "goal", key)


@require_safe
def activity_history(request, key):
    return _record_history(request, "activity", key)


@require_safe
def milestone_history(request, key):
    return _record_history(request, "milestone", key)


@require_safe
def baseline_history(request, key):
    return _record_history(request, "baseline", key)


@require_safe
def change_feed(request):
    """Every change to the plan, newest first, filtered by party, activity, user and dates
    (the filters stay in the URL; `?siden=YYYY-MM-DD` is "what changed since")."""
    form = ChangeFeedFilterForm(request.GET or None)
    filters = {}
    if request.GET and form.is_valid():
        data = form.cleaned_data
        filters = {
            "party": data.get("part"),
            "activity": data.get("aktivitet"),
            "user": data.get("bruger"),
            "since": data.get("siden"),
            "until": data.get("til"),
        }
    if requested_format(request):
        return list_export(
            request,
            name="aendringer",
            title=_("Ændringer i planen"),
            columns=CHANGE_COLUMNS,
            rows=change_rows(history.feed_entries(history.feed(**filters))),
            form=form,
        )

    def build(stamp):
        keys = history.feed_keys(**filters)
        watermark = history.stamp_watermark(stamp)
        page = CappedPaginator(
            keys, FEED_PAGE_SIZE, cap=FEED_COUNT_CAP, counted=_feed_count(keys, filters, watermark)
        ).get_page(request.GET.get("side"))
        today = timezone.localdate()
        month_start = today.replace(day=1)
        # Each entry kept across edits while the names it shows hold: after an edit only
        # the new entries are read and worded.
        entries = history.entries_kept(page.object_list, watermark=watermark)
        # An entry's HTML under all it shows (its names and links as read now): after an
        # edit the page's entries shift by one, and only the new one is rendered.
        cached_rows(
            request,
            entries,
            template="milestones/_history_entry.html",
            name="e",
            shows=repr,
            context={"show_record": True},
            ident=lambda e: (e.kind, e.history_id),
        )
        return {
            "form": form,
            # Unfiltered (no query: the form shows no input and no error), its HTML is the
            # same until its fields' names change: cached, as the lists' forms are.
            "filter_form": None
            if request.GET
            else filter_form_html(
                request,
                form,
                _("Filtrér ændringer"),
                stamp=stamp,
                of=history.NAMED_MODELS,
                novalidate=True,
            ),
            "page": page,
            "entries": entries,
            "filtered": any(v for v in filters.values()),
            "since": filters.get("since"),
            "count_capped": page.paginator.capped,
            "count_cap": FEED_COUNT_CAP,
            "shortcuts": [
                (today - datetime.timedelta(days=7), "7"),
                (month_start, "month"),
                ((month_start - datetime.timedelta(days=1)).replace(day=1), "last_month"),
            ],
        }

    return list_page(
        request,
        "milestones/change_feed.html",
        "milestones/_change_feed_main.html",
        build,
        kind="change-feed",
        models=history.NAMED_MODELS,
        rows=(),
    )


@require_safe
def audit_trail(request):
    """The SOR-team's audit trail: every change to the plan in a period (who, when, what,
    old → new, reason) as a file for an auditor; the page is the period's form."""
    request_access(request).require_audit_reader()
    form = AuditTrailForm(request.GET or None)
    if request.GET and form.is_valid() and requested_format(request):
        since, until = form.cleaned_data["siden"], form.cleaned_data["til"]
        return list_export(
            request,
            name=f"revisionsspor-{since:%Y-%m-%d}-{until:%Y-%m-%d}",
            title=_("Revisionsspor for planen"),
            columns=AUDIT_COLUMNS,
            rows=change_rows(history.feed_entries(history.feed(since=since, until=until))),
            form=form,
        )
    return render(request, "milestones/audit_trail.html", {"form": form})
