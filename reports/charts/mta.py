"""The milestone trend analysis (MTA) chart: report dates across, forecast dates up."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from milestones.dates import format_plan_date

from ..selectors import Trend, add_months
from .scale import (
    FONT,
    GRID,
    GRID_STRONG,
    INK,
    MUTED,
    PARTY_PALETTE,
    Scale,
    fit_text,
    month_label,
    month_year_label,
)


@dataclass
class AxisTick:
    pos: float
    label: str
    sub: str = ""
    strong: bool = False


@dataclass
class MtaMarker:
    x: float
    y: float
    title: str
    reached: bool = False
    shape: str = "circle"
    points: str = ""


@dataclass
class MtaLine:
    number: int
    colour: str
    shape: str
    points: str
    markers: list[MtaMarker]
    badge_x: float
    badge_y: float
    label: str
    party: str
    legend_x: float = 0
    legend_y: float = 0
    legend_marker: MtaMarker | None = None
    end_y: float = 0

    @property
    def end_x(self) -> float:
        return self.markers[-1].x

    @property
    def badge_moved(self) -> bool:
        return abs(self.badge_y - self.end_y) > 1

    @property
    def leader_x(self) -> float:
        return round(self.badge_x - 9, 1) if self.badge_x > self.markers[-1].x else self.badge_x + 9

    @property
    def legend_text_x(self) -> float:
        return round(self.legend_x + 52, 1)

    @property
    def legend_line_x2(self) -> float:
        return round(self.legend_x + 26, 1)

    @property
    def legend_badge_x(self) -> float:
        return round(self.legend_x + 38, 1)


@dataclass
class MtaChart:
    width: int
    height: int
    x0: float
    x1: float
    y0: float
    y1: float
    x_ticks: list[AxisTick]
    y_ticks: list[AxisTick]
    diagonal: tuple[float, float, float, float] | None
    below_diagonal: str
    lines: list[MtaLine]
    parties: list[dict]
    today_x: float | None
    title: str
    desc: str
    x_title: str
    y_title: str
    empty: bool
    legend_top: float = 0
    font: str = FONT
    ink: str = INK
    muted: str = MUTED
    grid: str = GRID
    grid_strong: str = GRID_STRONG

    @property
    def plot_width(self) -> float:
        return round(self.x1 - self.x0, 1)

    @property
    def plot_height(self) -> float:
        return round(self.y1 - self.y0, 1)

    @property
    def x_tick_end(self) -> float:
        return self.y1 + 5

    @property
    def diagonal_legend_y(self) -> float:
        rows = -(-len(self.lines) // 2)
        return self.legend_top + rows * 24 + 4

    @property
    def x_label_y(self) -> float:
        return self.y1 + 20

    @property
    def x_year_y(self) -> float:
        return self.y1 + 36

    @property
    def x_title_y(self) -> float:
        return self.y1 + 58

    @property
    def x_mid(self) -> float:
        return round((self.x0 + self.x1) / 2, 1)

    @property
    def y_mid(self) -> float:
        return round((self.y0 + self.y1) / 2, 1)

    @property
    def y_label_x(self) -> float:
        return self.x0 - 10

    @property
    def diagonal_label(self) -> str:
        return _("Nået (prognose = rapportdato)")

    @property
    def diagonal_label_pos(self) -> tuple[float, float] | None:
        if not self.diagonal:
            return None
        x1, y1, x2, y2 = self.diagonal
        return round(x1 + (x2 - x1) * 0.62, 1), round(y1 + (y2 - y1) * 0.62 + 16, 1)


_SHAPES = ("circle", "square", "triangle", "diamond")


def _shade(colour: str, nth: int) -> str:
    """The party's colour for its nth milestone: alternately darker and lighter."""
    if nth == 0:
        return colour
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    step = (nth + 1) // 2
    if nth % 2:  # darker
        factor = max(0.35, 1 - 0.22 * step)
        rgb = [round(c * factor) for c in rgb]
    else:  # lighter
        factor = min(0.6, 0.22 * step)
        rgb = [round(c + (255 - c) * factor) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _shape_points(shape: str, x: float, y: float, r: float = 4.5) -> str:
    if shape == "square":
        r *= 0.9
        pts = [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
    elif shape == "triangle":
        pts = [(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)]
    elif shape == "diamond":
        r *= 1.25
        pts = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    else:
        return ""
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)


def mta_chart(trend: Trend, *, width: int = 960, plot_height: int = 460) -> MtaChart:
    """Lay out a milestone trend analysis: report dates across, forecast dates up.

    Both axes are calendars. The diagonal is where a forecast equals its
    report date; a reached milestone's line ends on it. Lines are coloured by
    the responsible party; milestones of the same party differ by marker shape.
    """
    x0, x1 = 96.0, width - 40.0
    y0, y1 = 24.0, 24.0 + plot_height  # y0 top, y1 bottom
    report_dates = trend.report_dates
    series = [s for s in trend.series if s.points]
    empty = not report_dates
    if empty:
        report_dates = [trend.point.today]
    x_start = report_dates[0].replace(day=1)
    x_end = report_dates[-1]
    forecasts = [p.forecast for s in series for p in s.points if p.report_date >= x_start]
    lo = min([*forecasts, x_start])
    hi = max([*forecasts, x_end])
    y_start = lo.replace(day=1)
    y_end = add_months(hi.replace(day=1), 1) - datetime.timedelta(days=1)
    xs = Scale(x_start, x_end, x0, x1)
    ys = Scale(y_start, y_end, y1, y0)

    x_ticks = _mta_x_ticks(trend, report_dates, xs)
    y_ticks = _mta_y_ticks(y_start, y_end, ys)

    # The diagonal, where forecast = report date, clipped to the plot.
    d_start, d_end = max(x_start, y_start), min(x_end, y_end)
    diagonal = None
    if d_start < d_end:
        diagonal = (xs(d_start), ys(d_start), xs(d_end), ys(d_end))
    below = _below_diagonal(xs, ys, x_start, x_end, y_start, y_end)

    lines, parties = _mta_lines(series, xs, ys, x_start=x_start, width=width)
    legend_top = y1 + 84
    _mta_badges_and_legend(lines, legend_top=legend_top, width=width)
    rows = -(-len(lines) // 2)
    height = int(legend_top + rows * 24 + (30 if diagonal else 8))
    today = trend.point.today
    # The "today" line helps only inside the plot; at its right edge the last tick says it.
    today_x = xs(today) if x_start <= today < x_end else None
    return MtaChart(
        width=width,
        height=height,
        x0=x0,
        x1=x1,
        y0=y0,
        y1=y1,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        diagonal=diagonal,
        below_diagonal=below,
        lines=lines,
        parties=parties,
        today_x=today_x,
        legend_top=legend_top,
        title=_("Milepælstrendanalyse (MTA)"),
        desc=_(
            "For %(n)s milepæle vises den forventede dato, som den stod ved hver månedsafslutning "
            "fra %(start)s til %(end)s. En stigende linje betyder, at milepælen er skredet; en "
            "vandret linje, at prognosen holder. Linjen slutter på diagonalen, når milepælen er "
            "nået. Samme oplysninger findes i tabellen under diagrammet."
        )
        % {
            "n": len(lines),
            "start": format_plan_date(report_dates[0], "month"),
            "end": format_plan_date(report_dates[-1], "month"),
        },
        x_title=_("Rapportdato (månedsafslutning)"),
        y_title=_("Forventet dato"),
        empty=empty or not lines,
    )


def _mta_x_ticks(trend: Trend, report_dates: list[datetime.date], xs: Scale) -> list[AxisTick]:
    """Month ticks along the report dates (thinned when there are many), then "today"."""
    x_ticks = []
    month_dates = report_dates[:-1] if trend.ends_today else report_dates
    step = 1 if len(month_dates) <= 15 else 2 if len(month_dates) <= 30 else 3
    for i, d in enumerate(month_dates):
        if i % step:
            continue
        x_ticks.append(
            AxisTick(
                pos=xs(d),
                label=month_label(d),
                sub=str(d.year) if (not x_ticks or d.month <= step) else "",
            )
        )
    if trend.ends_today:
        # Keep the month ticks clear of the final "today" tick.
        while x_ticks and xs(report_dates[-1]) - x_ticks[-1].pos < 30:
            x_ticks.pop()
        x_ticks.append(AxisTick(pos=xs(report_dates[-1]), label=_("i dag"), strong=True))
    return x_ticks


def _mta_y_ticks(y_start: datetime.date, y_end: datetime.date, ys: Scale) -> list[AxisTick]:
    """Month ticks up the forecast axis, at a step that keeps about a dozen."""
    months_span = (y_end.year - y_start.year) * 12 + y_end.month - y_start.month + 1
    y_step = next((s for s in (1, 2, 3, 6, 12, 24) if months_span / s <= 12), 36)
    y_ticks = []
    m = y_start
    while m <= y_end:
        if (m.month - 1) % y_step == 0 or (y_step > 12 and m.month == 1):
            y_ticks.append(AxisTick(pos=ys(m), label=month_year_label(m), strong=m.month == 1))
        m = add_months(m, 1)
    return y_ticks


def _mta_lines(series, xs: Scale, ys: Scale, *, x_start: datetime.date, width: int):
    """One line per milestone with its markers: colour by party, shape by its nth milestone.

    Returns (lines, parties) with the parties' colours for the legend.
    """
    colours: dict[int, str] = {}
    shapes_used: dict[int, int] = {}
    parties = []
    lines = []
    for s in series:
        number = s.number
        party = s.party
        if party.id not in colours:
            colours[party.id] = PARTY_PALETTE[len(colours) % len(PARTY_PALETTE)]
            parties.append({"name": party.name, "colour": colours[party.id]})
        nth = shapes_used.get(party.id, 0)
        shapes_used[party.id] = nth + 1
        shape = _SHAPES[nth % len(_SHAPES)]
        colour = _shade(colours[party.id], nth)
        visible = [p for p in s.points if p.report_date >= x_start]
        if not visible:
            continue
        markers = []
        for p in visible:
            x, y = xs(p.report_date), ys(p.forecast)
            if p.reached:
                title = _("%(title)s: nået %(date)s") % {
                    "title": s.milestone.title,
                    "date": format_plan_date(p.forecast),
                }
            else:
                title = _("%(title)s – rapport %(report)s: forventet %(forecast)s") % {
                    "title": s.milestone.title,
                    "report": format_plan_date(p.report_date),
                    "forecast": format_plan_date(p.forecast),
                }
            markers.append(
                MtaMarker(
                    x=x,
                    y=y,
                    title=title,
                    reached=p.reached,
                    shape="diamond" if p.reached else shape,
                    points=_shape_points("diamond" if p.reached else shape, x, y),
                )
            )
        end = markers[-1]
        badge_x = end.x + 16 if end.x + 16 < width - 12 else end.x - 16
        lines.append(
            MtaLine(
                number=number,
                colour=colour,
                shape=shape,
                points=" ".join(f"{mk.x:.1f},{mk.y:.1f}" for mk in markers),
                markers=markers,
                badge_x=round(badge_x, 1),
                badge_y=end.y,
                label=fit_text(s.milestone.title, 300, 12),
                party=party.label,
            )
        )
    return lines, parties


def _mta_badges_and_legend(lines: list[MtaLine], *, legend_top: float, width: int) -> None:
    """Place each line's number badge and its legend entry (two columns under the plot)."""
    # Number badges at the line ends, nudged apart where lines end close together.
    placed: list[MtaLine] = []
    for line in sorted(lines, key=lambda ln: (ln.badge_x, ln.badge_y)):
        line.end_y = line.badge_y
        for other in placed:
            if abs(other.badge_x - line.badge_x) < 19 and abs(other.badge_y - line.badge_y) < 19:
                line.badge_y = round(other.badge_y + 19, 1)
        placed.append(line)
    # The legend under the plot, two columns.
    column_width = (width - 24) / 2
    for i, line in enumerate(lines):
        line.legend_x = round(12 + (i % 2) * column_width, 1)
        line.legend_y = round(legend_top + (i // 2) * 24, 1)
        line.label = fit_text(f"{line.label} ({line.party})", column_width - 64, 12)
        mx = line.legend_x + 13
        line.legend_marker = MtaMarker(
            x=round(mx, 1),
            y=line.legend_y,
            title="",
            shape=line.shape,
            points=_shape_points(line.shape, mx, line.legend_y),
        )


def _below_diagonal(xs, ys, x_start, x_end, y_start, y_end) -> str:
    """The part of the plot where forecast < report date (clip the plot by y ≤ x)."""
    corners = [(x_start, y_start), (x_end, y_start), (x_end, y_end), (x_start, y_end)]

    def inside(p):
        return p[1] <= p[0]

    def cross(p, q):
        # Where the edge p→q meets y = x (dates as ordinals).
        px, py, qx, qy = (v.toordinal() for v in (p[0], p[1], q[0], q[1]))
        t = (px - py) / ((px - py) - (qx - qy))
        v = datetime.date.fromordinal(round(px + t * (qx - px)))
        return (v, v)

    out = []
    for i, p in enumerate(corners):
        q = corners[(i + 1) % len(corners)]
        if inside(p):
            out.append(p)
            if not inside(q):
                out.append(cross(p, q))
        elif inside(q):
            out.append(cross(p, q))
    return " ".join(f"{xs(x):.1f},{ys(y):.1f}" for x, y in out)
