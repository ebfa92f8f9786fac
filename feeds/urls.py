from django.urls import path

from . import views

app_name = "feeds"

urlpatterns = [
    path("profil/kalender/", views.profile_calendar, name="profile_calendar"),
    path("kalender/<str:secret>/<slug:feed>.ics", views.feed, name="feed"),
]
