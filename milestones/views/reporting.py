"""The monthly reporting: the start page, and the SOR-team's rounds and their obligations.
A party's update (its form, reading and review) is in `reporting_updates`.

Who sees what: a reporter sees and writes the updates of the parties they
report for (their own, and those it coordinates); anything of another party's
is a 404. The steering group reads submitted and accepted updates only. The
SOR-team reads everything and reviews. The party of an update comes from the
URL checked against the user's rights, never from the form.
"""

import datetime
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.cache import cached, read_ahead
from core.forms import add_service_errors
from parties.access import request_access
from parties.models import Party

from .. import selectors
from ..dates import format_plan_date
from ..exports import ROUND_CELL_COLUMNS, list_export, requested_format
from ..forms import (
    ObligationAddForm,
    RoundCreateForm,
)
from ..models import (
    Activity,
    DatePrecision,
    ForecastProposal,
    ProgressUpdate,
    ReportingRound,
    RoundObligation,
)
from ..services import rounds as round_services
from ..services import updates as update_services
from ..workdays import first_working_day, last_working_day
from .plan import CountedPaginator, cached_rows

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
UPDATE_FIELDS = update_services.UPDATE_TEXT_FIELDS


def period_slug(round_: ReportingRound) -> str:
    return f"{round_.period:%Y-%m}"


def edit_url(round_: ReportingRound, party: Party, activity) -> str:
    return reverse("milestones:reporting_edit", args=[period_slug(round_), party.key, activity.key])


def period_or_404(period: str) -> datetime.date:
    """The first day of a round's period in a URL ("2026-10"); 404 for anything else."""
    match = _PERIOD.match(period)
    if not match:
        raise Http404
    try:
        return datetime.date(int(match[1]), int(match[2]), 1)
    except ValueError as error:
        raise Http404 from error


def round_or_404(period: str) -> ReportingRound:
    return get_object_or_404(ReportingRound, period=period_or_404(period))


def update_for_user(request, pk: int) -> ProgressUpdate:
    update = get_object_or_404(
        ProgressUpdate.objects.select_related(
            "round", "party", "activity", "submitted_by", "reviewed_by"
        ).prefetch_related(
            Prefetch(
                "proposals",
                queryset=ForecastProposal.objects.select_related("milestone").order_by(
                    "milestone__sort_order", "milestone__pk"
                ),
            )
        ),
        pk=pk,
    )
    if not request_access(request).may_read_update(update):
        raise Http404
    return update


# ---------------------------------------------------------------------------
# The reporting start page
# ---------------------------------------------------------------------------
def home(request):
    """Reporters: their parties' obligations in the latest rounds. SOR-team: the
    rounds. Steering group: submitted and accepted updates."""
    access = request_access(request)
    today = timezone.localdate()
    context = {"today": today}
    if access.reports_for_party_ids:
        context["my_rounds"] = selectors.party_round_cells(
            access.reports_for_party_ids, today=today
        )
        _home_rows_cached(request, context["my_rounds"])
    if access.can_review:
        context["rounds"] = selectors.rounds_overview()
    if access.may_read_submitted_updates:
        context["read_updates"] = (
            ProgressUpdate.objects.filter(status__in=update_services.DONE_STATUSES)
            .select_related("round", "party", "activity")
            .order_by("-round__period", "party__name", "activity__title")[:60]
        )
    return render(request, "milestones/reporting/home.html", context)


def _home_rows_cached(request, my_rounds) -> None:
    """`cell.row_html` on each of the reporter's obligations, each row cached under what
    it shows (its party, activity, state and update, its round's period): a reporter's
    home after a draft saved renders only the rows that changed (a first draft's)."""
    cells = []
    for round_, round_cells in my_rounds:
        for cell in round_cells:
            cell.period = f"{round_.period:%Y-%m}"
            cells.append(cell)
    cached_rows(
        request,
        cells,
        template="milestones/reporting/_home_row.html",
        name="cell",
        context={},
        ident=lambda cell: cell.obligation.pk,
        shows=lambda cell: (
            1,
            cell.period,
            cell.party.key,
            cell.party.name,
            cell.activity.key,
            cell.activity.title,
            cell.state,
            (cell.update.pk, cell.update.status) if cell.update else None,
        ),
    )


# ---------------------------------------------------------------------------
# Rounds (SOR-team)
# ---------------------------------------------------------------------------
def round_list(request):
    """All rounds, newest first, with their counts."""
    request_access(request).require_reviewer()
    return render(
        request,
        "milestones/reporting/rounds.html",
        {"rounds": selectors.rounds_overview(limit=120)},
    )


@require_http_methods(["GET", "POST"])
def round_create(request):
    """Create a month's round by hand; its obligations are fixed at creation."""
    request_access(request).require_reviewer()
    if request.method == "POST":
        form = RoundCreateForm(request.POST)
        if form.is_valid():
            try:
                round_ = round_services.reporting_round_create(
                    period=form.cleaned_data["period"],
                    opens_on=form.cleaned_data["opens_on"],
                    due_on=form.cleaned_data["due_on"],
                    user=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Runden for %(month)s er oprettet med %(n)s rapporteringspligter.")
                    % {
                        "month": format_plan_date(round_.period, DatePrecision.MONTH),
                        "n": round_.obligations.count(),
                    },
                )
                return redirect("milestones:reporting_round", period_slug(round_))
    else:
        today = timezone.localdate()
        period = today.replace(day=1)
        if ReportingRound.objects.filter(period=period).exists():
            period = (period + datetime.timedelta(days=32)).replace(day=1)
        form = RoundCreateForm(initial={"period": period})
    period = form["period"].value()
    return render(
        request,
        "milestones/reporting/round_form.html",
        {"form": form, "defaults": _defaults_hint(period)},
    )


def _defaults_hint(period) -> tuple | None:
    if isinstance(period, datetime.date):
        return first_working_day(period), last_working_day(period)
    return None


def round_detail(request, period):
    """The SOR-team's matrix of a round: parties x activities, each cell's state and counts."""
    request_access(request).require_reviewer()
    round_ = round_or_404(period)
    if requested_format(request):
        party = Party.objects.filter(key=request.GET.get("part")).first()
        obligations = selectors.round_obligations(round_, party_id=party.pk if party else None)
        matrix = selectors.round_matrix(round_, today=timezone.localdate(), obligations=obligations)
        return list_export(
            request,
            name=f"rapporteringsrunde-{period_slug(round_)}",
            title=_("Rapporteringsrunde %(month)s")
            % {"month": format_plan_date(round_.period, DatePrecision.MONTH)},
            columns=ROUND_CELL_COLUMNS,
            rows=[cell for row in matrix.rows for cell in row.cells],
            filters=[_("Part: %(name)s") % {"name": party.name}] if party else [],
        )
    # Its counts and parties' table read from the cache in one round trip (the keys its
    # last visit asked, `core.cache.read_ahead`).
    with read_ahead("milestones-round", request.get_full_path()):
        context = round_detail_context(request, round_)
    return render(request, "milestones/reporting/round_detail.html", context)


def round_detail_context(request, round_: ReportingRound, add_form=None) -> dict:
    """A round's page: every cell of a small round; for a large one (over ROUND_ALL
    obligations) each party's counts (aggregated in SQL, cached per data version) a
    page at a time (`?side=`), or one party's cells (`?part=<key>`), so that the page
    costs the same whatever the size of the round."""
    today = timezone.localdate()
    context = {"round": round_, "period_slug": period_slug(round_), "party": None}
    stamp = selectors.plan_data_version()

    def rows() -> list:
        return selectors.round_party_counts(round_, today=today, stamp=stamp)

    # The round's size and its counts by state, from its parties' counts, kept apart under
    # the same stamp: a visit neither counts the obligations nor unpickles every party's.
    size, counts = cached(
        "milestones",
        ("round-summary", 1, selectors.round_counts_stamp(stamp), round_.pk, today.isoformat()),
        lambda: _round_summary(rows()),
        seconds=selectors.SUMMARY_CACHE_SECONDS,
    )
    if size <= selectors.ROUND_ALL:
        context["matrix"] = selectors.round_matrix(round_, today=today)
        context["add_form"] = add_form or ObligationAddForm()
        return context
    asked = request.GET.get("part")
    row = next((r for r in rows() if r.party.key == asked), None) if asked else None
    if row is None:
        context["matrix"] = selectors.RoundMatrix(round=round_, rows=[], counts=counts)
        # The parties' table as HTML, under the counts' stamp, the day, the page asked
        # for and the language (`cached`): the same for every reviewer.
        context["party_table"] = cached(
            "milestones",
            (
                "round-parties-html",
                1,
                selectors.round_counts_stamp(stamp),
                round_.pk,
                today.isoformat(),
                request.get_full_path(),
            ),
            lambda: render_to_string(
                "milestones/reporting/_round_parties.html",
                {
                    "matrix": context["matrix"],
                    "party_page": Paginator(rows(), selectors.ROUND_PARTY_PAGE_SIZE).get_page(
                        request.GET.get("side")
                    ),
                },
                request,
            ),
            seconds=selectors.SUMMARY_CACHE_SECONDS,
        )
        return context
    party = context["party"] = row.party
    page = CountedPaginator(
        selectors.round_obligations(round_, party_id=party.pk),
        selectors.ROUND_CELL_PAGE_SIZE,
        count=row.total,
    ).get_page(request.GET.get("side"))
    matrix = selectors.round_matrix(round_, today=today, obligations=page.object_list)
    context.update(
        page=page,
        matrix=selectors.RoundMatrix(round=round_, rows=matrix.rows, counts=row.counts),
    )
    # Hundreds of activities are no list to choose from: the party's own and those it
    # takes part in.
    form = add_form or ObligationAddForm(initial={"party": party.pk})
    form.fields["party"].queryset = Party.objects.filter(pk=party.pk)
    form.fields["activity"].queryset = (
        Activity.objects.filter(Q(responsible_party=party.pk) | Q(involved_parties=party.pk))
        .distinct()
        .order_by("title")
    )
    context["add_form"] = form
    return context


def _round_summary(rows) -> tuple[int, dict[str, int]]:
    """A round's obligations and its cells by state (`CellState.ORDER`), from its parties'
    counts (`selectors.round_party_counts`)."""
    counts = dict.fromkeys(selectors.CellState.ORDER, 0)
    for row in rows:
        for state, n in row.counts.items():
            counts[state] += n
    return sum(row.obligations for row in rows), counts


def _round_url(round_: ReportingRound, party_key: str | None) -> str:
    url = reverse("milestones:reporting_round", args=[period_slug(round_)])
    return f"{url}?{urlencode({'part': party_key})}" if party_key else url


@require_POST
def obligation_add(request, period):
    request_access(request).require_reviewer()
    round_ = round_or_404(period)
    form = ObligationAddForm(request.POST)
    if form.is_valid():
        try:
            obligation = round_services.obligation_add(
                round_=round_,
                party=form.cleaned_data["party"],
                activity=form.cleaned_data["activity"],
                user=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(party)s skal nu rapportere om %(activity)s.")
                % {"party": obligation.party.name, "activity": obligation.activity.title},
            )
        return redirect(_round_url(round_, request.GET.get("part")))
    return render(
        request,
        "milestones/reporting/round_detail.html",
        round_detail_context(request, round_, add_form=form),
        status=400,
    )


@require_http_methods(["GET", "POST"])
def obligation_remove(request, pk):
    """Remove a party's obligation from a round. GET asks first (a page, so the
    question works without JavaScript); POST removes."""
    request_access(request).require_reviewer()
    obligation = get_object_or_404(
        RoundObligation.objects.select_related("round", "party", "activity"), pk=pk
    )
    if request.method == "GET":
        return render(
            request,
            "milestones/reporting/obligation_remove.html",
            {
                "obligation": obligation,
                "round": obligation.round,
                "has_update": ProgressUpdate.objects.filter(
                    round=obligation.round, party=obligation.party, activity=obligation.activity
                ).exists(),
                "cancel_url": _round_url(obligation.round, request.GET.get("part")),
            },
        )
    try:
        round_services.obligation_remove(obligation=obligation, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(party)s skal ikke længere rapportere om %(activity)s i denne runde.")
            % {"party": obligation.party.name, "activity": obligation.activity.title},
        )
    return redirect(_round_url(obligation.round, request.GET.get("part")))
