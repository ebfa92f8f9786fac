"""A certification row's state as a badge, and a matrix cell, as template tags.

The matrix draws up to 25 suppliers × 12 message types, each cell one badge per
direction: an `{% include %}` per badge cost more than the rest of the page, so the
markup is built here, once, for every page that shows a state.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def cert_badge(state: str, label, short="") -> str:
    """A row's state as a compact badge with text: colour, border style and a symbol
    differ per state (medcom.css), so it reads without colour. With `short`, the short
    label is shown and the full one is read out to screen readers."""
    if short:
        text = format_html(
            '<span aria-hidden="true">{}</span><span class="sr-only">{}</span>', short, label
        )
    else:
        text = format_html("{}", label)
    return format_html(
        '<span class="sp-cert sp-cert--{}"><span aria-hidden="true" class="sp-cert-mark">'
        "</span>{}</span>",
        state,
        text,
    )


@register.simple_tag
def matrix_cell(cell) -> str:
    """A matrix cell's badges (medcom.selectors.Cell): per direction S (sends) or M
    (receives), the least advanced state and, when several systems, how many."""
    if not cell.badges:
        return format_html('<span class="sp-muted" aria-label="{}">–</span>', _("Ingen rækker"))
    return format_html_join(
        "",
        '<span class="sp-matrix-badge"><abbr title="{}">{}</abbr><span class="sr-only">{}:</span>'
        " {}{}</span>",
        (
            (
                b.direction_label,
                "S" if b.direction == "sends" else "M",
                b.direction_label,
                cert_badge(b.state, b.label, b.short_label),
                format_html('<span class="sp-muted"> ×{}</span>', b.systems)
                if b.systems > 1
                else "",
            )
            for b in cell.badges
        ),
    )
