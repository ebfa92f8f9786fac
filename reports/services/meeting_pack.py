"""The steering group's meeting pack: the agenda, the latest published status report's
leader summary, and the decision requests with their options, as one PDF through the
same pipeline and safe fetcher as the status report."""

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation

from governance.models import Decision, Meeting
from milestones.demo import DEMO_NOTICE, demo_data_loaded

from ..models import StatusReport


def meeting_pack_context(meeting: Meeting) -> dict:
    """The pack's facts: the meeting, its participants, the latest report published by its
    date, the decisions requested and due by its date (or without a date) with who asks,
    and whether demo data is loaded (the pack then says so, as the report does)."""
    report = (
        StatusReport.objects.published()
        .filter(period__lte=meeting.held_on)
        .order_by("-period")
        .first()
    )
    decisions = (
        Decision.objects.requested()
        .filter(Q(needed_by__isnull=True) | Q(needed_by__lte=meeting.held_on))
        .select_related("requested_by_party", "owner_party")
        .prefetch_related("options")
        .order_by("needed_by", "title")
    )
    return {
        "meeting": meeting,
        "participants": meeting.participants.select_related("party"),
        "report": report,
        "decisions": decisions,
        "programme_name": settings.SORPLAN_PROGRAMME_NAME,
        "demo_data": demo_data_loaded(),
        "demo_notice": DEMO_NOTICE,
    }


def meeting_pack_html(meeting: Meeting) -> str:
    with translation.override("da"):
        return render_to_string("reports/pdf/meeting_pack.html", meeting_pack_context(meeting))


def meeting_pack_pdf(meeting: Meeting) -> bytes:
    """Render the meeting pack (user text is escaped by the template; the fetcher allows
    only data: URLs and the app's static files)."""
    from core import pdf as pdf_render

    return pdf_render.render_app_pdf(meeting_pack_html(meeting))
