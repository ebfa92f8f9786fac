"""The steering group's meetings: list, a meeting's page (agenda, minutes, decisions and
actions), and the SOR-team's forms. The meeting pack PDF is rendered by `reports`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import add_service_errors
from core.versioning import EditConflict
from milestones.models import ProgressUpdate
from parties.access import request_access

from .. import forms
from ..models import Meeting
from ..selectors.agenda import agenda_draft
from ..services import meetings as services
from ..services import records as record_services
from .common import CONFLICT, form_page


def get_meeting_for_user(request, key: str, *, write: bool = False) -> Meeting:
    """The SOR-team and the steering group read meetings; a draft agenda only the
    SOR-team and the steering-group members taking part. 404 otherwise."""
    access = request_access(request)
    if not access.may_read_meetings:
        raise Http404
    meeting = get_object_or_404(Meeting, key=key)
    if meeting.is_draft and not access.may_read_meeting_draft(
        services.participant_user_ids(meeting)
    ):
        raise Http404
    if write:
        access.require_governance_editor()
    return meeting


def meeting_list(request):
    access = request_access(request)
    if not access.may_read_meetings:
        raise PermissionDenied(_("Møderne er for SOR-teamet og styregruppen."))
    meetings = list(Meeting.objects.prefetch_related("participants"))
    visible = [
        m
        for m in meetings
        if not m.is_draft
        or access.may_read_meeting_draft({p.user_id for p in m.participants.all()})
    ]
    return render(request, "governance/meeting_list.html", {"meetings": visible})


def meeting_detail(request, key):
    access = request_access(request)
    meeting = get_meeting_for_user(request, key)
    context = {
        "meeting": meeting,
        "participants": meeting.participants.select_related("party"),
        "decisions": meeting.decisions.all(),
        "actions": meeting.actions.select_related("owner_party", "owner_person"),
        "can_edit": access.may_edit_governance,
    }
    if access.may_edit_governance:
        context.update(
            draft=agenda_draft(meeting) if meeting.status != Meeting.Status.HELD else None,
            minutes_form=forms.MinutesForm(
                initial={"version": meeting.version, "minutes": meeting.minutes}
            ),
            decision_form=forms.MeetingDecisionForm(),
            action_form=forms.MeetingActionForm(),
        )
    return render(request, "governance/meeting_detail.html", context)


def _participants(form):
    return form.cleaned_data.get("participants") or []


@require_http_methods(["GET", "POST"])
def meeting_create(request):
    request_access(request).require_governance_editor()

    def save(form):
        meeting = services.meeting_create(
            data=form.changes(), user=request.user, reason=form.cleaned_data["change_reason"]
        )
        services.meeting_participants_set(
            meeting=meeting, users=_participants(form), by=request.user
        )
        return meeting

    return form_page(
        request,
        make_form=lambda data: forms.MeetingForm(data),
        save=save,
        template="governance/record_form.html",
        context={
            "heading": _("Nyt møde"),
            "creating": True,
            "cancel_url": reverse("governance:meeting_list"),
        },
        success=lambda m: reverse("governance:meeting_detail", args=[m.key]),
        done_message=_("Mødet er oprettet, og dagsordenen er dannet ud fra posterne."),
    )


@require_http_methods(["GET", "POST"])
def meeting_edit(request, key):
    meeting = get_meeting_for_user(request, key, write=True)

    def save(form):
        saved, _changed = services.meeting_update(
            pk=meeting.pk,
            version=form.cleaned_data["version"],
            data=form.changes(),
            user=request.user,
            reason=form.cleaned_data["change_reason"],
        )
        services.meeting_participants_set(meeting=saved, users=_participants(form), by=request.user)
        return saved

    return form_page(
        request,
        make_form=lambda data: forms.MeetingForm(data, instance=Meeting.objects.get(pk=meeting.pk)),
        save=save,
        template="governance/record_form.html",
        context={
            "heading": _("Rediger “%(title)s”") % {"title": meeting.title},
            "cancel_url": reverse("governance:meeting_detail", args=[meeting.key]),
        },
        success=lambda m: reverse("governance:meeting_detail", args=[m.key]),
        done_message=_("Mødet er gemt."),
    )


def _post(request, meeting, call, done):
    try:
        call()
    except EditConflict:
        messages.error(request, CONFLICT)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("governance:meeting_detail", meeting.key)


@require_POST
def meeting_agenda(request, key):
    """Redraft the agenda from the records, or publish it."""
    meeting = get_meeting_for_user(request, key, write=True)
    version = int(request.POST.get("version") or 0)
    if request.POST.get("publish") == "1":
        return _post(
            request,
            meeting,
            lambda: services.meeting_agenda_publish(
                pk=meeting.pk, version=version, user=request.user
            ),
            _("Dagsordenen er udsendt."),
        )
    return _post(
        request,
        meeting,
        lambda: services.meeting_agenda_redraft(pk=meeting.pk, version=version, user=request.user),
        _("Dagsordenen er dannet igen ud fra posterne."),
    )


@require_POST
def meeting_minutes(request, key):
    meeting = get_meeting_for_user(request, key, write=True)
    form = forms.MinutesForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Referatet kunne ikke gemmes: %(e)s") % {"e": form.errors.as_text()}
        )
        return redirect("governance:meeting_detail", meeting.key)
    return _post(
        request,
        meeting,
        lambda: services.meeting_minutes_save(
            pk=meeting.pk,
            version=form.cleaned_data["version"],
            minutes=form.cleaned_data["minutes"],
            held=form.cleaned_data["held"],
            user=request.user,
        ),
        _("Referatet er gemt."),
    )


def _meeting_page_with(request, meeting, **forms_):
    access = request_access(request)
    return render(
        request,
        "governance/meeting_detail.html",
        {
            "meeting": meeting,
            "participants": meeting.participants.select_related("party"),
            "decisions": meeting.decisions.all(),
            "actions": meeting.actions.select_related("owner_party", "owner_person"),
            "can_edit": access.may_edit_governance,
            "draft": agenda_draft(meeting) if meeting.status != Meeting.Status.HELD else None,
            "minutes_form": forms.MinutesForm(
                initial={"version": meeting.version, "minutes": meeting.minutes}
            ),
            "decision_form": forms_.get("decision_form") or forms.MeetingDecisionForm(),
            "action_form": forms_.get("action_form") or forms.MeetingActionForm(),
        },
        status=400,
    )


@require_POST
def meeting_decision(request, key):
    """A decision taken at the meeting."""
    meeting = get_meeting_for_user(request, key, write=True)
    form = forms.MeetingDecisionForm(request.POST)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            services.meeting_decision_record(
                meeting=meeting,
                decision_id=decision.pk,
                version=decision.version,
                outcome=form.cleaned_data["outcome"],
                conditions=form.cleaned_data["conditions"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Beslutningen er registreret."))
            return redirect("governance:meeting_detail", meeting.key)
    return _meeting_page_with(request, meeting, decision_form=form)


@require_POST
def meeting_action(request, key):
    """An action agreed at the meeting."""
    meeting = get_meeting_for_user(request, key, write=True)
    form = forms.MeetingActionForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_action_record(meeting=meeting, data=form.changes(), user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Handlingen er registreret."))
            return redirect("governance:meeting_detail", meeting.key)
    return _meeting_page_with(request, meeting, action_form=form)


# ---------------------------------------------------------------------------
# A progress update's help needed -> a decision request or a risk
# ---------------------------------------------------------------------------
@require_POST
def help_needed_convert(request, update_pk):
    """From the update's review page: one step, linked to the update."""
    access = request_access(request)
    update = get_object_or_404(ProgressUpdate.objects.select_related("party"), pk=update_pk)
    if not access.may_read_update(update):
        raise Http404
    access.require_governance_editor()
    form = forms.HelpNeededForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Vælg, om der skal oprettes en beslutningsanmodning eller en risiko.")
        )
        return redirect("milestones:reporting_update", update.pk)
    try:
        if form.cleaned_data["kind"] == forms.HelpNeededForm.TO_DECISION:
            record = record_services.help_needed_to_decision(update=update, user=request.user)
            target = reverse("governance:decision_edit", args=[record.key])
            messages.success(
                request, _("Beslutningsanmodningen er oprettet; tilføj muligheder og anbefaling.")
            )
        else:
            record = record_services.help_needed_to_risk(update=update, user=request.user)
            target = reverse("governance:risk_edit", args=[record.key])
            messages.success(
                request, _("Risikoen er oprettet; vurdér sandsynlighed og konsekvens.")
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("milestones:reporting_update", update.pk)
    return redirect(target)
