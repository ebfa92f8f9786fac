"""The SHAK dependency register under /register/ (included from sorplan/urls.py)."""

from django.urls import path

from . import views

app_name = "register"

urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("ny/", views.entry_create, name="entry_create"),
    path("import/", views.import_upload, name="import"),
    path("import/bekraeft/", views.import_confirm, name="import_confirm"),
    path("import/skabelon.xlsx", views.import_template, name="import_template"),
    path("<slug:key>/", views.entry_detail, name="entry_detail"),
    path("<slug:key>/historik/", views.entry_history, name="entry_history"),
    path("<slug:key>/rediger/", views.entry_edit, name="entry_edit"),
    path("<slug:key>/plan/", views.plan_edit, name="plan_edit"),
    path("<slug:key>/tilstand/", views.state_set, name="state_set"),
    path("<slug:key>/trin/<slug:kind>/", views.step_edit, name="step_edit"),
]
