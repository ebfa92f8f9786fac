"""How the report's charts are drawn on paper (`services.status_report._paper_svg`):
runs of alike shapes as one path each, and the labels where they were."""

import base64
import re
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from django.conf import settings

from core.pdf import render_pdf_in_process
from reports.services.status_report import _paper_svg

STATIC = Path(settings.BASE_DIR) / "static"

CHART = """<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200" viewBox="0 0 600 200"
 font-family="IBM Plex Sans" font-size="13">
<text x="10" y="20" font-weight="600">Tidslinje for Syddansk Universitet</text>
<text x="300" y="50" text-anchor="middle" fill="#5c5c5c">Region Hovedstaden</text>
<text x="590" y="80" dy="4" text-anchor="end" font-size="11">nået 12. marts 2026</text>
<text x="10" y="110">Aktivitet <tspan font-weight="700">åbne</tspan> milepæle</text>
<text x="10" y="140" dx="5" font-style="italic">forsinket</text>
<text x="200" y="170" rotate="10">drejet</text>
</svg>"""


_SVG_IMAGE = re.compile(r'<img class="paper-svg" alt="" src="data:image/svg\+xml;base64,([^"]+)">')


def _inline(html: str) -> str:
    """The HTML with each chart's drawing (an image of its SVG on paper) back inline,
    to read what the drawing holds."""
    return _SVG_IMAGE.sub(lambda m: base64.b64decode(m[1]).decode("utf-8"), html)


def _words(content: bytes, tmp_path, name: str) -> list[tuple[str, tuple[float, ...]]]:
    path = tmp_path / name
    path.write_bytes(content)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [
        (word, tuple(float(v) for v in box))
        for *box, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            out,
        )
    ]


def test_chart_labels_land_where_they_were(tmp_path):
    """The chart as the dashboard has it and as the report puts it on paper: the same
    words at the same places."""
    html = "<!DOCTYPE html><html><body>{}</body></html>"
    own_pdf = render_pdf_in_process(html.format(CHART), static_root=STATIC)
    own = _words(own_pdf, tmp_path, "own.pdf")
    ours_pdf = render_pdf_in_process(html.format(_paper_svg(CHART)), static_root=STATIC)
    ours = _words(ours_pdf, tmp_path, "ours.pdf")

    assert [word for word, _box in ours] == [word for word, _box in own]
    assert "Syddansk" in [word for word, _box in ours]
    # The same anchors, weights and offsets.
    for (_word, box), (_own_word, own_box) in zip(ours, own, strict=True):
        assert max(abs(a - b) for a, b in zip(box, own_box, strict=True)) < 1.0


def test_runs_of_alike_shapes_become_one_path_each():
    svg = (
        '<svg><g><rect x="1" y="2" width="3" height="4"/>'
        '<polygon points="10,0 12,2 10,4 8,2" fill="#6b6b6b" stroke="#ffffff"></polygon>'
        '<polygon points="20,0 22,2 20,4 18,2" fill="#6b6b6b" stroke="#ffffff"><title>B</title></polygon>'
        '<polygon points="30,0 32,2 30,4 28,2" fill="#1f4e8c" stroke="#ffffff"></polygon>'
        '<text x="1" y="1">A</text>'
        '<line x1="0" y1="5" x2="40" y2="5" stroke="#e3e3e3" stroke-width="1"/>'
        '<line x1="0" y1="9" x2="40" y2="9" stroke="#e3e3e3" stroke-width="1"/>'
        '<polygon points="1,1 2,2 3,1" fill="#eceff3"/></g></svg>'
    )
    assert _paper_svg(svg) == (
        '<svg><g><rect x="1" y="2" width="3" height="4"/>'
        '<path d="M10 0 L12 2 L10 4 L8 2Z M20 0 L22 2 L20 4 L18 2Z" fill="#6b6b6b" stroke="#ffffff"/>'
        '<path d="M30 0 L32 2 L30 4 L28 2Z" fill="#1f4e8c" stroke="#ffffff"/>'
        '<text x="1" y="1">A</text>'
        '<path d="M0 5 L40 5 M0 9 L40 9" stroke="#e3e3e3" stroke-width="1"/>'
        '<path d="M1 1 L2 2 L3 1Z" fill="#eceff3"/></g></svg>'
    )


def _gantt(height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sp-chart sp-gantt" width="1120" '
        f'height="{height}" viewBox="0 0 1120 {height}" font-family="IBM Plex Sans" font-size="13">'
        '<rect x="0" y="54" width="1120" height="30" fill="#dfe8f3"/>'
        '<text x="10" y="73" font-weight="700" font-size="14" fill="#1a1a1a">Interne parter</text>'
        '<text x="28" y="111" fill="#1a1a1a">Syntetisk aktivitet 0160: tilpasning</text>'
        '<text x="520" y="23" text-anchor="middle" font-weight="600">2026</text>'
        '<text x="700" y="46" text-anchor="middle" fill="#5c5c5c" font-size="11">K3</text>'
        '<text x="1100" y="140" text-anchor="end" font-size="11.5">nået marts</text>'
        f'<g fill="#1a1a1a"><text x="40" y="{height - 16}" dy="3">Baselinedato</text></g>'
        "</svg>"
    )


def test_gantt_labels_on_paper_land_where_the_svg_put_them(tmp_path):
    """A timeline page as the report draws it on its wide page: its labels as lines of
    text over the chart (`_paper_gantt`: WeasyPrint lays out SVG text letter by letter)
    are the same words at the same places, also on a page taller than the chart's 140 mm
    (the chart then narrower and centred)."""
    from reports.services.status_report import _paper_gantt

    css = (Path(settings.BASE_DIR) / "templates/reports/pdf/report.css").read_text()
    page = (
        "<!DOCTYPE html><html><head><style>"
        + css.replace("{", "{{").replace("}", "}}")
        + "</style></head><body>"
        '<section class="wide"><div class="chart chart--gantt">{}</div></section></body></html>'
    )
    for height in (578, 700):
        svg = _gantt(height)
        own = _words(render_pdf_in_process(page.format(svg), static_root=STATIC), tmp_path, "a.pdf")
        paper = _paper_gantt(svg)
        # The drawing is an image of its SVG, not inline SVG (`_svg_image`).
        assert "<svg" not in paper and paper.count('class="paper-svg"') == 1
        # Only the short labels stay SVG text (`PAPER_LABEL_MIN_LETTERS`).
        assert re.findall(r"<text [^>]*>([^<]*)</text>", _inline(paper)) == ["2026", "K3"]
        ours = _words(
            render_pdf_in_process(page.format(paper), static_root=STATIC), tmp_path, "b.pdf"
        )
        assert [w for w, _box in ours] == [w for w, _box in own]
        assert "Baselinedato" in [w for w, _box in ours]
        for (_word, box), (_own_word, own_box) in zip(ours, own, strict=True):
            assert max(abs(a - b) for a, b in zip(box, own_box, strict=True)) < 1.0, _word


def _lines(content: bytes, tmp_path, name: str) -> list[tuple]:
    """The PDF's text as lines: (page, top, the words' letters left to right, left, right).
    By lines, not words: where two labels touch, pdftotext splits SVG text (drawn a
    letter at a time) and HTML text into words differently."""
    path = tmp_path / name
    path.write_bytes(content)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    lines: dict[tuple, list] = {}
    for number, page in enumerate(out.split("<page ")[1:]):
        for *box, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            page,
        ):
            x0, y0, x1, _y1 = (float(v) for v in box)
            lines.setdefault((number, round(y0, 1)), []).append((x0, x1, word))
    return [
        (
            page,
            top,
            "".join(w for _x0, _x1, w in sorted(words)),
            min(x0 for x0, _x1, _w in words),
            max(x1 for _x0, x1, _w in words),
        )
        for (page, top), words in sorted(lines.items())
    ]


def test_the_reports_charts_labels_on_paper_land_where_the_svg_put_them(db, tmp_path):
    """The whole report of the known month with its trend, burn-down and heat map drawn
    with SVG text (as before `_paper_labels`) and as the PDF draws them (labels as HTML
    text over each chart): every word on the same page within 1 pt, and the charts' own
    labels (an axis title, the heat map's axis) among them."""
    import time_machine
    from django.template.loader import render_to_string
    from django.utils import translation

    from core.history import system_user_get
    from reports import services
    from reports.services import status_report
    from tests.reports.helpers import known_month_build

    known = known_month_build()
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        data = services.status_report_data(report)
        paper = status_report._paper_charts(data)
        # As before: the same paper SVG, its texts left in it (the timeline as it is).
        svg_text = dict(paper)
        svg_text["charts"] = {**paper["charts"], "mta": _paper_svg(data["charts"]["mta"])}
        svg_text["switch_off"] = {
            **data["switch_off"],
            "burndown": {
                **data["switch_off"]["burndown"],
                "svg": _paper_svg(data["switch_off"]["burndown"]["svg"]),
            },
        }
        svg_text["governance"] = {
            **data["governance"],
            "heat_svg": _paper_svg(data["governance"]["heat_svg"]),
        }
        with translation.override("da"):
            html = {
                name: render_to_string(
                    "reports/pdf/report.html", status_report.document_context(report, figures)
                )
                for name, figures in (("own", svg_text), ("ours", paper))
            }
    # What stays SVG text: the turned axis titles and the short labels.
    # Every chart's drawing an image of its SVG (`_svg_image`).
    assert "<svg" not in html["ours"]
    assert len(_SVG_IMAGE.findall(html["ours"])) == html["own"].count("<svg") + len(
        _SVG_IMAGE.findall(html["own"])
    )
    kept = re.findall(r"<text ([^>]*)>([^<]*)</text>", _inline(html["ours"]))
    assert all(
        "rotate" in attrs or len(text.strip()) < status_report.PAPER_LABEL_MIN_LETTERS
        for attrs, text in kept
    )
    assert sum("rotate" in attrs for attrs, _text in kept) == 2
    assert _inline(html["own"]).count("<text") > len(kept) + 20
    own = _lines(render_pdf_in_process(html["own"], static_root=STATIC), tmp_path, "a.pdf")
    ours = _lines(render_pdf_in_process(html["ours"], static_root=STATIC), tmp_path, "b.pdf")
    assert sorted(line[2] for line in ours) == sorted(line[2] for line in own)
    text = " ".join(line[2] for line in ours)
    assert all(word in text for word in ("Konsekvens", "Sandsynlighed", "Diagonalen:", "planlagt"))
    for page, top, letters, left, right in ours:
        assert any(
            (p, t) == (page, letters) and max(abs(top - y), abs(left - x0), abs(right - x1)) < 1.0
            for p, y, t, x0, x1 in own
        ), (page, letters)


def test_a_charts_drawing_on_paper_is_an_image_of_its_svg_unless_it_is_not_xml():
    """`_svg_image`: the same SVG, whole, as a `data:` image (WeasyPrint's HTML parser
    and cascade then skip its elements); an SVG that is not well-formed XML (an HTML
    entity) stays inline, as an image of it would not draw."""
    from reports.services.status_report import _svg_image

    image = _svg_image(CHART)
    assert image.startswith('<img class="paper-svg"')
    assert _inline(image) == CHART
    ElementTree.fromstring(_inline(image))
    broken = CHART.replace("Region Hovedstaden", "Region&nbsp;Hovedstaden")
    assert _svg_image(broken) == broken


# The margin boxes' widths in report.css (`@top-left { … width: 118mm; }`).
_MARGIN_WIDTH = re.compile(r"(@(?:top|bottom)-(?:left|center|right) \{[^}]*?)\s*width: [\d.]+mm;")
# What grows with the programme has fixed columns; these stay few rows (the governance
# tables' "small": a few risks and actions, their long words widening a column).
_AUTO_TABLES = {"small counts keep", "phases", "facts", "small", None}


def _known_month_html(*, demo: bool) -> str:
    import time_machine

    from core.history import system_user_get
    from reports import services
    from tests.reports.helpers import known_month_build

    known = known_month_build()
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        data = services.status_report_data(report)
        data["demo"] = demo
        return services.status_report_html(report, data)


def _page_words(content: bytes, tmp_path, name: str) -> list[tuple[float, list[tuple]]]:
    """Per page, its height and every word with its box (in pt, to 0.1)."""
    path = tmp_path / name
    path.write_bytes(content)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = []
    for page in out.split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', page)[1])
        words = [
            (word, *(round(float(v), 1) for v in box))
            for *box, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                page,
            )
        ]
        pages.append((height, words))
    return pages


def _margin_words(content: bytes, tmp_path, name: str) -> list[list[tuple]]:
    """Per page, the running header's and footer's words with their boxes (the words
    within 25 mm of the page's top or bottom edge)."""
    return [
        [w for w in words if w[2] < 71 or w[2] > height - 71]
        for height, words in _page_words(content, tmp_path, name)
    ]


def test_the_margin_boxes_widths_put_every_pages_header_and_footer_where_automatic_ones_did(
    db, tmp_path
):
    """report.css gives every margin box its width (WeasyPrint then does not measure
    their texts on every page): the known month's report, marked as demo data, has the
    running header, the draft note, the demo mark and "Side N af M" on every page, at
    the same places as with the widths left automatic, portrait and landscape pages."""
    html = _known_month_html(demo=True)
    automatic = _MARGIN_WIDTH.sub(r"\1", html)
    assert automatic.count("width: 118mm") == 0 and html.count("width: 118mm") == 1
    ours = _margin_words(render_pdf_in_process(html, static_root=STATIC), tmp_path, "a.pdf")
    own = _margin_words(render_pdf_in_process(automatic, static_root=STATIC), tmp_path, "b.pdf")
    assert len(ours) == len(own) >= 8
    for number, (page, page_own) in enumerate(zip(ours, own, strict=True), start=1):
        text = " ".join(w[0] for w in page)
        assert "Fuld overgang til SOR · Statusrapport" in text, number
        assert "Demodata – illustrativ" in text, number
        assert "KLADDE – ikke publiceret" in text, number
        assert f"Side {number} af {len(ours)}" in text, number
        assert page == page_own, number


def test_the_tables_that_grow_with_the_programme_have_fixed_columns(db):
    """Every table of the report but the few of constant size is laid out with fixed
    columns (the automatic layout measures every cell's text first), the widths its
    header row gives: the known month's report as WeasyPrint lays it out."""
    from core.pdf import _document

    document = _document(_known_month_html(demo=False), STATIC)
    tables = {}
    for page in document.pages:
        for box in page._page_box.descendants():
            if type(box).__name__ == "TableBox":
                tables.setdefault(box.element, box)
    layouts = {(box.element.get("class"), box.style["table_layout"]) for box in tables.values()}
    grown = {cls for cls, layout in layouts if cls not in _AUTO_TABLES}
    assert {"sp-fixed tracks", "sp-fixed parties", "sp-fixed blockers", "milestones"} <= grown
    assert {cls for cls, layout in layouts if layout == "auto"} <= _AUTO_TABLES
    # The widths are the header's: the blockers' date column 17 % of the table, its
    # cells' padding (1.6 mm each side, in CSS px) besides.
    blockers = next(b for b in tables.values() if b.element.get("class") == "sp-fixed blockers")
    padding = 2 * 1.6 * 96 / 25.4
    assert abs(blockers.column_widths[1] - (0.17 * blockers.width + padding)) < 0.5


def test_the_templates_whitespace_between_table_parts_and_blocks_is_left_out(db, tmp_path):
    """`status_report_html` leaves out the indentation between rows, cells and blocks
    (text nodes WeasyPrint parses, makes boxes of and drops): the known month's report
    draws the same words at the same places on every page as the HTML as rendered."""
    import time_machine

    import reports.services.status_report as status_report
    from core.history import system_user_get
    from reports import services
    from tests.reports.helpers import known_month_build

    known = known_month_build()
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        data = services.status_report_data(report)
        data["demo"] = True
        html = services.status_report_html(report, data)
        original = status_report._without_layout_gaps
        status_report._without_layout_gaps = lambda html: html
        try:
            as_rendered = services.status_report_html(report, data)
        finally:
            status_report._without_layout_gaps = original
    assert not re.search(r"</td>\s+<t[dh]|</tr>\s+<tr|</div>\s+<div", html)
    assert re.search(r"</td>\s+<t[dh]", as_rendered)
    assert len(re.findall(r">\s+<", html)) < len(re.findall(r">\s+<", as_rendered)) / 2
    ours = _page_words(render_pdf_in_process(html, static_root=STATIC), tmp_path, "a.pdf")
    own = _page_words(render_pdf_in_process(as_rendered, static_root=STATIC), tmp_path, "b.pdf")
    assert len(ours) == len(own) >= 8
    for number, (page, page_own) in enumerate(zip(ours, own, strict=True), start=1):
        assert page == page_own, number


def _margin_boxes(html: str) -> list[list[str]]:
    """Per page, the margin boxes WeasyPrint lays out (their `@` rule's name)."""
    from core.pdf import _document

    return [
        [box.at_keyword for box in page._page_box.children if type(box).__name__ == "MarginBox"]
        for page in _document(html, STATIC).pages
    ]


def test_a_published_report_lays_out_no_margin_box_for_the_draft_note_or_the_demo_mark(
    db, tmp_path
):
    """The draft note's and the demo mark's margin boxes are there only when the document
    has them (an empty one is laid out and drawn on every page all the same): a published
    report of real data has its running header and page numbers, at the same places as
    the draft's with both marks."""
    import time_machine

    from core.history import system_user_get
    from reports import services
    from tests.reports.helpers import known_month_build

    known = known_month_build()
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        data = services.status_report_data(report)
        draft = services.status_report_html(report, {**data, "demo": True})
        report.status = report.Status.PUBLISHED
        published = services.status_report_html(report, {**data, "demo": False})
    boxes = _margin_boxes(draft)
    assert boxes and all(
        sorted(page)
        == ["@bottom-center", "@bottom-left", "@bottom-right", "@top-left", "@top-right"]
        for page in boxes
    )
    assert '<p class="draft-banner">' not in published
    assert '<p class="demo-banner">' not in published and '<p class="demo-banner">' in draft
    boxes = _margin_boxes(published)
    assert boxes and all(
        sorted(page) == ["@bottom-right", "@top-left", "@top-right"] for page in boxes
    )
    ours = _margin_words(render_pdf_in_process(published, static_root=STATIC), tmp_path, "p.pdf")
    drafts = _margin_words(render_pdf_in_process(draft, static_root=STATIC), tmp_path, "d.pdf")
    assert len(ours) == len(drafts)
    for number, (page, page_draft) in enumerate(zip(ours, drafts, strict=True), start=1):
        text = " ".join(w[0] for w in page)
        assert text.startswith("Fuld overgang til SOR · Statusrapport"), number
        assert f"Side {number} af {len(ours)}" in text, number
        # The header and the page number where the draft's are, portrait and landscape.
        kept = [w for w in page_draft if w[0] not in ("KLADDE", "–", "ikke", "publiceret")]
        kept = [w for w in kept if w[0] not in ("Demodata", "illustrativ")]
        assert page == kept, number


def test_every_word_of_the_report_stays_within_the_pages_text_width(db, tmp_path):
    """No column runs past the table's edge into the page's margin: with fixed columns
    the header's widths and the cells' padding must leave the last column room for its
    heading and numbers (the tracks' "Åbne" once lay beyond the right margin). Every
    word of the known month's report, portrait and landscape pages, lies between the
    page's left and right margins (16 mm portrait, 14 mm landscape; 1 pt of slack)."""
    points = 72 / 25.4
    pages = _page_words(
        render_pdf_in_process(_known_month_html(demo=True), static_root=STATIC),
        tmp_path,
        "report.pdf",
    )
    assert len(pages) >= 8
    outside = []
    for number, (height, words) in enumerate(pages, start=1):
        margin = (16 if height > 800 else 14) * points  # A4 portrait is 842 pt high
        width = (210 if height > 800 else 297) * points
        outside += [
            (number, w[0], w[1], w[3])
            for w in words
            if w[1] < margin - 1 or w[3] > width - margin + 1
        ]
    assert not outside, outside[:10]
