from django.urls import include, path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tidslinje/", views.timeline, name="timeline"),
    path("trend/", views.trend, name="trend"),
    path("statusrapporter/", include("reports.urls_reports")),
]
