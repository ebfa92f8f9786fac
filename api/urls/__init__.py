"""/api/v1/: every endpoint, the schema and its docs. The API's views answer 401 JSON
themselves (no redirect to the log-in page), so they are marked login_not_required;
the docs page is an ordinary page behind the log-in."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from .. import pages, views
from ..errors import not_found

app_name = "api"


def api(view_class, **kwargs):
    return login_not_required(view_class.as_view(**kwargs))


KEY = "<slug:key>/"
PERIOD = "<str:period>/"

urlpatterns = [
    path("openapi.json", api(SpectacularJSONAPIView), name="schema"),
    path("docs/", pages.docs, name="docs"),
    path("status/", api(views.ProgrammeStatusView), name="status"),
    path("parties/", api(views.PartyList), name="party_list"),
    path("parties/" + KEY, api(views.PartyDetail), name="party_detail"),
    path("goals/", api(views.GoalList), name="goal_list"),
    path("goals/" + KEY, api(views.GoalDetail), name="goal_detail"),
    path("activities/", api(views.ActivityList), name="activity_list"),
    path("activities/" + KEY, api(views.ActivityDetail), name="activity_detail"),
    path("milestones/", api(views.MilestoneList), name="milestone_list"),
    path("milestones/" + KEY, api(views.MilestoneDetail), name="milestone_detail"),
    path(
        "milestones/" + KEY + "forecast/",
        api(views.MilestoneForecast),
        name="milestone_forecast",
    ),
    path("dependencies/", api(views.DependencyList), name="dependency_list"),
    path("baselines/", api(views.BaselineList), name="baseline_list"),
    path("baselines/" + KEY, api(views.BaselineDetail), name="baseline_detail"),
    path("baselines/" + KEY + "entries/", api(views.BaselineEntryList), name="baseline_entries"),
    path("rounds/", api(views.RoundList), name="round_list"),
    path("rounds/" + PERIOD, api(views.RoundDetail), name="round_detail"),
    path("rounds/" + PERIOD + "updates/", api(views.UpdateList), name="update_list"),
    path(
        "rounds/" + PERIOD + "updates/<slug:party_key>/<slug:activity_key>/",
        api(views.UpdateDetail),
        name="update_detail",
    ),
    path("register/entries/", api(views.EntryList), name="entry_list"),
    path("register/entries/" + KEY, api(views.EntryDetail), name="entry_detail"),
    path("register/entries/" + KEY + "state/", api(views.EntryState), name="entry_state"),
    path(
        "register/entries/" + KEY + "steps/<slug:kind>/",
        api(views.EntryStep),
        name="entry_step",
    ),
    path("medcom/message-types/", api(views.MessageTypeList), name="message_type_list"),
    path("medcom/message-types/" + KEY, api(views.MessageTypeDetail), name="message_type_detail"),
    path("medcom/certifications/", api(views.CertificationList), name="certification_list"),
    path(
        "medcom/certifications/<slug:entry_key>/<slug:message_type_key>/<slug:direction>/",
        api(views.CertificationDetail),
        name="certification_detail",
    ),
    path("governance/risks/", api(views.RiskList), name="risk_list"),
    path("governance/risks/" + KEY, api(views.RiskDetail), name="risk_detail"),
    path("governance/issues/", api(views.IssueList), name="issue_list"),
    path("governance/issues/" + KEY, api(views.IssueDetail), name="issue_detail"),
    path("governance/decisions/", api(views.DecisionList), name="decision_list"),
    path("governance/decisions/" + KEY, api(views.DecisionDetail), name="decision_detail"),
    path("governance/actions/", api(views.ActionList), name="action_list"),
    path("governance/actions/" + KEY, api(views.ActionDetail), name="action_detail"),
    path("governance/meetings/", api(views.MeetingList), name="meeting_list"),
    path("governance/meetings/" + KEY, api(views.MeetingDetail), name="meeting_detail"),
    path("status-reports/", api(views.StatusReportList), name="status_report_list"),
    path("status-reports/" + PERIOD, api(views.StatusReportDetail), name="status_report_detail"),
    path(
        "status-reports/" + PERIOD + "pdf/",
        api(views.StatusReportPdf),
        name="status_report_pdf",
    ),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^.*$", login_not_required(not_found), name="not_found"),
]
