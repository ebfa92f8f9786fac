"""The demo's governance records: each kind present, all marked as demo, a past to look
back on, and loaded once only."""

import datetime

import pytest
from django.utils import timezone

from governance.demo import governance_demo_load
from governance.models import Action, Decision, Issue, Meeting, Risk
from governance.selectors.agenda import agenda_draft

pytestmark = pytest.mark.django_db

KINDS = (Risk, Issue, Decision, Action, Meeting)


def test_the_demo_shows_every_record_kind_marked_as_demo(system_user):
    today = timezone.localdate()
    counts = governance_demo_load(by=system_user, today=today)
    assert counts == {"risici": 4, "problemer": 1, "beslutninger": 2, "handlinger": 3, "møder": 2}
    for model in KINDS:
        rows = list(model.objects.all())
        assert rows, model
        assert all(r.key.startswith("demo-") and r.title.endswith("(demo)") for r in rows)
    # What the steering group should see first: a top-band risk, one past its review,
    # an overdue action, an open request and one taken at the held meeting.
    assert {r.key for r in Risk.objects.flagged(today)} >= {
        "demo-id27-naar-ikke-frem",
        "demo-certificering-og-fhir",
    }
    assert [a.key for a in Action.objects.all() if a.is_overdue(today)] == [
        "demo-plan-for-id27-test"
    ]
    held = Meeting.objects.get(status=Meeting.Status.HELD)
    taken = Decision.objects.get(status=Decision.Status.TAKEN)
    assert taken.meeting == held and taken.decided_on == held.held_on
    upcoming = Meeting.objects.get(status=Meeting.Status.DRAFT)
    assert "Lukkes SHAK-opslag regionsvis eller samlet? (demo)" in agenda_draft(upcoming).as_text()
    assert governance_demo_load(by=system_user, today=today) == {}  # once only


def test_the_demo_records_have_a_past(system_user):
    """Dated back, so the logs at a past moment show something; who and why are kept."""
    today = timezone.localdate()
    governance_demo_load(by=system_user, today=today)
    month_ago = timezone.now() - datetime.timedelta(days=30)
    risk_rows = Risk.history.filter(history_date__lt=month_ago)
    assert risk_rows.count() == 4
    assert {r.history_change_reason for r in risk_rows} == {"Demodata (illustrativ)"}
    assert {r.history_user_id for r in risk_rows} == {system_user.pk}
    assert not Issue.history.filter(history_date__lt=month_ago).exists()  # a recent problem


def test_the_demo_history_is_in_the_order_it_was_written(system_user):
    """Dating back keeps each record's rows apart and in order, so "as it stood" picks
    the last one (a done action read as open when its rows shared one moment)."""
    governance_demo_load(by=system_user, today=timezone.localdate())
    for model in KINDS:
        by_record = {}
        for row in model.history.order_by("history_id"):
            by_record.setdefault(row.id, []).append(row.history_date)
        for dates in by_record.values():
            assert dates == sorted(dates) and len(set(dates)) == len(dates), model
