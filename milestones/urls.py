from django.urls import path

from . import views

app_name = "milestones"

urlpatterns = [
    path("", views.roadmap, name="roadmap"),
    path("aktiviteter/<slug:key>/", views.activity_detail, name="activity_detail"),
]
