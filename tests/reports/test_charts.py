"""The SVG charts: well-formed, accessible, geometry that matches the data, printable."""

import datetime
import itertools
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from reports import charts, selectors
from reports.selectors import PointInTime, Trend, TrendPoint, TrendSeries
from tests.reports.helpers import (
    ago,
    change_at,
    days,
    make_activity,
    make_milestone,
    make_party,
)

SVG = "{http://www.w3.org/2000/svg}"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.strip())


def _timeline():
    party = make_party("t-chart")
    act = make_activity(party, "t-chart-akt", planned_start=days(-100), planned_end=days(200))
    make_milestone(act, "t-chart-ms", forecast=days(190), baseline=days(60))
    return selectors.roadmap_timeline(party="t-chart")


def test_gantt_is_well_formed_accessible_and_places_dates_on_the_axis():
    timeline = _timeline()
    chart = charts.gantt_chart(timeline, url_for=lambda a: f"/plan/aktiviteter/{a.key}/")
    root = parse(render_to_string("reports/charts/gantt.svg", {"chart": chart}))
    # A group, not an image: its activity links must stay reachable (axe nested-interactive).
    assert root.get("role") == "group"
    assert root.get("aria-labelledby") == "gantt-title"
    assert root.get("aria-describedby") == "gantt-desc"
    assert root.find(f"{SVG}title").text.startswith("Tidslinje for programmet")
    assert "1 aktiviteter" in root.find(f"{SVG}desc").text
    # Coordinates are written without a Danish decimal comma.
    assert "," not in root.get("viewBox")
    (row,) = [r for r in chart.rows if r.kind == "activity"]
    (diamond,) = row.diamonds
    (baseline,) = row.baselines
    assert baseline.x < diamond.x  # the milestone slipped: forecast after baseline
    assert row.slip_lines
    assert chart.plot_x0 <= chart.today_x <= chart.plot_x1
    assert diamond.colour == charts.RAG_COLOURS["red"]  # over three months late
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert any("Milepæl t-chart-ms" in (t or "") and "Rød" in t for t in titles)


def test_mta_lines_end_on_the_diagonal_and_the_axes_speak_danish():
    party = make_party("t-mta-chart", ago(200))
    act = make_activity(party, "t-mta-chart-akt", ago(200))
    ms = make_milestone(act, "t-mta-chart-ms", forecast=days(120), when=ago(150))
    change_at(ms, ago(70), forecast_date=days(180))
    trend = selectors.milestone_trend(milestone_ids=[ms.pk], months=6)
    chart = charts.mta_chart(trend)
    svg = render_to_string("reports/charts/mta.svg", {"chart": chart})
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "Milepælstrendanalyse (MTA)"
    labels = {t.label for t in chart.x_ticks}
    danish = {
        "jan",
        "feb",
        "mar",
        "apr",
        "maj",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "okt",
        "nov",
        "dec",
    }
    assert labels - {"i dag"} <= danish
    assert chart.x_ticks[-1].label == "i dag"
    (line,) = chart.lines
    assert line.number == 1 and line.colour == charts.PARTY_PALETTE[0]
    ys = [m.y for m in line.markers]
    assert ys == sorted(ys, reverse=True)  # later forecast = higher up = smaller y
    assert chart.diagonal is not None


def test_mta_reached_milestone_sits_on_the_diagonal():
    today = timezone.localdate()
    first = today.replace(day=1) - datetime.timedelta(days=1)
    dates = selectors.month_ends(selectors.add_months(first.replace(day=1), -5), first)
    milestone = type("M", (), {"title": "M", "party": None})()
    party = selectors.PartyRef(1, "p", "Part", "P", "authority")
    milestone.party = party
    reached = dates[3] - datetime.timedelta(days=5)
    series = TrendSeries(
        milestone=milestone,
        points=[
            TrendPoint(dates[0], reached + datetime.timedelta(days=20)),
            TrendPoint(dates[1], reached + datetime.timedelta(days=10)),
            TrendPoint(reached, reached, reached=True),
        ],
        number=1,
    )
    trend = Trend(
        point=PointInTime(at=None, today=today, moment=timezone.now()),
        report_dates=dates,
        series=[series],
    )
    chart = charts.mta_chart(trend)
    end = chart.lines[0].markers[-1]
    x1, y1, x2, y2 = chart.diagonal
    # The end point lies on the line through the diagonal's ends.
    on_line = y1 + (end.x - x1) * (y2 - y1) / (x2 - x1)
    assert abs(end.y - on_line) < 1.5
    assert end.reached and end.shape == "diamond"


def test_charts_render_in_weasyprint():
    weasyprint = pytest.importorskip("weasyprint")
    chart = charts.gantt_chart(_timeline())
    svg = render_to_string("reports/charts/gantt.svg", {"chart": chart})
    pdf = weasyprint.HTML(string=f"<html><body>{svg}</body></html>").write_pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


@pytest.mark.parametrize("months", range(2, 40))
def test_the_burndowns_month_labels_never_run_into_each_other(months):
    """Every month end up to `months`: the last month is labelled, no two labels are closer
    than 3/4 of the labels' spacing (the last one and the one before it met on the
    report's portrait page), and each labelled year is named once, at its first label."""
    from register.selectors import Burndown, BurndownPoint
    from reports.charts.burndown import burndown_chart

    ends = []
    day = datetime.date(2025, 1, 31)
    for _ in range(months):
        ends.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    points = [BurndownPoint(month_end=end, actual=months - i) for i, end in enumerate(ends)]
    chart = burndown_chart(Burndown(points=points, switch_off=None, today=ends[-1]))
    ticks = chart.x_ticks
    every = 1 if months <= 14 else 2 if months <= 28 else 3
    spacing = (chart.x1 - chart.x0) * every / (months - 1)
    assert ticks[-1].pos == pytest.approx(chart.x1)
    assert all(b.pos - a.pos >= 0.75 * spacing - 1e-9 for a, b in itertools.pairwise(ticks))
    years = [t.sub for t in ticks if t.sub]
    assert years == sorted(set(years)) and years[0] == "2025"
