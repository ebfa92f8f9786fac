"""KOMBIT's roll-out of FK-OSS: every member reads it; KOMBIT's reporters and
the SOR-team update each municipality's status, one bulk form per phase."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.versioning import EditConflict
from parties.access import request_access

from .. import selectors
from ..forms import RolloutRowForm
from ..models import MunicipalityRollout, RolloutPhase
from ..services import rollout as services


def overview(request):
    """The phases with their municipalities counted by status."""
    return render(
        request,
        "milestones/reporting/rollout.html",
        {
            "counts": selectors.rollout_counts(),
            "can_update": request_access(request).may_update_rollout(),
        },
    )


@require_http_methods(["GET", "POST"])
def phase_detail(request, number):
    """A phase's municipalities; for those who may update them, one form for all rows.

    Only rows that changed are saved, each with its own history row.
    """
    phase = get_object_or_404(
        RolloutPhase.objects.select_related("milestone", "activity"), number=number
    )
    can_update = request_access(request).may_update_rollout()
    rollouts = _rollouts(phase)
    status = 200
    if request.method == "POST":
        if not can_update:
            raise PermissionDenied
        forms = [RolloutRowForm(request.POST, rollout=r) for r in rollouts]
        if all(f.is_valid() for f in forms):
            changes = [
                services.RolloutChange(
                    rollout_id=f.rollout.pk,
                    status=f.cleaned_data["status"],
                    status_date=f.cleaned_data["status_date"],
                    version=f.cleaned_data["version"],
                )
                for f in forms
                if f.user_changed
            ]
            try:
                changed = services.municipality_rollouts_update(
                    phase=phase, changes=changes, user=request.user, today=timezone.localdate()
                )
            except EditConflict as error:
                names = ", ".join(r.municipality.name for r in error.rows)
                messages.error(
                    request,
                    _(
                        "Andre har ændret %(names)s, mens du redigerede. Intet er gemt; "
                        "dine valg står stadig i formularen, og rækkerne viser nu den "
                        "gemte status. Gem igen for at erstatte den."
                    )
                    % {"names": names},
                )
                data = request.POST.copy()
                for row in error.rows:
                    # Now the user has seen the saved row: saving again replaces it.
                    data[f"r{row.pk}-version"] = str(row.version)
                    data[f"r{row.pk}-seen_status"] = row.status
                    data[f"r{row.pk}-seen_date"] = (
                        row.status_date.isoformat() if row.status_date else ""
                    )
                rollouts = _rollouts(phase)
                forms = [RolloutRowForm(data, rollout=r) for r in rollouts]
                for f in forms:
                    f.is_valid()
                status = 409
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                status = 400
            else:
                messages.success(
                    request,
                    _("%(n)s kommune(r) er opdateret.") % {"n": len(changed)}
                    if changed
                    else _("Ingen ændringer at gemme."),
                )
                return redirect("milestones:rollout_phase", phase.number)
        else:
            messages.error(request, _("Ret fejlene markeret nedenfor. Intet er gemt endnu."))
            status = 400
    else:
        forms = [RolloutRowForm(rollout=r) for r in rollouts]
    return render(
        request,
        "milestones/reporting/rollout_phase.html",
        {
            "phase": phase,
            "phases": RolloutPhase.objects.order_by("number"),
            "forms": forms,
            "rollouts": rollouts,
            "can_update": can_update,
        },
        status=status,
    )


def _rollouts(phase: RolloutPhase) -> list[MunicipalityRollout]:
    return list(
        MunicipalityRollout.objects.filter(phase=phase)
        .select_related("municipality", "municipality__region")
        .order_by("municipality__name")
    )
