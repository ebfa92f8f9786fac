"""Geometry of the SHAK burn-down chart: entries still depending on SHAK at each
month end (from history), the forecast from the plans' "in production" dates and
the baseline's line, to the planned switch-off. The template
templates/reports/charts/burndown.svg writes it out (the same drawing in the PDF)."""

import datetime
from dataclasses import dataclass, field

from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from register.selectors import Burndown

INK = "#1a1a1a"
MUTED = "#5c5c5c"
GRID = "#e3e3e3"
FONT = "IBM Plex Sans, Arial, Helvetica, sans-serif"
# Room the switch-off label needs beside its line ("planlagt slukning", "planned switch-off"
# at 11 px, with its 4 px gap).
SWITCH_OFF_LABEL_WIDTH = 100
# Okabe–Ito blue, vermillion and grey; the lines also differ by dash.
SERIES = (
    ("actual", "#0072b2", ""),
    ("forecast", "#d55e00", "6 4"),
    ("baseline", "#5c5c5c", "2 4"),
)


@dataclass
class Tick:
    pos: float
    label: str
    sub: str = ""


@dataclass
class Line:
    key: str
    label: str
    colour: str
    dash: str
    points: str
    legend_y: float = 0


@dataclass
class BurndownChart:
    width: int
    height: int
    x0: float
    x1: float
    y0: float
    y1: float
    title: str
    desc: str
    lines: list[Line] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    today_x: float | None = None
    switch_off_x: float | None = None
    # The switch-off label reads leftwards from its line, or rightwards where the line is
    # too near the plot's left edge for it (it would run out of the drawing).
    switch_off_label_right: bool = False
    empty: bool = False
    empty_text: str = ""
    font: str = FONT
    ink: str = INK
    muted: str = MUTED
    grid: str = GRID

    @property
    def plot_width(self) -> float:
        return self.x1 - self.x0

    @property
    def plot_height(self) -> float:
        return self.y1 - self.y0

    @property
    def x_label_y(self) -> float:
        return self.y1 + 16

    @property
    def x_year_y(self) -> float:
        return self.y1 + 30

    @property
    def legend_x(self) -> float:
        return self.x0


def _month(date: datetime.date) -> str:
    return dateformat.format(date, pgettext("date format: short month", "b"))


def burndown_chart(
    data: Burndown,
    *,
    width: int = 960,
    plot_height: int = 300,
    labels: dict[str, str] | None = None,
    title: str = "",
    desc: str = "",
    empty_text: str = "",
) -> BurndownChart:
    """The chart's geometry. The labels, title and description default to the SHAK
    burn-down's; another count over month ends (MedCom's certified and in-production
    rows) passes its own."""
    x0, x1, y0 = 64.0, width - 24.0, 16.0
    y1 = y0 + plot_height
    labels = labels or {
        "actual": _("Bruger stadig SHAK (historik)"),
        "forecast": _("Prognose efter planernes “i produktion”"),
        "baseline": _("Baseline"),
    }
    points = data.points
    height = int(y1 + 48 + 20 * len(SERIES))
    chart = BurndownChart(
        width=width,
        height=height,
        x0=x0,
        x1=x1,
        y0=y0,
        y1=y1,
        title=title or _("SHAK-afhængigheder ved hver månedsafslutning"),
        desc=desc
        or _(
            "Antal poster i registeret, der stadig bruger SHAK eller ikke er kortlagt, "
            "pr. månedsafslutning, med prognose og baseline frem til den planlagte slukning. "
            "Tabellen under grafen viser de samme tal."
        ),
        empty_text=empty_text or _("Ingen poster i registeret endnu."),
    )
    if not points:
        chart.empty = True
        return chart
    start, end = points[0].month_end, points[-1].month_end
    span = max(1, (end - start).days)
    top = max(1, data.maximum)
    # A round top for the value axis.
    step = next(
        s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000) if top / s <= 6
    )
    top = step * -(-top // step)

    def x(date):
        return x0 + (x1 - x0) * (date - start).days / span

    def y(value):
        return y1 - (y1 - y0) * value / top

    chart.y_ticks = [Tick(y(v), str(v)) for v in range(0, top + 1, step)]
    every = 1 if len(points) <= 14 else 2 if len(points) <= 28 else 3
    # The last month is always labelled; a label closer to it than 3/4 of the labels'
    # spacing gives way (the two ran into each other on the report's portrait page).
    gap = 0.75 * (x1 - x0) * every / max(1, len(points) - 1)
    last_year = None
    for i, p in enumerate(points):
        last = i == len(points) - 1
        if i % every and not last:
            continue
        sub = str(p.month_end.year) if p.month_end.year != last_year else ""
        last_year = p.month_end.year
        tick = Tick(x(p.month_end), _month(p.month_end), sub)
        if last and len(chart.x_ticks) > 1 and tick.pos - chart.x_ticks[-1].pos < gap:
            # Its year, if the label giving way carried it, moves to the last one.
            tick = Tick(tick.pos, tick.label, chart.x_ticks.pop().sub or sub)
        chart.x_ticks.append(tick)
    legend_y = y1 + 48
    for key, colour, dash in SERIES:
        if key not in labels:
            continue
        coords = [
            f"{x(p.month_end):.1f},{y(getattr(p, key)):.1f}"
            for p in points
            if getattr(p, key) is not None
        ]
        if not coords:
            continue
        if len(coords) == 1:
            coords.append(coords[0])
        chart.lines.append(Line(key, labels[key], colour, dash, " ".join(coords), legend_y))
        legend_y += 20
    if start <= data.today <= end:
        chart.today_x = x(data.today)
    if data.switch_off and start <= data.switch_off <= end:
        chart.switch_off_x = x(data.switch_off)
        chart.switch_off_label_right = chart.switch_off_x - chart.x0 < SWITCH_OFF_LABEL_WIDTH
    return chart
