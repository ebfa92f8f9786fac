"""The RAG rule at its edges (no database needed: milestones are unsaved)."""

import datetime

import pytest

from milestones.models import BaselineEntry, Milestone
from milestones.rag import Rag, add_months, milestone_rag, months_between, rollup

D = datetime.date
TODAY = D(2026, 1, 1)


def ms(forecast=None, precision="day", **kw):
    return Milestone(
        pk=kw.pop("pk", 1),
        title=kw.pop("title", "M"),
        forecast_date=forecast,
        forecast_precision=precision,
        **kw,
    )


def entry(date, precision="day"):
    return BaselineEntry(date=date, precision=precision)


def rag_of(forecast, baseline, precision="day", baseline_precision="day", today=TODAY, **kw):
    return milestone_rag(
        ms(forecast, precision, **kw),
        baseline_entry=entry(baseline, baseline_precision) if baseline else None,
        today=today,
    )


@pytest.mark.parametrize(
    ("baseline", "forecast", "expected"),
    [
        (D(2026, 3, 15), D(2026, 3, 15), Rag.GREEN),
        (D(2026, 3, 15), D(2026, 4, 14), Rag.GREEN),  # one day under 1 month
        (D(2026, 3, 15), D(2026, 4, 15), Rag.YELLOW),  # exactly 1 month
        (D(2026, 3, 15), D(2026, 6, 15), Rag.YELLOW),  # exactly 3 months
        (D(2026, 3, 15), D(2026, 6, 16), Rag.RED),  # 3 months and one day
        (D(2026, 1, 31), D(2026, 2, 27), Rag.GREEN),  # 31 January + 1 month = 28 February
        (D(2026, 1, 31), D(2026, 2, 28), Rag.YELLOW),
        (D(2026, 1, 31), D(2026, 4, 30), Rag.YELLOW),  # + 3 months = 30 April
        (D(2026, 1, 31), D(2026, 5, 1), Rag.RED),
        (D(2028, 1, 31), D(2028, 2, 29), Rag.YELLOW),  # leap year
        (D(2026, 6, 1), D(2026, 5, 1), Rag.GREEN),  # early
    ],
)
def test_thresholds_in_calendar_months(baseline, forecast, expected):
    assert rag_of(forecast, baseline).rag == expected


def test_imprecise_dates_compare_by_the_end_of_their_period():
    # Baseline "March 2026" ends 31 March; + 1 month is 30 April.
    assert rag_of(D(2026, 4, 29), D(2026, 3, 1), baseline_precision="month").rag == Rag.GREEN
    assert rag_of(D(2026, 4, 30), D(2026, 3, 1), baseline_precision="month").rag == Rag.YELLOW
    # Forecast "Q2 2026" ends 30 June: against baseline 31 March that is 3 months: yellow.
    assert rag_of(D(2026, 4, 1), D(2026, 3, 31), precision="quarter").rag == Rag.YELLOW
    # A year-precise forecast ends 31 December.
    r = rag_of(D(2026, 1, 1), D(2026, 12, 31), precision="year")
    assert (r.rag, r.slip_days) == (Rag.GREEN, 0)


def test_overdue_without_actual_is_red_even_without_baseline():
    r = rag_of(D(2025, 12, 31), None)
    assert r.rag == Rag.RED and "passeret" in r.reason
    # An imprecise forecast is not overdue until its period has ended.
    assert rag_of(D(2025, 12, 1), None, precision="month", today=D(2025, 12, 31)).rag == Rag.GREY


def test_no_baseline_is_grey():
    r = rag_of(D(2026, 6, 1), None)
    assert (r.rag, r.slip_days) == (Rag.GREY, None)
    assert rag_of(D(2026, 6, 1), None).label == "Ingen baseline"


def test_done_is_done_with_its_slip_and_left_out_of_rollups():
    done = ms(D(2026, 6, 1), status="done", actual_date=D(2026, 7, 1), pk=2)
    r = milestone_rag(done, baseline_entry=entry(D(2026, 6, 1)), today=TODAY)
    assert (r.rag, r.slip_days, r.slip_months) == (Rag.DONE, 30, 1)
    unknown = ms(None, status="done", actual_date_unknown=True, pk=3)
    assert milestone_rag(unknown, baseline_entry=None, today=TODAY).rag == Rag.DONE
    red = ms(D(2025, 1, 1), pk=4, title="Forsinket")
    up = rollup([(done, r), (red, milestone_rag(red, baseline_entry=None, today=TODAY))])
    assert up.rag == Rag.RED and up.counts[Rag.DONE] == 1 and up.counts[Rag.RED] == 1
    assert up.reason.startswith("Forsinket:")


def test_override_needs_no_recompute_and_says_why():
    m = ms(D(2026, 3, 15), rag_override="red", rag_override_reason="Leverandør har meldt afbud")
    r = milestone_rag(m, baseline_entry=entry(D(2026, 3, 15)), today=TODAY)
    assert (r.rag, r.computed, r.overridden) == (Rag.RED, Rag.GREEN, True)
    assert "Leverandør har meldt afbud" in r.reason


def test_rollup_worst_with_counts_and_all_done():
    a, b, c = ms(D(2026, 3, 1), pk=1, title="A"), ms(D(2026, 5, 1), pk=2, title="B"), ms(None, pk=3)
    rags = [
        (a, milestone_rag(a, baseline_entry=entry(D(2026, 3, 1)), today=TODAY)),
        (b, milestone_rag(b, baseline_entry=entry(D(2026, 3, 1)), today=TODAY)),
        (c, milestone_rag(c, baseline_entry=None, today=TODAY)),
    ]
    up = rollup(rags)
    assert up.rag == Rag.YELLOW and up.worst_milestone_id == 2
    assert (up.counts["green"], up.counts["yellow"], up.counts["grey"]) == (1, 1, 1)
    d = ms(None, status="done", actual_date_unknown=True)
    assert rollup([(d, milestone_rag(d, baseline_entry=None, today=TODAY))]).rag == Rag.DONE
    assert rollup([]).rag == Rag.GREY


def test_calendar_month_helpers():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert months_between(D(2026, 1, 31), D(2026, 2, 28)) == 1
    assert months_between(D(2026, 1, 31), D(2026, 2, 27)) == 0
    assert months_between(D(2026, 5, 1), D(2026, 3, 1)) == -2
