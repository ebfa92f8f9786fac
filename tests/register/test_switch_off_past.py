"""'Kan SHAK slukkes?' at past moments and after edits: the register's figures by SQL
over the entries and steps as they stood are the rule's, before and after entry and
step edits; their queries do not grow with the register; the plan's conditions are
kept across a forecast moved and built again when a status changes; the dashboard's
key for the section is read from stamps."""

import datetime
import zoneinfo
from collections import Counter

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.history import record_delete
from milestones.models import Activity, Milestone
from milestones.services.plan import milestone_update
from parties.models import Party
from register import selectors, services
from register.models import DEPENDING_STATES, Entry, Step
from reports.selectors import switch_off as gate
from reports.templatetags import switch_off as tags
from tests.helpers import entry_state_move, forecast_move

from .conftest import make_entry

pytestmark = pytest.mark.django_db
CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def _at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=CPH)


def _day(n: int) -> datetime.date:
    return datetime.date(2026, 9, 1) + datetime.timedelta(days=n)


def _step(entry, user, **dates):
    step = Step.objects.filter(entry=entry, kind=Step.Kind.IN_PRODUCTION).first()
    return services.step_set(
        entry_id=entry.pk,
        kind=Step.Kind.IN_PRODUCTION,
        version=step.version if step else None,
        user=user,
        data=dates,
    )[0]


def _history(user):
    """A register written over six days: entries added, moved between states, steps
    dated, moved and removed, an entry deleted. Returns moments before, between and
    after every day's edits."""
    with time_machine.travel(_at(_day(0)), tick=False):
        a = make_entry(user, "pt-a", "region-midtjylland", name="A epj", state="shak")
        b = make_entry(user, "pt-b", "region-syddanmark", name="B lab", state="shak_plus")
        c = make_entry(user, "pt-c", "sds", name="C sorls", kind=Entry.Kind.SERVICE)
        d = make_entry(user, "pt-d", "sum-koncernen", name="D register", state="shak")
    with time_machine.travel(_at(_day(1)), tick=False):
        # A: late against its baseline (red); B: on time; D: only an actual date.
        _step(
            a,
            user,
            baseline_date=_day(20),
            baseline_precision="day",
            forecast_date=_day(80),
            forecast_precision="day",
        )
        _step(b, user, forecast_date=datetime.date(2027, 6, 1), forecast_precision="month")
        _step(d, user, actual_date=_day(1), actual_precision="day")
        make_entry(user, "pt-e", "region-midtjylland", name="E integration", state="not_mapped")
    with time_machine.travel(_at(_day(2)), tick=False):
        entry_state_move(
            b, "sor_only", user=user, date=timezone.localdate(), confirmed_by="Systemejeren"
        )
        _step(a, user, baseline_date=_day(20), forecast_date=_day(25), forecast_precision="day")
    with time_machine.travel(_at(_day(3)), tick=False):
        entry_state_move(
            c, "shak_and_sor", user=user, date=timezone.localdate(), confirmed_by="Systemejeren"
        )
        # B's step gone (it is done); A moved late again.
        record_delete(Step.objects.get(entry=b, kind=Step.Kind.IN_PRODUCTION), user=user)
        _step(a, user, forecast_date=datetime.date(2027, 1, 1), forecast_precision="quarter")
    with time_machine.travel(_at(_day(4)), tick=False):
        d.refresh_from_db()
        record_delete(d, user=user)
        services.entry_update(
            entry_id=a.pk,
            version=Entry.objects.get(pk=a.pk).version,
            user=user,
            data={"description": "Kun beskrivelsen"},
            reason="Test",
            fields=("description",),
        )
    moments = [_at(_day(0), 9)]
    for n in range(5):
        moments += [_at(_day(n), 13), _at(_day(n), 23)]
    return moments


def _rule(moment, *, owner_ids=None):
    """The figures by the rule from django-simple-history's own rows as they stood
    (instances), each step rated on the moment's day."""
    today = moment.astimezone(CPH).date()
    entries = [
        e for e in Entry.history.as_of(moment) if owner_ids is None or e.owner_id in owner_ids
    ]
    steps = {s.entry_id: s for s in Step.history.as_of(moment) if s.kind == Step.Kind.IN_PRODUCTION}
    names = dict(Party.objects.values_list("pk", "key"))
    problems = []
    forecast, baseline = Counter(), Counter()
    for e in entries:
        if e.state not in DEPENDING_STATES:
            continue
        step = steps.get(e.id)
        forecast[(step.actual_period_end or step.forecast_period_end) if step else None] += 1
        baseline[step.baseline_period_end if step else None] += 1
        if step is None or (step.forecast_date is None and step.actual_date is None):
            problems.append((True, e.name, None))
            continue
        rag = selectors.step_rag(step, today=today)
        if rag.rag == "red":
            problems.append((False, e.name, rag.reason))

    def counts(value):
        found = Counter()
        for e in entries:
            key = value(e)
            found[(key, "total")] += 1
            found[(key, "depending")] += e.state in DEPENDING_STATES
            found[(key, "not_mapped")] += e.state == "not_mapped"
        return {k: n for k, n in found.items() if n}

    return {
        "total": len(entries),
        "by_state": {s: n for s, n in Counter(e.state for e in entries).items()},
        "by_owner": counts(lambda e: names[e.owner_id]),
        "by_kind": counts(lambda e: e.kind),
        "by_category": counts(lambda e: e.category),
        "problems": sorted(problems),
        "unanswered": [
            e.key for e in sorted(entries, key=lambda e: e.created_at) if e.state == "not_mapped"
        ][:10],
        "forecast": forecast,
        "baseline": baseline,
    }


def _figures(readiness) -> dict:
    def counts(rows):
        found = {}
        for r in rows:
            for name in ("total", "depending", "not_mapped"):
                if getattr(r, name):
                    found[(r.key, name)] = getattr(r, name)
        return found

    return {
        "total": readiness.total,
        "by_state": {v: n for v, _label, n in readiness.by_state if n},
        "by_owner": counts(readiness.by_owner),
        "by_kind": counts(readiness.by_kind),
        "by_category": counts(readiness.by_category),
        "problems": sorted(
            (p.rag is None, p.entry["name"], p.rag.reason if p.rag else None)
            for p in readiness.production_problems
        ),
        "unanswered": [e["key"] for e in readiness.oldest_unanswered],
    }


def _lines(burndown, rule) -> None:
    """The burn-down's forecast and baseline from the moment on are the rule's counts of
    what is left at each point."""

    def left(ends, cut):
        return sum(n for end, n in ends.items() if end is None or end > cut)

    future = [p for p in burndown.points if p.forecast is not None and p.actual is None]
    for p in future:
        assert (p.forecast, p.baseline) == (
            left(rule["forecast"], p.month_end),
            left(rule["baseline"], p.month_end),
        ), p


def test_the_figures_at_past_moments_are_the_rules_before_and_after_edits(system_user):
    Milestone.objects.filter(key="shak-udfaset").update(
        forecast_date=datetime.date(2027, 6, 1), forecast_precision="month"
    )
    moments = _history(system_user)
    region = Party.objects.get(key="region-midtjylland")
    owner_ids = selectors.owner_ids_for(region)
    seen = set()
    with time_machine.travel(_at(_day(10)), tick=False):
        for moment in moments:
            rule = _rule(moment)
            found = selectors.readiness(at=moment)
            assert {k: v for k, v in _figures(found).items()} == {
                k: rule[k] for k in _figures(found)
            }, moment
            assert found.production_problem_count == len(rule["problems"])
            assert found.depending == sum(
                n for s, n in rule["by_state"].items() if s in DEPENDING_STATES
            )
            _lines(selectors.burndown(at=moment), rule)
            mine = selectors.readiness(at=moment, owner_ids=owner_ids)
            assert _figures(mine) == {
                k: v for k, v in _rule(moment, owner_ids=owner_ids).items() if k in _figures(mine)
            }, moment
            seen.add((found.total, found.production_problem_count, found.not_mapped))
    # The moments saw the register change (not one state throughout).
    assert len(seen) >= 4


def test_the_gate_at_a_moment_says_what_the_rule_does(system_user):
    moments = _history(system_user)
    with time_machine.travel(_at(_day(10)), tick=False):
        for moment in moments:
            result = gate.switch_off(at=moment, with_burndown=False, cache_parts=True)
            rule = _rule(moment)
            depending = sum(n for s, n in rule["by_state"].items() if s in DEPENDING_STATES)
            by_key = {c.key: c for c in result.conditions}
            assert (by_key["register_sor"].count, by_key["register_sor"].total) == (
                depending,
                rule["total"],
            )
            assert by_key["register_mapped"].count == rule["by_state"].get("not_mapped", 0)
            # The section's summary is the page's gate at the same moment.
            summary, _digest = tags.summary(
                at=moment, today=moment.astimezone(CPH).date(), party=None, track=None
            )
            assert (summary.answer, summary.readiness.by_state) == (
                result.answer,
                result.readiness.by_state,
            )


def _register_of(n: int, user) -> None:
    for i in range(n):
        entry = make_entry(user, f"qc-{i}", "region-midtjylland", state="shak")
        _step(
            entry,
            user,
            baseline_date=datetime.date(2026, 9, 1) + datetime.timedelta(days=i),
            forecast_date=datetime.date(2026, 12, 1) + datetime.timedelta(days=3 * i),
        )
    make_entry(user, "qc-new", "sds")


@pytest.mark.parametrize("track", [None, Activity.Track.EXTERNAL])
def test_the_queries_at_a_moment_do_not_grow_with_the_register(system_user, track):
    counted = []
    for size in (2, 12):
        Entry.objects.all().delete()
        Entry.history.all().delete()
        Step.history.all().delete()
        cache.clear()  # the burn-down's past months are cached under their history's size
        with time_machine.travel(_at(_day(0)), tick=False):
            _register_of(size, system_user)
        with time_machine.travel(_at(_day(5)), tick=False):
            with CaptureQueriesContext(connection) as queries:
                readiness = selectors.readiness(at=_at(_day(1)), track=track)
                selectors.burndown(at=_at(_day(1)), track=track)
        assert readiness.total == size + (track is None)  # qc-new is SDS's: internal it
        assert readiness.production_problem_count >= 1
        counted.append([q["sql"][:60] for q in queries])
    assert len(counted[0]) == len(counted[1]), "\n".join(map(str, counted))


def _region_milestone() -> Milestone:
    region = Party.objects.get(key="region-midtjylland")
    return (
        Milestone.objects.filter(activity__responsible_party=region)
        .exclude(status__in=(Milestone.Status.DONE, Milestone.Status.CANCELLED))
        .order_by("pk")
        .first()
    )


def _regions(result):
    return {c.key: c for c in result.conditions}["regions"]


def test_the_plans_conditions_are_kept_across_a_forecast_moved_and_not_a_status(
    system_user, editor
):
    """Now, the regions' and municipalities' conditions are kept across a milestone
    edit that changes no status (no read of the milestones), and built again, right,
    when a status changes."""
    region = Party.objects.get(key="region-midtjylland")
    milestone = _region_milestone()
    assert milestone is not None, "the seed gives the regions open milestones"
    # All but one of the region's milestones reached: that one decides the condition.
    Milestone.objects.filter(activity__responsible_party=region).exclude(pk=milestone.pk).update(
        status=Milestone.Status.DONE, actual_date=datetime.date(2026, 10, 1)
    )
    first = gate.switch_off(party=region, with_burndown=False, cache_parts=True)
    assert (_regions(first).status, _regions(first).count) == ("fails", 1)
    milestone.refresh_from_db()
    forecast_move(
        milestone,
        to=(milestone.forecast_date or datetime.date(2027, 1, 1)) + datetime.timedelta(days=7),
        user=editor,
        reason="Flyttet en uge",
    )
    with CaptureQueriesContext(connection) as queries:
        kept = gate.switch_off(party=region, with_burndown=False, cache_parts=True)
    milestone_table = Milestone._meta.db_table
    assert not [q for q in queries if f'FROM "{milestone_table}"' in q["sql"]]
    assert _regions(kept) == _regions(first)
    milestone.refresh_from_db()
    milestone_update(
        milestone_id=milestone.pk,
        version=milestone.version,
        user=editor,
        data={"status": Milestone.Status.DONE, "actual_date": datetime.date(2026, 11, 1)},
        reason="Nået",
    )
    after = gate.switch_off(party=region, with_burndown=False, cache_parts=True)
    assert _regions(after).status == "holds"
    assert _regions(after) == _regions(gate.switch_off(party=region, with_burndown=False))


def test_the_dashboards_key_for_the_section_is_read_from_stamps(system_user, editor):
    """The page's key for the section moves with what its figures are read from: not
    with a description edited (the materialised readiness does not move), with a state
    moved; a forecast moved leaves its register and MedCom parts."""
    entry = make_entry(system_user, "key-a", "sds", state="shak")

    def key():
        return tags.summary_stamp(as_of=None, party_key=None, track=None)

    first = key()
    services.entry_update(
        entry_id=entry.pk,
        version=Entry.objects.get(pk=entry.pk).version,
        user=editor,
        data={"description": "Ny beskrivelse"},
        reason="Test",
        fields=("description",),
    )
    assert key() == first
    entry_state_move(
        entry, "sor_only", user=editor, date=timezone.localdate(), confirmed_by="Systemejeren"
    )
    moved = key()
    assert moved[1] != first[1]
    milestone = (
        Milestone.objects.exclude(forecast_date=None)
        .filter(forecast_precision="day")
        .order_by("pk")
        .first()
    )
    forecast_move(milestone, 1, precision=None, user=editor, reason="En dag")
    after = key()
    assert after[0] != moved[0]  # the plan's stamp
    assert after[1:] == moved[1:]
