"""The SOR-team's exception note for a red milestone, sent to the steering group as a
decision request."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from milestones.models import Milestone

from .. import forms
from ..services import records as services
from .common import access_of, form_page


@require_http_methods(["GET", "POST"])
def exception_create(request, milestone_key):
    access_of(request).require_governance_editor()
    milestone = get_object_or_404(Milestone.objects.select_related("activity"), key=milestone_key)

    def save(form):
        return services.exception_raise(
            milestone=milestone,
            needed_by=form.cleaned_data["needed_by"],
            user=request.user,
            **{n: form.cleaned_data[n] for n in forms.ExceptionForm.Meta.fields},
        )

    return form_page(
        request,
        make_form=lambda data: forms.ExceptionForm(data),
        save=save,
        template="governance/record_form.html",
        context={
            "heading": _("Afvigelsesrapport: %(title)s") % {"title": milestone.title},
            "creating": True,
            "cancel_url": reverse("governance:home"),
        },
        success=lambda note: reverse("governance:decision_detail", args=[note.decision.key]),
        done_message=_(
            "Afvigelsesrapporten er gemt og sendt til styregruppen som en beslutningsanmodning."
        ),
    )
