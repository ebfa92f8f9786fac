"""The plan's pages: the roadmap, goals, activities, milestones, dependencies, baselines,
their editing (SOR-team) and history. The order matters: fixed paths before `<slug:key>/`."""

from django.urls import path

from ..views import editing, history, milestone_editing, plan, plan_import, roadmap

urlpatterns = [
    path("", roadmap.roadmap, name="roadmap"),
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
    path("milepaele/ny/", milestone_editing.milestone_create, name="milestone_create"),
    path("milepaele/<slug:key>/", plan.milestone_detail, name="milestone_detail"),
    path("milepaele/<slug:key>/rediger/", milestone_editing.milestone_edit, name="milestone_edit"),
    path("milepaele/<slug:key>/slet/", milestone_editing.milestone_delete, name="milestone_delete"),
    path("milepaele/<slug:key>/hurtig/", milestone_editing.milestone_quick, name="milestone_quick"),
    path("milepaele/<slug:key>/raekke/", milestone_editing.milestone_row, name="milestone_row"),
    path("milepaele/<slug:key>/historik/", history.milestone_history, name="milestone_history"),
    path(
        "milepaele/<slug:key>/afhaengigheder/",
        milestone_editing.dependency_add,
        name="dependency_add",
    ),
    path(
        "afhaengigheder/<int:pk>/fjern/",
        milestone_editing.dependency_remove,
        name="dependency_remove",
    ),
    path("baselines/", plan.baseline_list, name="baseline_list"),
    path("baselines/ny/", editing.baseline_create, name="baseline_create"),
    path("baselines/<slug:key>/", plan.baseline_detail, name="baseline_detail"),
    path("baselines/<slug:key>/aktiver/", editing.baseline_activate, name="baseline_activate"),
    path("baselines/<slug:key>/historik/", history.baseline_history, name="baseline_history"),
    path("aendringer/", history.change_feed, name="change_feed"),
    path("import/", plan_import.import_upload, name="plan_import"),
    path("import/bekraeft/", plan_import.import_confirm, name="plan_import_confirm"),
    path("import/skabelon.xlsx", plan_import.import_template, name="plan_import_template"),
    path("aendringer/revisionsspor/", history.audit_trail, name="audit_trail"),
    path("aktiviteter/<slug:key>/", roadmap.activity_detail, name="activity_detail"),
]
