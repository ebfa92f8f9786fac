"""'Kan SHAK slukkes?': the gate's answer for a known data set, the burn-down from
history, the point in time, the filters, and the page."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from core.history import as_of_queryset
from milestones.models import Milestone, MunicipalityRollout
from parties.models import Party
from register import selectors, services
from register.models import Entry, Step
from reports.selectors import switch_off as gate

from .conftest import make_entry

pytestmark = pytest.mark.django_db
CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")


def test_the_answer_for_a_known_data_set(entries):
    result = gate.switch_off()
    assert result.verdict == "no"
    regions = Party.objects.regions().count()
    municipalities = Party.objects.municipalities().count()
    in_production = MunicipalityRollout.objects.filter(status="in_production").count()
    assert result.answer == (
        "Nej: 2 poster i registeret bruger stadig SHAK; 2 er ikke kortlagt; "
        f"{regions} regioner er ikke klar; {municipalities - in_production} kommuner er ikke i produktion."
    )
    by_key = {c.key: c for c in result.conditions}
    assert (by_key["register_sor"].status, by_key["register_sor"].count) == ("fails", 4)
    assert (by_key["register_mapped"].count, by_key["register_mapped"].total) == (2, 4)
    assert by_key["medcom"].status == "not_tracked"
    assert by_key["medcom"].status_label == "Følges endnu ikke"
    readiness = result.readiness
    assert dict((v, n) for v, _label, n in readiness.by_state) == {
        "not_mapped": 2,
        "shak": 1,
        "shak_plus": 1,
        "shak_and_sor": 0,
        "sor_only": 0,
        "retired": 0,
    }
    assert {r.label: r.depending for r in readiness.by_kind} == {
        "System": 2,
        "Service": 1,
        "Register": 1,
    }
    # No plan has an "in production" date: all four are listed as missing one.
    assert readiness.production_problem_count == 4
    assert [e["key"] for e in readiness.oldest_unanswered] == ["sds-sorls", "sum-register"]


def test_when_everything_tracked_is_ready_the_medcom_condition_keeps_it_open(entries, editor):
    day = datetime.date(2026, 11, 2)
    for entry in Entry.objects.all():
        services.entry_state_set(
            entry_id=entry.pk,
            version=entry.version,
            user=editor,
            state="sor_only",
            date=day,
            confirmed_by="Systemejeren",
        )
    region_ids = list(Party.objects.regions().values_list("pk", flat=True))
    Milestone.objects.filter(activity__responsible_party_id__in=region_ids).update(
        status="done", actual_date=day
    )
    MunicipalityRollout.objects.update(status="in_production", status_date=day)
    missing = Party.objects.municipalities().exclude(rollouts__isnull=False)
    assert not missing.exists(), "every municipality has a roll-out row in the seed"
    result = gate.switch_off()
    assert result.verdict == "undecided"
    assert result.answer.startswith("Ikke afgjort: alt, der følges, er klar, men alle MedCom-")
    assert all(c.holds for c in result.conditions if c.key != "medcom")


def test_the_party_and_track_filters(entries):
    midt = Party.objects.get(key="region-midtjylland")
    result = gate.switch_off(party=midt)
    assert result.readiness.total == 1
    by_key = {c.key: c for c in result.conditions}
    assert by_key["regions"].total == 1
    assert (
        by_key["municipalities"].total == Party.objects.municipalities().filter(region=midt).count()
    )
    rsi = gate.switch_off(party=Party.objects.get(key="rsi"))
    assert rsi.readiness.total == 2  # the regions' entries
    internal = gate.switch_off(track="internal_it")
    assert internal.readiness.total == 1  # SDS's SORLS
    assert {c.key: c.status for c in internal.conditions}["regions"] == "not_applicable"


def test_a_track_or_owners_no_entry_is_on_count_none(client_for, entries, steering):
    from milestones.models import Activity

    empty = [Activity.Track.SUM_IT]
    Entry.objects.filter(
        pk__in=[pk for pk, tracks in selectors.entry_tracks().items() if empty[0] in tracks]
    ).delete()
    assert empty[0] not in set().union(*selectors.entry_tracks().values())
    # `id__in=[]` compiled to no SQL, which the counts' raw query wraps: a 500.
    assert selectors.standing_at(None, owner_ids=set()).counts["state"] == {}
    assert gate.switch_off(track=empty[0]).readiness.total == 0
    for query in ({"spor": empty[0]}, {"spor": empty[0], "som_den_var": "2026-01-05T10:00"}):
        assert client_for(steering).get(reverse("reports:dashboard"), query).status_code == 200
        assert client_for(steering).get(reverse("reports:switch_off"), query).status_code == 200


def _at(day, hour=12):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=CPH)


def test_the_burn_down_from_history_with_forecast_and_baseline(system_user):
    Milestone.objects.filter(key="shak-udfaset").update(
        forecast_date=datetime.date(2027, 3, 1), forecast_precision="month"
    )
    with time_machine.travel(_at(datetime.date(2026, 9, 15)), tick=False):
        a = make_entry(system_user, "bd-a", "sds", state="shak")
        b = make_entry(system_user, "bd-b", "sds", state="shak")
    with time_machine.travel(_at(datetime.date(2026, 10, 20)), tick=False):
        services.entry_state_set(
            entry_id=a.pk,
            version=a.version,
            user=system_user,
            state="sor_only",
            date=datetime.date(2026, 10, 20),
            confirmed_by="SDS",
        )
    with time_machine.travel(_at(datetime.date(2026, 11, 5)), tick=False):
        make_entry(system_user, "bd-c", "sum-koncernen", state="shak_and_sor")
        services.step_set(
            entry_id=b.pk,
            kind=Step.Kind.IN_PRODUCTION,
            version=None,
            user=system_user,
            data={
                "baseline_date": datetime.date(2027, 1, 1),
                "baseline_precision": "month",
                "forecast_date": datetime.date(2027, 2, 1),
                "forecast_precision": "month",
            },
        )
    with time_machine.travel(_at(datetime.date(2026, 12, 10)), tick=False):
        data = selectors.burndown()
        past = selectors.burndown(at=_at(datetime.date(2026, 10, 25)))
    rows = [(p.month_end.isoformat(), p.actual, p.forecast, p.baseline) for p in data.points]
    assert rows == [
        ("2026-09-30", 2, None, None),
        ("2026-10-31", 1, None, None),
        ("2026-11-30", 2, None, None),
        ("2026-12-10", 2, 2, 2),
        ("2026-12-31", None, 2, 2),
        ("2027-01-31", None, 2, 1),  # bd-b's baseline: January
        ("2027-02-28", None, 1, 1),  # its forecast: February
        ("2027-03-31", None, 1, 1),  # the planned switch-off
    ]
    assert data.switch_off == datetime.date(2027, 3, 31)
    # As it stood on 25 October: bd-c did not exist, bd-a was done.
    assert [(p.month_end.isoformat(), p.actual) for p in past.points if p.actual is not None] == [
        ("2026-09-30", 2),
        ("2026-10-25", 1),
    ]
    # Filtered to the ministry group: only bd-c, from November.
    sum_only = selectors.burndown(owner_ids={Party.objects.get(key="sum-koncernen").pk})
    assert [p.actual for p in sum_only.points if p.actual is not None][:3] == [0, 0, 1]


def test_the_point_in_time_reads_the_register_as_it_stood(system_user):
    with time_machine.travel(_at(datetime.date(2026, 10, 1)), tick=False):
        entry = make_entry(system_user, "pit", "sds", state="shak")
    with time_machine.travel(_at(datetime.date(2026, 11, 1)), tick=False):
        services.entry_state_set(
            entry_id=entry.pk,
            version=entry.version,
            user=system_user,
            state="retired",
            date=datetime.date(2026, 11, 1),
            confirmed_by="SDS",
        )
    before = gate.switch_off(at=_at(datetime.date(2026, 10, 15)))
    assert before.is_past
    assert before.readiness.depending == 1
    assert gate.switch_off().readiness.depending == 0


def test_the_page_answers_with_table_alternative_and_respects_the_filters(
    client_for, entries, steering, reporter
):
    response = client_for(steering).get(reverse("reports:switch_off"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Kan SHAK slukkes?</h1>" in body
    assert "Nej: 2 poster i registeret bruger stadig SHAK; 2 er ikke kortlagt" in body
    assert "<svg" in body and "Vis tallene som tabel" in body
    assert "Følges endnu ikke" in body
    assert reverse("register:entry_list") + "?tilstand=depending" in body
    response = client_for(steering).get(
        reverse("reports:switch_off"), {"part": "region-midtjylland", "som_den_var": "2020-01-01"}
    )
    assert response.status_code == 200
    assert response.context["gate"].readiness.total == 0  # nothing existed then
    assert "Som den så ud den" in response.content.decode()
    # A region's reporter reads the figures, but only its own entries are named.
    response = client_for(reporter).get(reverse("reports:switch_off"))
    assert response.status_code == 200
    readiness = response.context["readiness"]
    assert readiness.total == 4
    assert {p.entry["key"] for p in readiness.production_problems} == {"midt-epj"}
    assert "Syd laboratoriesystem" not in response.content.decode()


def test_the_dashboard_has_the_section_and_sees_a_register_change(
    client_for, entries, steering, editor
):
    from django.core.cache import cache

    cache.clear()
    client = client_for(steering)
    body = client.get(reverse("reports:dashboard")).content.decode()
    assert 'id="h-switch-off">Kan SHAK slukkes?</h2>' in body
    assert "Nej: 2 poster i registeret bruger stadig SHAK; 2 er ikke kortlagt" in body
    assert reverse("reports:switch_off") in body
    entry = entries["sum"]
    services.entry_state_set(entry_id=entry.pk, version=entry.version, user=editor, state="shak")
    body = client.get(reverse("reports:dashboard")).content.decode()  # the cache follows
    assert "Nej: 3 poster i registeret bruger stadig SHAK; 1 er ikke kortlagt" in body
    filtered = client.get(reverse("reports:dashboard"), {"part": "region-midtjylland"})
    assert "Nej: 1 post i registeret bruger stadig SHAK" in filtered.content.decode()


def test_a_frozen_clock_gives_one_row_per_entry_the_latest_by_history_id(system_user, editor):
    """Every history row written under a frozen clock has the same date: the row as it
    stood is the one written last (highest history id), once per entry."""
    moment = datetime.datetime(2026, 11, 2, 10, tzinfo=CPH)
    with time_machine.travel(moment, tick=False):
        entry = make_entry(system_user, "frossen-epj", "region-midtjylland")
        make_entry(system_user, "frossen-lab", "region-syddanmark")
        entry, _ = services.entry_state_set(
            entry_id=entry.pk, version=entry.version, user=editor, state="shak"
        )
        services.entry_state_set(
            entry_id=entry.pk, version=entry.version, user=editor, state="shak_and_sor"
        )
    assert set(Entry.history.values_list("history_date", flat=True)) == {moment}
    rows = list(as_of_queryset(Entry, moment).values("key", "state"))
    assert sorted((r["key"], r["state"]) for r in rows) == [
        ("frossen-epj", "shak_and_sor"),
        ("frossen-lab", "not_mapped"),
    ]


@pytest.mark.parametrize("model", [Entry, Step])
def test_the_entries_and_steps_as_they_stood_by_their_rows_end(model, system_user, editor):
    """The entries' and steps' history rows keep their end (`valid_until`, register
    migration 0004's trigger) after state moves, a step's dates set twice and a deletion,
    each on its own day; the rows at each moment by the range that holds it are those the
    probe per object picks."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the rows' end is kept on PostgreSQL only")
    start = datetime.datetime(2026, 10, 1, 10, tzinfo=CPH)
    days = [start + datetime.timedelta(days=n) for n in range(6)]
    with time_machine.travel(days[0], tick=False):
        entry = make_entry(system_user, "ende-epj", "region-midtjylland")
        gone = make_entry(system_user, "ende-lab", "region-syddanmark")
    with time_machine.travel(days[1], tick=False):
        entry, _ = services.entry_state_set(
            entry_id=entry.pk, version=entry.version, user=editor, state="shak"
        )
        step, _ = services.step_set(
            entry_id=entry.pk,
            kind=Step.Kind.IN_PRODUCTION,
            version=None,
            user=editor,
            data={"forecast_date": datetime.date(2027, 3, 1)},
        )
    with time_machine.travel(days[2], tick=False):
        services.step_set(
            entry_id=entry.pk,
            kind=Step.Kind.IN_PRODUCTION,
            version=step.version,
            user=editor,
            data={"forecast_date": datetime.date(2027, 5, 1)},
        )
        services.entry_state_set(
            entry_id=entry.pk, version=entry.version, user=editor, state="shak_and_sor"
        )
    with time_machine.travel(days[3], tick=False):
        gone.refresh_from_db()
        gone._history_user = system_user
        gone.delete()
    rows = list(
        model.history.order_by("id", "history_date", "history_id").values_list(
            "id", "history_date", "valid_until"
        )
    )
    assert len(rows) > len({r[0] for r in rows})  # some have several rows
    for (pk, _when, end), following in zip(rows, [*rows[1:], None], strict=True):
        assert end == (following[1] if following and following[0] == pk else None), pk
    for moment in [days[0] - datetime.timedelta(hours=1), *days]:
        found = sorted(as_of_queryset(model, moment).values_list("history_id", flat=True))
        # Per object its latest row at or before the moment (by date, then history id),
        # unless that row is a deletion.
        probed = (
            model.history.filter(history_date__lte=moment)
            .order_by("-id", "-history_date", "-history_id")
            .distinct("id")
            .values_list("history_id", "history_type")
        )
        assert found == sorted(pk for pk, kind in probed if kind != "-"), moment


def test_the_dashboard_reads_the_steering_groups_stamp_once_and_the_plans_from_it(
    client_for, entries, steering
):
    """The plan's stamp taken from the steering group's is the one `plan_version` reads,
    live and at a past moment; a warm dashboard reads it once, not also the plan's (a
    register change shows on the next read: the test above)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from reports.selectors import snapshot

    past = timezone.now() - datetime.timedelta(days=3)
    for at in (None, past):
        assert snapshot.plan_version_of(snapshot.data_version(at)) == snapshot.plan_version(at)
    client = client_for(steering)
    url = reverse("reports:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    stamps = [q["sql"] for q in ctx.captured_queries if "MAX(history_id)" in q["sql"]]
    watched = snapshot.WATCHED_MODELS
    register_table = Entry.history.model._meta.db_table
    assert (
        sum(register_table in s and len(s.split("MAX(history_id)")) > len(watched) for s in stamps)
        == 1
    )
    assert not any(
        register_table not in s and "milestones_historicalmilestone" in s for s in stamps
    )


def _main(client, **query) -> str:
    """The page's main content (its form's CSRF token left out)."""
    import re

    body = client.get(reverse("reports:switch_off"), query).content.decode()
    main = body[body.index("<main") : body.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)


def test_a_forecast_moved_leaves_the_page_as_it_was_and_the_switch_off_date_moves_it(
    client_for, entries, steering, system_user
):
    """A forecast moved of any milestone but the switch-off one changes no figure of the
    page: the register's figures and the burn-down are not read again, and the page is the
    one a fresh render gives. The switch-off milestone's forecast ends the burn-down's lines:
    moved, the page shows the new end; a party renamed is offered by its new name."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.helpers import forecast_move

    cache.clear()
    client = client_for(steering)
    before = _main(client)
    other = Milestone.objects.exclude(key=selectors.SWITCH_OFF_MILESTONE_KEY).filter(
        forecast_date__isnull=False
    )[0]
    forecast_move(other, 3, user=system_user)
    with CaptureQueriesContext(connection) as ctx:
        after = _main(client)
    # The stamps and the readiness's mark read the register's newest rows; its figures
    # (grouped, or row by row) are not read again.
    register_reads = [
        q["sql"]
        for q in ctx.captured_queries
        if '"register_' in q["sql"] and "MAX(" not in q["sql"]
    ]
    assert register_reads == [], register_reads
    assert after == before
    cache.clear()
    assert _main(client) == before  # what a fresh render shows

    switch = Milestone.objects.get(key=selectors.SWITCH_OFF_MILESTONE_KEY)
    old_end = selectors.switch_off_date()
    forecast_move(switch, 400, user=system_user)
    assert selectors.switch_off_date() != old_end
    moved = _main(client)
    assert moved != before
    cache.clear()
    assert _main(client) == moved

    party = Party.objects.exclude(kind=Party.Kind.MUNICIPALITY).order_by("name")[0]
    party.name = "Omdøbt part til testen"
    party.save()
    assert "Omdøbt part til testen" in _main(client)
