"""The steering group's governance, under /styring/."""

from django.urls import path

from .views import actions, decisions, exception_notes, issues, meetings, overview, risks

app_name = "governance"

urlpatterns = [
    path("", overview.home, name="home"),
    path("risici/", risks.risk_list, name="risk_list"),
    path("risici/ny/", risks.risk_create, name="risk_create"),
    path("risici/<slug:key>/", risks.risk_detail, name="risk_detail"),
    path("risici/<slug:key>/rediger/", risks.risk_edit, name="risk_edit"),
    path("<str:kind>/<slug:key>/forslag/", risks.proposal_review, name="proposal_review"),
    path("problemer/", issues.issue_list, name="issue_list"),
    path("problemer/ny/", issues.issue_create, name="issue_create"),
    path("problemer/<slug:key>/", issues.issue_detail, name="issue_detail"),
    path("problemer/<slug:key>/rediger/", issues.issue_edit, name="issue_edit"),
    path("beslutninger/", decisions.decision_list, name="decision_list"),
    path("beslutninger/ny/", decisions.decision_create, name="decision_create"),
    path("beslutninger/<slug:key>/", decisions.decision_detail, name="decision_detail"),
    path("beslutninger/<slug:key>/rediger/", decisions.decision_edit, name="decision_edit"),
    path("beslutninger/<slug:key>/traef/", decisions.decision_take, name="decision_take"),
    path(
        "beslutninger/<slug:key>/tilbagetraek/",
        decisions.decision_withdraw,
        name="decision_withdraw",
    ),
    path("handlinger/", actions.action_list, name="action_list"),
    path("handlinger/ny/", actions.action_create, name="action_create"),
    path("handlinger/<slug:key>/", actions.action_detail, name="action_detail"),
    path("handlinger/<slug:key>/rediger/", actions.action_edit, name="action_edit"),
    path("handlinger/<slug:key>/status/", actions.action_progress, name="action_progress"),
    path(
        "afvigelser/<slug:milestone_key>/ny/",
        exception_notes.exception_create,
        name="exception_create",
    ),
    path("leveringssikkerhed/", overview.confidence_edit, name="confidence_edit"),
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
