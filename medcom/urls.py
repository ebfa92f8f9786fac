"""MedCom's certification matrix under /medcom/ (included from sorplan/urls.py)."""

from django.urls import path

from . import views

app_name = "medcom"

urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("arbejdsliste/", views.work_list, name="work_list"),
    path("forslag/", views.proposals, name="proposals"),
    path("forslag/<int:proposal_id>/", views.proposal_decide, name="proposal_decide"),
    path("import/", views.import_upload, name="import"),
    path("import/bekraeft/", views.import_confirm, name="import_confirm"),
    path("import/skabelon.xlsx", views.import_template, name="import_template"),
    path("eksport.xlsx", views.export, name="export"),
    path("meddelelsestyper/ny/", views.message_type_create, name="message_type_create"),
    path("meddelelsestyper/<slug:key>/", views.message_type_detail, name="message_type_detail"),
    path("meddelelsestyper/<slug:key>/rediger/", views.message_type_edit, name="message_type_edit"),
    path("leverandoerer/<slug:key>/", views.supplier_detail, name="supplier_detail"),
    path("raekker/<int:certification_id>/", views.certification_edit, name="certification_edit"),
]
