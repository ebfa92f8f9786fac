from django.urls import include, path
from django.views.generic import RedirectView

app_name = "reports"

urlpatterns = [
    # The steering group's dashboard will live here; until then, the roadmap.
    path("", RedirectView.as_view(pattern_name="milestones:roadmap"), name="dashboard"),
    path("statusrapporter/", include("reports.urls_reports")),
]
