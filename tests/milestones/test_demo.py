import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from milestones.models import Activity, Milestone, ProgressUpdate

pytestmark = pytest.mark.django_db


def test_demo_data_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo_data")


def test_demo_users_demo_marks_and_a_second_run_changes_nothing(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo_data")
    out = capsys.readouterr().out
    assert "sorplan-demo-2026" in out
    for username in ["redaktoer", "styregruppe", "region-midt", "rsi", "medcom", "kombit", "admin"]:
        # django-axes checks every log-in against its locks, so authenticate needs the request.
        request = RequestFactory().post("/konto/log-ind/")
        user = authenticate(request, username=username, password="sorplan-demo-2026")
        assert user is not None, username
    # Seed facts are untouched; only dates the seeds leave open are filled, and marked.
    assert Milestone.objects.get(key="cgi-valgt").actual_date_unknown
    # MedCom's start: the plan's December 2023 stays a fact; the reached date is the demo's.
    start = Milestone.objects.get(key="medcom-adresseringsprojekt-starter")
    assert start.forecast_date.isoformat() == "2023-12-01"
    assert "forecast_date" not in start.demo_fields
    assert {"status", "actual_date"} <= set(start.demo_fields)
    filled = Milestone.objects.exclude(demo_fields=[])
    assert filled.count() > 20
    assert not Milestone.objects.filter(
        demo_fields=[], forecast_date__isnull=True, actual_date_unknown=False
    ).exists()
    # Seed statuses are never the demo's: the stated and inferred ones keep their source.
    for activity in Activity.objects.exclude(status_source="team"):
        assert "status" not in activity.demo_fields, activity.key
    assert Activity.objects.get(key="migrering-db2-mssql").status == "done"
    assert ProgressUpdate.objects.filter(is_demo=True).count() == 3
    history = Milestone.history.count()
    call_command("load_demo_data")
    call_command("load_sor_roadmap")
    assert Milestone.history.count() == history


def test_demo_dates_respect_dependencies(settings):
    settings.DEBUG = True
    call_command("load_demo_data")
    phases = [
        Milestone.objects.get(key=k).forecast_date
        for k in [
            "fk-oss-sor-certificeret",
            "kombit-pilot-gennemfoert",
            "kombit-boelge-1-udrullet",
            "kombit-boelge-2-udrullet",
        ]
    ]
    assert phases == sorted(phases)


def test_demo_has_a_past_that_ends_in_the_present(settings):
    """History is backdated once so trends have something to show, and the
    newest history row of every milestone still equals the milestone."""
    settings.DEBUG = True
    call_command("load_demo_data")
    for milestone in Milestone.objects.all():
        latest = milestone.history.order_by("-history_date", "-history_id").first()
        for field in ["forecast_date", "status", "actual_date", "title", "demo_fields"]:
            assert getattr(latest, field) == getattr(milestone, field), (milestone.key, field)
    oldest = Milestone.history.order_by("history_date").first().history_date
    from django.utils import timezone

    assert (timezone.now() - oldest).days > 360
    moved = Milestone.history.filter(history_change_reason__endswith="ny forventet dato")
    assert moved.exists()
