"""Baselines (set, activate, compare) and RAG with slip on the pages, by the rule in
milestones.rag."""

import datetime
import re

import pytest
from django.urls import reverse

from milestones.models import Baseline, BaselineEntry, Milestone, ProgressUpdate, ReportingRound
from milestones.rag import add_months
from tests.helpers import forecast_move
from tests.milestones.helpers import ACTIVE_BASELINE, OLDER_BASELINE, reload, set_baseline_date

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def row_of(page: str, milestone) -> str:
    match = re.search(rf'<tr id="milestone-{milestone.pk}">(.*?)</tr>', page)
    assert match, f"no row for {milestone}"
    return match.group(1)


@pytest.fixture
def two_months_late(editor, milestone, today):
    """Baseline date a month and a half ahead; forecast two calendar months after it."""
    baseline_date = today + datetime.timedelta(days=45)
    forecast = add_months(baseline_date, 2)
    set_baseline_date(milestone, baseline_date)
    forecast_move(milestone, to=forecast, precision=None, user=editor, reason="Forsinket")
    return baseline_date, forecast


def test_a_milestone_two_months_late_is_yellow_with_its_slip(
    client_for, steering, milestone, two_months_late
):
    baseline_date, forecast = two_months_late
    days = (forecast - baseline_date).days
    page = text(
        client_for(steering).get(reverse("milestones:activity_detail", args=["sorls-go-live"]))
    )
    row = row_of(page, milestone)
    assert 'sp-rag--yellow">Gul</span>' in row
    assert "beregnet" in row
    assert f"1-3 måneder forsinket i forhold til baseline ({days} dage)." in row
    assert f"{days} dage senere" in row and "2 kalendermåneder" in row
    # The activity rolls up its milestones: worst with the reason, beside the counts.
    assert 'sp-rag--yellow">Gul</span>' in page.split("RAG efter reglen")[1]
    assert "1 gul · 1 ingen baseline" in re.sub(r"<[^>]+>", "", page)


def test_the_roadmap_and_lists_show_rag(client_for, reporter, milestone, two_months_late):
    client = client_for(reporter)
    page = text(client.get(reverse("milestones:roadmap")))
    # Compact on the roadmap: computed or overridden in words, the reason as a title.
    row = re.search(r"Første version af SORLS i drift på NSP</a>.*?</tr>", page).group(0)
    assert re.search(
        r'sp-rag--yellow" title="1-3 måneder forsinket i forhold til baseline \(\d+ dage\)\.">Gul',
        row,
    )
    assert "beregnet" in row and "2 kalendermåneder" in row
    page = text(client.get(reverse("milestones:milestone_list"), {"q": "SORLS"}))
    assert 'sp-rag--yellow">Gul</span>' in row_of(page, milestone)
    page = text(client.get(reverse("milestones:activity_list"), {"q": "SORLS"}))
    assert 'sp-rag--yellow">Gul</span>' in page


def test_overdue_without_actual_date_is_red(client_for, steering, editor, milestone, today):
    set_baseline_date(milestone, today - datetime.timedelta(days=20))
    forecast_move(
        milestone, to=today - datetime.timedelta(days=10), precision=None, user=editor, reason="x"
    )
    page = text(
        client_for(steering).get(reverse("milestones:milestone_detail", args=[milestone.key]))
    )
    assert 'sp-rag--red">Rød</span>' in page
    assert "er passeret uden en faktisk dato" in page


def test_editor_sets_a_new_baseline_from_current_forecasts(
    client_for, editor, milestone, two_months_late
):
    _baseline_date, forecast = two_months_late
    response = client_for(editor).post(
        reverse("milestones:baseline_create"),
        {"name": "Baseline efter styregruppemødet", "change_reason": "Ny plan godkendt"},
    )
    baseline = Baseline.objects.get(name="Baseline efter styregruppemødet")
    assert response["Location"] == reverse("milestones:baseline_detail", args=[baseline.key])
    assert (baseline.created_by, baseline.is_active, baseline.is_plan_version) == (
        editor,
        False,
        False,
    )
    assert baseline.frozen_at is not None
    assert baseline.entries.count() == Milestone.objects.count()
    entry = baseline.entries.get(milestone=milestone)
    assert (entry.date, entry.precision) == (forecast, "day")
    assert baseline.history.get().history_change_reason == "Ny plan godkendt"
    # Frozen: later forecast changes do not touch it.
    forecast_move(milestone, to=add_months(forecast, 1), precision=None, user=editor, reason="Igen")
    assert baseline.entries.get(milestone=milestone).date == forecast


def test_activating_a_baseline_changes_what_rag_is_measured_against(
    client_for, editor, steering, milestone, two_months_late
):
    client = client_for(editor)
    client.post(reverse("milestones:baseline_create"), {"name": "Ny baseline", "activate": "on"})
    new = Baseline.objects.get(name="Ny baseline")
    assert list(Baseline.objects.filter(is_active=True)) == [new]
    page = text(
        client_for(steering).get(reverse("milestones:milestone_detail", args=[milestone.key]))
    )
    assert "Følger baseline." in page  # the new baseline is the current forecast

    response = client.post(reverse("milestones:baseline_activate", args=[ACTIVE_BASELINE]))
    assert response.status_code == 302
    assert Baseline.objects.get(is_active=True).key == ACTIVE_BASELINE
    assert reload(new).history.first().history_user == editor
    page = text(
        client_for(steering).get(reverse("milestones:milestone_detail", args=[milestone.key]))
    )
    assert 'sp-rag--yellow">Gul</span>' in page


def test_pages_compare_against_any_baseline(
    client_for, steering, milestone, two_months_late, today
):
    set_baseline_date(milestone, add_months(two_months_late[1], -4), baseline_key=OLDER_BASELINE)
    client = client_for(steering)
    url = reverse("milestones:activity_detail", args=["sorls-go-live"])
    active = row_of(text(client.get(url)), milestone)
    older_page = text(client.get(url, {"baseline": OLDER_BASELINE}))
    older = row_of(older_page, milestone)
    assert 'sp-rag--yellow">Gul</span>' in active
    assert 'sp-rag--red">Rød</span>' in older and "4 kalendermåneder" in older
    assert "målt mod baselinen “Beskrivelse af aktiviteter i planen”, ikke den aktive" in older_page
    # The milestone page shows its date in every baseline.
    page = text(client.get(reverse("milestones:milestone_detail", args=[milestone.key])))
    assert "Beskrivelse af aktiviteter i planen" in page and "Milepælsplan" in page
    # The milestone list too.
    page = text(client.get(reverse("milestones:milestone_list"), {"baseline": OLDER_BASELINE}))
    assert "4 kalendermåneder" in row_of(page, milestone)
    # The baseline page measures every entry against itself.
    page = text(client.get(reverse("milestones:baseline_detail", args=[OLDER_BASELINE])))
    assert 'sp-rag--red">Rød</span>' in page


def test_the_quick_edit_row_keeps_the_compared_baseline(
    client_for, editor, milestone, two_months_late
):
    set_baseline_date(milestone, add_months(two_months_late[1], -4), baseline_key=OLDER_BASELINE)
    response = client_for(editor).get(
        reverse("milestones:milestone_row", args=[milestone.key])
        + f"?ctx=activity&baseline={OLDER_BASELINE}",
        HTTP_HX_REQUEST="true",
    )
    assert "4 kalendermåneder" in text(response)


def test_self_assessment_is_shown_apart_from_the_computed_rag(
    client_for, steering, milestone, two_months_late, system_user
):
    activity = milestone.activity
    round_ = ReportingRound.objects.create(
        period=datetime.date(2026, 10, 1),
        opens_on=datetime.date(2026, 10, 1),
        due_on=datetime.date(2026, 10, 30),
    )
    ProgressUpdate.objects.create(
        round=round_,
        party=activity.responsible_party,
        activity=activity,
        status=ProgressUpdate.Status.ACCEPTED,
        self_rag="green",
        self_rag_reason="Vi er på sporet",
    )
    ProgressUpdate.objects.create(  # a draft is never shown
        round=ReportingRound.objects.create(
            period=datetime.date(2026, 11, 1),
            opens_on=datetime.date(2026, 11, 1),
            due_on=datetime.date(2026, 11, 30),
        ),
        party=activity.responsible_party,
        activity=activity,
        status=ProgressUpdate.Status.DRAFT,
        self_rag="red",
    )
    page = text(
        client_for(steering).get(reverse("milestones:activity_detail", args=[activity.key]))
    )
    computed, own = page.split("Partens egen vurdering</dt>")
    assert 'sp-rag--yellow">Gul</span>' in computed.split("RAG efter reglen")[1]
    assert 'sp-rag--green">Grøn</span>' in own.split("</dd>")[0]
    assert "egen vurdering, oktober 2026" in own and "Vi er på sporet" in own
    assert 'sp-rag--red">Rød' not in own.split("</dd>")[0]


def test_no_active_baseline_shows_grey(client_for, steering, milestone):
    Baseline.objects.filter(is_active=True).update(is_active=False)
    page = text(
        client_for(steering).get(reverse("milestones:milestone_detail", args=[milestone.key]))
    )
    assert 'sp-rag--grey">Ingen baseline</span>' in page
    assert "Der er ingen aktiv baseline" in page
    assert BaselineEntry.objects.filter(milestone=milestone).exists()
