"""KOMBIT's roll-out of FK-OSS to the municipalities."""

from django.urls import path

from ..views import rollout

urlpatterns = [
    path("udrulning/", rollout.overview, name="rollout"),
    path("udrulning/fase/<int:number>/", rollout.phase_detail, name="rollout_phase"),
]
