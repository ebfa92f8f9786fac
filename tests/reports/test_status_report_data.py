"""The report's figures for a known month: built on the dashboard's selectors,
compared with the previous report's moment, frozen as JSON."""

import datetime
import io
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.history import system_user_get
from milestones.rag import Rag
from reports import services
from reports.models import StatusReport
from tests.reports.helpers import (
    ACHIEVEMENT,
    DONE_REASON,
    HELP_NEEDED,
    SLIP_REASON,
    da_date,
    known_month_build,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(db):
    return known_month_build()


def _draft(known):
    with time_machine.travel(known.run_at, tick=False):
        report, created = services.status_report_generate(
            period=known.period, user=system_user_get()
        )
        assert created
        return report, services.status_report_data(report)


def test_the_report_moment_is_the_first_moment_of_the_next_month_in_copenhagen():
    as_of = services.report_as_of(datetime.date(2027, 3, 1))
    assert as_of.isoformat() == "2027-04-01T00:00:00+02:00"  # summer time
    as_of = services.report_as_of(datetime.date(2026, 10, 1))
    assert as_of.isoformat() == "2026-11-01T00:00:00+01:00"


def test_period_parse_gives_a_danish_message_for_nonsense():
    assert services.report_period_parse("2026-10") == datetime.date(2026, 10, 1)
    with pytest.raises(ValidationError, match="år-måned"):
        services.report_period_parse("oktober")


def test_a_report_is_only_made_for_a_finished_month(db):
    with pytest.raises(ValidationError, match="afsluttet"):
        services.status_report_generate(
            period=timezone.localdate().replace(day=1), user=system_user_get()
        )


def test_generate_is_idempotent_and_the_database_allows_one_report_per_period(known):
    with time_machine.travel(known.run_at, tick=False):
        first, created = services.status_report_generate(
            period=known.period, user=system_user_get()
        )
        again, created_again = services.status_report_generate(
            period=known.period, user=system_user_get()
        )
    assert created and not created_again and first.pk == again.pk
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        StatusReport.objects.create(period=known.period, as_of=first.as_of)


def test_overall_status_and_the_change_since_the_start_of_the_period(known):
    report, data = _draft(known)
    assert data["overall"]["now"]["rag"] == Rag.RED
    assert known.slipping.title in data["overall"]["now"]["reason"]
    # The seed plan's own overdue milestones (e.g. MedCom's start, December 2023)
    # were red at the start of the period too.
    assert data["overall"]["before"]["rag"] == Rag.RED
    assert data["overall"]["change"] == "same"
    midt = next(p for p in data["parties"] if p["key"] == "region-midtjylland")
    assert (midt["before"]["rag"], midt["now"]["rag"]) == (Rag.GREEN, Rag.RED)
    assert midt["change"] == "worse" and midt["change_label"] == "Værre"
    kombit = next(p for p in data["parties"] if p["key"] == "kombit")
    assert kombit["change"] == "same"


def test_milestones_with_previous_rag_completed_and_slipped_this_period(known):
    _report, data = _draft(known)
    rows = {r["key"]: r for r in data["all_milestones"]}
    slipping = rows[known.slipping.key]
    assert slipping["rag"] == Rag.RED and slipping["previous_rag"] == Rag.GREEN
    assert slipping["baseline"] == da_date(known.baseline_date)
    assert slipping["forecast"] == da_date(known.new_forecast)
    assert slipping["slip_days"] == (known.new_forecast - known.baseline_date).days
    steady = rows[known.steady.key]
    assert steady["rag"] == steady["previous_rag"] == Rag.GREEN and not steady["rag_changed"]

    assert [r["key"] for r in data["completed"]] == [known.reached.key]
    assert data["completed"][0]["actual"] == da_date(known.reached_on)
    # Done "date unknown" facts loaded long ago are not news of this period.
    assert all(r["key"] != "cgi-valgt" for r in data["completed"])

    assert [r["key"] for r in data["slipped"]] == [known.slipping.key]
    why = data["slipped"][0]["why"]
    assert da_date(known.old_forecast) in why and da_date(known.new_forecast) in why

    assert data["focus"][0]["key"] == known.slipping.key
    assert data["milestone_total"] == 38 and not data["appendix"]["spreadsheet"]
    assert data["appendix"]["shown"] == 38


def test_what_changed_comes_from_history_with_who_and_why(known):
    _report, data = _draft(known)
    groups = {g["activity"]: g for g in data["changes"]["groups"]}
    entries = groups[known.slipping.activity.title]["entries"]
    slip = next(e for e in entries if e["reason"] == SLIP_REASON)
    assert slip["who"] == "Rikke Redaktør"
    assert any(c["new"] == da_date(known.new_forecast) for c in slip["changes"])
    reached = groups[known.reached.activity.title]["entries"]
    assert any(e["reason"] == DONE_REASON for e in reached)
    # The setup a month before is not "since the last report".
    assert not any(
        e["reason"] == "Plan lagt" for g in data["changes"]["groups"] for e in g["entries"]
    )


def test_round_who_reported_who_did_not_highlights_and_help(known):
    _report, data = _draft(known)
    round_ = data["round"]
    assert (round_["reported_count"], round_["party_count"]) == (1, 2)
    assert [p["party"] for p in round_["reported"]] == ["Region Midtjylland"]
    assert [p["party"] for p in round_["missing"]] == ["Regionernes Sundheds-IT"]
    assert round_["highlights"][0]["achievements"] == ACHIEVEMENT
    assert any(c["help_needed"] == HELP_NEEDED for c in data["concerns"])


def test_rollout_and_charts_come_from_the_dashboard(known):
    _report, data = _draft(known)
    assert [p["number"] for p in data["rollout"]["phases"]] == [1, 2, 3, 4]
    assert data["rollout"]["total"]["total"] == 98
    assert data["charts"]["gantt_pages"] and data["charts"]["gantt_pages"][0].startswith("<svg")
    assert data["charts"]["mta"].startswith("<svg")


def test_the_figures_survive_a_json_round_trip_unchanged(known):
    _report, data = _draft(known)
    assert json.loads(json.dumps(data)) == data


def test_a_big_programme_moves_the_full_list_to_a_spreadsheet(known, settings):
    import io

    from openpyxl import load_workbook

    from reports import report_data, report_xlsx

    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        data = report_data.build(
            period=report.period, as_of=report.as_of, previous=None, appendix_limit=10
        )
    assert data["appendix"]["spreadsheet"]
    shown = [m for g in data["appendix"]["groups"] for m in g["milestones"]]
    assert shown and all(m["rag"] in (Rag.RED, Rag.YELLOW) for m in shown)
    assert len(shown) == data["appendix"]["shown"] <= 10
    # Capped like the other lists: the worst first, the spreadsheet keeps every row.
    with time_machine.travel(known.run_at, tick=False):
        capped = report_data.build(
            period=report.period, as_of=report.as_of, previous=None, appendix_limit=1
        )["appendix"]
    assert capped["shown"] == 1 and capped["attention"] >= 1
    (worst,) = [m for g in capped["groups"] for m in g["milestones"]]
    assert (
        worst["rag"]
        == min((m for m in shown), key=lambda m: (m["rag"] != Rag.RED, -(m["slip_days"] or 0)))[
            "rag"
        ]
    )
    sheet = load_workbook(io.BytesIO(report_xlsx.milestones_xlsx(data))).active
    assert sheet.max_row == 1 + data["milestone_total"]
    assert sheet["C1"].value == "Milepæl"
    assert known.slipping.title in {c.value for c in sheet["C"]}
    # Each row is the report's row, column by column (an empty text an empty cell).
    (row,) = [
        r for r in sheet.iter_rows(min_row=2, values_only=True) if r[2] == known.slipping.title
    ]
    (expected,) = [m for m in data["all_milestones"] if m["title"] == known.slipping.title]
    assert list(row) == [
        None if expected[key] in ("", None) else expected[key]
        for key, _label in report_xlsx.XLSX_COLUMNS
    ]
    assert row[6] == expected["slip_days"] and isinstance(row[6], int)


PAYLOADS = [
    '=HYPERLINK("https://example.invalid/","Klik her")',
    "\t=1+1",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\r=1",
]


def test_the_appendix_keeps_formula_looking_titles_as_text():
    """A milestone or activity titled like a formula is text in the report's spreadsheet,
    never a formula a spreadsheet program would run."""
    from openpyxl import load_workbook

    from reports import report_xlsx

    rows = [
        {"activity": payload, "party": payload, "title": payload, "rag_reason": payload}
        for payload in PAYLOADS
    ]
    content = report_xlsx.milestones_xlsx(
        {"as_of": "2026-11-01T07:00:00+01:00", "all_milestones": rows}
    )
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [sheet.cell(row=r, column=c) for r in range(2, 2 + len(PAYLOADS)) for c in (1, 2, 3)]
    assert all(cell.data_type == "s" for cell in cells)
    # The file's XML keeps a carriage return as a line feed; the cell is text either way.
    titles = [sheet.cell(row=r, column=3).value for r in range(2, 2 + len(PAYLOADS))]
    assert [title.replace("\n", "\r") for title in titles] == PAYLOADS
    assert all(cell.quotePrefix for cell in cells)


def test_the_trend_chart_shows_the_dashboards_default_milestones(known):
    """The report picks the MTA's milestones from its own rated plan; they are the ones
    the dashboard's trend chart shows by default at the report's moment."""
    from reports import report_data, selectors
    from reports.selectors import snapshot

    as_of = services.report_as_of(known.period)
    with time_machine.travel(known.run_at, tick=False):
        point = selectors.point_in_time(as_of)
        plan = snapshot.plan_snapshot(at=point.at, today=point.today)
        chosen = report_data._trend_milestones(selectors.milestone_lists(plan))
        expected = selectors.default_trend_milestones(as_of=as_of)
        _report, data = _draft(known)
    assert chosen == expected and known.slipping.pk in chosen
    assert data["charts"]["mta_count"] == len(expected)


def test_the_lists_are_capped_after_counting_and_only_those_shown_worded(known, monkeypatch):
    """The slipped milestones and the round's highlights are counted in full, then the
    first shown (the rest in the spreadsheet or the round's page): capped at none here,
    the counts and each milestone's row in the full list stay."""
    from reports import report_data

    _report, full = _draft(known)
    monkeypatch.setattr(report_data, "SLIPPED_LIMIT", 0)
    monkeypatch.setattr(report_data, "HIGHLIGHTS_LIMIT", 0)
    report = StatusReport.objects.get(period=known.period)
    with time_machine.travel(known.run_at, tick=False):
        capped = services.status_report_data(report)
    assert capped["slipped"] == [] and capped["slipped_total"] == full["slipped_total"] == 1
    assert capped["round"]["highlights"] == []
    assert capped["round"]["highlights_total"] == full["round"]["highlights_total"] >= 1
    assert capped["all_milestones"] == full["all_milestones"]
    rows = {r["key"]: r for r in capped["all_milestones"]}
    assert rows[known.slipping.key]["this_period"] == "skredet"
    assert rows[known.reached.key]["this_period"] == "nået"


def test_building_the_figures_leaves_the_garbage_collector_as_it_was(known):
    import gc

    from reports import report_data

    report, _data = _draft(known)
    assert gc.isenabled()
    with time_machine.travel(known.run_at, tick=False):
        report_data.build(period=report.period, as_of=report.as_of)
        assert gc.isenabled()
        gc.disable()
        try:
            report_data.build(period=report.period, as_of=report.as_of)
            assert not gc.isenabled()
        finally:
            gc.enable()
