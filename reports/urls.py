from django.urls import include, path

from . import views, views_switch_off

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tidslinje/", views.timeline, name="timeline"),
    path("trend/", views.trend, name="trend"),
    path("kan-shak-slukkes/", views_switch_off.switch_off, name="switch_off"),
    path("statusrapporter/", include("reports.urls_reports")),
]
