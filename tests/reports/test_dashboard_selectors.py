"""The dashboard's selectors at their edges: no baseline, all done, a party with
nothing due, the 90-day window, slip order, what blocks whom, change since last month."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from milestones.models import Activity, Baseline, Milestone, ProgressUpdate, ReportingRound
from milestones.rag import Rag, rags_for, rollup
from reports import selectors
from reports.selectors import snapshot
from tests.reports.helpers import (
    ago,
    change_at,
    days,
    depend,
    make_activity,
    make_milestone,
    make_party,
    save_at,
    today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def board(**kw):
    return selectors.dashboard(use_cache=False, **kw)


def test_overall_status_is_the_rag_rollup_of_every_milestone():
    result = board()
    milestones = list(Milestone.objects.order_by("pk"))
    expected = rollup(
        (m, r)
        for m, r in zip(milestones, rags_for(milestones, today=today()).values(), strict=True)
    )
    assert result.overall.rollup.rag == expected.rag
    assert result.overall.rollup.counts == expected.counts
    assert result.overall.rollup.reason == expected.reason
    # Every track of the seed plan has a line; no template has to compute anything.
    assert {line.key for line in result.tracks} == set(Activity.Track.values)
    assert result.baseline_name


def test_without_any_baseline_nothing_is_slipped_only_overdue_and_the_rest_grey():
    for b in Baseline.objects.filter(is_active=True):
        b.is_active = False
        save_at(b)
    party = make_party("t-uden-baseline")
    act = make_activity(party, "t-akt")
    make_milestone(act, "t-fremtid", forecast=days(30))
    make_milestone(act, "t-forfalden", forecast=days(-10))
    result = board(party="t-uden-baseline")
    assert result.baseline_name == ""
    assert [m.key for m in result.slipped] == ["t-forfalden"]
    assert result.slipped[0].rag.slip_days is None
    assert result.slipped[0].overdue_days == 10
    assert result.overall.rollup.counts[Rag.GREY] == 1
    assert result.overall.rollup.counts[Rag.RED] == 1


def test_a_party_with_everything_done_rolls_up_as_done_and_has_nothing_due():
    party = make_party("t-faerdig")
    act = make_activity(party, "t-akt-faerdig")
    for n in range(3):
        make_milestone(
            act,
            f"t-naaet-{n}",
            forecast=days(-20 - n),
            actual_date=days(-20 - n),
            status=Milestone.Status.DONE,
            baseline=days(-20 - n),
        )
    result = board(party="t-faerdig")
    (line,) = result.parties
    assert line.rollup.rag == Rag.DONE
    assert line.rollup.reason == "Alle milepæle er nået."
    assert line.open_count == 0
    assert result.due_soon == [] and result.slipped == []
    assert {m.key for m in result.completed} == {"t-naaet-0", "t-naaet-1", "t-naaet-2"}


def test_a_party_with_no_milestones_is_listed_with_nothing_to_rate():
    party = make_party("t-tom")
    make_activity(party, "t-akt-tom")
    result = board(party="t-tom")
    (line,) = result.parties
    assert line.party.key == "t-tom"
    assert line.rollup.rag == Rag.GREY
    assert line.rollup.total == 0
    assert result.due_soon == [] and result.completed == [] and result.blockers == []
    assert result.overall.rollup.reason == "Ingen åbne milepæle at vurdere."


def test_due_in_the_next_90_days_counts_from_today_to_day_90_inclusive():
    party = make_party("t-frist")
    act = make_activity(party, "t-akt-frist")
    for key, offset in [("i-dag", 0), ("dag-90", 90), ("dag-91", 91), ("i-gaar", -1)]:
        make_milestone(act, f"t-{key}", forecast=days(offset), baseline=days(offset))
    # A month-precise forecast counts by the end of its month.
    make_milestone(act, "t-maaned", forecast=days(120).replace(day=1), forecast_precision="month")
    result = board(party="t-frist")
    keys = [m.key for m in result.due_soon]
    assert keys[:2] == ["t-i-dag", "t-dag-90"]
    assert "t-dag-91" not in keys and "t-i-gaar" not in keys
    month_end = selectors.month_ends(days(120).replace(day=1), days(160))[0]
    assert ("t-maaned" in keys) == ((month_end - today()).days <= 90)
    assert result.due_until == days(90)


def test_slipped_milestones_are_sorted_by_slip_with_days_and_months():
    party = make_party("t-slip")
    act = make_activity(party, "t-akt-slip")
    make_milestone(act, "t-lidt", forecast=days(100), baseline=days(80))
    make_milestone(act, "t-meget", forecast=days(300), baseline=days(100))
    make_milestone(act, "t-foran", forecast=days(50), baseline=days(60))
    result = board(party="t-slip")
    assert [m.key for m in result.slipped] == ["t-meget", "t-lidt"]
    worst = result.slipped[0]
    assert worst.rag.slip_days == 200
    assert worst.rag.slip_months == 6
    assert worst.rag.rag == Rag.RED
    assert result.overall.rollup.worst_milestone_id == worst.id


def test_what_blocks_whom_follows_dependants_transitively_and_flags_the_threatened():
    party = make_party("t-blok")
    act = make_activity(party, "t-akt-blok")
    late = make_milestone(act, "t-sen", forecast=days(200), baseline=days(60))
    before = make_milestone(act, "t-foer", forecast=days(100), baseline=days(100))
    after = make_milestone(act, "t-efter", forecast=days(300), baseline=days(300))
    indirect = make_milestone(act, "t-indirekte", forecast=days(150), baseline=days(150))
    depend(late, before)
    depend(late, after)
    depend(after, indirect)
    result = board(party="t-blok")
    (row,) = result.blockers
    assert row.milestone.key == "t-sen"
    found = {d.milestone.key: d for d in row.dependants}
    assert set(found) == {"t-foer", "t-efter", "t-indirekte"}
    assert found["t-foer"].threatened and found["t-indirekte"].threatened
    assert not found["t-efter"].threatened
    assert found["t-indirekte"].depth == 2
    assert (row.dependant_count, row.threatened_count) == (3, 2)
    # Threatened first.
    assert not row.dependants[-1].threatened
    assert result.blockers_total == 1


@pytest.mark.usefixtures("past_baseline")
def test_change_since_the_end_of_last_month_comes_from_history():
    party = make_party("t-aendring", ago(200))
    act = make_activity(party, "t-akt-aendring", ago(200))
    last_month = today().replace(day=1) - datetime.timedelta(days=20)
    good = make_milestone(act, "t-var-god", forecast=days(200), when=ago(150), baseline=days(200))
    make_milestone(act, "t-stabil", forecast=days(250), when=ago(150), baseline=days(250))
    # After the end of last month the first slips five months.
    change_at(good, forecast_date=days(350))
    result = board(party="t-aendring")
    (line,) = result.parties
    assert line.previous.rag == Rag.GREEN
    assert line.rollup.rag == Rag.RED
    assert line.change == "worse"
    assert result.overall.change == "worse"
    assert result.previous_day == today().replace(day=1) - datetime.timedelta(days=1)
    assert last_month < today()


@pytest.mark.usefixtures("past_baseline")
def test_a_party_new_since_last_month_has_no_change_to_report():
    party = make_party("t-ny")
    act = make_activity(party, "t-akt-ny")
    make_milestone(act, "t-ny-ms", forecast=days(100), baseline=days(100))
    (line,) = board(party="t-ny").parties
    assert line.previous is None
    assert line.change == "new"


def test_reporting_round_says_who_reported_and_who_is_overdue(system_user):
    reported = make_party("t-rapporteret")
    late = make_party("t-sent")
    a1 = make_activity(reported, "t-akt-r1")
    a2 = make_activity(late, "t-akt-r2")
    period = today().replace(day=1) - datetime.timedelta(days=400)
    round_ = save_at(
        ReportingRound(
            period=period.replace(day=1),
            opens_on=days(-20),
            due_on=days(-1),
            created_by=system_user,
        )
    )
    from milestones.models import RoundObligation

    for party, act in ((reported, a1), (late, a2)):
        save_at(RoundObligation(round=round_, party=party, activity=act))
    save_at(
        ProgressUpdate(
            round=round_,
            party=reported,
            activity=a1,
            status=ProgressUpdate.Status.SUBMITTED,
            help_needed="En beslutning om bølge 2.",
        )
    )
    save_at(
        ProgressUpdate(
            round=round_, party=late, activity=a2, status=ProgressUpdate.Status.DRAFT, risks="x"
        )
    )
    status = selectors.reporting_round_status(today=today())
    assert status is not None and status.id == round_.id
    rows = {r.party.key: r for r in status.parties}
    assert rows["t-rapporteret"].state == "reported"
    assert rows["t-sent"].state == "overdue"
    assert rows["t-sent"].drafts == 1
    assert status.parties[0].party.key == "t-sent"  # overdue first
    result = board()
    keys = {(c.party.key, c.help_needed) for c in result.concerns}
    # Only submitted or accepted updates count: the draft's risk is not shown.
    assert ("t-rapporteret", "En beslutning om bølge 2.") in keys
    assert not any(c.party.key == "t-sent" for c in result.concerns)


def test_rollout_counts_municipalities_per_phase_and_region():
    rollout = selectors.rollout_status()
    assert [p.number for p in rollout.phases] == [1, 2, 3, 4]
    assert [p.total for p in rollout.phases] == [0, 4, 9, 85]
    assert rollout.total.total == 98
    assert len(rollout.regions) == 5
    assert sum(r.total for r in rollout.regions) == 98
    assert all(p.not_started_percent == 100 for p in rollout.phases if p.total)


def test_timeline_pages_through_activities_a_track_and_party_at_a_time():
    party = make_party("t-gantt")
    for n in range(7):
        act = make_activity(party, f"t-gantt-{n}", planned_start=days(-30), planned_end=days(300))
        make_milestone(act, f"t-gantt-ms-{n}", forecast=days(60), baseline=days(0))
    first = selectors.roadmap_timeline(party="t-gantt", page_size=3)
    assert (first.activity_total, first.page_count, first.page) == (7, 3, 1)
    assert len(first.activities) == 3
    last = selectors.roadmap_timeline(party="t-gantt", page_size=3, page=99)
    assert last.page == 3 and len(last.activities) == 1
    item = first.activities[0]
    assert item.start == days(-30) and item.end == days(300)
    assert item.milestones[0].rag.rag == Rag.YELLOW
    # A period that ends before the activities leaves them out.
    gone = selectors.roadmap_timeline(party="t-gantt", start=days(400), end=days(500))
    assert gone.activity_total == 0


def test_trend_gives_the_forecast_at_each_month_end_and_ends_on_the_diagonal():
    party = make_party("t-trend", ago(200))
    act = make_activity(party, "t-akt-trend", ago(200))
    first_month_end = today().replace(day=1) - datetime.timedelta(days=1)
    three_back = selectors.month_ends(
        selectors.add_months(first_month_end.replace(day=1), -3), first_month_end
    )
    ms = make_milestone(act, "t-mta", forecast=days(200), when=ago(150))
    # Slipped just after the month end three months back.
    moment = timezone.make_aware(
        datetime.datetime.combine(three_back[0] + datetime.timedelta(days=2), datetime.time(9))
    )
    change_at(ms, moment, forecast_date=days(260))
    reached = make_milestone(
        act, "t-mta-naaet", forecast=three_back[1] - datetime.timedelta(days=3), when=ago(150)
    )
    change_at(
        reached,
        timezone.make_aware(datetime.datetime.combine(three_back[1], datetime.time(9))),
        actual_date=three_back[1] - datetime.timedelta(days=3),
        status=Milestone.Status.DONE,
    )
    trend = selectors.milestone_trend(milestone_ids=[ms.pk, reached.pk], months=4)
    assert trend.report_dates[-1] == today()
    assert trend.ends_today
    line, done = trend.series
    by_date = {p.report_date: p.forecast for p in line.points}
    assert by_date[three_back[0]] == days(200)
    assert by_date[three_back[1]] == days(260)
    assert line.moved_days == 60
    assert done.points[-1].reached
    assert done.points[-1].forecast == done.points[-1].report_date
    table = {row.series.milestone.key: row for row in trend.table}
    assert table["t-mta-naaet"].reached == three_back[1] - datetime.timedelta(days=3)


def test_timeline_and_trend_from_a_plan_already_read_are_the_same_as_read_alone():
    """The monthly report hands its own plan (read and rated once) to both charts."""
    party = make_party("t-plan-chart", ago(200))
    other = make_party("t-plan-chart-2", ago(200))
    ids = []
    for n, owner in enumerate([party, party, other, other, party]):
        act = make_activity(
            owner, f"t-plan-chart-{n}", planned_start=days(-30 - n), planned_end=days(300)
        )
        ms = make_milestone(act, f"t-plan-chart-ms-{n}", forecast=days(60 + n), baseline=days(0))
        change_at(ms, ago(20), forecast_date=days(90 + n))
        ids.append(ms.pk)
    # Outside the timeline's window: left out by both.
    make_activity(party, "t-plan-chart-old", planned_start=days(-900), planned_end=days(-800))
    with time_machine.travel(timezone.now(), tick=False):
        point = selectors.point_in_time(None)
        plan = snapshot.plan_snapshot(at=point.at, today=point.today)
        for kwargs in ({}, {"page_size": 2, "page": 2}, {"party": "t-plan-chart"}):
            alone = selectors.roadmap_timeline(**kwargs)
            from_plan = selectors.roadmap_timeline(plan=plan, **kwargs)
            assert from_plan == alone
            assert from_plan.activities
        trend = selectors.milestone_trend(milestone_ids=ids[:3], months=3)
        assert selectors.milestone_trend(milestone_ids=ids[:3], months=3, plan=plan) == trend
    assert [s.milestone.key for s in trend.series] == [f"t-plan-chart-ms-{n}" for n in range(3)]


def test_timeline_and_trend_from_a_plan_read_nothing_more(django_assert_max_num_queries):
    party = make_party("t-plan-q", ago(200))
    act = make_activity(party, "t-plan-q-act", planned_start=days(-30), planned_end=days(300))
    ms = make_milestone(act, "t-plan-q-ms", forecast=days(60), baseline=days(0))
    point = selectors.point_in_time(None)
    plan = snapshot.plan_snapshot(at=point.at, today=point.today)
    with django_assert_max_num_queries(0):
        selectors.roadmap_timeline(plan=plan)
    # The forecasts' history only.
    with django_assert_max_num_queries(1):
        selectors.milestone_trend(milestone_ids=[ms.pk], plan=plan)


def test_as_of_must_be_aware():
    with pytest.raises(ValueError):
        selectors.dashboard(as_of=datetime.datetime(2026, 1, 1), use_cache=False)  # noqa: DTZ001
