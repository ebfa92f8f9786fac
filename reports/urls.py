from django.urls import include, path

from .views import dashboard as pages
from .views import medcom, meeting_pack, switch_off
from .views import status_reports as reports

app_name = "reports"

# The monthly status reports, under /statusrapporter/.
status_report_patterns = [
    path("", reports.archive, name="status_report_archive"),
    path("ny/", reports.report_create, name="status_report_create"),
    path("<str:period>/", reports.report_detail, name="status_report_detail"),
    path("<str:period>/pdf/", reports.report_pdf, name="status_report_pdf"),
    path("<str:period>/regneark/", reports.report_xlsx, name="status_report_xlsx"),
    path("<str:period>/tekster/", reports.report_texts, name="status_report_texts"),
    path("<str:period>/publicer/", reports.report_publish, name="status_report_publish"),
    path("<str:period>/send-igen/", reports.report_resend, name="status_report_resend"),
]

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("tidslinje/", pages.timeline, name="timeline"),
    path("trend/", pages.trend, name="trend"),
    path("kan-shak-slukkes/", switch_off.switch_off, name="switch_off"),
    path("medcom/udvikling/", medcom.medcom_progress, name="medcom_progress"),
    path("statusrapporter/", include(status_report_patterns)),
    # The governance meeting's pack, rendered here (reports sits above governance).
    path("styring/moeder/<slug:key>/pakke.pdf", meeting_pack.meeting_pack, name="meeting_pack"),
]
