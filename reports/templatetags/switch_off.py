"""The dashboard's section "Kan SHAK slukkes?": the gate's one-line answer and the
register's counts, from `reports.switch_off` (the same figures as its page)."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language

from core.cache import cached
from parties.models import Party

from ..selectors import snapshot
from ..selectors import switch_off as gate
from ..selectors.status import CACHE_SECONDS

register = template.Library()


@register.inclusion_tag("reports/_switch_off_summary.html")
def switch_off_summary(board):
    """For the dashboard's point in time and filters (`board` is the Dashboard)."""
    party = Party.objects.filter(pk=board.party.id).first() if board.party else None
    # Cached under the steering group's stamp as its page is: the dashboard's figures
    # are cached without the register, so after a register edit only this is built.
    result = cached(
        "switch-off",
        (
            "summary",
            snapshot.data_version(board.point.at),
            board.point.today,
            get_language(),
            board.point.at,
            party.pk if party else None,
            board.track or None,
        ),
        lambda: gate.switch_off(
            at=board.point.at, party=party, track=board.track or None, with_burndown=False
        ),
        seconds=CACHE_SECONDS,
    )
    params = {}
    if board.point.at:
        params["som_den_var"] = board.point.at.strftime("%Y-%m-%dT%H:%M")
    if party:
        params["part"] = party.key
    if board.track:
        params["spor"] = board.track
    url = reverse("reports:switch_off") + ("?" + urlencode(params) if params else "")
    return {"gate": result, "readiness": result.readiness, "url": url}
