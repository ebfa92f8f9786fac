from django.urls import path

from .views import editing, history, plan, reporting, rollout

app_name = "milestones"

# Pages by topic: the plan (read), editing (SOR-team), reporting (parties' updates).
urlpatterns = [
    path("", plan.roadmap, name="roadmap"),
    # Editing (SOR-team) and history: goals, activities, milestones, baselines, changes.
    path("maal/", plan.goal_list, name="goal_list"),
    path("maal/ny/", editing.goal_create, name="goal_create"),
    path("maal/<slug:key>/", plan.goal_detail, name="goal_detail"),
    path("maal/<slug:key>/rediger/", editing.goal_edit, name="goal_edit"),
    path("maal/<slug:key>/slet/", editing.goal_delete, name="goal_delete"),
    path("maal/<slug:key>/historik/", history.goal_history, name="goal_history"),
    path("aktiviteter/", plan.activity_list, name="activity_list"),
    path("aktiviteter/ny/", editing.activity_create, name="activity_create"),
    path("aktiviteter/<slug:key>/rediger/", editing.activity_edit, name="activity_edit"),
    path("aktiviteter/<slug:key>/slet/", editing.activity_delete, name="activity_delete"),
    path("aktiviteter/<slug:key>/historik/", history.activity_history, name="activity_history"),
    path("milepaele/", plan.milestone_list, name="milestone_list"),
    path("milepaele/ny/", editing.milestone_create, name="milestone_create"),
    path("milepaele/<slug:key>/", plan.milestone_detail, name="milestone_detail"),
    path("milepaele/<slug:key>/rediger/", editing.milestone_edit, name="milestone_edit"),
    path("milepaele/<slug:key>/slet/", editing.milestone_delete, name="milestone_delete"),
    path("milepaele/<slug:key>/hurtig/", editing.milestone_quick, name="milestone_quick"),
    path("milepaele/<slug:key>/raekke/", editing.milestone_row, name="milestone_row"),
    path("milepaele/<slug:key>/historik/", history.milestone_history, name="milestone_history"),
    path("milepaele/<slug:key>/afhaengigheder/", editing.dependency_add, name="dependency_add"),
    path("afhaengigheder/<int:pk>/fjern/", editing.dependency_remove, name="dependency_remove"),
    path("baselines/", plan.baseline_list, name="baseline_list"),
    path("baselines/ny/", editing.baseline_create, name="baseline_create"),
    path("baselines/<slug:key>/", plan.baseline_detail, name="baseline_detail"),
    path("baselines/<slug:key>/aktiver/", editing.baseline_activate, name="baseline_activate"),
    path("baselines/<slug:key>/historik/", history.baseline_history, name="baseline_history"),
    path("aendringer/", history.change_feed, name="change_feed"),
    path("aktiviteter/<slug:key>/", plan.activity_detail, name="activity_detail"),
    # Reporting: rounds (SOR-team), parties' updates, review; KOMBIT's roll-out.
    path("rapportering/", reporting.home, name="reporting_home"),
    path("rapportering/runder/", reporting.round_list, name="reporting_rounds"),
    path("rapportering/runder/ny/", reporting.round_create, name="reporting_round_create"),
    path(
        "rapportering/pligter/<int:pk>/fjern/",
        reporting.obligation_remove,
        name="reporting_obligation_remove",
    ),
    path("rapportering/opdateringer/<int:pk>/", reporting.update_detail, name="reporting_update"),
    path(
        "rapportering/opdateringer/<int:pk>/behandl/",
        reporting.update_review,
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
        reporting.update_edit,
        name="reporting_edit",
    ),
    path("udrulning/", rollout.overview, name="rollout"),
    path("udrulning/fase/<int:number>/", rollout.phase_detail, name="rollout_phase"),
]
