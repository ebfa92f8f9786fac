"""Writes for the monthly status report: generate the draft, edit its texts, render it,
and publish it (freeze figures and PDF). Delivery by e-mail is in `delivery`.

The figures come from `reports.report_data` (built on the dashboard's
selectors); the document is rendered by `core.pdf`.
"""

import base64
import datetime
import hashlib
import json
import re
import xml.etree.ElementTree as ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from core.dates import COPENHAGEN
from core.history import record_save
from core.versioning import locked
from milestones.demo import DEMO_NOTICE, demo_data_loaded
from milestones.rag import add_months
from milestones.workdays import first_working_day

from .. import report_data, report_xlsx
from ..charts.scale import INK
from ..models import StatusReport
from .delivery import (
    status_report_deliveries_create,
    status_report_failed_notify,
    status_report_ready_notify,
)

# Above this many milestones, the appendix keeps red and yellow ones and the
# full list goes along as a spreadsheet embedded in the PDF.
APPENDIX_FULL_LIST_MAX = 300
XLSX_NAME = "milepaele-{period}.xlsx"


# ---------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------
def report_period_parse(text: str) -> datetime.date:
    """'2026-10' -> 1 October 2026; a clear Danish message for anything else."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return datetime.date(year, month, 1)
    except (ValueError, TypeError) as error:
        raise ValidationError(
            _("Perioden skal skrives som år-måned, fx 2026-10."), code="period"
        ) from error


def report_as_of(period: datetime.date) -> datetime.datetime:
    """The first moment of the following month in Copenhagen: the report's 'now'."""
    return datetime.datetime.combine(add_months(period, 1), datetime.time.min, tzinfo=COPENHAGEN)


def previous_month(day: datetime.date) -> datetime.date:
    return add_months(day.replace(day=1), -1)


def monthly_report_period(today: datetime.date) -> datetime.date | None:
    """The month to report on when `today` is the first working day of a month, else None.

    Crontab cannot say "first working day"; the daily task asks this.
    """
    if today != first_working_day(today):
        return None
    return previous_month(today)


def _previous_report(period: datetime.date) -> StatusReport | None:
    """The last report the steering group received before this period."""
    return StatusReport.objects.published().filter(period__lt=period).order_by("-period").first()


# ---------------------------------------------------------------------------
# Draft
# ---------------------------------------------------------------------------
def status_report_generate(
    *, period: datetime.date, user, notify: bool = False
) -> tuple[StatusReport, bool]:
    """Create the draft report for a month; return the existing one if there is one.

    Returns (report, created). Safe to call twice at once: the database allows
    one report per period. With `notify`, a new draft is announced to the
    SOR-team's editors by e-mail.
    """
    period = period.replace(day=1)
    if period >= timezone.localdate().replace(day=1):
        raise ValidationError(
            _("Der kan kun laves rapport for en afsluttet måned."), code="period_open"
        )
    existing = StatusReport.objects.filter(period=period).first()
    if existing is not None:
        return existing, False
    report = StatusReport(
        period=period, as_of=report_as_of(period), previous=_previous_report(period)
    )
    try:
        with transaction.atomic():
            record_save(report, user=user, reason=_("Kladde oprettet"))
            if notify:
                status_report_ready_notify(report=report)
    except (IntegrityError, ValidationError):
        # Created by someone else a moment ago.
        found = StatusReport.objects.filter(period=period).first()
        if found is None:
            raise
        return found, False
    return report, True


@transaction.atomic
def status_report_texts_update(
    *, report: StatusReport, user, leader_summary: str, decisions_needed: str, version: int
) -> StatusReport:
    """Save the SOR-team's leader summary and the decisions needed (drafts only).

    `EditConflict` when someone else saved the texts after `version`."""
    current = locked(StatusReport, report.pk, version, refuse=_refuse_published)
    current.leader_summary = leader_summary.strip()
    current.decisions_needed = decisions_needed.strip()
    current.version += 1
    record_save(current, user=user, reason=_("Ledelsesresumé og beslutninger redigeret"))
    return current


def _refuse_published(report: StatusReport) -> None:
    if report.is_published:
        raise ValidationError(_("Rapporten er publiceret og kan ikke ændres."), code="published")


# ---------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------
def status_report_data(report: StatusReport) -> dict:
    """The report's figures: frozen for a published report, computed for a draft.

    A draft's figures go through the same JSON round trip as a snapshot, so the
    preview, the draft PDF and the published PDF render the same kind of data. The
    full list of milestones (20,000 rows at scale) is left out of it: its rows hold
    only strings, numbers, booleans and None (`report_data._milestone_row`), which the
    round trip would only copy.
    """
    if report.is_published:
        return report.snapshot
    data = report_data.build(
        period=report.period,
        as_of=report.as_of,
        # A draft compares with the last published report, also one published after it was made.
        previous=_previous_report(report.period),
        appendix_limit=APPENDIX_FULL_LIST_MAX,
    )
    rows = data.pop("all_milestones")
    data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    data["all_milestones"] = rows
    return data


def document_context(report: StatusReport, data: dict) -> dict:
    """What the document's templates need besides the figures."""
    return {
        "report": report,
        "data": data,
        "programme_name": settings.SORPLAN_PROGRAMME_NAME,
        "demo_data": bool(data.get("demo")) or demo_data_loaded(),
        # Figures may say why they are illustrative (the bench's synthetic programme).
        "demo_notice": data.get("demo_notice") or DEMO_NOTICE,
        "xlsx_name": XLSX_NAME.format(period=report.period_key)
        if data.get("appendix", {}).get("spreadsheet")
        else "",
    }


# Between an SVG's tags (the templates' indentation), and a chart element's tooltip
# (`<title>` without attributes; the chart's own title has an id): neither is drawn
# on paper, and each is a node WeasyPrint parses and styles.
_SVG_GAPS = re.compile(r">\s+<")
_SVG_TOOLTIPS = re.compile(r"<title>[^<]*</title>")
# A run of polygons or lines drawn alike (the Gantt's diamonds, a chart's grid lines):
# on paper one path each, since WeasyPrint's cost is per SVG element (its state,
# colours and stroke), not per point.
_SVG_SHAPE = re.compile(
    r'<(?P<tag>polygon) points="(?P<points>[^"]*)"(?P<attrs>[^>]*?)\s*(?:/>|></polygon>)'
    r'|<(?P<line>line) x1="(?P<x1>[^"]*)" y1="(?P<y1>[^"]*)" x2="(?P<x2>[^"]*)" y2="(?P<y2>[^"]*)"'
    r"(?P<line_attrs>[^>]*?)\s*(?:/>|></line>)"
)
_SVG_SHAPE_RUN = re.compile(rf"(?:{_SVG_SHAPE.pattern}){{2,}}")


def _shape_path(match: re.Match) -> tuple[str, str]:
    """(the path data, the drawing attributes) of one polygon or line."""
    if match["tag"]:
        points = match["points"].replace(",", " ").split()
        pairs = [f"{x} {y}" for x, y in zip(points[::2], points[1::2], strict=False)]
        return "M" + " L".join(pairs) + "Z", match["attrs"]
    return f"M{match['x1']} {match['y1']} L{match['x2']} {match['y2']}", match["line_attrs"]


def _merged_run(run: re.Match) -> str:
    """Consecutive shapes with the same attributes as one `<path>` (in the same order)."""
    out, data, attrs = [], [], None
    for match in _SVG_SHAPE.finditer(run[0]):
        path, shape_attrs = _shape_path(match)
        if shape_attrs != attrs and data:
            out.append(f'<path d="{" ".join(data)}"{attrs}/>')
            data = []
        attrs = shape_attrs
        data.append(path)
    out.append(f'<path d="{" ".join(data)}"{attrs}/>')
    return "".join(out)


def _paper_svg(svg: str) -> str:
    svg = _SVG_TOOLTIPS.sub("", _SVG_GAPS.sub("><", svg))
    return _SVG_SHAPE_RUN.sub(_merged_run, svg)


# The charts' labels on paper: WeasyPrint lays out and draws an SVG `<text>` one letter
# at a time (a Pango layout per letter: the 10 timeline pages' 410 labels were a fifth of
# the render's calls), an HTML line of text in one. So each label leaves the SVG for a
# line of text placed over it, at the same place, size, weight and colour, in a box the
# size the chart is drawn at (`_paper_labels`). A label turned (the trend's and the heat
# map's axis titles) stays in the SVG.
# The timeline: the wide page's content (A4 landscape less report.css's 14 mm margins),
# at most 140 mm high (`.chart--gantt svg`), centred as the SVG would be.
GANTT_PAPER_WIDTH_MM = 297 - 2 * 14
GANTT_PAPER_HEIGHT_MM = 140
# The trend (MTA) on its wide page and the burn-down on a portrait page (A4 less 16 mm
# margins), both at most 135 mm high (`.chart svg`); the heat map 60 mm wide
# (`.gov-heatmap svg`).
MTA_PAPER_WIDTH_MM = GANTT_PAPER_WIDTH_MM
BURNDOWN_PAPER_WIDTH_MM = 210 - 2 * 16
CHART_PAPER_HEIGHT_MM = 135
HEATMAP_PAPER_WIDTH_MM = 60
# A label shorter than this stays SVG text: a styled, placed line of HTML costs about
# as much as laying out five letters one at a time (the heat map's counts, the axes'
# ticks, the timeline's years and quarters). Measured on the large report's render
# (Python calls): every label moved 12.13 M, from 4 letters 11.90 M, from 6 11.82 M,
# from 10 or 16 the same.
PAPER_LABEL_MIN_LETTERS = 6
_SVG_SIZE = re.compile(r'<svg [^>]*?width="(?P<w>[\d.]+)" height="(?P<h>[\d.]+)"')
_SVG_ROOT_FONT = re.compile(r'<svg [^>]*?font-size="(?P<size>[\d.]+)"')
_SVG_ROOT_FAMILY = re.compile(r'<svg [^>]*?font-family="(?P<family>[^"]*)"')
_SVG_TEXT = re.compile(r"<text (?P<attrs>[^>]*)>(?P<text>.*?)</text>", re.S)
_SVG_ATTR = re.compile(r'(?P<name>[a-z-]+)="(?P<value>[^"]*)"')
_SVG_TRANSLATE = re.compile(r"^\s*translate\(\s*(?P<x>[-\d.]+)(?:[\s,]+(?P<y>[-\d.]+))?\s*\)\s*$")
_TAGS = re.compile(r"<[^>]+>")
# Where IBM Plex Sans puts the baseline in a line box of `line-height: 1` (its ascent
# 1,025 and descent 275 per 1,000: half the leading above, then the ascent).
_BASELINE_EM = (1 + 1.025 - 0.275) / 2


def _label_span(attrs: dict, text: str, *, width: float, mm: float, offset, root_size, fill):
    """A label's line of HTML text (absolutely placed in the chart's box), or None for a
    label HTML text would not draw the same: turned, or moved other than by a translate."""
    transform = attrs.get("transform")
    shift_x = shift_y = 0.0
    if transform:
        moved = _SVG_TRANSLATE.match(transform)
        if moved is None:
            return None
        shift_x, shift_y = float(moved["x"]), float(moved["y"] or 0)
    if "rotate" in attrs:
        return None
    font = float(attrs.get("font-size", root_size))
    x = float(attrs.get("x", 0)) + float(attrs.get("dx", 0)) + shift_x
    baseline = float(attrs.get("y", 0)) + float(attrs.get("dy", 0)) + shift_y
    anchor = attrs.get("text-anchor", "start")
    # A box starting, centred or ending at x, the chart's width on each side it grows
    # to: a label that runs past the chart's edge (the burn-down's "planlagt slukning"
    # near its left axis) is still anchored there (a line too long for its box would
    # overflow to the right whatever its alignment).
    if anchor == "middle":
        left, box = x - width, 2 * width
    elif anchor == "end":
        left, box = x - width, width
    else:
        left, box = x, width
    align = {"middle": "center", "end": "right"}.get(anchor, "left")
    style = (
        f"left:{offset[0] + left * mm:.2f}mm;width:{box * mm:.2f}mm;"
        f"top:{offset[1] + (baseline - _BASELINE_EM * font) * mm:.2f}mm;"
        f"font-size:{font * mm:.3f}mm;text-align:{align};"
        f"font-weight:{attrs.get('font-weight', '400')};color:{attrs.get('fill', fill)}"
    )
    return f'<span style="{style}">{text}</span>'


def _paper_labels(
    svg: str,
    width_mm: float,
    max_height_mm: float | None = None,
    *,
    inline: bool = False,
    fill: str = "#000000",
) -> str:
    """A chart for paper: the SVG without its (unturned) texts in a box, and each label
    as a line of HTML text over it.

    The SVG is drawn `width_mm` wide, its height in proportion, at most `max_height_mm`
    (then narrower, centred). `inline`: the box is the one the SVG had as an inline
    image (`width: 100%` or a fixed width, `height: auto`, capped: the whole width, the
    drawing centred in it), on its line as the SVG was; else a block the size of the
    drawing, centred (the timeline's pages). `fill`: the colour of a label without its
    own (SVG's default black; the timeline's labels sit in groups of the ink colour)."""
    size = _SVG_SIZE.search(svg)
    if size is None:
        return svg
    width, height = float(size["w"]), float(size["h"])
    mm = width_mm / width
    if max_height_mm is not None:
        mm = min(mm, max_height_mm / height)
    drawn_w, drawn_h = width * mm, height * mm
    if inline:
        box_w = width_mm
        box_h = min(width_mm * height / width, max_height_mm or float("inf"))
    else:
        box_w, box_h = drawn_w, drawn_h
    offset = ((box_w - drawn_w) / 2, (box_h - drawn_h) / 2)
    root = _SVG_ROOT_FONT.search(svg)
    root_size = float(root["size"]) if root else 13.0
    # The labels in the SVG's font: its own, else WeasyPrint's default for SVG text.
    family = _SVG_ROOT_FAMILY.search(svg)
    family = family["family"] if family else "sans-serif"
    labels = []

    def moved(match: re.Match) -> str:
        attrs = {a["name"]: a["value"] for a in _SVG_ATTR.finditer(match["attrs"])}
        text = _TAGS.sub("", match["text"]).strip()
        if not text:
            return ""
        if len(text) < PAPER_LABEL_MIN_LETTERS:
            return match[0]
        span = _label_span(
            attrs, text, width=width, mm=mm, offset=offset, root_size=root_size, fill=fill
        )
        if span is None:
            return match[0]
        labels.append(span)
        return ""

    drawn = _svg_image(_SVG_TEXT.sub(moved, svg))
    kind = "paper-chart paper-chart--inline" if inline else "paper-chart"
    return (
        f'<div class="{kind}" style="width:{box_w:.2f}mm;height:{box_h:.2f}mm;'
        f'font-family:{family}">'
        f"{drawn}{''.join(labels)}</div>"
    )


def _svg_image(svg: str) -> str:
    """A chart's drawing as an image of its SVG (a `data:` URL), not inline SVG.

    WeasyPrint draws both alike (the same SVG renderer, the document's fonts), but an
    inline SVG's every element is also parsed by the HTML parser (pure Python) and
    styled by the document's cascade, which an SVG ignores: the 13 charts' 2,600
    elements were a tenth of the large report's render. An SVG that is not well-formed
    XML (an HTML entity in a label) stays inline, as it would not draw as an image."""
    try:
        ElementTree.fromstring(svg)
    except ElementTree.ParseError:
        return svg
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img class="paper-svg" alt="" src="data:image/svg+xml;base64,{data}">'


def _paper_gantt(svg: str) -> str:
    """One timeline page for paper (`_paper_labels`)."""
    return _paper_labels(svg, GANTT_PAPER_WIDTH_MM, GANTT_PAPER_HEIGHT_MM, fill=INK)


def _paper_charts(data: dict) -> dict:
    """The figures with the charts' SVG as drawn on paper (the preview keeps its tooltips
    and SVG text)."""
    paper = dict(data)
    charts = data.get("charts")
    if charts:
        mta = charts.get("mta", "")
        paper["charts"] = {
            **charts,
            "gantt_pages": [_paper_gantt(_paper_svg(svg)) for svg in charts.get("gantt_pages", [])],
            "mta": _paper_labels(
                _paper_svg(mta), MTA_PAPER_WIDTH_MM, CHART_PAPER_HEIGHT_MM, inline=True
            )
            if mta
            else mta,
        }
    burndown = (data.get("switch_off") or {}).get("burndown")
    if burndown and burndown.get("svg"):
        svg = _paper_labels(
            _paper_svg(burndown["svg"]),
            BURNDOWN_PAPER_WIDTH_MM,
            CHART_PAPER_HEIGHT_MM,
            inline=True,
        )
        paper["switch_off"] = {**data["switch_off"], "burndown": {**burndown, "svg": svg}}
    governance = data.get("governance")
    if governance and governance.get("heat_svg"):
        heat = _paper_labels(
            _paper_svg(governance["heat_svg"].strip()), HEATMAP_PAPER_WIDTH_MM, inline=True
        )
        paper["governance"] = {**governance, "heat_svg": heat}
    return paper


# The templates' indentation between table parts and between blocks (a row per party,
# an entry per change): text nodes the HTML parser reads and WeasyPrint makes boxes of,
# then drops, as whitespace there lays nothing out (CSS 2.1 §17.2.1, §9.2.1.1). Not
# inside a cell or a line of text, where a space can be part of what is drawn or
# measured (the automatic tables' widths).
_TABLE_PART = r"(?:t[rdh]|tbody|thead|tfoot|colgroup|col|caption)"
_BLOCK = r"(?:div|p|section|h[1-6]|table)"
_LAYOUT_GAPS = re.compile(
    rf"(</{_TABLE_PART}>|<(?:tr|tbody|thead|tfoot|colgroup)(?:\s[^>]*)?>)\s+(?=</?{_TABLE_PART}[\s>])"
    rf"|(</{_BLOCK}>|<(?:div|section)(?:\s[^>]*)?>)\s+(?=</?{_BLOCK}[\s>])"
)


def _without_layout_gaps(html: str) -> str:
    return _LAYOUT_GAPS.sub(lambda match: match[1] or match[2], html)


def status_report_html(report: StatusReport, data: dict) -> str:
    """The document as HTML for WeasyPrint (the preview page includes the same body)."""
    with translation.override("da"):
        html = render_to_string(
            "reports/pdf/report.html", document_context(report, _paper_charts(data))
        )
    return _without_layout_gaps(html)


def _attachments(report: StatusReport, data: dict) -> tuple:
    from core import pdf as pdf_render

    if not data.get("appendix", {}).get("spreadsheet"):
        return ()
    return (
        pdf_render.PdfAttachment(
            name=XLSX_NAME.format(period=report.period_key),
            content=report_xlsx.milestones_xlsx(data),
            description=_("Alle milepæle"),
        ),
    )


def status_report_render(
    report: StatusReport, data: dict | None = None, *, stats: dict | None = None, child=None
) -> bytes:
    """Render the report's PDF (for a draft, or once when publishing).

    Without `data`, the figures are built while the render child starts (`child`, a
    `core.pdf.RenderChild` started before the figures: its start and WeasyPrint's
    import, about a second, then run beside them)."""
    from core import pdf as pdf_render

    if data is None:
        with pdf_render.render_child() as started:
            data = status_report_data(report)
            return status_report_render(report, data, stats=stats, child=started)
    return pdf_render.render_app_pdf(
        status_report_html(report, data),
        # The 20,000-row workbook is written while the child lays the document out.
        attachments=lambda: _attachments(report, data),
        created=report.as_of,
        stats=stats,
        child=child,
    )


def status_report_xlsx(report: StatusReport) -> bytes:
    """The spreadsheet appendix as its own file: the workbook the PDF embeds (from the
    frozen figures once published, so the same bytes as inside the PDF)."""
    return report_xlsx.milestones_xlsx(status_report_data(report))


def status_report_pdf(report: StatusReport) -> bytes:
    """The PDF: the stored file of a published report (byte for byte), else a fresh render."""
    if report.is_published:
        with report.pdf.open("rb") as handle:
            return handle.read()
    return status_report_render(report)


# ---------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------
@transaction.atomic
def status_report_publish(*, report_id: int, user) -> tuple[StatusReport, bool]:
    """Freeze a draft: store its figures and its PDF, then send it to the steering group.

    Returns (report, published_now). Publishing an already published report
    does nothing, so a repeated task or a double click is harmless.
    """
    from core import pdf as pdf_render

    report = StatusReport.objects.select_for_update().get(pk=report_id)
    if report.is_published:
        return report, False
    report.previous = _previous_report(report.period)
    # The render child starts while the figures are built.
    with pdf_render.render_child() as child:
        data = status_report_data(report)
        # The document says it is published, and when: set before it is rendered.
        report.status = StatusReport.Status.PUBLISHED
        report.published_at = timezone.now()
        report.published_by = user
        content = status_report_render(report, data, child=child)
    report.snapshot = data
    report.pdf.save(report.filename, ContentFile(content), save=False)
    report.pdf_sha256 = hashlib.sha256(content).hexdigest()
    report.publish_error = ""
    report.version += 1
    record_save(report, user=user, reason=_("Publiceret"))
    # The deliveries are outbox rows of this same transaction: published means queued.
    status_report_deliveries_create(report=report)
    return report, True


@transaction.atomic
def status_report_publish_failed(*, report_id: int, user, error: str) -> StatusReport:
    """Record on a draft that publishing failed (the PDF render was killed or timed out,
    also on its retry), and tell the SOR-team's editors by e-mail."""
    report = StatusReport.objects.select_for_update().get(pk=report_id)
    if report.is_published:
        return report
    report.publish_error = error[:2000]
    record_save(report, user=user, reason=_("Publicering mislykkedes"))
    status_report_failed_notify(report=report, error=report.publish_error)
    return report


def status_report_publish_request(*, report: StatusReport, user) -> StatusReport:
    """Ask for a draft to be published (the render can take a while, so a worker does it).

    Enqueues the publishing task and returns the report as it now stands: published
    already when tasks run in-process, still a draft while a worker is on it. If the
    task cannot be queued (broker down), a ValidationError says to try again.
    """
    from .. import tasks

    try:
        tasks.status_report_publish.delay(report.pk, user.pk)
    except (OperationalError, OSError) as error:
        raise ValidationError(
            _("Publiceringen kunne ikke sættes i gang lige nu. Prøv igen om lidt."),
            code="queue",
        ) from error
    report.refresh_from_db()
    return report
