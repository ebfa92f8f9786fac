"""The meeting pack PDF of a steering-group meeting (whoever may read the meeting)."""

from django.http import HttpResponse

from governance.views.meetings import get_meeting_for_user

from ..services.meeting_pack import meeting_pack_pdf


def meeting_pack(request, key: str):
    meeting = get_meeting_for_user(request, key)
    response = HttpResponse(meeting_pack_pdf(meeting), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="moedepakke-{meeting.held_on:%Y-%m-%d}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
