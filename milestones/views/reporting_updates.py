"""A party's progress update: the form its reporters fill in, reading it, and the
SOR-team's review. Who may read which update: `reporting.update_for_user`."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import add_service_errors
from core.versioning import EditConflict
from parties.access import request_access

from ..forms import (
    ProgressUpdateForm,
    ProposalForm,
    ReviewForm,
)
from ..models import (
    DatePrecision,
    Milestone,
    ProgressUpdate,
    RoundObligation,
)
from ..services import updates as update_services
from ..services.sections import update_sections
from .plan import cached_forms_html
from .reporting import UPDATE_FIELDS, edit_url, period_or_404, update_for_user


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
    obligation = _obligation_for_user(request, period, party_key, activity_key)
    round_, party, activity = obligation.round, obligation.party, obligation.activity
    update = ProgressUpdate.objects.filter(round=round_, party=party, activity=activity).first()
    if update is not None and update.status not in update_services.EDITABLE_STATUSES:
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
        sections = _bind_sections(round_, party, activity, update, data)
        # Every form validated (not stopping at the first), so each shows its errors.
        valid = [form.is_valid(), *(f.is_valid() for f in [*proposal_forms, *sections])]
        if all(valid):
            try:
                update = update_services.progress_update_save(
                    round_=round_,
                    party=party,
                    activity=activity,
                    values={name: form.cleaned_data.get(name) for name in UPDATE_FIELDS},
                    proposals=_proposal_inputs(proposal_forms),
                    version=form.cleaned_data["version"],
                    user=request.user,
                    submit=submit,
                    sections=sections,
                    obligation=obligation,
                )
            except EditConflict as error:
                conflict, conflicted = error.current, True
                form, proposal_forms = _conflict_forms(
                    request, conflict, submit=submit, milestones=milestones, proposals=proposals
                )
            except ValidationError as error:
                add_service_errors(form, error)
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
                form, proposal_forms = _unbound_forms(update, milestones, proposals)
                sections = _bind_sections(round_, party, activity, update)
    else:
        form, proposal_forms = _unbound_forms(update, milestones, proposals)
        sections = _bind_sections(round_, party, activity, update)
    _prepare_proposal_html(request, proposal_forms)
    for section in sections:
        if hasattr(section, "prepare_html"):
            section.prepare_html(request)
    context = {
        "round": round_,
        "party": party,
        "activity": activity,
        "update": update,
        "form": form,
        "proposal_forms": proposal_forms,
        "sections": sections,
        "summary_forms": [*proposal_forms, *(f for s in sections for f in s.forms)],
        "conflict": conflict,
        "saved_at": saved_at,
        "form_url": request.path,
        "field_errors": any(
            name != NON_FIELD_ERRORS
            for f in [form, *proposal_forms, *(f for s in sections for f in s.forms)]
            for name in f.errors
        ),
    }
    if request.htmx:
        return render(request, "milestones/reporting/_update_form.html", context)
    status = 200
    if request.method == "POST":  # a successful POST has redirected
        status = 409 if conflicted else 400
    return render(request, "milestones/reporting/update_form.html", context, status=status)


def _obligation_for_user(request, period, party_key, activity_key):
    """The obligation (with its round, party and activity) of an update the user may
    write: 404 unless they read this party's updates and the party must report on the
    activity in the round; 403 for those who read but may not write (the SOR-team)."""
    access = request_access(request)
    # The round, the party and the activity with the obligation, in one query: a missing
    # one is a 404 as a party the user does not read.
    obligation = (
        RoundObligation.objects.select_related("round", "party", "activity")
        .filter(
            round__period=period_or_404(period), party__key=party_key, activity__key=activity_key
        )
        .first()
    )
    if obligation is None or not access.may_read_updates_of(obligation.party_id):
        raise Http404
    if not access.may_report_for(obligation.party_id):
        raise PermissionDenied
    return obligation


def _bind_sections(round_, party, activity, update, data=None) -> list:
    """The update's sections from the apps above (services/sections.py), bound to
    the POST or unbound."""
    return [
        section.bind(round_=round_, party=party, activity=activity, update=update, data=data)
        for section in update_sections()
    ]


def _prepare_proposal_html(request, proposal_forms) -> None:
    """Each unbound date proposal's form as HTML, cached per milestone under what it shows
    (`_proposal_shows`), as the register's entries are: an activity's open milestones'
    fields were most of rendering the update."""
    cached_forms_html(
        request,
        proposal_forms,
        template="milestones/reporting/_proposal_form.html",
        shows=_proposal_shows,
        ident=lambda form: form.milestone.pk,
    )


def _proposal_shows(form: ProposalForm) -> tuple:
    """Everything an unbound proposal's form renders that can change: the milestone's
    title and dates (`milestone_when`) and the saved proposal's values it starts with."""
    m = form.milestone
    return (
        1,
        m.title,
        m.actual_date_unknown,
        m.actual_date,
        m.actual_precision,
        m.forecast_date,
        m.forecast_precision,
        sorted((name, repr(value)) for name, value in form.initial.items()),
    )


def _proposal_inputs(proposal_forms) -> list:
    return [
        update_services.ProposalInput(
            milestone=f.milestone,
            date=f.cleaned_data.get("proposed_date"),
            precision=f.cleaned_data.get("proposed_precision") or DatePrecision.DAY,
            reason=f.cleaned_data.get("reason") or "",
        )
        for f in proposal_forms
    ]


def _unbound_forms(update, milestones, proposals):
    form = _update_form(update)
    return form, [ProposalForm(milestone=m, proposal=proposals.get(m.pk)) for m in milestones]


def _conflict_forms(request, conflict, *, submit, milestones, proposals):
    """The forms again with what the user typed, on the version now saved: saving again
    overwrites knowingly."""
    data = request.POST.copy()
    data["version"] = str(conflict.version if conflict else 0)
    form = ProgressUpdateForm(data, submit=submit)
    form.is_valid()
    proposal_forms = [
        ProposalForm(data, milestone=m, proposal=proposals.get(m.pk)) for m in milestones
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
    return form, proposal_forms


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


# ---------------------------------------------------------------------------
# An update: read it, review it
# ---------------------------------------------------------------------------
def update_detail(request, pk):
    """An update as submitted (or as drafted, for those who may see drafts),
    with the SOR-team's review form."""
    update = update_for_user(request, pk)
    return _detail(request, update)


def _detail(request, update, *, review_form=None, status=200):
    access = request_access(request)
    can_review = access.can_review and update.status == ProgressUpdate.Status.SUBMITTED
    proposals = list(update.proposals.all())
    if can_review and review_form is None:
        review_form = ReviewForm(
            initial={"version": update.version}, proposals=proposals, items=_review_items(update)
        )
    return render(
        request,
        "milestones/reporting/update_detail.html",
        {
            "update": update,
            "proposals": proposals,
            "sections": [section.detail(update) for section in update_sections()],
            "review_form": review_form if can_review else None,
            "show_review_comment": access.may_read_updates_of(update.party_id),
            "can_edit": access.may_report_for(update.party_id)
            and update.status in update_services.EDITABLE_STATUSES,
            "edit_url": edit_url(update.round, update.party, update.activity),
            "closed_statuses": (Milestone.Status.DONE, Milestone.Status.CANCELLED),
        },
        status=status,
    )


def _review_items(update) -> list:
    return [item for section in update_sections() for item in section.review_items(update)]


@require_POST
def update_review(request, pk):
    """Accept (applying the ticked date proposals) or return a submitted update."""
    update = update_for_user(request, pk)
    request_access(request).require_reviewer()
    if update.status != ProgressUpdate.Status.SUBMITTED:
        messages.error(
            request,
            _("Opdateringen er %(status)s og kan ikke behandles igen.")
            % {"status": update.get_status_display().lower()},
        )
        return redirect("milestones:reporting_update", update.pk)
    proposals = list(update.proposals.all())
    form = ReviewForm(request.POST, proposals=proposals, items=_review_items(update))
    if form.is_valid():
        try:
            if form.cleaned_data["action"] == ReviewForm.ACCEPT:
                moved = update_services.progress_update_accept(
                    update=update,
                    accepted_proposal_ids=form.accepted_proposal_ids,
                    accepted_section_ids=form.accepted_section_ids,
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
                update_services.progress_update_return(
                    update=update,
                    comment=form.cleaned_data["comment"],
                    version=form.cleaned_data["version"],
                    user=request.user,
                )
                messages.success(request, _("Opdateringen er sendt retur til parten."))
        except EditConflict:
            messages.error(
                request,
                _("Opdateringen er ændret, mens du læste den. Læs den igen, og behandl den så."),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return _detail(request, update, review_form=form, status=400)
        return redirect("milestones:reporting_update", update.pk)
    return _detail(request, update, review_form=form, status=400)
