"""Editing the plan through its pages: forms, validation in Danish, quick edits in place
(htmx and without JavaScript), edit conflicts, deletes and dependencies."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.forms import CheckboxInput
from django.urls import reverse

from core.versioning import EditConflict
from milestones.forms import MilestoneForm, MilestoneQuickForm
from milestones.models import Activity, Dependency, Goal, Milestone
from milestones.services import plan as services
from tests.milestones.helpers import reload

pytestmark = pytest.mark.django_db


def post_data(form, **overrides) -> dict:
    """What a browser would post for an unbound form as shown, with some fields changed."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, datetime.date):
            value = value.isoformat()
        data[name] = "" if value is None else value
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value.isoformat() if isinstance(value, datetime.date) else value
    return data


def quick_url(milestone, **params):
    url = reverse("milestones:milestone_quick", args=[milestone.key])
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}?{query}" if query else url


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode()).strip()


HTMX = {"HTTP_HX_REQUEST": "true"}


# ---------------------------------------------------------------------------
# Create, edit, validation
# ---------------------------------------------------------------------------
def test_editor_creates_a_goal_an_activity_and_a_milestone(client_for, editor):
    client = client_for(editor)
    response = client.post(
        reverse("milestones:goal_create"),
        {"title": "Mål for test", "kind": "strategic", "number": "9", "description": ""},
    )
    goal = Goal.objects.get(title="Mål for test")
    assert response.status_code == 302 and goal.key == "mal-for-test"
    response = client.post(
        reverse("milestones:activity_create"),
        {
            "title": "Ny aktivitet",
            "track": Activity.Track.EXTERNAL,
            "responsible_party": Activity.objects.get(key="sorls-go-live").responsible_party_id,
            "goal": goal.pk,
            "status": Activity.Status.NOT_STARTED,
            "planned_start_precision": "day",
            "planned_end_precision": "day",
            "change_reason": "Besluttet på styregruppemødet",
        },
    )
    activity = Activity.objects.get(title="Ny aktivitet")
    assert response["Location"] == reverse("milestones:activity_detail", args=[activity.key])
    row = activity.history.get()
    assert (row.history_user, row.history_change_reason) == (
        editor,
        "Besluttet på styregruppemødet",
    )
    form = MilestoneForm(initial={"activity": activity})
    response = client.post(
        reverse("milestones:milestone_create"),
        post_data(
            form,
            title="Første leverance",
            forecast_date="2027-05-01",
            forecast_precision="month",
            status="planned",
            actual_precision="day",
        ),
    )
    assert response.status_code == 302, text(response)
    milestone = activity.milestones.get()
    assert milestone.forecast_date == datetime.date(2027, 5, 1)
    assert milestone.version == 1


def test_moving_the_forecast_needs_a_reason_and_keeps_what_was_typed(client_for, editor, milestone):
    client = client_for(editor)
    url = reverse("milestones:milestone_edit", args=[milestone.key])
    data = post_data(
        MilestoneForm(instance=milestone),
        title="Ny titel, der ikke må gå tabt",
        forecast_date="2027-06-15",
        change_reason="",
    )
    response = client.post(url, data)
    assert response.status_code == 200
    page = text(response)
    assert "Skriv hvorfor den forventede dato flyttes." in page
    assert 'value="Ny titel, der ikke må gå tabt"' in page
    assert 'value="2027-06-15"' in page
    assert reload(milestone).version == 1

    data["change_reason"] = "Leverandøren er forsinket"
    response = client.post(url, data)
    assert response.status_code == 302
    saved = reload(milestone)
    assert (saved.title, saved.forecast_date, saved.version) == (
        "Ny titel, der ikke må gå tabt",
        datetime.date(2027, 6, 15),
        2,
    )
    assert saved.history.first().history_change_reason == "Leverandøren er forsinket"


def test_other_changes_need_no_reason(client_for, editor, milestone):
    data = post_data(MilestoneForm(instance=milestone), title="Kun titlen ændres")
    response = client_for(editor).post(
        reverse("milestones:milestone_edit", args=[milestone.key]), data
    )
    assert response.status_code == 302
    assert reload(milestone).history.first().history_change_reason == ""


def test_actual_date_cannot_be_in_the_future(client_for, editor, milestone, today):
    tomorrow = today + datetime.timedelta(days=1)
    data = post_data(MilestoneQuickForm(instance=milestone), status="done", actual_date=tomorrow)
    response = client_for(editor).post(quick_url(milestone), data)
    assert response.status_code == 200
    assert "Den faktiske dato kan ikke ligge i fremtiden" in text(response)
    assert reload(milestone).status == "planned"


def test_today_is_copenhagen_time(client_for, editor, milestone):
    # 23:30 UTC on 31 December is already 1 January in Copenhagen.
    with time_machine.travel(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)):
        data = post_data(
            MilestoneQuickForm(instance=milestone),
            status="done",
            actual_date="2027-01-01",
        )
        response = client_for(editor).post(quick_url(milestone), data)
    assert response.status_code == 302, text(response)
    assert reload(milestone).actual_date == datetime.date(2027, 1, 1)


def test_an_imprecise_date_is_normalised_and_the_person_is_told(client_for, editor, milestone):
    data = post_data(
        MilestoneQuickForm(instance=milestone),
        forecast_date="2027-03-15",
        forecast_precision="month",
        change_reason="Ny plan",
    )
    response = client_for(editor).post(quick_url(milestone, ctx="activity"), data, **HTMX)
    assert response.status_code == 200
    assert reload(milestone).forecast_date == datetime.date(2027, 3, 1)
    page = text(response)
    assert "gemt som marts 2027 (periodens første dag, 01.03.2027)" in page
    assert "<html" not in page


def test_the_model_refuses_an_imprecise_date_that_is_not_the_start_of_its_period(milestone):
    milestone.forecast_date = datetime.date(2027, 5, 20)
    milestone.forecast_precision = "quarter"
    with pytest.raises(ValidationError) as error:
        milestone.full_clean()
    assert error.value.message_dict["forecast_date"] == [
        "Når præcisionen er “kvartal”, gemmes datoen som periodens første dag: "
        "skriv 01.04.2027 for 2. kvartal 2027."
    ]


def test_done_needs_an_actual_date_or_date_unknown(client_for, editor, milestone):
    client = client_for(editor)
    data = post_data(MilestoneQuickForm(instance=milestone), status="done")
    response = client.post(quick_url(milestone), data)
    assert "En nået milepæl skal have en faktisk dato" in text(response)
    assert reload(milestone).status == "planned"

    data["actual_date_unknown"] = "on"
    response = client.post(quick_url(milestone), data)
    assert response.status_code == 302
    saved = reload(milestone)
    assert (saved.status, saved.actual_date_unknown) == ("done", True)


def test_rag_override_needs_a_justification_and_is_shown_as_overridden(
    client_for, editor, steering, milestone
):
    client = client_for(editor)
    data = post_data(MilestoneQuickForm(instance=milestone), rag_override="red")
    response = client.post(quick_url(milestone), data)
    assert "Skriv en begrundelse, når RAG-status tilsidesættes." in text(response)

    data["rag_override_reason"] = "Leverandøren har meldt afbud til test"
    assert client.post(quick_url(milestone), data).status_code == 302
    page = text(
        client_for(steering).get(reverse("milestones:activity_detail", args=["sorls-go-live"]))
    )
    assert 'sp-rag--red">Rød</span>' in page
    assert "tilsidesat" in page
    assert "Tilsidesat af SOR-teamet: Leverandøren har meldt afbud til test" in page
    assert "Beregnet efter reglen: Ingen baseline." in page


def test_goal_rules_in_danish(client_for, editor):
    response = client_for(editor).post(
        reverse("milestones:goal_create"),
        {"title": "Et delmål", "kind": "sub_goal", "number": "1"},
    )
    assert "Et delmål skal have et overordnet mål." in text(response)


def test_activity_end_before_start_is_refused(client_for, editor):
    activity = Activity.objects.get(key="sorls-go-live")
    from milestones.forms import ActivityForm

    data = post_data(
        ActivityForm(instance=activity),
        planned_start="2027-05-01",
        planned_end="2027-01-01",
    )
    response = client_for(editor).post(
        reverse("milestones:activity_edit", args=[activity.key]), data
    )
    assert "Planlagt slut kan ikke ligge før planlagt start." in text(response)


# ---------------------------------------------------------------------------
# Quick edits in place
# ---------------------------------------------------------------------------
def test_quick_edit_with_htmx_swaps_the_row(client_for, editor, milestone):
    client = client_for(editor)
    response = client.get(quick_url(milestone, ctx="activity"), **HTMX)
    page = text(response)
    assert page.startswith(f'<tr id="milestone-{milestone.pk}" class="sp-quick-row">')
    assert 'hx-post="' in page and 'name="version" value="1"' in page

    data = post_data(
        MilestoneQuickForm(instance=milestone),
        forecast_date="2027-09-01",
        change_reason="Afventer NSP-release",
    )
    response = client.post(quick_url(milestone, ctx="activity"), data, **HTMX)
    page = text(response)
    assert response.status_code == 200
    assert page.startswith(f'<tr id="milestone-{milestone.pk}">')
    assert "1. september 2027" in page and "Gemt." in page
    assert reload(milestone).forecast_date == datetime.date(2027, 9, 1)


def test_quick_edit_without_javascript_is_a_form_post_and_a_redirect(client_for, editor, milestone):
    client = client_for(editor)
    back = reverse("milestones:activity_detail", args=["sorls-go-live"])
    response = client.get(quick_url(milestone, next=back))
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert 'hx-post="' not in response.content.decode()
    data = post_data(MilestoneQuickForm(instance=milestone), status="in_progress", change_reason="")
    response = client.post(quick_url(milestone, next=back), data)
    assert response.status_code == 302 and response["Location"] == back
    assert reload(milestone).status == "in_progress"
    # An outside "next" is not followed.
    data["version"] = 2
    data["status"] = "planned"
    response = client.post(quick_url(milestone, next="https://example.com/"), data)
    assert response["Location"].startswith("/plan/aktiviteter/sorls-go-live/")


def test_cancel_returns_the_display_row(client_for, editor, milestone):
    response = client_for(editor).get(
        reverse("milestones:milestone_row", args=[milestone.key]) + "?ctx=list", **HTMX
    )
    page = text(response)
    assert page.startswith(f'<tr id="milestone-{milestone.pk}">')
    assert "SOR Opslagsservice (SORLS) – go-live" in page  # the list's activity column


def test_readers_see_no_edit_controls(client_for, editor, steering, reporter):
    url = reverse("milestones:activity_detail", args=["sorls-go-live"])
    for user in (steering, reporter):
        page = client_for(user).get(url).content.decode()
        assert "/hurtig/" not in page and "/rediger/" not in page and "/slet/" not in page
    page = client_for(editor).get(url).content.decode()
    assert "/hurtig/" in page and "/rediger/" in page and "/slet/" in page


# ---------------------------------------------------------------------------
# Conflicts: no silent lost update
# ---------------------------------------------------------------------------
def test_conflicting_full_edit_is_refused_shows_the_other_change_and_can_be_reapplied(
    client_for, editor, other_editor, milestone
):
    client = client_for(editor)
    url = reverse("milestones:milestone_edit", args=[milestone.key])
    # The editor opens the form (version 1) ...
    seen = MilestoneForm(instance=milestone)
    # ... meanwhile the other editor moves the forecast and writes a description.
    services.milestone_update(
        milestone_id=milestone.pk,
        version=1,
        user=other_editor,
        data={
            "forecast_date": datetime.date(2027, 4, 1),
            "forecast_precision": "month",
            "description": "Afhænger af NSP.",
        },
        reason="Ny NSP-plan",
    )
    # The editor saves their own change (the title) from version 1.
    data = post_data(seen, title="SORLS i drift (første version)", change_reason="Præcis titel")
    response = client.post(url, data)
    assert response.status_code == 409
    page = text(response)
    assert "Ikke gemt: en anden har ændret det samme imens" in page
    assert "Olga Anden" in page and "Ny NSP-plan" in page
    assert "Forventet dato" in page and "april 2027" in page
    # The form is on the new version, with the editor's title and the other's description.
    assert 'name="version" value="2"' in page
    assert 'value="SORLS i drift (første version)"' in page
    assert "Afhænger af NSP." in page
    current = reload(milestone)
    assert (current.version, current.title) == (2, "Første version af SORLS i drift på NSP")

    # Re-applying: post the form as re-rendered.
    form = response.context["form"]
    response = client.post(url, post_data(form))
    assert response.status_code == 302
    saved = reload(milestone)
    assert saved.version == 3
    assert saved.title == "SORLS i drift (første version)"
    assert saved.forecast_date == datetime.date(2027, 4, 1)  # the other's change kept
    assert saved.description == "Afhænger af NSP."


def test_conflicting_quick_edit_shows_the_conflict_in_the_row(
    client_for, editor, other_editor, milestone
):
    client = client_for(editor)
    seen = MilestoneQuickForm(instance=milestone)
    services.milestone_update(
        milestone_id=milestone.pk,
        version=1,
        user=other_editor,
        data={"forecast_date": datetime.date(2027, 2, 1)},
        reason="Første bud",
    )
    data = post_data(seen, forecast_date="2027-08-01", change_reason="Mit bud")
    response = client.post(quick_url(milestone, ctx="activity"), data, **HTMX)
    assert response.status_code == 200  # htmx swaps 2xx only
    page = text(response)
    assert page.startswith(f'<tr id="milestone-{milestone.pk}" class="sp-quick-row">')
    assert "Ikke gemt: en anden har ændret det samme imens" in page
    assert "Olga Anden" in page and "1. februar 2027" in page and "Første bud" in page
    assert "I har begge ændret: Forventet dato" in page
    assert 'name="version" value="2"' in page
    assert 'value="01.08.2027"' in page  # the editor's own value (as a Danish date), to re-apply
    assert reload(milestone).forecast_date == datetime.date(2027, 2, 1)

    response = client.post(quick_url(milestone, ctx="activity"), {**data, "version": "2"}, **HTMX)
    assert reload(milestone).forecast_date == datetime.date(2027, 8, 1)
    assert reload(milestone).version == 3


def test_the_service_refuses_a_stale_version(milestone, editor):
    services.milestone_update(
        milestone_id=milestone.pk, version=1, user=editor, data={"title": "A"}
    )
    with pytest.raises(EditConflict) as conflict:
        services.milestone_update(
            milestone_id=milestone.pk, version=1, user=editor, data={"title": "B"}
        )
    assert conflict.value.current.version == 2
    assert [c.new for e in conflict.value.changes for c in e.changes] == ["A"]


# ---------------------------------------------------------------------------
# Deletes
# ---------------------------------------------------------------------------
def test_deleting_an_activity_with_milestones_asks_what_to_do(client_for, editor):
    client = client_for(editor)
    activity = Activity.objects.get(key="sorls-go-live")
    url = reverse("milestones:activity_delete", args=[activity.key])
    page = text(client.get(url))
    assert "Flyt dem til en anden aktivitet" in page and "Slet dem sammen med aktiviteten" in page
    response = client.post(url, {"version": 1})
    assert "Dette felt er påkrævet." in text(response)
    response = client.post(url, {"version": 1, "milestones": "move"})
    assert "Vælg den aktivitet, milepælene skal flyttes til." in text(response)
    assert Activity.objects.filter(pk=activity.pk).exists()

    target = Activity.objects.get(key="sor-backlog")
    moved = list(activity.milestones.values_list("pk", flat=True))
    response = client.post(
        url,
        {"version": 1, "milestones": "move", "move_to": target.pk, "change_reason": "Samles"},
    )
    assert response.status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert set(target.milestones.values_list("pk", flat=True)) >= set(moved)
    deleted = Activity.history.filter(id=activity.pk, history_type="-").get()
    assert (deleted.history_user, deleted.history_change_reason) == (editor, "Samles")


def test_deleting_an_activity_and_its_milestones(client_for, editor):
    activity = Activity.objects.get(key="pilottest-id27")
    ids = list(activity.milestones.values_list("pk", flat=True))
    assert Dependency.objects.filter(successor_id__in=ids).exists()
    response = client_for(editor).post(
        reverse("milestones:activity_delete", args=[activity.key]),
        {"version": 1, "milestones": "delete"},
    )
    assert response.status_code == 302
    assert not Milestone.objects.filter(pk__in=ids).exists()
    removed = Dependency.history.filter(successor_id__in=ids, history_type="-")
    assert removed.exists() and all(r.history_user == editor for r in removed)


def test_a_goal_with_activities_cannot_be_deleted(client_for, editor):
    goal = Goal.objects.get(key="maal-1-udfasning-af-shak")
    response = client_for(editor).post(
        reverse("milestones:goal_delete", args=[goal.key]), {"version": 1}
    )
    assert response.status_code == 200
    assert "kan ikke slettes, fordi der hører" in text(response)
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_deleting_a_milestone_with_a_stale_version_shows_the_change(
    client_for, editor, other_editor, milestone
):
    services.milestone_update(
        milestone_id=milestone.pk, version=1, user=other_editor, data={"status": "in_progress"}
    )
    client = client_for(editor)
    url = reverse("milestones:milestone_delete", args=[milestone.key])
    response = client.post(url, {"version": 1})
    assert response.status_code == 409
    assert "Olga Anden" in text(response) and "I gang" in text(response)
    assert client.post(url, {"version": 2}).status_code == 302
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


# ---------------------------------------------------------------------------
# Dependencies
# ---------------------------------------------------------------------------
def test_a_dependency_that_would_make_a_cycle_is_refused_naming_the_cycle(client_for, editor):
    first = Milestone.objects.get(key="fk-oss-sor-certificeret")
    last = Milestone.objects.get(key="kombit-boelge-2-udrullet")
    response = client_for(editor).post(
        reverse("milestones:dependency_add", args=[first.key]), {"predecessor": last.pk}
    )
    assert response.status_code == 200
    assert (
        "Afhængigheden vil give en løkke: Fase 4: Udrulning, bølge 2 gennemført → "
        "Fase 1: FK-OSS udviklet, testet og SOR-certificeret → "
        "Fase 2: Pilotafprøvning gennemført → Fase 3: Udrulning, bølge 1 gennemført → "
        "Fase 4: Udrulning, bølge 2 gennemført."
    ) in text(response)
    assert not Dependency.objects.filter(predecessor=last, successor=first).exists()


def test_adding_and_removing_a_dependency(client_for, editor, milestone):
    client = client_for(editor)
    other = Milestone.objects.get(key="sorls-udviklet-og-testet")
    response = client.post(
        reverse("milestones:dependency_add", args=[milestone.key]),
        {"predecessor": other.pk, "note": "Først udvikling", "change_reason": "Rækkefølge"},
    )
    assert response.status_code == 302
    link = Dependency.objects.get(predecessor=other, successor=milestone)
    assert link.history.get().history_change_reason == "Rækkefølge"
    response = client.post(reverse("milestones:dependency_remove", args=[link.pk]))
    assert response.status_code == 302
    assert not Dependency.objects.filter(pk=link.pk).exists()


# ---------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------
def test_milestone_list_filters_search_sort_and_pages(client_for, steering):
    client = client_for(steering)
    url = reverse("milestones:milestone_list")
    page = text(client.get(url, {"part": "kombit"}))
    assert "Fase 1: FK-OSS" in page and "SORLS udviklet" not in page
    page = text(client.get(url, {"q": "SORLS"}))
    assert "SORLS udviklet" in page and "Fase 1: FK-OSS" not in page
    page = text(client.get(url, {"spor": "internal_it", "status": "done"}))
    assert "Databasen er migreret" in page or "ID27 udviklet" in page
    assert "Fase 1: FK-OSS" not in page
    page = text(client.get(url, {"plan": "plan-001-beskrivelse-af-aktiviteter"}))
    assert "Capgemini" in page
    page = text(client.get(url, {"maal": "maal-2-udbud-og-transition"}))
    assert "CGI" in page and "SORLS" not in page
    response = client.get(url, {"sorter": "titel"})
    titles = [m.title for m in response.context["milestones"]]
    assert titles == sorted(titles)
    assert response.context["page"].paginator.count == Milestone.objects.count()
    # Unknown filter values are ignored, not an error.
    assert client.get(url, {"part": "findes-ikke", "sorter": "x"}).status_code == 200


def test_activity_and_goal_lists(client_for, steering):
    client = client_for(steering)
    page = text(client.get(reverse("milestones:activity_list"), {"part": "rsi"}))
    assert "Implementering af SOR i sundheds-it-systemer" in page
    assert "SORLS" not in page
    page = text(client.get(reverse("milestones:goal_list"), {"type": "sub_goal"}))
    assert "Nemt at bruge SOR-data" in page and "Udbud og transition" not in page
