"""Shared by the charts: colours, month labels, text fitting and the date scale.

Geometry for the server-rendered SVG charts (the roadmap timeline and the
milestone trend analysis).

The functions here turn the selectors' plain data into coordinates, labels and
colours; the templates in templates/reports/charts/ only write them out as
SVG, so the same drawing works in the browser and in WeasyPrint's PDF. No
JavaScript, no chart library: the charts are simple enough to draw by hand and
this keeps them crisp, accessible (title, desc, a table alternative) and
printable.
"""

import datetime

from django.utils import dateformat
from django.utils.translation import pgettext

from milestones.rag import Rag

# The RAG colours of static/css/sorplan.css, for SVG presentation attributes.
RAG_COLOURS = {
    Rag.GREEN: "#2f7d32",
    Rag.YELLOW: "#b58100",
    Rag.RED: "#b3261e",
    Rag.GREY: "#6b6b6b",
    Rag.DONE: "#1f4e8c",
    Rag.CANCELLED: "#9e9e9e",
}
# Okabe–Ito, reordered so that neighbours differ most; readable for colour-blind eyes.
PARTY_PALETTE = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#882255",
    "#332288",
    "#117733",
    "#444444",
)
INK = "#1a1a1a"
MUTED = "#5c5c5c"
GRID = "#e3e3e3"
GRID_STRONG = "#c4c4c4"
FONT = "IBM Plex Sans, Arial, Helvetica, sans-serif"


def month_label(date: datetime.date) -> str:
    """'jan', 'feb' … in the active language (Danish: 'maj', 'okt'; English: 'May', 'Oct')."""
    # The format itself is translated: Danish abbreviations are lower case, English ones capitalised.
    return dateformat.format(date, pgettext("date format: short month", "b"))


def month_year_label(date: datetime.date) -> str:
    return f"{month_label(date)} {date.year}"


def fit_text(text: str, width: float, size: float = 12) -> str:
    """Shorten text to roughly fit `width` pixels (average glyph ≈ 0.5 em)."""
    room = max(4, int(width / (size * 0.5)))
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def diamond_points(x: float, y: float, r: float) -> str:
    return f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"


class Scale:
    """Dates to pixels along one axis."""

    def __init__(self, start: datetime.date, end: datetime.date, p0: float, p1: float):
        self.start, self.end, self.p0, self.p1 = start, end, p0, p1
        self.span = max(1, (end - start).days)

    def __call__(self, date: datetime.date) -> float:
        return round(self.p0 + (date - self.start).days / self.span * (self.p1 - self.p0), 1)

    def contains(self, date: datetime.date) -> bool:
        return self.start <= date <= self.end
