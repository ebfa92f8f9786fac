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
import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    return datetime.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole calendar months from start to end (negative when end is earlier)."""
    if end >= start:
        months = (end.year - start.year) * 12 + end.month - start.month
        while months > 0 and add_months(start, months) > end:
            months -= 1
        return months
    return -months_between(end, start)


@dataclass(frozen=True)
class MilestoneRag:
    """A milestone's RAG, with the figures and reason behind it."""

    rag: str
    computed: str
    reason: str
    overridden: bool = False
    override_reason: str = ""
    baseline_date: datetime.date | None = None
    baseline_precision: str = "day"
    slip_days: int | None = None
    slip_months: int | None = None

    @property
    def label(self) -> str:
        return str(Rag.LABELS[self.rag])

    @property
    def computed_label(self) -> str:
        return str(Rag.LABELS[self.computed])

    @property
    def counts_in_rollup(self) -> bool:
        return self.rag not in (Rag.DONE, Rag.CANCELLED)


def milestone_rag(
    milestone: Milestone,
    *,
    baseline_entry: BaselineEntry | None,
    today: datetime.date,
) -> MilestoneRag:
    """The RAG of one milestone against its baseline entry (None: no baseline)."""
    baseline_date = baseline_entry.date if baseline_entry else None
    baseline_precision = baseline_entry.precision if baseline_entry else "day"
    baseline_end = period_end(baseline_date, baseline_precision) if baseline_date else None
    computed, reason, slip_days, slip_months = _computed(milestone, baseline_end, today)
    common = {
        "computed": computed,
        "baseline_date": baseline_date,
        "baseline_precision": baseline_precision,
        "slip_days": slip_days,
        "slip_months": slip_months,
    }
    if milestone.rag_override and computed not in (Rag.DONE, Rag.CANCELLED):
        return MilestoneRag(
            rag=milestone.rag_override,
            reason=_("Tilsidesat af SOR-teamet: %(why)s") % {"why": milestone.rag_override_reason},
            overridden=True,
            override_reason=milestone.rag_override_reason,
            **common,
        )
    return MilestoneRag(rag=computed, reason=reason, **common)


def _computed(milestone: Milestone, baseline_end, today):
    if milestone.status == Milestone.Status.CANCELLED:
        return Rag.CANCELLED, _("Milepælen er aflyst."), None, None
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
        return Rag.DONE, _("Milepælen er nået."), slip_days, slip_months
    if baseline_end and forecast_end:
        slip_days = (forecast_end - baseline_end).days
        slip_months = months_between(baseline_end, forecast_end)
    if forecast_end and forecast_end < today:
        return (
            Rag.RED,
            _("Forventet dato (%(date)s) er passeret uden en faktisk dato.")
            % {"date": format_plan_date(milestone.forecast_date, milestone.forecast_precision)},
            slip_days,
            slip_months,
        )
    if baseline_end is None:
        return Rag.GREY, _("Ingen baselinedato at måle imod."), None, None
    if forecast_end is None:
        # No forecast of its own: the baseline date still stands.
        if baseline_end < today:
            return Rag.RED, _("Baselinedatoen er passeret uden en faktisk dato."), None, None
        return Rag.GREEN, _("Ingen ny forventet dato; baselinedatoen gælder."), 0, 0
    if forecast_end > add_months(baseline_end, 3):
        return (
            Rag.RED,
            _("Mere end 3 måneder forsinket i forhold til baseline (%(days)s dage).")
            % {"days": slip_days},
            slip_days,
            slip_months,
        )
    if forecast_end >= add_months(baseline_end, 1):
        return (
            Rag.YELLOW,
            _("1-3 måneder forsinket i forhold til baseline (%(days)s dage).")
            % {"days": slip_days},
            slip_days,
            slip_months,
        )
    if slip_days > 0:
        reason = _("Under 1 måned forsinket i forhold til baseline (%(days)s dage).") % {
            "days": slip_days
        }
    else:
        reason = _("Følger baseline.")
    return Rag.GREEN, reason, slip_days, slip_months


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
    if baseline is None and use_active:
        baseline = active_baseline()
    entries: dict[int, BaselineEntry] = {}
    if baseline is not None and milestones:
        entries = {
            e.milestone_id: e
            for e in BaselineEntry.objects.filter(
                baseline=baseline, milestone_id__in=[m.pk for m in milestones]
            )
        }
    return {
        m.pk: milestone_rag(m, baseline_entry=entries.get(m.pk), today=today) for m in milestones
    }


@dataclass(frozen=True)
class RagRollup:
    """The worst RAG of a set of milestones, with the reason, beside each colour's count."""

    rag: str
    reason: str
    counts: dict[str, int] = field(default_factory=dict)
    worst_milestone_id: int | None = None

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
        if counts.get(Rag.DONE):
            return RagRollup(rag=Rag.DONE, reason=_("Alle milepæle er nået."), counts=ordered)
        return RagRollup(rag=Rag.GREY, reason=_("Ingen åbne milepæle at vurdere."), counts=ordered)
    _key, milestone, rag = worst
    return RagRollup(
        rag=rag.rag,
        reason=f"{milestone.title}: {rag.reason}",
        counts=ordered,
        worst_milestone_id=milestone.pk,
    )
