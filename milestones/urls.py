from django.urls import path

from .views import plan

app_name = "milestones"

# Pages by topic: the plan (read), editing (SOR-team), reporting (parties' updates).
urlpatterns = [
    path("", plan.roadmap, name="roadmap"),
    path("aktiviteter/<slug:key>/", plan.activity_detail, name="activity_detail"),
]
