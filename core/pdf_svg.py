"""A faster way for WeasyPrint to draw the charts' SVG text (installed by `core.pdf`).

WeasyPrint 70 lays out and draws an SVG `<text>` one letter at a time (a Pango layout
per character, so that each letter can have its own x, y, dx, dy and rotation). The
report's charts never use per-letter positions: each label is one run at one point.
`svg_text` lays such a run out once and draws it as one line of text (the same font,
size, weight, fill and anchor; a tenth of the work), and hands anything else (lists of
positions, rotations, `textLength`, `letter-spacing`) to WeasyPrint's own function.
"""

from math import inf

_original = None

# A label's anchor (middle, end) for `svg_text` to apply itself, where the report puts
# it on paper instead of `text-anchor`: WeasyPrint draws each anchored text in a
# group of its own (a PDF object) to shift it by its width afterwards.
ANCHOR = "data-sorplan-anchor"
# Attributes that need WeasyPrint's per-letter placement.
PER_LETTER = ("rotate", "textLength", "letter-spacing")


def _single(node, name: str) -> bool:
    value = node.attrib.get(name)
    return value is None or len(value.replace(",", " ").split()) == 1


def svg_text(svg, node, font_size):
    """Draw an SVG text node as one run (see the module's docstring)."""
    if (
        not node.text
        or any(name in node.attrib for name in PER_LETTER)
        or not all(_single(node, name) for name in ("x", "y", "dx", "dy"))
    ):
        return _original(svg, node, font_size)

    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.text import Style, TextBox
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    # The style as WeasyPrint's own `text` builds it.
    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [
        font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")
    ]
    style["font_style"] = node.get("font-style", "normal")
    weight = node.get("font-weight", 400)
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    if weight == "normal":
        weight = 400
    elif weight == "bold":
        weight = 700
    else:
        try:
            weight = int(weight)
        except ValueError:
            weight = 400
    style["font_weight"] = weight
    style["font_size"] = font_size

    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    if "x" in node.attrib:
        x = size(node.attrib["x"].strip(), font_size, svg.inner_width)
        svg.cursor_d_position[0] = 0
    else:
        x = svg.cursor_position[0]
    if "y" in node.attrib:
        y = size(node.attrib["y"].strip(), font_size, svg.inner_height)
        svg.cursor_d_position[1] = 0
    else:
        y = svg.cursor_position[1]
    if "dx" in node.attrib:
        svg.cursor_d_position[0] += size(node.attrib["dx"].strip(), font_size, svg.inner_width)
    if "dy" in node.attrib:
        svg.cursor_d_position[1] += size(node.attrib["dy"].strip(), font_size, svg.inner_height)

    # Vertical alignment as in WeasyPrint's `text` (its ascent and descent guesses).
    ascent, descent = font_size * 0.8, font_size * 0.2
    y_align = 0
    display_anchor = node.get("display-anchor")
    alignment_baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        y_align = -height / 2
    elif display_anchor == "bottom":
        y_align = -height
    elif display_anchor == "top":
        pass
    elif alignment_baseline in ("central", "middle"):
        y_align = (ascent + descent) / 2 - descent
    elif alignment_baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        y_align = ascent
    elif alignment_baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        y_align = -descent

    x_position = x + svg.cursor_d_position[0]
    anchor = node.attrib.get(ANCHOR)
    if anchor in ("middle", "end"):
        x_position -= width / 2 if anchor == "middle" else width
    y_position = y + svg.cursor_d_position[1] + y_align
    svg.cursor_position = x + width, y
    node.text_bounding_box = extend_bounding_box(
        node.text_bounding_box,
        (
            (x_position, y_position - baseline),
            (x_position + width, y_position - baseline + height),
        ),
    )

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = TextBox(layout, style)
    text_box.baseline = baseline
    emojis = draw_first_line(
        svg.stream, text_box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position)
    )
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)
    return None


def install() -> None:
    """Make WeasyPrint draw `<text>` and `<tspan>` through `svg_text` (once per process)."""
    global _original
    import weasyprint.svg as svg_package

    if _original is not None:
        return
    _original = svg_package.TAGS["text"]
    svg_package.TAGS["text"] = svg_package.TAGS["tspan"] = svg_text
    # `draw_node` recognises text nodes by comparing with this module-level name.
    svg_package.text = svg_text


def uninstall() -> None:
    """WeasyPrint's own SVG text drawing again (for comparing the two in tests)."""
    global _original
    import weasyprint.svg as svg_package

    if _original is None:
        return
    svg_package.TAGS["text"] = svg_package.TAGS["tspan"] = svg_package.text = _original
    _original = None
