"""/profil/tokens/: a person's own personal access tokens."""

from django.urls import path

from .. import pages

app_name = "tokens"

urlpatterns = [
    path("", pages.token_list, name="list"),
    path("<int:pk>/tilbagekald/", pages.token_revoke_page, name="revoke"),
]
