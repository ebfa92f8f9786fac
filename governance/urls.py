"""The steering group's governance, under /styring/."""

from django.urls import path

from .views import meetings, records

app_name = "governance"

urlpatterns = [
    path("", records.home, name="home"),
    path("risici/", records.risk_list, name="risk_list"),
    path("risici/ny/", records.risk_create, name="risk_create"),
    path("risici/<slug:key>/", records.risk_detail, name="risk_detail"),
    path("risici/<slug:key>/rediger/", records.risk_edit, name="risk_edit"),
    path("<str:kind>/<slug:key>/forslag/", records.proposal_review, name="proposal_review"),
    path("problemer/", records.issue_list, name="issue_list"),
    path("problemer/ny/", records.issue_create, name="issue_create"),
    path("problemer/<slug:key>/", records.issue_detail, name="issue_detail"),
    path("problemer/<slug:key>/rediger/", records.issue_edit, name="issue_edit"),
    path("beslutninger/", records.decision_list, name="decision_list"),
    path("beslutninger/ny/", records.decision_create, name="decision_create"),
    path("beslutninger/<slug:key>/", records.decision_detail, name="decision_detail"),
    path("beslutninger/<slug:key>/rediger/", records.decision_edit, name="decision_edit"),
    path("beslutninger/<slug:key>/traef/", records.decision_take, name="decision_take"),
    path(
        "beslutninger/<slug:key>/tilbagetraek/",
        records.decision_withdraw,
        name="decision_withdraw",
    ),
    path("handlinger/", records.action_list, name="action_list"),
    path("handlinger/ny/", records.action_create, name="action_create"),
    path("handlinger/<slug:key>/", records.action_detail, name="action_detail"),
    path("handlinger/<slug:key>/rediger/", records.action_edit, name="action_edit"),
    path("handlinger/<slug:key>/status/", records.action_progress, name="action_progress"),
    path("afvigelser/<slug:milestone_key>/ny/", records.exception_create, name="exception_create"),
    path("leveringssikkerhed/", records.confidence_edit, name="confidence_edit"),
    path("moeder/", meetings.meeting_list, name="meeting_list"),
    path("moeder/nyt/", meetings.meeting_create, name="meeting_create"),
    path("moeder/<slug:key>/", meetings.meeting_detail, name="meeting_detail"),
    path("moeder/<slug:key>/rediger/", meetings.meeting_edit, name="meeting_edit"),
    path("moeder/<slug:key>/dagsorden/", meetings.meeting_agenda, name="meeting_agenda"),
    path("moeder/<slug:key>/referat/", meetings.meeting_minutes, name="meeting_minutes"),
    path("moeder/<slug:key>/beslutning/", meetings.meeting_decision, name="meeting_decision"),
    path("moeder/<slug:key>/handling/", meetings.meeting_action, name="meeting_action"),
    path(
        "hjaelp/<int:update_pk>/",
        meetings.help_needed_convert,
        name="help_needed_convert",
    ),
]
