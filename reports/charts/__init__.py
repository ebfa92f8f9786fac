"""Geometry for the server-rendered SVG charts: `gantt` (the roadmap timeline), `mta`
(the milestone trend analysis) and what they share (`scale`: colours, labels, the
date scale). The templates in templates/reports/charts/ only write the result out
as SVG, so the same drawing works in the browser and in WeasyPrint's PDF."""

from .gantt import GanttChart, GanttMarker, GanttRow, GanttTick, gantt_chart
from .mta import AxisTick, MtaChart, MtaLine, MtaMarker, mta_chart
from .scale import PARTY_PALETTE, RAG_COLOURS, Scale, month_label, month_year_label

__all__ = [
    "PARTY_PALETTE",
    "RAG_COLOURS",
    "AxisTick",
    "GanttChart",
    "GanttMarker",
    "GanttRow",
    "GanttTick",
    "MtaChart",
    "MtaLine",
    "MtaMarker",
    "Scale",
    "gantt_chart",
    "month_label",
    "month_year_label",
    "mta_chart",
]
