"""The register's pages: who sees which entries, who may change what, and forms that
keep what was typed and say in Danish what is wrong."""

import pytest
from django.urls import reverse

from register.models import Entry

pytestmark = pytest.mark.django_db


def keys_listed(response) -> set[str]:
    return {e.key for e in response.context["entries"]}


def test_each_role_lists_the_entries_it_may_read(
    client_for,
    entries,
    editor,
    steering,
    reporter,
    rsi_reporter,
    supplier_reporter,
    medcom_reporter,
):
    url = reverse("register:entry_list")
    everything = {"midt-epj", "syd-lab", "sds-sorls", "sum-register"}
    assert keys_listed(client_for(editor).get(url)) == everything
    assert keys_listed(client_for(steering).get(url)) == everything
    assert keys_listed(client_for(reporter).get(url)) == {"midt-epj"}  # Region Midtjylland's own
    assert keys_listed(client_for(rsi_reporter).get(url)) == {"midt-epj", "syd-lab"}  # the regions
    assert keys_listed(client_for(supplier_reporter).get(url)) == {"midt-epj"}  # maintained by CGI
    assert keys_listed(client_for(medcom_reporter).get(url)) == set()


def test_the_list_filters_and_searches(client_for, entries, editor):
    client = client_for(editor)
    url = reverse("register:entry_list")
    assert keys_listed(client.get(url, {"part": "region-syddanmark"})) == {"syd-lab"}
    assert keys_listed(client.get(url, {"type": "service"})) == {"sds-sorls"}
    assert keys_listed(client.get(url, {"kategori": "patient_record"})) == {"midt-epj"}
    assert keys_listed(client.get(url, {"tilstand": "not_mapped"})) == {"sds-sorls", "sum-register"}
    assert keys_listed(client.get(url, {"tilstand": "depending"})) == {
        "midt-epj",
        "syd-lab",
        "sds-sorls",
        "sum-register",
    }
    assert keys_listed(client.get(url, {"q": "laboratorie"})) == {"syd-lab"}
    # The supplier filter finds what it maintains.
    assert keys_listed(client.get(url, {"part": "cgi"})) == {"midt-epj"}


def test_another_regions_entry_is_not_found_for_a_reporter(client_for, entries, reporter):
    client = client_for(reporter)
    syd = entries["syd"]
    for name in ("entry_detail", "state_set", "plan_edit"):
        assert client.get(reverse(f"register:{name}", args=[syd.key])).status_code == 404
    response = client.post(
        reverse("register:state_set", args=[syd.key]),
        {"version": syd.version, "state": "shak_and_sor", "state_date_precision": "day"},
    )
    assert response.status_code == 404
    syd.refresh_from_db()
    assert syd.state == "shak_plus"
    assert client.get(reverse("register:entry_detail", args=["midt-epj"])).status_code == 200


def test_a_supplier_reads_but_does_not_change(client_for, entries, supplier_reporter):
    client = client_for(supplier_reporter)
    midt = entries["midt"]
    assert client.get(reverse("register:entry_detail", args=[midt.key])).status_code == 200
    assert client.get(reverse("register:state_set", args=[midt.key])).status_code == 403
    assert client.get(reverse("register:plan_edit", args=[midt.key])).status_code == 403


def test_only_editors_create_edit_and_import(client_for, entries, reporter, steering, editor):
    for user in (reporter, steering):
        client = client_for(user)
        for url in (
            reverse("register:entry_create"),
            reverse("register:entry_edit", args=["midt-epj"]),
            reverse("register:import"),
            reverse("register:import_template"),
        ):
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(reverse("register:import_confirm"), {"token": "x"}).status_code == 403
    assert client_for(editor).get(reverse("register:entry_create")).status_code == 200


def test_anonymous_is_sent_to_log_in_and_get_on_a_post_only_view_is_405(client, client_for, editor):
    response = client.get(reverse("register:entry_list"))
    assert response.status_code == 302 and "/konto/log-ind/" in response["Location"]
    assert client_for(editor).get(reverse("register:import_confirm")).status_code == 405


def test_an_editor_creates_an_entry_with_history(client_for, editor):
    response = client_for(editor).post(
        reverse("register:entry_create"),
        {
            "name": "Region Nord patologi",
            "kind": "system",
            "category": "pathology",
            "owner": Entry._meta.get_field("owner")
            .related_model.objects.get(key="region-nordjylland")
            .pk,
            "criticality": "high",
            "budget": "undecided",
            "release_precision": "quarter",
            "change_reason": "Kortlægning 2026",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    entry = Entry.objects.get(key="region-nord-patologi")
    row = entry.history.earliest("history_date")
    assert row.history_user == editor and row.history_change_reason == "Kortlægning 2026"


def test_a_reporter_no_longer_changes_its_own_entry_directly(client_for, entries, reporter):
    """Reporters propose in their monthly update (tests/register/test_proposals.py)."""
    client = client_for(reporter)
    midt = entries["midt"]
    for url in (
        reverse("register:state_set", args=[midt.key]),
        reverse("register:plan_edit", args=[midt.key]),
        reverse("register:step_edit", args=[midt.key, "in_production"]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("register:state_set", args=[midt.key]),
        {"version": midt.version, "state": "shak_and_sor", "state_date_precision": "day"},
    )
    assert response.status_code == 403
    midt.refresh_from_db()
    assert midt.state == "shak"
    page = client.get(reverse("register:entry_detail", args=[midt.key])).content.decode()
    assert "Skift SHAK-anvendelse" not in page and "statusopdatering" in page


def test_an_editor_moves_an_entry_and_the_rules_speak_danish(client_for, entries, editor):
    client = client_for(editor)
    midt = entries["midt"]
    url = reverse("register:state_set", args=[midt.key])
    response = client.post(
        url,
        {
            "version": midt.version,
            "state": "sor_only",
            "state_date": "",
            "state_date_precision": "day",
            "state_confirmed_by": "",
            "change_reason": "Overgået",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["state_date"] == ["Angiv datoen for “Kun SOR” (med præcision)."]
    assert form.errors["state_confirmed_by"] == ["Angiv, hvem der har bekræftet “Kun SOR”."]
    assert (
        'value="Overgået"' in response.content.decode() or "Overgået" in response.content.decode()
    )
    # Backwards without a reason: the reason field says so.
    response = client.post(
        url, {"version": midt.version, "state": "not_mapped", "state_date_precision": "day"}
    )
    assert "et skridt tilbage" in response.context["form"].errors["change_reason"][0]
    response = client.post(
        url,
        {
            "version": midt.version,
            "state": "sor_only",
            "state_date": "15.11.2026",
            "state_date_precision": "day",
            "state_confirmed_by": "Systemejer",
            "change_reason": "Overgået",
        },
    )
    assert response.status_code == 302
    midt.refresh_from_db()
    assert midt.state == "sor_only"
    assert midt.history.latest("history_date").history_user == editor


def test_an_editor_edits_the_plan_and_step_dates(client_for, entries, editor):
    client = client_for(editor)
    midt = entries["midt"]
    response = client.post(
        reverse("register:step_edit", args=[midt.key, "in_production"]),
        {
            "baseline_date": "2026-01-01",
            "baseline_precision": "day",
            "forecast_date": "2027-05-17",
            "forecast_precision": "quarter",
            "actual_precision": "day",
            "change_reason": "Release flyttet",
        },
    )
    assert response.status_code == 302
    step = midt.steps.get(kind="in_production")
    assert str(step.baseline_date) == "2026-01-01"
    assert str(step.forecast_date) == "2027-04-01"  # the quarter's first day
    response = client.post(
        reverse("register:plan_edit", args=[midt.key]),
        {
            "version": midt.version,
            "solution_description": "Ny version af EPJ med SOR-koder",
            "budget": "existing_contract",
            "budget_amount": "-5",
            "release_precision": "quarter",
        },
    )
    assert response.status_code == 200  # negative amount refused, text kept
    assert "Ny version af EPJ med SOR-koder" in response.content.decode()
    detail = client.get(reverse("register:entry_detail", args=[midt.key]))
    assert "2. kvartal 2027" in detail.content.decode()
    assert "Release flyttet" in detail.content.decode()


def test_an_edit_conflict_shows_what_the_other_person_saved(client_for, entries, editor):
    from parties.models import Membership
    from tests.helpers import member

    other = member("t-redaktoer-2", "sor-team", Membership.Role.EDITOR)
    midt = entries["midt"]
    seen = midt.version
    client_for(editor).post(
        reverse("register:plan_edit", args=[midt.key]),
        {
            "version": seen,
            "solution_description": "Redaktørens tekst",
            "budget": "undecided",
            "release_precision": "quarter",
            "change_reason": "Første",
        },
    )
    response = client_for(other).post(
        reverse("register:plan_edit", args=[midt.key]),
        {
            "version": seen,
            "solution_description": "Min tekst",
            "budget": "undecided",
            "release_precision": "quarter",
        },
    )
    assert response.status_code == 200
    assert response.context["conflict"] is not None
    body = response.content.decode()
    assert "en anden har ændret det samme imens" in body and "Min tekst" in body


def test_an_editor_edits_the_facts_and_links_and_a_stale_form_is_refused(
    client_for, entries, editor
):
    from milestones.models import Activity

    midt = entries["midt"]
    client = client_for(editor)
    url = reverse("register:entry_edit", args=[midt.key])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    activity = Activity.objects.get(key="id27-i-regionernes-systemer")
    data.update(
        name="Midt EPJ (ny)",
        activities=[activity.pk],
        milestones=[],
        change_reason="Navn rettet",
    )
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    midt.refresh_from_db()
    assert midt.name == "Midt EPJ (ny)" and list(midt.activities.all()) == [activity]
    assert midt.history.latest("history_date").history_change_reason == "Navn rettet"
    # The same form again (the old version): refused, with the other change shown.
    response = client.post(url, {**data, "name": "Gammel udgave"})
    assert response.status_code == 200 and response.context["conflict"] is not None
    midt.refresh_from_db()
    assert midt.name == "Midt EPJ (ny)"


def test_steering_reads_but_cannot_move_and_an_outsider_sees_nothing(
    client_for, entries, steering, outsider
):
    midt = entries["midt"]
    client = client_for(steering)
    assert client.get(reverse("register:entry_detail", args=[midt.key])).status_code == 200
    for name in ("state_set", "plan_edit"):
        assert client.get(reverse(f"register:{name}", args=[midt.key])).status_code == 403
    response = client.post(
        reverse("register:state_set", args=[midt.key]),
        {"version": midt.version, "state": "shak_and_sor", "state_date_precision": "day"},
    )
    assert response.status_code == 403
    step_url = reverse("register:step_edit", args=[midt.key, "tested"])
    assert client.post(step_url, {"forecast_precision": "day"}).status_code == 403
    response = client_for(outsider).get(reverse("register:entry_detail", args=[midt.key]))
    assert midt.name not in response.content.decode()
    page = client_for(outsider).get(reverse("reports:switch_off")).content.decode()
    assert "<h1>Kan SHAK slukkes?</h1>" not in page  # the no-membership page instead
