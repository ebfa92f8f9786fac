"""`{% include_memo "template" key ... %}`: a layout partial rendered once per process for
each key, for the parts of the base layout that every page repeats (the main menu).

The partial must depend on nothing but its keys (and the language, always part of the
key): its HTML is kept for the life of the process, so it may not show data or anything
else that changes between requests with the same keys. The one exception is the
request's CSRF token (`{% csrf_token %}`, the session-timeout warning's forms): the
partial is rendered with a hole in its place (`core.holes`), and each request's token is
put in at its mark. It asks no cache server and no database: a hit is a dictionary look-up.
"""

from django import template
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import mark_safe

from core.holes import Hole

register = template.Library()

# At most this many renderings are kept (rights × pages × languages stay far below it);
# past it the oldest are dropped.
MEMO_MAX = 2000
_memo: dict[tuple, str] = {}
# Where a memoised partial's CSRF token goes (no data is in such a partial to hold it).
CSRF_HOLE = Hole("csrf token", "sorplanCsrfTokenMark")


@register.simple_tag(takes_context=True)
def include_memo(context, template_name: str, *keys) -> str:
    key = (template_name, translation.get_language(), *keys)
    html = _memo.get(key)
    if html is None:
        flat = context.flatten()
        if "csrf_token" in flat:
            flat["csrf_token"] = CSRF_HOLE.mark
        # The values given stand above the context processors' (the request's token).
        html = get_template(template_name).render(flat, context.get("request"))
        if len(_memo) >= MEMO_MAX:
            _memo.pop(next(iter(_memo)))
        _memo[key] = html
    if CSRF_HOLE.is_in(html):
        token = str(context.get("csrf_token") or "")
        if not token or token == "NOTPROVIDED":  # as `{% csrf_token %}`: no field at all
            html = html.replace(
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_HOLE}">', ""
            )
        return CSRF_HOLE.fill(html, token)
    return mark_safe(html)


def memo_clear() -> None:
    """Forget every rendering (tests that change templates or translations)."""
    _memo.clear()
