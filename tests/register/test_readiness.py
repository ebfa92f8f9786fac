"""The materialised readiness (`register.EntryReadiness`): kept by every write (edits,
state moves, steps, imports in bulk, deletions), re-rated when the date alone changes,
rebuilt by `status_rebuild`, and always the rule's figures (`milestones.rag` on the
rows as they stand): the page's counts from the rows equal those from the rule."""

import dataclasses
import datetime
import zoneinfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.history import record_delete
from core.spreadsheets import Sheet, xlsx_bytes
from parties.models import Party
from register import readiness, selectors, services
from register.imports import register_import
from register.models import Entry, EntryReadiness, Step
from register.synthetic import register_synthetic_generate

from .conftest import make_entry

pytestmark = pytest.mark.django_db
CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")


def _at(day, hour=12):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=CPH)


def _figures(result) -> dict:
    """A readiness as comparable values (a problem by its entry, owner and rating)."""
    values = dataclasses.asdict(result)
    values["production_problems"] = [
        (p.entry["key"], p.owner, p.rag, p.missing) for p in result.production_problems
    ]
    return values


def assert_rows_are_the_rule(**filters) -> None:
    """Every entry has a row of today that the rule would write again unchanged, and the
    page's figures and burn-down from the rows are those from the rule."""
    today = timezone.localdate()
    assert selectors.readiness_current(today)
    assert selectors.readiness_mark(today) is not None
    assert readiness.entries_rate(None, today=today) == 0
    rows = selectors.readiness(materialised=True, **filters)
    rule = selectors.readiness(materialised=False, **filters)
    assert _figures(rows) == _figures(rule)
    assert selectors.burndown(materialised=True, **filters) == selectors.burndown(
        materialised=False, **filters
    )


def _import(rows, filename="kortlaegning.xlsx", user=None):
    headers = ["Nøgle", "Navn", "Type", "Systemejer", "SHAK-anvendelse", "I produktion, forventet"]
    return register_import(
        data=xlsx_bytes(Sheet(headers=headers, rows=rows)), filename=filename, user=user
    )


def test_the_rows_follow_every_write_and_stay_the_rules(entries, system_user, editor):
    assert EntryReadiness.objects.count() == 4
    assert_rows_are_the_rule()
    midt = entries["midt"]
    mark = selectors.readiness_mark(timezone.localdate())

    # An edit of a column the page names.
    midt, _changed = services.entry_update(
        entry_id=midt.pk, version=midt.version, user=editor, data={"name": "Midt EPJ 2"}
    )
    assert EntryReadiness.objects.get(pk=midt.pk).name == "Midt EPJ 2"
    assert selectors.readiness_mark(timezone.localdate()) != mark
    assert_rows_are_the_rule()

    # A plan whose "in production" date has passed: red, listed.
    services.step_set(
        entry_id=midt.pk,
        kind=Step.Kind.IN_PRODUCTION,
        version=None,
        user=editor,
        data={
            "baseline_date": datetime.date(2025, 1, 1),
            "baseline_precision": "month",
            "forecast_date": datetime.date(2025, 6, 1),
            "forecast_precision": "month",
        },
    )
    row = EntryReadiness.objects.get(pk=midt.pk)
    assert (row.has_plan, row.rag, row.forecast_end) == (True, "red", datetime.date(2025, 6, 30))
    assert_rows_are_the_rule()
    assert selectors.readiness(materialised=True).production_problems[0].entry["key"] == "midt-epj"

    # A state move out of SHAK.
    syd = Entry.objects.get(key="syd-lab")
    services.entry_state_set(
        entry_id=syd.pk,
        version=syd.version,
        user=editor,
        state="sor_only",
        date=datetime.date(2026, 1, 5),
        confirmed_by="Regionen",
    )
    assert EntryReadiness.objects.get(pk=syd.pk).depends_on_shak is False
    assert_rows_are_the_rule()
    assert_rows_are_the_rule(owner_ids={Party.objects.get(key="region-midtjylland").pk})
    assert_rows_are_the_rule(track="external")

    # A deletion takes its row; the stamp moves.
    mark = selectors.readiness_mark(timezone.localdate())
    record_delete(Entry.objects.get(key="sum-register"), user=editor)
    assert EntryReadiness.objects.count() == 3
    assert selectors.readiness_mark(timezone.localdate()) != mark
    assert_rows_are_the_rule()


def test_imports_in_bulk_keep_the_rows(system_user):
    rows = [[f"imp-{i}", f"System {i}", "System", "SDS", "SHAK", "K2 2027"] for i in range(30)]
    _import(rows, user=system_user)
    assert EntryReadiness.objects.filter(key__startswith="imp-", has_plan=True).count() == 30
    assert_rows_are_the_rule()
    # Every row changed: the state and the step's date (the bulk path for changed rows).
    changed = [[k, n, t, o, "SHAK og SOR", "K3 2025"] for k, n, t, o, _s, _f in rows]
    _import(changed, user=system_user)
    assert set(EntryReadiness.objects.values_list("state", "rag")) == {("shak_and_sor", "red")}
    assert_rows_are_the_rule()
    # The same file again writes nothing, the rows neither.
    mark = selectors.readiness_mark(timezone.localdate())
    assert _import(changed, user=system_user).written == 0
    assert selectors.readiness_mark(timezone.localdate()) == mark


def test_a_date_alone_is_re_rated_by_the_daily_task_and_rebuilt_by_status_rebuild(system_user):
    with time_machine.travel(_at(datetime.date(2026, 10, 1)), tick=False):
        entry = make_entry(system_user, "dato-a", "sds", state="shak")
        services.step_set(
            entry_id=entry.pk,
            kind=Step.Kind.IN_PRODUCTION,
            version=None,
            user=system_user,
            data={
                "baseline_date": datetime.date(2026, 10, 20),
                "forecast_date": datetime.date(2026, 10, 20),
            },
        )
        assert EntryReadiness.objects.get(pk=entry.pk).rag == "green"
        assert_rows_are_the_rule()
    with time_machine.travel(_at(datetime.date(2026, 11, 2)), tick=False):
        # The forecast has passed: the rows are of another day and are not read.
        today = timezone.localdate()
        assert not selectors.readiness_current(today)
        assert selectors.readiness_mark(today) is None
        assert selectors.readiness().production_problem_count == 1  # the rule, red
        assert readiness.readiness_rerate() == 1
        assert EntryReadiness.objects.get(pk=entry.pk).rag == "red"
        assert readiness.readiness_rerate() is None  # once a day
        assert_rows_are_the_rule()
        # Rows lost or never written: status_rebuild rates them again.
        EntryReadiness.objects.all().delete()
        call_command("status_rebuild")
        assert_rows_are_the_rule()


def test_the_synthetic_programme_is_rated_as_it_is_written(system_user):
    owners = list(Party.objects.regions())
    register_synthetic_generate(count=40, owners=owners, by=system_user, prefix="rd-")
    assert EntryReadiness.objects.filter(key__startswith="rd-").count() == 40
    assert_rows_are_the_rule()
    assert_rows_are_the_rule(owner_ids={owners[0].pk})


def test_the_burn_down_caches_past_months_and_keeps_its_figures(system_user):
    with time_machine.travel(_at(datetime.date(2026, 9, 15)), tick=False):
        a = make_entry(system_user, "bc-a", "sds", state="shak")
        make_entry(system_user, "bc-b", "sds", state="shak")
    with time_machine.travel(_at(datetime.date(2026, 10, 20)), tick=False):
        services.entry_state_set(
            entry_id=a.pk,
            version=a.version,
            user=system_user,
            state="sor_only",
            date=datetime.date(2026, 10, 20),
            confirmed_by="SDS",
        )
    with time_machine.travel(_at(datetime.date(2026, 12, 3)), tick=False):
        first = selectors.burndown()  # fills the cache of the past months
    with time_machine.travel(_at(datetime.date(2026, 12, 10)), tick=False):
        make_entry(system_user, "bc-c", "sum-koncernen", state="shak_and_sor")
        warm = selectors.burndown()
        past = selectors.burndown(at=_at(datetime.date(2026, 12, 5)))
        cache.clear()
        assert selectors.burndown() == warm
        assert selectors.burndown(at=_at(datetime.date(2026, 12, 5))) == past
    actual = [(p.month_end.isoformat(), p.actual) for p in warm.points if p.actual is not None]
    assert actual == [("2026-09-30", 2), ("2026-10-31", 1), ("2026-11-30", 1), ("2026-12-10", 2)]
    assert [p.actual for p in first.points if p.actual is not None] == [2, 1, 1, 1]
    assert [p.actual for p in past.points if p.actual is not None] == [2, 1, 1, 1]


def _main(client, url) -> str:
    page = client.get(url).content.decode()
    return page[page.index("<h1>") : page.index("</main>")]


def test_the_page_shows_a_state_move_at_once_and_a_description_edit_changes_nothing(
    client_for, steering, entries, editor
):
    url = reverse("reports:switch_off")
    client = client_for(steering)
    before = _main(client, url)
    sds = Entry.objects.get(key="sds-sorls")
    services.entry_update(
        entry_id=sds.pk, version=sds.version, user=editor, data={"description": "Ny"}
    )
    assert _main(client, url) == before
    sds.refresh_from_db()
    services.entry_state_set(entry_id=sds.pk, version=sds.version, user=editor, state="shak")
    after = _main(client, url)
    assert "1 er ikke kortlagt" in after and "2 er ikke kortlagt" in before
    dashboard = _main(client, reverse("reports:dashboard"))
    assert "1 er ikke kortlagt" in dashboard


def test_the_stamp_moves_on_every_change_in_one_instant(entries, editor):
    """A stopped clock (tests) or two writes in one microsecond: the newest change still
    moves, so the figures cached under the stamp are never an earlier state's."""
    with time_machine.travel(timezone.now(), tick=False):
        marks = [selectors.readiness_mark(timezone.localdate())]
        for state in ("shak", "shak_plus"):
            sds = Entry.objects.get(key="sds-sorls")
            services.entry_state_set(entry_id=sds.pk, version=sds.version, user=editor, state=state)
            marks.append(selectors.readiness_mark(timezone.localdate()))
        record_delete(Entry.objects.get(key="sum-register"), user=editor)
        marks.append(selectors.readiness_mark(timezone.localdate()))
    assert len(set(marks)) == 4


def test_the_bench_clean_up_removes_the_synthetic_rows_too(system_user):
    from django.db import connection

    from bench.cleanup import load_data_clear

    register_synthetic_generate(
        count=5, owners=list(Party.objects.regions()), by=system_user, prefix="load-rd-"
    )
    assert EntryReadiness.objects.filter(key__startswith="load-rd-").count() == 5
    load_data_clear()
    connection.check_constraints()  # the deferred foreign keys hold now, not at commit
    assert not EntryReadiness.objects.filter(key__startswith="load-rd-").exists()


def test_the_synthetic_programme_with_medcom_is_rated_whole():
    """generate_load_data: MedCom's supplier systems are entries written in bulk too."""
    from bench.loaddata import SCALES, load_data_generate

    load_data_generate(scale=SCALES["tiny"])
    assert_rows_are_the_rule()
