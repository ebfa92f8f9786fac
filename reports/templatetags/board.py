"""The dashboard's sections' long tables as HTML built in Python (`reports/_board_*.html`).

A section of a past day is rendered again for nearly every day asked (its figures are
the day's), and Django's template engine costs some 10 µs a variable: the round's table
of 160 parties (six cells each) was most of the round section's time. Each tag gives
the HTML its template gave, escaped and localised alike (tests/reports/
test_board_tags.py compares them)."""

import html

from django import template
from django.conf import settings
from django.utils.formats import localize
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

_ROUND_ROW = (
    '\n    <tr>\n      <th scope="row">{}</th>\n'
    '      <td><span class="sp-state sp-state--{}">{}</span></td>\n'
    '      <td class="sp-num">{}/{}</td>\n'
    '      <td class="sp-num">{}</td>\n'
    '      <td class="sp-num">{}</td>\n'
    '      <td class="sp-num">{}</td>\n'
    "    </tr>\n  "
)


@register.simple_tag
def round_rows(rows):
    """The round table's rows (`reports/_round_table.html`): a party's state, reported
    of its obligations, drafts, sent back and missing. A state's label is read once per
    state (a row's label translates all four labels each time), numbers as the template
    localises them."""
    if not rows:
        return mark_safe("")
    number = localize if settings.USE_THOUSAND_SEPARATOR else str
    labels: dict[str, str] = {}
    found = []
    for r in rows:
        state = r.state
        label = labels.get(state)
        if label is None:
            label = labels[state] = r.state_label
        found.append(
            (
                r.party.name,
                state,
                label,
                number(r.reported),
                number(r.obligations),
                number(r.drafts),
                number(r.returned),
                number(r.obligations - r.reported),  # `missing`
            )
        )
    return format_html_join("", _ROUND_ROW, found)


@register.simple_tag
def party_options(choices, chosen=None):
    """The party filter's options after "Alle parter" (`reports/_filter_fields.html`):
    one a party offered, the chosen one selected. 160 at the large scale, rendered on
    every cold request of the dashboard, timeline and trend (the form is outside their
    cached sections); escaped as `conditional_escape` does, without its per-call checks
    (through `format_html` they were most of the tag's time)."""
    chosen_key = getattr(chosen, "key", None) if chosen else None
    return mark_safe(
        "".join(
            f'<option value="{_escaped(p.key)}"'
            f"{' selected' if chosen and p.key == chosen_key else ''}>{_escaped(p.name)}</option>"
            for p in choices or ()
        )
    )


def _escaped(value) -> str:
    """`conditional_escape(value)`: safe text as it is, any other escaped."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))
