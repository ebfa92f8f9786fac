"""The parties' pages under /parter/, in the "parties" URL namespace (included from
sorplan/urls.py). Served by milestones because they show each party's part of the plan."""

from django.urls import path

from ..views import parties

app_name = "parties"

urlpatterns = [
    path("", parties.party_list, name="list"),
    path("<slug:key>/", parties.party_detail, name="detail"),
]
