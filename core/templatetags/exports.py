"""`{% export_url "csv" %}`: the page's own URL with its filters and `format=` (no page
number: a file holds every row). Used by the include `_export_links.html`."""

from django import template

from ..exports import FORMAT_PARAMETER, NOT_FILTERS

register = template.Library()


@register.simple_tag(takes_context=True)
def export_url(context, fmt: str) -> str:
    request = context["request"]
    query = request.GET.copy()
    for name in NOT_FILTERS:
        query.pop(name, None)
    query[FORMAT_PARAMETER] = fmt
    return f"{request.path}?{query.urlencode()}"
