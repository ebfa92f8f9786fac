"""Named holes: a mark that stands in HTML kept for many requests (cached, memoised,
stored) where each request's own value goes, filled after the HTML is read.

A hole's mark is letters and digits only, so neither HTML nor URL escaping changes it
and no escaped data can hold it by accident: render the shared HTML with `hole.mark` in
the place of the request's value, keep it, then `hole.fill(html, value)` per request.
The one home of this: the base layout's CSRF token (`core.templatetags.layout`), the
dashboard's minute asked for in its sections' query strings and the moment its
governance section names (`reports.views.dashboard`).
"""

import dataclasses
import re

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


@dataclasses.dataclass(frozen=True)
class Hole:
    """A hole named `name`, `mark` standing for its value in the kept HTML."""

    name: str
    mark: str

    def __post_init__(self):
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{7,}", self.mark):
            raise ValueError(f"A hole's mark is letters and digits, at least 8: {self.mark!r}")

    def __str__(self) -> str:
        return self.mark

    def is_in(self, html: str) -> bool:
        return self.mark in html

    def fill(self, html: str, value) -> SafeString:
        """`html` (trusted: rendered, escaped) with every mark replaced by `value`,
        escaped unless it is safe already."""
        if self.mark not in html:
            return mark_safe(html)
        return mark_safe(html.replace(self.mark, conditional_escape(value)))
