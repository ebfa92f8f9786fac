"""History: every write path names the acting user and reason, the diff reads as words,
the record pages and the programme-wide change feed."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.history import system_user_get
from milestones import history
from milestones.forms import MilestoneQuickForm
from milestones.models import Activity, Milestone
from milestones.services import plan as services
from parties.models import Party
from tests.helpers import forecast_move
from tests.milestones.helpers import reload

from .test_editing import HTMX, post_data, quick_url, text

pytestmark = pytest.mark.django_db


def latest_entry(milestone) -> history.HistoryEntry:
    return history.record_history(milestone)[0]


def changes_of(entry) -> dict[str, tuple[str, str]]:
    return {c.label: (c.old, c.new) for c in entry.changes}


# ---------------------------------------------------------------------------
# Every write path records the acting user, the reason and a readable diff
# ---------------------------------------------------------------------------
def test_an_edit_through_a_page(client_for, editor, milestone):
    editor.first_name, editor.last_name = "Rikke", "Redaktør"
    editor.save()
    data = post_data(
        MilestoneQuickForm(instance=milestone),
        forecast_date="2027-04-01",
        forecast_precision="quarter",
        status="in_progress",
        change_reason="NSP flytter releasen",
    )
    assert client_for(editor).post(quick_url(milestone), data).status_code == 302
    entry = latest_entry(milestone)
    assert entry.user_label == "Rikke Redaktør" and entry.user_id == editor.pk
    assert entry.reason == "NSP flytter releasen"
    assert entry.action_label == "Ændret"
    assert changes_of(entry) == {
        "Forventet dato": ("–", "2. kvartal 2027"),
        "Status": ("Planlagt", "I gang"),
    }


def test_an_edit_through_admin(client_for, superuser, milestone):
    client = client_for(superuser)
    url = reverse("admin:milestones_milestone_change", args=[milestone.pk])
    assert client.get(url).status_code == 200
    data = {
        "key": milestone.key,
        "activity": milestone.activity_id,
        "title": milestone.title,
        "description": milestone.description,
        "source_text": milestone.source_text,
        "forecast_date": "2027-10-01",
        "forecast_precision": "month",
        "actual_date": "",
        "actual_precision": "day",
        "status": "planned",
        "rag_override": "",
        "rag_override_reason": "",
        "status_source": "team",
        "status_note": "",
        "demo_fields": "[]",
        "sort_order": milestone.sort_order,
        "_save": "Gem",
    }
    response = client.post(url, data)
    assert response.status_code == 302, re.findall(
        r"errorlist[^<]*<li>([^<]+)", response.content.decode()
    )
    row = reload(milestone).history.first()
    assert row.history_user == superuser  # HistoryRequestMiddleware
    entry = latest_entry(milestone)
    assert entry.user_label == "t-admin"
    assert entry.reason == "Ændret i administrationen"  # admin asks for none; says where
    assert changes_of(entry) == {"Forventet dato": ("–", "oktober 2027")}


def test_an_edit_through_a_management_command(editor, milestone):
    call_command(
        "milestone_set_forecast",
        milestone.key,
        "2027-07-01",
        "--precision",
        "month",
        "--reason",
        "Aftalt med NSP",
    )
    entry = latest_entry(milestone)
    assert entry.user_id == system_user_get().pk and entry.user_label == "sorplan (system)"
    assert entry.reason == "Aftalt med NSP"
    assert changes_of(entry) == {"Forventet dato": ("–", "juli 2027")}

    call_command(
        "milestone_set_forecast",
        milestone.key,
        "2027-08-01",
        "--precision",
        "month",
        "--reason",
        "Rettet",
        "--user",
        editor.username,
    )
    entry = latest_entry(milestone)
    assert entry.user_id == editor.pk and entry.reason == "Rettet"
    assert changes_of(entry) == {"Forventet dato": ("juli 2027", "august 2027")}
    assert reload(milestone).version == 3


def test_the_command_refuses_bad_input(milestone):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Ingen milepæl"):
        call_command("milestone_set_forecast", "nope", "2027-01-01", "--reason", "x")
    with pytest.raises(CommandError, match="ÅÅÅÅ-MM-DD"):
        call_command("milestone_set_forecast", milestone.key, "1.1.2027", "--reason", "x")
    with pytest.raises(CommandError, match="periodens første dag"):
        call_command(
            "milestone_set_forecast",
            milestone.key,
            "2027-01-15",
            "--precision",
            "month",
            "--reason",
            "x",
        )


# ---------------------------------------------------------------------------
# The diff in words
# ---------------------------------------------------------------------------
def test_the_diff_names_records_labels_choices_and_says_ja_nej(editor, milestone):
    target = Activity.objects.get(key="sor-backlog")
    services.milestone_update(
        milestone_id=milestone.pk,
        version=1,
        user=editor,
        data={
            "activity": target,
            "status": "done",
            "actual_date_unknown": True,
            "rag_override": "yellow",
            "rag_override_reason": "Kun delvist i drift",
        },
        reason="Oprydning",
    )
    assert changes_of(latest_entry(milestone)) == {
        "Aktivitet": ("SOR Opslagsservice (SORLS) – go-live", "SOR-backlog"),
        "Status": ("Planlagt", "Nået"),
        "Nået, dato ukendt": ("Nej", "Ja"),
        "RAG tilsidesat": ("–", "Gul"),
        "Begrundelse for tilsidesat RAG": ("–", "Kun delvist i drift"),
    }


def test_a_created_record_lists_its_values_and_a_deleted_one_keeps_its_history(
    client_for, editor, steering, milestone
):
    services.milestone_delete(milestone_id=milestone.pk, version=1, user=editor, reason="Dublet")
    response = client_for(steering).get(
        reverse("milestones:milestone_history", args=[milestone.key])
    )
    assert response.status_code == 200
    page = text(response)
    assert "slettet; historikken er bevaret" in page
    entries = response.context["entries"]
    assert [e.action_label for e in entries][:1] == ["Slettet"]
    assert entries[0].reason == "Dublet"
    created = entries[-1]
    assert created.action_label == "Oprettet"
    assert changes_of(created)["Titel"] == ("–", "Første version af SORLS i drift på NSP")
    assert changes_of(created)["Aktivitet"] == ("–", "SOR Opslagsservice (SORLS) – go-live")


def test_record_history_page_is_paginated_and_read_only(client_for, steering, editor, milestone):
    for n in range(30):
        services.milestone_update(
            milestone_id=milestone.pk, version=n + 1, user=editor, data={"title": f"T{n}"}
        )
    client = client_for(steering)
    url = reverse("milestones:milestone_history", args=[milestone.key])
    first = client.get(url)
    assert first.context["page"].paginator.count == 31
    assert len(first.context["entries"]) == 25
    assert first.context["entries"][0].changes[0].new == "T29"
    second = client.get(url, {"side": 2})
    assert [c.new for e in second.context["entries"] for c in e.changes if c.field == "title"][
        -1
    ] == "Første version af SORLS i drift på NSP"
    assert client.post(url).status_code == 405


def test_a_milestones_history_includes_its_dependencies(client_for, editor, steering, milestone):
    other = Milestone.objects.get(key="sorls-udviklet-og-testet")
    services.dependency_add(predecessor=other, successor=milestone, user=editor, reason="Orden")
    entries = history.record_history(milestone)
    assert entries[0].kind == "dependency"
    assert entries[0].label == f"{other.title} → {milestone.title}"
    assert entries[0].reason == "Orden"


# ---------------------------------------------------------------------------
# The change feed
# ---------------------------------------------------------------------------
@pytest.fixture
def some_changes(editor, other_editor):
    """Changes by two editors to two parties' milestones, on known days (after the plan's load)."""
    import time_machine

    sorls = Milestone.objects.get(key="sorls-i-drift-paa-nsp")
    kombit = Milestone.objects.get(key="kombit-pilot-gennemfoert")
    with time_machine.travel(datetime.datetime(2030, 1, 5, 9, 0, tzinfo=datetime.UTC)):
        forecast_move(
            sorls,
            to=datetime.date(2027, 1, 1),
            precision="month",
            user=editor,
            reason="Oktober-ændring",
        )
    with time_machine.travel(datetime.datetime(2030, 2, 4, 9, 0, tzinfo=datetime.UTC)):
        forecast_move(
            kombit,
            to=datetime.date(2027, 3, 1),
            precision="month",
            user=other_editor,
            reason="November-ændring",
        )
    return sorls, kombit


def feed_reasons(response) -> list[str]:
    return [e.reason for e in response.context["entries"]]


def test_the_feed_is_newest_first_and_filters_stay_in_the_url(
    client_for, steering, other_editor, some_changes
):
    client = client_for(steering)
    url = reverse("milestones:change_feed")
    reasons = feed_reasons(client.get(url))
    assert reasons.index("November-ændring") < reasons.index("Oktober-ændring")

    assert feed_reasons(client.get(url, {"siden": "2030-02-01"})) == ["November-ændring"]
    assert feed_reasons(client.get(url, {"siden": "2030-01-01", "til": "2030-01-31"})) == [
        "Oktober-ændring"
    ]
    assert feed_reasons(client.get(url, {"part": "kombit", "siden": "2030-01-01"})) == [
        "November-ændring"
    ]
    assert feed_reasons(client.get(url, {"aktivitet": "sorls-go-live", "siden": "2030-01-01"})) == [
        "Oktober-ændring"
    ]
    response = client.get(url, {"bruger": other_editor.username})
    assert feed_reasons(response)[:1] == ["November-ændring"]
    page = text(response)
    assert 'name="bruger" value="t-redaktoer-2"' in page  # the filter is shown as typed
    assert "Forventet dato" in page and "marts 2027" in page
    assert "Fase 2: Pilotafprøvning gennemført" in page

    response = client.get(url, {"siden": "2030-02-28", "til": "2030-02-01"})
    assert "“Til og med” skal ligge efter “Fra og med”." in text(response)


def test_what_changed_since_a_date_is_a_link(client_for, steering, some_changes):
    page = client_for(steering).get(reverse("milestones:change_feed")).content.decode()
    assert re.search(r'href="\?siden=\d{4}-\d{2}-01"', page)
    response = client_for(steering).get(reverse("milestones:change_feed") + "?siden=2030-02-01")
    assert "Ændringer i planen siden 1. februar 2030" in text(response)


def test_changes_since_serves_the_report(some_changes):
    entries = history.changes_since(datetime.date(2030, 1, 1))
    assert [e.reason for e in entries] == ["November-ændring", "Oktober-ændring"]
    assert entries[0].context == "KOMBIT: Integration til SOR Opdateringsservice (SORUS) på NSP"
    assert entries[0].change("forecast_date").new == "marts 2027"
    party = Party.objects.get(key="sds")
    assert [e.reason for e in history.changes_since(datetime.date(2030, 1, 1), party=party)] == [
        "Oktober-ændring"
    ]


def test_the_feed_does_not_query_per_row(client_for, steering, editor):
    client = client_for(steering)
    url = reverse("milestones:change_feed") + f"?bruger={editor.username}"
    milestones = list(Milestone.objects.order_by("pk")[:22])

    def edit(some):
        for m in some:
            m.refresh_from_db()
            services.milestone_update(
                milestone_id=m.pk, version=m.version, user=editor, data={"description": "x"}
            )

    def queries() -> int:
        cache.clear()  # every entry read and worded: the feed keeps them across requests
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    edit(milestones[:2])
    few = queries()
    edit(milestones[2:])
    services.milestone_update(
        milestone_id=milestones[0].pk,
        version=reload(milestones[0]).version,
        user=editor,
        data={"activity": Activity.objects.get(key="sor-backlog")},
    )
    with CaptureQueriesContext(connection):
        response = client.get(url)
    assert len(response.context["entries"]) == 23
    assert queries() == few


def test_htmx_quick_edit_history_names_the_user(client_for, editor, milestone):
    data = post_data(
        MilestoneQuickForm(instance=milestone),
        forecast_date="2027-11-01",
        change_reason="Via htmx",
    )
    client_for(editor).post(quick_url(milestone, ctx="activity"), data, **HTMX)
    entry = latest_entry(milestone)
    assert (entry.user_id, entry.reason) == (editor.pk, "Via htmx")
    assert changes_of(entry) == {"Forventet dato": ("–", "1. november 2027")}


def test_previous_versions_are_read_in_one_query_whatever_the_history_length(editor):
    """Each entry's previous version comes from one `LAG` over the page's records: the
    queries do not grow with how many versions of one record the page shows, and each
    entry still shows what changed from the version just before it."""
    milestone = Milestone.objects.order_by("pk").first()

    def edit(times: int):
        for _ in range(times):
            m = reload(milestone)
            services.milestone_update(
                milestone_id=m.pk,
                version=m.version,
                user=editor,
                data={"description": f"v{m.version}"},
            )

    def read() -> tuple[int, list]:
        keys = list(history.record_keys("milestone", milestone.pk)[:50])
        with CaptureQueriesContext(connection) as ctx:
            entries = history.entries_for(keys)
        return len(ctx.captured_queries), entries

    edit(2)
    few, entries = read()
    edit(40)
    many, entries = read()
    assert many == few
    newest, before = entries[0], entries[1]
    assert newest.change("description").old == before.change("description").new
    # A page that holds only some versions of a record still compares each with the one
    # just before it, on the page or not.
    keys = list(history.record_keys("milestone", milestone.pk)[:50])
    alone = history.entries_for(keys[1::2])
    assert [repr(e) for e in alone] == [repr(e) for e in entries[1::2]]
    assert [e.version for e in entries[:3]] == sorted(
        [e.version for e in entries[:3]], reverse=True
    )
