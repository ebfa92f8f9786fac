"""MedCom's progress over time: certified and in-production rows at each month end
(from history) in the house chart with a table beside it, and per message type
the rows not ready at its cut-over. Every member reads it (the figures are the
programme's; no supplier's rows are named)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_safe

from medcom import selectors as medcom_selectors
from parties.access import request_access

from ..charts.burndown import burndown_chart
from ..report_medcom import progress_chart_texts


@require_safe
def medcom_progress(request):
    if not request_access(request).may_read_medcom:
        raise PermissionDenied
    progress = medcom_selectors.progress()
    return render(
        request,
        "medcom/progress.html",
        {
            "progress": progress,
            "chart": burndown_chart(progress, **progress_chart_texts()),
            "not_ready": medcom_selectors.not_ready_by_type(),
        },
    )
