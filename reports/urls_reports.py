"""The monthly status reports, under /statusrapporter/ (included from reports/urls.py)."""

from django.urls import path

from . import views_reports as views

urlpatterns = [
    path("", views.archive, name="status_report_archive"),
    path("ny/", views.report_create, name="status_report_create"),
    path("<str:period>/", views.report_detail, name="status_report_detail"),
    path("<str:period>/pdf/", views.report_pdf, name="status_report_pdf"),
    path("<str:period>/tekster/", views.report_texts, name="status_report_texts"),
    path("<str:period>/publicer/", views.report_publish, name="status_report_publish"),
    path("<str:period>/send-igen/", views.report_resend, name="status_report_resend"),
]
