"""The governance overview (what needs attention, the SOR-team's prompts for exception
notes) and the delivery confidence the SOR-team sets."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from milestones.models import Activity, Milestone
from milestones.rag import Rag, rags_for

from .. import forms
from ..models import Action, Decision, DeliveryConfidence, ExceptionNote, Risk
from ..selectors.summary import confidence_with_history
from ..services import records as services
from .common import access_of, form_page


def home(request):
    """The governance overview: what needs attention, and the SOR-team's prompts to write
    an exception note for red milestones on the critical list."""
    access = access_of(request)
    today = timezone.localdate()
    context = {
        "flagged": Risk.objects.visible_to(access).flagged(today).select_related("owner_party"),
        "decisions": Decision.objects.visible_to(access).requested(),
        "overdue": Action.objects.visible_to(access).overdue(today).select_related("owner_party"),
        "confidence_fact": _confidence_fact(access),
        "exception_prompts": [],
    }
    if access.may_edit_governance:
        # The critical list: milestones of activities marked critical, or all open ones when
        # the plan marks none; those red without an exception note are prompted.
        candidates = list(
            Milestone.objects.exclude(
                status__in=[Milestone.Status.DONE, Milestone.Status.CANCELLED]
            ).select_related("activity")
        )
        rags = rags_for(candidates, today=today)
        noted = set(ExceptionNote.objects.values_list("milestone_id", flat=True))
        context["exception_prompts"] = [
            m for m in candidates if rags[m.pk].rag == Rag.RED and m.pk not in noted
        ][:20]
    return render(request, "governance/home.html", context)


def _confidence_fact(access) -> dict:
    current, earlier = confidence_with_history(None)
    return {"confidence": current, "earlier": earlier, "activity": None, "access": access}


@require_http_methods(["GET", "POST"])
def confidence_edit(request):
    access_of(request).require_governance_editor()
    activity = None
    key = request.GET.get("aktivitet") or request.POST.get("activity_key")
    if key:
        activity = get_object_or_404(Activity, key=key)
    current = DeliveryConfidence.objects.filter(
        key=activity.key if activity else "programmet"
    ).first()

    # Back where the rating shows: the activity's page, or the governance overview.
    back = (
        reverse("milestones:activity_detail", args=[activity.key])
        if activity
        else reverse("governance:home")
    )

    def make(data):
        initial = {"version": current.version if current else 0, "activity": activity}
        if current:
            initial.update(level=current.level, justification=current.justification)
        return forms.ConfidenceForm(data, initial=initial)

    return form_page(
        request,
        make_form=make,
        save=lambda form: services.confidence_set(
            activity=form.cleaned_data["activity"],
            level=form.cleaned_data["level"],
            justification=form.cleaned_data["justification"],
            version=form.cleaned_data["version"],
            user=request.user,
        ),
        template="governance/record_form.html",
        context={
            "heading": _("Leveringssikkerhed"),
            "creating": True,
            "cancel_url": back,
        },
        success=lambda c: back,
        done_message=_("Leveringssikkerheden er gemt."),
    )
