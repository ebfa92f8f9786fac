"""The page "Kan SHAK slukkes?": the switch-off gate with the register's readiness
and burn-down. Read-only for every member; `?som_den_var=`, `?part=` and `?spor=`
as on the dashboard."""

from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.cache import cached, page_html
from core.dates import today
from milestones.models import Activity
from parties.access import request_access
from parties.models import Party

from .. import selectors
from ..charts.burndown import burndown_chart
from ..filters import PointInTimeForm
from ..selectors import snapshot
from ..selectors import switch_off as gate


def _filters(request):
    form = PointInTimeForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    party = None
    if data.get("part"):
        party = Party.objects.filter(key=data["part"]).first()
    return form, data.get("som_den_var"), party, data.get("spor")


def _named_only_if_readable(readiness, access) -> None:
    """The figures are the programme's and every member reads them; the entries named
    in the lists are those the person may open."""
    scope = access.register_scope()
    if scope.everything:
        return

    def readable(row) -> bool:
        return row["owner_id"] in scope.owner_ids or row["supplier_id"] in scope.supplier_ids

    readiness.production_problems = [p for p in readiness.production_problems if readable(p.entry)]
    readiness.oldest_unanswered = [e for e in readiness.oldest_unanswered if readable(e)]


@require_safe
def switch_off(request):
    """Can SHAK be switched off? One line answering it, each condition with its count
    and a link to what is left, the readiness figures and the burn-down."""
    form, at, party, track = _filters(request)
    # Cached under the stamp of what the steering group's pages show, as the dashboard's
    # section is; after an edit its parts are mostly cached on their own (the register's
    # figures under the materialised readiness's stamp: `gate.switch_off`). Under that
    # stamp only the digest of what it says, which keys the page's HTML (a warm page
    # reads no more); the result is computed again (from its cached parts) only when
    # the HTML is to be built and this request did not compute it.
    version = snapshot.data_version()
    key = (today(), get_language(), at, party.pk if party else None, track)

    def compute():
        return gate.switch_off(at=at, party=party, track=track, cache_parts=True)

    computed = {}

    def digest() -> str:
        # Without the plan's stamp: what the page shows of the plan besides the figures is
        # the parties (the filter's options), keyed by their stamp below, so a forecast
        # moved, which changes no figure, renders nothing again.
        computed["result"], shown = gate.with_digest(compute(), plan=False)
        return shown

    shown = cached("switch-off", (version, *key), digest, seconds=selectors.CACHE_SECONDS)
    access = request_access(request)

    def build():
        result = computed.get("result") or compute()
        _named_only_if_readable(result.readiness, access)
        return "reports/_switch_off_main.html", {
            "gate": result,
            "readiness": result.readiness,
            "burndown": result.burndown,
            "chart": burndown_chart(result.burndown),
            "form": form,
            "point": result,
            "party_choices": Party.objects.exclude(kind=Party.Kind.MUNICIPALITY).order_by("name"),
            "party": party,
            "tracks": Activity.Track.choices,
            "track": track,
        }

    # The page's content (the chart and the tables) as HTML under what it shows: the
    # figures themselves (an edit that changes none of them, a description or a forecast
    # moved, renders nothing again), the parties the filter offers (their stamp), and
    # what the person may open (the entries named are those they may read).
    scope = access.register_scope()
    readable = "all" if scope.everything else (sorted(scope.owner_ids), sorted(scope.supplier_ids))
    content, _context = page_html(
        request,
        namespace="switch-off",
        parts=("html", shown, gate.parties_part(snapshot.plan_version_of(version)), readable),
        build=build,
        seconds=selectors.CACHE_SECONDS,
    )
    return render(
        request, "reports/page.html", {"content": content, "page_title": _("Kan SHAK slukkes?")}
    )
