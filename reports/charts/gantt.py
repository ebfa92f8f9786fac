"""The roadmap timeline as a Gantt chart: one row per activity under track and party headers."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from milestones.dates import format_plan_date
from milestones.rag import Rag

from ..selectors import Timeline, add_months, quarter_start
from .scale import FONT, GRID, GRID_STRONG, INK, MUTED, RAG_COLOURS, Scale, diamond_points, fit_text


@dataclass
class GanttTick:
    x: float
    label: str
    strong: bool = False
    width: float = 0
    label_x: float = 0


@dataclass
class GanttMarker:
    x: float
    points: str
    colour: str
    title: str
    hollow: bool = False


@dataclass
class GanttRow:
    kind: str  # "track", "party" or "activity"
    y: float
    height: float
    label: str
    full_label: str = ""
    url: str = ""
    shaded: bool = False
    bar_x: float | None = None
    bar_width: float = 0
    bar_colour: str = "#c9d7e8"
    bar_title: str = ""
    slip_lines: list[tuple[float, float]] = field(default_factory=list)
    baselines: list[GanttMarker] = field(default_factory=list)
    diamonds: list[GanttMarker] = field(default_factory=list)

    @property
    def mid(self) -> float:
        return round(self.y + self.height / 2, 1)

    @property
    def text_y(self) -> float:
        return round(self.y + self.height / 2 + 4, 1)

    @property
    def bar_y(self) -> float:
        return round(self.y + self.height / 2 - 6, 1)


@dataclass
class GanttChart:
    width: int
    height: int
    label_width: int
    plot_x0: float
    plot_x1: float
    axis_top: float
    rows_top: float
    rows_bottom: float
    years: list[GanttTick]
    quarters: list[GanttTick]
    rows: list[GanttRow]
    today_x: float | None
    today_label: str
    title: str
    desc: str
    legend_y: float
    legend: list[dict]
    font: str = FONT
    ink: str = INK
    muted: str = MUTED
    grid: str = GRID
    grid_strong: str = GRID_STRONG

    @property
    def year_text_y(self) -> float:
        return self.axis_top + 15

    @property
    def quarter_text_y(self) -> float:
        return self.rows_top - 8

    @property
    def grid_top(self) -> float:
        return self.rows_top - 4

    @property
    def today_box_x(self) -> float | None:
        return None if self.today_x is None else round(self.today_x - 21, 1)

    @property
    def today_box_y(self) -> float:
        return self.rows_bottom + 3

    @property
    def today_text_y(self) -> float:
        return self.rows_bottom + 15


def gantt_chart(timeline: Timeline, *, width: int = 1120, url_for=None) -> GanttChart:
    """Lay out a Timeline page: one row per activity under track and party headers.

    `url_for(activity_row)` gives a link for an activity's label (optional).
    """
    label_width = 360
    x0, x1 = label_width + 8.0, width - 16.0
    axis_top = 8.0
    rows_top = axis_top + 46
    scale = Scale(timeline.start, timeline.end + datetime.timedelta(days=1), x0, x1)

    years, quarters = _gantt_axis(timeline, scale)

    rows, rows_bottom = _gantt_rows(
        timeline, scale, top=rows_top, label_width=label_width, url_for=url_for
    )
    today = timeline.point.today
    today_x = scale(today) if scale.contains(today) else None
    ly = rows_bottom + 46
    legend = _gantt_legend(ly)
    activity_count = sum(1 for r in rows if r.kind == "activity")
    return GanttChart(
        width=width,
        height=int(rows_bottom + 62),
        label_width=label_width,
        plot_x0=x0,
        plot_x1=x1,
        axis_top=axis_top,
        rows_top=rows_top,
        rows_bottom=rows_bottom,
        years=years,
        quarters=quarters,
        rows=rows,
        today_x=today_x,
        today_label=_("I dag"),
        title=_("Tidslinje for programmet, %(start)s til %(end)s")
        % {
            "start": format_plan_date(timeline.start, "quarter"),
            "end": format_plan_date(timeline.end, "quarter"),
        },
        desc=_(
            "Gantt-diagram med %(n)s aktiviteter efter spor og ansvarlig part. Bjælker viser "
            "aktiviteternes planlagte periode, romber milepælene farvet efter RAG-status, "
            "hule romber baselinedatoen og den lodrette linje dagens dato. "
            "Samme oplysninger findes i tabellen under diagrammet."
        )
        % {"n": activity_count},
        legend_y=ly,
        legend=legend,
    )


def _gantt_axis(timeline: Timeline, scale: Scale) -> tuple[list[GanttTick], list[GanttTick]]:
    """The year and quarter ticks across the top."""
    years, quarters = [], []
    q = quarter_start(timeline.start)
    while q <= timeline.end:
        nxt = add_months(q, 3)
        a, b = scale(q), scale(min(nxt, timeline.end + datetime.timedelta(days=1)))
        quarters.append(
            GanttTick(
                x=a,
                width=round(b - a, 1),
                label_x=round((a + b) / 2, 1),
                label=_("K%(q)s") % {"q": (q.month - 1) // 3 + 1},
                strong=q.month == 1,
            )
        )
        if q.month == 1 or not years:
            year_end = min(
                datetime.date(q.year + 1, 1, 1), timeline.end + datetime.timedelta(days=1)
            )
            ya, yb = scale(q), scale(year_end)
            years.append(
                GanttTick(
                    x=ya,
                    width=round(yb - ya, 1),
                    label_x=round((ya + yb) / 2, 1),
                    label=str(q.year),
                )
            )
        q = nxt
    return years, quarters


def _gantt_rows(
    timeline: Timeline, scale: Scale, *, top: float, label_width: int, url_for
) -> tuple[list[GanttRow], float]:
    """Track and party headers and one row per activity; returns the rows and their bottom."""
    rows: list[GanttRow] = []
    y = top
    zebra = False
    for track in timeline.tracks:
        rows.append(GanttRow(kind="track", y=y, height=30, label=track.label))
        y += 30
        for group in track.parties:
            rows.append(GanttRow(kind="party", y=y, height=24, label=group.party.name))
            y += 24
            for item in group.activities:
                row = GanttRow(
                    kind="activity",
                    y=y,
                    height=32,
                    label=fit_text(item.activity.title, label_width - 30, 12),
                    full_label=item.activity.title,
                    url=url_for(item.activity) if url_for else "",
                    shaded=zebra,
                )
                zebra = not zebra
                _gantt_bar(row, item, scale)
                _gantt_milestones(row, item, scale)
                rows.append(row)
                y += 32
    return rows, y


def _gantt_legend(ly: float) -> list[dict]:
    """The legend below the rows, laid out left to right."""
    legend = [
        {"kind": "bar", "label": _("Aktivitet (planlagt periode)")},
        *(
            {"kind": "diamond", "colour": RAG_COLOURS[c], "label": str(Rag.LABELS[c])}
            for c in (Rag.GREEN, Rag.YELLOW, Rag.RED, Rag.GREY, Rag.DONE)
        ),
        {"kind": "baseline", "label": _("Baselinedato")},
        {"kind": "today", "label": _("I dag")},
    ]
    x = 12.0
    for item in legend:
        item["x"] = round(x, 1)
        item["text_x"] = round(x + 28, 1)
        item["points"] = diamond_points(x + 11, ly - 1, 7 if item["kind"] == "diamond" else 6)
        item["mid_x"] = round(x + 11, 1)
        x += 36 + len(item["label"]) * 7.2
    return legend


def _gantt_bar(row: GanttRow, item, scale: Scale) -> None:
    if item.start is None or item.end is None:
        return
    a, b = max(item.start, scale.start), min(item.end, scale.end)
    if a > b:
        return
    row.bar_x = scale(a)
    row.bar_width = round(max(3.0, scale(b) - scale(a)), 1)
    done = item.activity.status == "done"
    row.bar_colour = "#cfd8e3" if done else "#bcd0ea"
    a_ = item.activity
    begin = (
        format_plan_date(a_.planned_start, a_.planned_start_precision)
        if a_.planned_start
        else format_plan_date(item.start)
    )
    finish = (
        format_plan_date(a_.planned_end, a_.planned_end_precision)
        if a_.planned_end
        else format_plan_date(item.end)
    )
    row.bar_title = f"{a_.title}: {begin} – {finish}"


def _gantt_milestones(row: GanttRow, item, scale: Scale) -> None:
    mid = row.mid
    for m in item.milestones:
        date = m.date
        baseline = m.rag.baseline_date
        if baseline and scale.contains(baseline) and baseline != m.forecast_date:
            bx = scale(baseline)
            row.baselines.append(
                GanttMarker(
                    x=bx,
                    points=diamond_points(bx, mid, 6),
                    colour=MUTED,
                    title=_("%(title)s – baseline: %(date)s")
                    % {
                        "title": m.title,
                        "date": format_plan_date(baseline, m.rag.baseline_precision),
                    },
                    hollow=True,
                )
            )
            if date and scale.contains(date) and date > baseline:
                row.slip_lines.append((round(bx + 6, 1), round(scale(date) - 7, 1)))
        if date is None or not scale.contains(date):
            continue
        x = scale(date)
        when = (
            _("nået %(date)s") % {"date": format_plan_date(m.actual_date, m.actual_precision)}
            if m.actual_date
            else format_plan_date(m.forecast_date, m.forecast_precision)
        )
        row.diamonds.append(
            GanttMarker(
                x=x,
                points=diamond_points(x, mid, 7.5),
                colour=RAG_COLOURS.get(m.rag.rag, RAG_COLOURS[Rag.GREY]),
                title=f"{m.title} – {when} – {m.rag.label}",
            )
        )
