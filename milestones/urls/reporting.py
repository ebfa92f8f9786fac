"""The monthly reporting: rounds (SOR-team), parties' updates and their review. Fixed paths
before `<str:period>/`."""

from django.urls import path

from ..views import reporting, reporting_updates

urlpatterns = [
    path("rapportering/", reporting.home, name="reporting_home"),
    path("rapportering/runder/", reporting.round_list, name="reporting_rounds"),
    path("rapportering/runder/ny/", reporting.round_create, name="reporting_round_create"),
    path(
        "rapportering/pligter/<int:pk>/fjern/",
        reporting.obligation_remove,
        name="reporting_obligation_remove",
    ),
    path(
        "rapportering/opdateringer/<int:pk>/",
        reporting_updates.update_detail,
        name="reporting_update",
    ),
    path(
        "rapportering/opdateringer/<int:pk>/behandl/",
        reporting_updates.update_review,
        name="reporting_review",
    ),
    path("rapportering/<str:period>/", reporting.round_detail, name="reporting_round"),
    path(
        "rapportering/<str:period>/pligter/",
        reporting.obligation_add,
        name="reporting_obligation_add",
    ),
    path(
        "rapportering/<str:period>/<slug:party_key>/<slug:activity_key>/",
        reporting_updates.update_edit,
        name="reporting_edit",
    ),
]
