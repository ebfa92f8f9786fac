"""The monthly reporting: parties' progress updates, and the SOR-team's rounds and review.

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
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from parties.access import request_access
from parties.models import Party

from .. import selectors
from ..dates import format_plan_date
from ..forms_reporting import (
    ObligationAddForm,
    ProgressUpdateForm,
    ProposalForm,
    ReviewForm,
    RoundCreateForm,
)
from ..models import (
    Activity,
    DatePrecision,
    ForecastProposal,
    Milestone,
    ProgressUpdate,
    ReportingRound,
    RoundObligation,
)
from ..services import reporting as services
from ..workdays import first_working_day, last_working_day
from .plan import CountedPaginator

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
UPDATE_FIELDS = services.UPDATE_TEXT_FIELDS


def period_slug(round_: ReportingRound) -> str:
    return f"{round_.period:%Y-%m}"


def edit_url(round_: ReportingRound, party: Party, activity) -> str:
    return reverse("milestones:reporting_edit", args=[period_slug(round_), party.key, activity.key])


def _round_or_404(period: str) -> ReportingRound:
    match = _PERIOD.match(period)
    if not match:
        raise Http404
    try:
        date = datetime.date(int(match[1]), int(match[2]), 1)
    except ValueError as error:
        raise Http404 from error
    return get_object_or_404(ReportingRound, period=date)


def _require_review(request):
    """SOR-team pages: others get 403 (they may know rounds exist, not see the matrix)."""
    if not request_access(request).can_review:
        raise PermissionDenied


def may_read_update(access, update: ProgressUpdate) -> bool:
    """The SOR-team and the party's reporters read every state; the steering group
    reads only what is submitted or accepted."""
    if access.may_read_updates_of(update.party_id):
        return True
    return access.is_steering and update.status in services.DONE_STATUSES


def _update_for_user(request, pk: int) -> ProgressUpdate:
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
    if not may_read_update(request_access(request), update):
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
    if access.can_review:
        context["rounds"] = selectors.rounds_overview()
    if access.is_steering or access.can_review:
        context["read_updates"] = (
            ProgressUpdate.objects.filter(status__in=services.DONE_STATUSES)
            .select_related("round", "party", "activity")
            .order_by("-round__period", "party__name", "activity__title")[:60]
        )
    return render(request, "milestones/reporting/home.html", context)


# ---------------------------------------------------------------------------
# Rounds (SOR-team)
# ---------------------------------------------------------------------------
def round_list(request):
    """All rounds, newest first, with their counts."""
    _require_review(request)
    return render(
        request,
        "milestones/reporting/rounds.html",
        {"rounds": selectors.rounds_overview(limit=120)},
    )


@require_http_methods(["GET", "POST"])
def round_create(request):
    """Create a month's round by hand; its obligations are fixed at creation."""
    _require_review(request)
    if request.method == "POST":
        form = RoundCreateForm(request.POST)
        if form.is_valid():
            try:
                round_ = services.reporting_round_create(
                    period=form.cleaned_data["period"],
                    opens_on=form.cleaned_data["opens_on"],
                    due_on=form.cleaned_data["due_on"],
                    user=request.user,
                )
            except ValidationError as error:
                _errors_to_form(form, error)
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
    _require_review(request)
    round_ = _round_or_404(period)
    return render(
        request, "milestones/reporting/round_detail.html", round_detail_context(request, round_)
    )


def round_detail_context(request, round_: ReportingRound, add_form=None) -> dict:
    """A round's page: every cell of a small round; for a large one (over ROUND_ALL
    obligations) each party's counts (aggregated in SQL, cached per data version) a
    page at a time (`?side=`), or one party's cells (`?part=<key>`), so that the page
    costs the same whatever the size of the round."""
    today = timezone.localdate()
    context = {"round": round_, "period_slug": period_slug(round_), "party": None}
    if RoundObligation.objects.filter(round=round_).count() <= selectors.ROUND_ALL:
        context["matrix"] = selectors.round_matrix(round_, today=today)
        context["add_form"] = add_form or ObligationAddForm()
        return context
    rows = selectors.round_party_counts(round_, today=today, stamp=selectors.plan_data_version())
    counts = {state: sum(r.counts[state] for r in rows) for state in selectors.CellState.ORDER}
    row = next((r for r in rows if r.party.key == request.GET.get("part")), None)
    if row is None:
        context["matrix"] = selectors.RoundMatrix(round=round_, rows=[], counts=counts)
        context["party_page"] = Paginator(rows, selectors.ROUND_PARTY_PAGE_SIZE).get_page(
            request.GET.get("side")
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


def _round_url(round_: ReportingRound, party_key: str | None) -> str:
    url = reverse("milestones:reporting_round", args=[period_slug(round_)])
    return f"{url}?{urlencode({'part': party_key})}" if party_key else url


@require_POST
def obligation_add(request, period):
    _require_review(request)
    round_ = _round_or_404(period)
    form = ObligationAddForm(request.POST)
    if form.is_valid():
        try:
            obligation = services.obligation_add(
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
    _require_review(request)
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
        services.obligation_remove(obligation=obligation, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(party)s skal ikke længere rapportere om %(activity)s i denne runde.")
            % {"party": obligation.party.name, "activity": obligation.activity.title},
        )
    return redirect(_round_url(obligation.round, request.GET.get("part")))


# ---------------------------------------------------------------------------
# A party's update: the form (reporters)
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def update_edit(request, period, party_key, activity_key):
    """Write a party's update on an activity: save a draft any time, submit when done.

    404 unless the user reads this party's updates and the party must report on
    the activity in the round; 403 for those who read but may not write (the
    SOR-team). For an htmx request the form alone is returned.
    """
    access = request_access(request)
    round_ = _round_or_404(period)
    party = get_object_or_404(Party, key=party_key)
    if not access.may_read_updates_of(party.pk):
        raise Http404
    obligation = get_object_or_404(
        RoundObligation.objects.select_related("activity"),
        round=round_,
        party=party,
        activity__key=activity_key,
    )
    activity = obligation.activity
    if not access.may_report_for(party.pk):
        raise PermissionDenied
    update = ProgressUpdate.objects.filter(round=round_, party=party, activity=activity).first()
    if update is not None and update.status not in services.EDITABLE_STATUSES:
        if request.method == "POST":
            messages.error(
                request,
                _("Opdateringen er %(status)s og kan ikke ændres.")
                % {"status": update.get_status_display().lower()},
            )
        return _redirect(request, reverse("milestones:reporting_update", args=[update.pk]))
    milestones = list(activity.milestones.open().order_by("sort_order", "forecast_date", "pk"))
    proposals = {p.milestone_id: p for p in update.proposals.all()} if update is not None else {}
    conflict = None
    conflicted = False
    saved_at = None
    if request.method == "POST":
        submit = request.POST.get("action") == "submit"
        data = request.POST
        form = ProgressUpdateForm(data, submit=submit)
        proposal_forms = [
            ProposalForm(data, milestone=m, proposal=proposals.get(m.pk)) for m in milestones
        ]
        if form.is_valid() and all(f.is_valid() for f in proposal_forms):
            try:
                update = services.progress_update_save(
                    round_=round_,
                    party=party,
                    activity=activity,
                    values={name: form.cleaned_data.get(name) for name in UPDATE_FIELDS},
                    proposals=[
                        services.ProposalInput(
                            milestone=f.milestone,
                            date=f.cleaned_data.get("proposed_date"),
                            precision=f.cleaned_data.get("proposed_precision") or DatePrecision.DAY,
                            reason=f.cleaned_data.get("reason") or "",
                        )
                        for f in proposal_forms
                    ],
                    version=form.cleaned_data["version"],
                    user=request.user,
                    submit=submit,
                )
            except services.UpdateConflict as error:
                conflict, conflicted = error.current, True
                # Keep what the user typed; saving again now overwrites knowingly.
                data = request.POST.copy()
                data["version"] = str(conflict.version if conflict else 0)
                form = ProgressUpdateForm(data, submit=submit)
                form.is_valid()
                proposal_forms = [
                    ProposalForm(data, milestone=m, proposal=proposals.get(m.pk))
                    for m in milestones
                ]
                for f in proposal_forms:
                    f.is_valid()
                form.add_error(
                    None,
                    _(
                        "%(who)s har gemt opdateringen, mens du skrev. Intet af dit er gemt, "
                        "men det står stadig i formularen. Se deres version nedenfor; gem igen "
                        "for at erstatte den med din."
                    )
                    % {"who": _conflict_who(conflict)},
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                if submit:
                    messages.success(
                        request,
                        _("Opdateringen er indsendt. SOR-teamet har fået besked."),
                    )
                    return _redirect(
                        request, reverse("milestones:reporting_update", args=[update.pk])
                    )
                if not request.htmx:
                    messages.success(request, _("Kladden er gemt."))
                    return redirect(request.path)
                saved_at = timezone.localtime()
                proposals = {p.milestone_id: p for p in update.proposals.all()}
                form = _update_form(update)
                proposal_forms = [
                    ProposalForm(milestone=m, proposal=proposals.get(m.pk)) for m in milestones
                ]
    else:
        form = _update_form(update)
        proposal_forms = [
            ProposalForm(milestone=m, proposal=proposals.get(m.pk)) for m in milestones
        ]
    context = {
        "round": round_,
        "party": party,
        "activity": activity,
        "update": update,
        "form": form,
        "proposal_forms": proposal_forms,
        "conflict": conflict,
        "saved_at": saved_at,
        "form_url": request.path,
        "field_errors": any(
            name != NON_FIELD_ERRORS for f in [form, *proposal_forms] for name in f.errors
        ),
    }
    if request.htmx:
        return render(request, "milestones/reporting/_update_form.html", context)
    status = 200
    if request.method == "POST":  # a successful POST has redirected
        status = 409 if conflicted else 400
    return render(request, "milestones/reporting/update_form.html", context, status=status)


def _update_form(update: ProgressUpdate | None) -> ProgressUpdateForm:
    if update is None:
        return ProgressUpdateForm(initial={"version": 0})
    initial = {name: getattr(update, name) for name in UPDATE_FIELDS}
    initial["version"] = update.version
    return ProgressUpdateForm(initial=initial)


def _conflict_who(current: ProgressUpdate | None) -> str:
    if current is None:
        return _("En anden")
    history = current.history.order_by("-history_date").select_related("history_user").first()
    user = history.history_user if history else None
    return (user.get_full_name() or user.username) if user else _("En anden")


def _redirect(request, url: str):
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# ---------------------------------------------------------------------------
# An update: read it, review it
# ---------------------------------------------------------------------------
def update_detail(request, pk):
    """An update as submitted (or as drafted, for those who may see drafts),
    with the SOR-team's review form."""
    update = _update_for_user(request, pk)
    return _detail(request, update)


def _detail(request, update, *, review_form=None, status=200):
    access = request_access(request)
    can_review = access.can_review and update.status == ProgressUpdate.Status.SUBMITTED
    proposals = list(update.proposals.all())
    if can_review and review_form is None:
        review_form = ReviewForm(initial={"version": update.version}, proposals=proposals)
    return render(
        request,
        "milestones/reporting/update_detail.html",
        {
            "update": update,
            "proposals": proposals,
            "review_form": review_form if can_review else None,
            "show_review_comment": access.may_read_updates_of(update.party_id),
            "can_edit": access.may_report_for(update.party_id)
            and update.status in services.EDITABLE_STATUSES,
            "edit_url": edit_url(update.round, update.party, update.activity),
            "closed_statuses": (Milestone.Status.DONE, Milestone.Status.CANCELLED),
        },
        status=status,
    )


@require_POST
def update_review(request, pk):
    """Accept (applying the ticked date proposals) or return a submitted update."""
    update = _update_for_user(request, pk)
    if not request_access(request).can_review:
        raise PermissionDenied
    if update.status != ProgressUpdate.Status.SUBMITTED:
        messages.error(
            request,
            _("Opdateringen er %(status)s og kan ikke behandles igen.")
            % {"status": update.get_status_display().lower()},
        )
        return redirect("milestones:reporting_update", update.pk)
    proposals = list(update.proposals.all())
    form = ReviewForm(request.POST, proposals=proposals)
    if form.is_valid():
        try:
            if form.cleaned_data["action"] == ReviewForm.ACCEPT:
                moved = services.progress_update_accept(
                    update=update,
                    accepted_proposal_ids=form.accepted_proposal_ids,
                    comment=form.cleaned_data["comment"],
                    version=form.cleaned_data["version"],
                    user=request.user,
                )
                messages.success(
                    request,
                    _("Opdateringen er godkendt; %(n)s milepæl(e) har fået ny forventet dato.")
                    % {"n": len(moved)},
                )
            else:
                services.progress_update_return(
                    update=update,
                    comment=form.cleaned_data["comment"],
                    version=form.cleaned_data["version"],
                    user=request.user,
                )
                messages.success(request, _("Opdateringen er sendt retur til parten."))
        except services.UpdateConflict:
            messages.error(
                request,
                _("Opdateringen er ændret, mens du læste den. Læs den igen, og behandl den så."),
            )
        except ValidationError as error:
            _errors_to_form(form, error)
            return _detail(request, update, review_form=form, status=400)
        return redirect("milestones:reporting_update", update.pk)
    return _detail(request, update, review_form=form, status=400)
