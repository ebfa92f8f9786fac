"""RAG status by rule: the one place that computes it. Pages, the dashboard and
the PDF all call these functions.

The rule follows Statens It-råd's schedule thresholds, measured in calendar
months against the active baseline, comparing an imprecise date by the end of
its period:

- green: less than 1 month late;
- yellow: from 1 month up to and including 3 months late;
- red: more than 3 months late, or the forecast date has passed without an
  actual date (overdue is red even where no baseline exists);
- grey ("no baseline"): the milestone has no baseline date to measure against;
- done (and cancelled) milestones are shown as such and left out of roll-ups.

An editor may override the computed colour, only with a written
justification; the result says whether it is computed or overridden, and why.
"Today" is always a parameter, so point-in-time views and reports pass theirs.
"""

import calendar
import dataclasses
import datetime
import operator
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from .dates import format_plan_date
from .models import Baseline, BaselineEntry, Milestone, period_end


class Rag:
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    GREY = "grey"
    DONE = "done"
    CANCELLED = "cancelled"

    LABELS = {
        GREEN: gettext_lazy("Grøn"),
        YELLOW: gettext_lazy("Gul"),
        RED: gettext_lazy("Rød"),
        GREY: gettext_lazy("Ingen baseline"),
        DONE: gettext_lazy("Nået"),
        CANCELLED: gettext_lazy("Aflyst"),
    }
    # Worst first. Grey counts only when nothing else is known.
    SEVERITY = {RED: 3, YELLOW: 2, GREEN: 1, GREY: 0}
    ROLLUP_COLOURS = (RED, YELLOW, GREEN, GREY)


def add_months(date: datetime.date, months: int) -> datetime.date:
    """Calendar months, clamped at month end: 31 January + 1 month = 28/29 February."""
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    day = date.day
    if day > 28:  # only then can the month be too short
        day = min(day, _days_in_month(year, month))
    return datetime.date(year, month, day)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole calendar months from start to end (negative when end is earlier)."""
    if end >= start:
        months = (end.year - start.year) * 12 + end.month - start.month
        while months > 0 and add_months(start, months) > end:
            months -= 1
        return months
    return -months_between(end, start)


_LEFT_OUT = frozenset((Rag.DONE, Rag.CANCELLED))  # shown as such, left out of roll-ups

# Reasons are kept as a code and worded only when read: a dashboard rates
# 20,000 milestones twice and shows a few dozen reasons, and translating and
# formatting every one of them was most of the time it took. Worded in the
# language active when read, so a cached result serves Danish and English alike.
_REASONS = {
    "cancelled": gettext_noop("Milepælen er aflyst."),
    "done": gettext_noop("Milepælen er nået."),
    "overdue": gettext_noop("Forventet dato (%(date)s) er passeret uden en faktisk dato."),
    "no_baseline": gettext_noop("Ingen baselinedato at måle imod."),
    "baseline_passed": gettext_noop("Baselinedatoen er passeret uden en faktisk dato."),
    "no_forecast": gettext_noop("Ingen ny forventet dato; baselinedatoen gælder."),
    "late_red": gettext_noop(
        "Mere end 3 måneder forsinket i forhold til baseline (%(days)s dage)."
    ),
    "late_yellow": gettext_noop("1-3 måneder forsinket i forhold til baseline (%(days)s dage)."),
    "late_green": gettext_noop("Under 1 måned forsinket i forhold til baseline (%(days)s dage)."),
    "on_track": gettext_noop("Følger baseline."),
    "overridden": gettext_noop("Tilsidesat af SOR-teamet: %(why)s"),
}


def pickled_as_fields(cls):
    """Pickle a slots dataclass as its class and its fields' values in order, rebuilt by
    its constructor. A slots dataclass's own `__getstate__`/`__setstate__` walk
    `dataclasses.fields` for every object: the cached rows of a cold dashboard (hundreds
    of ratings, rows and parties) took 2-3 times as long to unpickle (and to pickle for a
    section's digest) as their plain values. Every field must be an `__init__` argument
    (checked here); equal objects after a round trip (`tests/milestones/test_rag.py`)."""
    names = tuple(f.name for f in dataclasses.fields(cls))
    if any(not f.init for f in dataclasses.fields(cls)) or len(names) < 2:
        raise TypeError(f"{cls.__name__}: every field (two or more) must be an init argument")
    values = operator.attrgetter(*names)

    def __reduce__(self):
        return (cls, values(self))

    cls.__reduce__ = __reduce__
    return cls


@pickled_as_fields
@dataclass(frozen=True, slots=True)
class MilestoneRag:
    """A milestone's RAG, with the figures and reason behind it.

    `reason_code` names the rule that decided (a key of `_REASONS`); `reason`
    words it. `forecast_date` and `forecast_precision` are the milestone's, kept
    for the wording of an overdue reason.
    """

    rag: str
    computed: str
    reason_code: str
    overridden: bool = False
    override_reason: str = ""
    baseline_date: datetime.date | None = None
    baseline_precision: str = "day"
    slip_days: int | None = None
    slip_months: int | None = None
    forecast_date: datetime.date | None = None
    forecast_precision: str = "day"

    @property
    def reason(self) -> str:
        code = self.reason_code
        text = _(_REASONS[code])
        if code == "overridden":
            return text % {"why": self.override_reason}
        if code == "overdue":
            return text % {"date": format_plan_date(self.forecast_date, self.forecast_precision)}
        if code.startswith("late_"):
            return text % {"days": self.slip_days}
        return text

    @property
    def label(self) -> str:
        return str(Rag.LABELS[self.rag])

    @property
    def computed_label(self) -> str:
        return str(Rag.LABELS[self.computed])

    @property
    def counts_in_rollup(self) -> bool:
        return self.rag not in _LEFT_OUT


class BaselineDate(NamedTuple):
    """What the rule reads of a baseline entry (a BaselineEntry serves as well)."""

    date: datetime.date | None
    precision: str


# What is read of a milestone (or one of its history rows) to rate it by `milestone_rag`
# and show it in a row: the past plan's snapshot (`reports.selectors.snapshot`) and the
# ratings' backfill (`milestones.services.status_history`) read these, besides its id.
MILESTONE_READ_FIELDS = (
    "activity_id",
    "key",
    "title",
    "forecast_date",
    "forecast_precision",
    "actual_date",
    "actual_precision",
    "actual_date_unknown",
    "status",
    "rag_override",
    "rag_override_reason",
    "sort_order",
)


def milestone_rag(
    milestone: Milestone,
    *,
    baseline_entry: BaselineEntry | BaselineDate | None,
    today: datetime.date,
) -> MilestoneRag:
    """The RAG of one milestone against its baseline entry (None: no baseline)."""
    if baseline_entry is not None:
        baseline_date, baseline_precision = baseline_entry.date, baseline_entry.precision
    else:
        baseline_date, baseline_precision = None, "day"
    baseline_end = period_end(baseline_date, baseline_precision) if baseline_date else None
    computed, code, slip_days, slip_months = _computed(milestone, baseline_end, today)
    overridden = bool(milestone.rag_override) and computed not in _LEFT_OUT
    return MilestoneRag(
        milestone.rag_override if overridden else computed,
        computed,
        "overridden" if overridden else code,
        overridden,
        milestone.rag_override_reason if overridden else "",
        baseline_date,
        baseline_precision,
        slip_days,
        slip_months,
        milestone.forecast_date,
        milestone.forecast_precision,
    )


def _computed(milestone: Milestone, baseline_end, today):
    """(colour, reason code, slip in days, slip in calendar months)."""
    if milestone.status == Milestone.Status.CANCELLED:
        return Rag.CANCELLED, "cancelled", None, None
    forecast_end = milestone.forecast_period_end
    slip_days = slip_months = None
    if (
        milestone.status == Milestone.Status.DONE
        or milestone.actual_date
        or milestone.actual_date_unknown
    ):
        actual_end = milestone.actual_period_end
        if baseline_end and actual_end:
            slip_days = (actual_end - baseline_end).days
            slip_months = months_between(baseline_end, actual_end)
        return Rag.DONE, "done", slip_days, slip_months
    if baseline_end and forecast_end:
        slip_days = (forecast_end - baseline_end).days
        slip_months = months_between(baseline_end, forecast_end)
    if forecast_end and forecast_end < today:
        return Rag.RED, "overdue", slip_days, slip_months
    if baseline_end is None:
        return Rag.GREY, "no_baseline", None, None
    if forecast_end is None:
        # No forecast of its own: the baseline date still stands.
        if baseline_end < today:
            return Rag.RED, "baseline_passed", None, None
        return Rag.GREEN, "no_forecast", 0, 0
    if forecast_end > add_months(baseline_end, 3):
        return Rag.RED, "late_red", slip_days, slip_months
    if forecast_end >= add_months(baseline_end, 1):
        return Rag.YELLOW, "late_yellow", slip_days, slip_months
    return Rag.GREEN, "late_green" if slip_days > 0 else "on_track", slip_days, slip_months


def rating_changes_on(
    milestone: Milestone,
    *,
    baseline_entry: BaselineEntry | BaselineDate | None,
    today: datetime.date,
) -> datetime.date | None:
    """The next day after `today` on which the date alone changes the milestone's rating
    (`_computed`'s only use of the date), or None: an open milestone turns red ("overdue")
    the day after its forecast period ends, or without a forecast ("baseline_passed") the
    day after its baseline period ends. A done or cancelled milestone, or one already past
    that day, keeps its rating until it is edited. A backfill of the ratings' history
    rates each version at its moment and again on each such day, not on every day."""
    if milestone.status == Milestone.Status.CANCELLED or (
        milestone.status == Milestone.Status.DONE
        or milestone.actual_date
        or milestone.actual_date_unknown
    ):
        return None
    end = milestone.forecast_period_end
    if end is None and baseline_entry is not None and baseline_entry.date:
        end = period_end(baseline_entry.date, baseline_entry.precision)
    if end is None or end < today:
        return None
    return end + datetime.timedelta(days=1)


def active_baseline() -> Baseline | None:
    return Baseline.objects.filter(is_active=True).first()


def rags_for(
    milestones: Iterable[Milestone],
    *,
    today: datetime.date,
    baseline: Baseline | None = None,
    use_active: bool = True,
) -> dict[int, MilestoneRag]:
    """RAG for many milestones in one query for their baseline entries.

    `baseline` defaults to the active one; pass `use_active=False` with no
    baseline to get grey for all.
    """
    milestones = list(milestones)
    entries: dict[int, BaselineDate] = {}
    if milestones and (baseline is not None or use_active):
        # The active baseline's (at most one is: a constraint) by a join, in the same query.
        of = {"baseline": baseline} if baseline is not None else {"baseline__is_active": True}
        # Only the dates, unordered: a page of a large plan rates thousands.
        entries = {
            milestone_id: BaselineDate(date, precision)
            for milestone_id, date, precision in BaselineEntry.objects.filter(
                **of, milestone_id__in=[m.pk for m in milestones]
            )
            .order_by()
            .values_list("milestone_id", "date", "precision")
        }
    return {
        m.pk: milestone_rag(m, baseline_entry=entries.get(m.pk), today=today) for m in milestones
    }


@dataclass(frozen=True)
class RagRollup:
    """The worst RAG of a set of milestones, with the reason, beside each colour's count.

    The reason is worded when read (see `MilestoneRag.reason`): the worst milestone's
    title and its reason, or why there is none.
    """

    rag: str
    counts: dict[str, int] = field(default_factory=dict)
    worst_milestone_id: int | None = None
    worst_title: str = ""
    worst: MilestoneRag | None = None

    @property
    def reason(self) -> str:
        if self.worst is not None:
            return f"{self.worst_title}: {self.worst.reason}"
        if self.rag == Rag.DONE:
            return _("Alle milepæle er nået.")
        return _("Ingen åbne milepæle at vurdere.")

    @property
    def label(self) -> str:
        return str(Rag.LABELS[self.rag])

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def count_items(self) -> list[tuple[str, str, int]]:
        """(colour, label, count) for each colour present, worst first (for pages)."""
        return [(rag, str(Rag.LABELS[rag]), n) for rag, n in self.counts.items() if n]


def rollup(items: Iterable[tuple[Milestone, MilestoneRag]]) -> RagRollup:
    """Worst-of over milestones that count (done and cancelled are left out).

    Ties are broken by the largest slip, so the reason names the worst case.
    """
    counts: Counter = Counter()
    worst: tuple | None = None
    for milestone, rag in items:
        if not rag.counts_in_rollup:
            counts[rag.rag] += 1
            continue
        counts[rag.rag] += 1
        key = (Rag.SEVERITY[rag.rag], rag.slip_days or 0)
        if worst is None or key > worst[0]:
            worst = (key, milestone, rag)
    ordered = {
        colour: counts.get(colour, 0) for colour in (*Rag.ROLLUP_COLOURS, Rag.DONE, Rag.CANCELLED)
    }
    if worst is None:
        return RagRollup(rag=Rag.DONE if counts.get(Rag.DONE) else Rag.GREY, counts=ordered)
    _key, milestone, rag = worst
    return RagRollup(
        rag=rag.rag,
        counts=ordered,
        worst_milestone_id=milestone.pk,
        worst_title=milestone.title,
        worst=rag,
    )
