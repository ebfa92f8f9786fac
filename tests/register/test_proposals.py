"""A party's reporters propose changes to its register entries in their monthly
progress update; the SOR-team accepts (applied with history naming the update) or
rejects each one when it reviews the update. Reporter scoping through the page, the
form, htmx and the service."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from milestones.models import ProgressUpdate
from register import services
from register.models import Entry, EntryProposal
from register.reporting import BoundRegisterSection, update_entries
from tests.milestones.helpers import (
    IN_ROUND,
    MIDT_ACTIVITY,
    detail,
    edit_path,
    form_data,
    review,
)

pytestmark = pytest.mark.django_db
MIDT_PATH = edit_path("region-midtjylland", MIDT_ACTIVITY)
SYD_PATH = edit_path("region-syddanmark", "sor-tilpasning-region-syddanmark")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(IN_ROUND, tick=False):
        yield


def prefixed(entry: Entry, **values) -> dict:
    return {f"reg{entry.pk}-{name}": str(value) for name, value in values.items()}


def state_move(entry, state, **extra) -> dict:
    return prefixed(entry, state=state, state_date_precision="day", **extra)


def test_the_update_lists_the_partys_own_entries_only(
    client_for, entries, reporter, rsi_reporter, round_oct
):
    midt, syd = entries["midt"], entries["syd"]
    page = client_for(reporter).get(MIDT_PATH).content.decode()
    assert "SHAK-registerets poster" in page
    assert f'name="reg{midt.pk}-state"' in page and "Midt EPJ" in page
    assert f'name="reg{syd.pk}-state"' not in page and "Syd laboratoriesystem" not in page
    # Another region's update is not the region reporter's to read.
    assert client_for(reporter).get(SYD_PATH).status_code == 404
    # RSI reports for the regions, so it proposes for their entries in their updates.
    page = client_for(rsi_reporter).get(SYD_PATH).content.decode()
    assert f'name="reg{syd.pk}-state"' in page and f'name="reg{midt.pk}-state"' not in page


def test_an_entry_of_the_activity_or_of_none_of_the_partys_activities(entries, round_oct):
    """An entry linked to another party's activity (ID27 is RSI's) still shows in its
    owner's first update of the round; one linked to the update's activity shows there."""
    from milestones.models import Activity

    midt = entries["midt"]
    midt.activities.add(Activity.objects.get(key="id27-i-regionernes-systemer"))
    party, activity = midt.owner, Activity.objects.get(key=MIDT_ACTIVITY)
    assert list(update_entries(round_=round_oct, party=party, activity=activity)) == [midt]
    midt.activities.add(activity)
    assert list(update_entries(round_=round_oct, party=party, activity=activity)) == [midt]


def test_a_draft_keeps_the_proposal_and_leaves_the_entry_alone(
    client_for, entries, reporter, editor, round_oct
):
    midt = entries["midt"]
    client = client_for(reporter)
    data = form_data(
        **state_move(midt, "shak_and_sor"),
        **prefixed(
            midt,
            solution_description="EPJ-opgradering med SOR-koder",
            in_production_forecast_date="2027-05-17",
            in_production_forecast_precision="quarter",
        ),
    )
    response = client.post(MIDT_PATH, data)
    assert response.status_code == 302
    proposal = EntryProposal.objects.get()
    assert proposal.state == "shak_and_sor" and proposal.decision == "pending"
    assert proposal.plan == {"solution_description": "EPJ-opgradering med SOR-koder"}
    assert proposal.steps["in_production"]["forecast_date"] == "2027-04-01"  # the quarter's start
    assert proposal.history.order_by("-history_id").first().history_user == reporter
    midt.refresh_from_db()
    assert midt.state == "shak" and midt.solution_description == ""
    # The form shows the proposal again; the entry's page shows it pending.
    page = client.get(MIDT_PATH).content.decode()
    assert "EPJ-opgradering med SOR-koder" in page and "forslag gemt" in page
    for user in (reporter, editor):
        entry_page = client_for(user).get(f"/register/{midt.key}/").content.decode()
        assert "Forslag, der afventer SOR-teamet" in entry_page
        assert "SHAK → SHAK og SOR" in entry_page
    # Taking the changes out again removes the proposal.
    client.post(MIDT_PATH, form_data(version=1))
    assert not EntryProposal.objects.exists()


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"state": "sor_only"},
            {
                "state_date": "Angiv datoen for “Kun SOR” (med præcision).",
                "state_confirmed_by": "Angiv, hvem der har bekræftet “Kun SOR”.",
            },
        ),
        (
            {"state": "retired", "state_date": "2026-11-02", "state_confirmed_by": "Ejer"},
            {
                "state_date": "Datoen for tilstanden kan ikke ligge i fremtiden (i dag er 20. oktober 2026)."
            },
        ),
        (
            {"state": "not_mapped"},
            {
                "state_reason": "Skriv en begrundelse: “Ikke kortlagt” er et skridt tilbage fra “SHAK”."
            },
        ),
        (
            {"in_production_actual_date": "2026-12-01"},
            {
                "in_production_actual_date": "Den faktiske dato kan ikke ligge i fremtiden (i dag er 20. oktober 2026)."
            },
        ),
    ],
)
def test_the_rules_of_a_direct_move_apply_when_proposing(
    client_for, entries, reporter, round_oct, fields, errors
):
    midt = entries["midt"]
    data = form_data(**prefixed(midt, state_date_precision="day", **fields), narrative="Mit udkast")
    response = client_for(reporter).post(MIDT_PATH, data)
    assert response.status_code == 400
    form = next(f for f in response.context["sections"][0].forms if f.entry == midt)
    assert {name: form.errors[name][0] for name in errors} == errors
    body = response.content.decode()
    assert "Mit udkast" in body and "Opdateringen er ikke gemt" in body
    assert not ProgressUpdate.objects.exists() and not EntryProposal.objects.exists()


def test_fields_for_another_partys_entry_are_ignored(client_for, entries, reporter, round_oct):
    syd = entries["syd"]
    response = client_for(reporter).post(MIDT_PATH, form_data(**state_move(syd, "sor_only")))
    assert response.status_code == 302
    assert not EntryProposal.objects.exists()
    syd.refresh_from_db()
    assert syd.state == "shak_plus"


def test_the_service_refuses_an_entry_the_update_does_not_list(entries, reporter, round_oct):
    from tests.milestones.helpers import make_update

    update = make_update(round_oct, "region-midtjylland", MIDT_ACTIVITY, user=reporter)
    item = services.EntryProposalInput(entry=entries["syd"], state="shak_and_sor")
    with pytest.raises(ValidationError, match="hører ikke til denne opdatering"):
        services.entry_proposals_save(
            update=update, items=[item], entry_ids={entries["midt"].pk}, user=reporter
        )


def test_htmx_saves_the_draft_with_the_proposal(client_for, entries, reporter, round_oct):
    midt = entries["midt"]
    client = client_for(reporter)
    response = client.post(
        MIDT_PATH, form_data(**state_move(midt, "shak_and_sor")), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Kladden er gemt" in response.content.decode()
    assert EntryProposal.objects.get().state == "shak_and_sor"
    # htmx for another region's update: not found, nothing saved.
    response = client.post(
        SYD_PATH, form_data(**state_move(entries["syd"], "sor_only")), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404
    assert EntryProposal.objects.count() == 1


def _submitted(client, midt, **fields):
    data = form_data(action="submit", **{**state_move(midt, "sor_only"), **fields})
    response = client.post(MIDT_PATH, data)
    assert response.status_code == 302, response.context and response.context["field_errors"]
    return ProgressUpdate.objects.get()


def test_the_sor_team_accepts_a_proposal_and_the_entry_moves_with_history(
    client_for, entries, reporter, editor, round_oct
):
    midt = entries["midt"]
    update = _submitted(
        client_for(reporter),
        midt,
        **prefixed(
            midt,
            state_date="2026-10-01",
            state_date_precision="month",
            state_confirmed_by="Systemejer Ida",
            resources_external="CGI",
            tested_actual_date="2026-10-12",
            tested_actual_precision="day",
        ),
    )
    proposal = EntryProposal.objects.get()
    page = client_for(editor).get(detail(update)).content.decode()
    assert "Forslag til SHAK-registeret" in page
    assert f'name="register_{proposal.pk}"' in page and "SHAK → Kun SOR" in page
    response = client_for(editor).post(
        review(update),
        {"action": "accept", "version": update.version, f"register_{proposal.pk}": "on"},
    )
    assert response.status_code == 302
    midt.refresh_from_db()
    assert midt.state == "sor_only" and midt.state_confirmed_by == "Systemejer Ida"
    assert midt.state_date == datetime.date(2026, 10, 1) and midt.state_date_precision == "month"
    assert midt.resources_external == "CGI"
    assert str(midt.steps.get(kind="tested").actual_date) == "2026-10-12"
    row = midt.history.order_by("-history_id").first()  # the clock stands still
    assert row.history_user == editor
    assert row.history_change_reason == "Fra Region Midtjyllands opdatering for oktober 2026"
    proposal.refresh_from_db()
    assert proposal.decision == "accepted"
    entry_page = client_for(reporter).get(f"/register/{midt.key}/").content.decode()
    assert "Forslag, der afventer SOR-teamet" not in entry_page


def test_an_unticked_proposal_is_rejected_and_changes_nothing(
    client_for, entries, reporter, editor, round_oct
):
    midt = entries["midt"]
    update = _submitted(
        client_for(reporter),
        midt,
        **prefixed(midt, state_date="2026-10-01", state_confirmed_by="Ida"),
    )
    response = client_for(editor).post(
        review(update), {"action": "accept", "version": update.version, "comment": "Ikke endnu"}
    )
    assert response.status_code == 302
    midt.refresh_from_db()
    assert midt.state == "shak"
    assert EntryProposal.objects.get().decision == "rejected"


def test_a_returned_update_keeps_its_proposal_pending_for_the_party_to_fix(
    client_for, entries, reporter, editor, round_oct
):
    midt = entries["midt"]
    update = _submitted(
        client_for(reporter),
        midt,
        **prefixed(midt, state_date="2026-10-01", state_confirmed_by="Ida"),
    )
    response = client_for(editor).post(
        review(update),
        {"action": "return", "version": update.version, "comment": "Hvem er Ida?"},
    )
    assert response.status_code == 302
    assert EntryProposal.objects.get().decision == "pending"
    update.refresh_from_db()
    data = form_data(
        version=update.version,
        action="submit",
        **state_move(
            midt, "sor_only", state_date="2026-10-01", state_confirmed_by="Ida Systemejer"
        ),
    )
    assert client_for(reporter).post(MIDT_PATH, data).status_code == 302
    assert EntryProposal.objects.get().state_confirmed_by == "Ida Systemejer"


def test_only_the_sor_team_reviews(client_for, entries, reporter, steering, round_oct):
    midt = entries["midt"]
    update = _submitted(
        client_for(reporter),
        midt,
        **prefixed(midt, state_date="2026-10-01", state_confirmed_by="Ida"),
    )
    proposal = EntryProposal.objects.get()
    for user in (reporter, steering):
        response = client_for(user).post(
            review(update),
            {"action": "accept", "version": update.version, f"register_{proposal.pk}": "on"},
        )
        assert response.status_code == 403
    midt.refresh_from_db()
    assert midt.state == "shak"


def test_an_entrys_cached_form_follows_the_entry_and_the_proposal(
    client_for, entries, reporter, editor, round_oct
):
    """The entries' forms are cached as HTML (`BoundRegisterSection.prepare_html`): an
    edit of the entry, of a step or a saved proposal shows on the next page, and the
    cached form is the form rendered anew."""
    from django.core.cache import cache

    midt = entries["midt"]
    client = client_for(reporter)
    first = client.get(MIDT_PATH).content.decode()
    assert "nu: SHAK" in first and "Ny løsning" not in first
    services.entry_update(
        entry_id=midt.pk,
        version=midt.version,
        user=editor,
        data={"solution_description": "Ny løsning"},
        reason="Planen er ændret",
    )
    services.step_set(
        entry_id=midt.pk,
        kind="in_production",
        version=None,
        user=editor,
        data={"forecast_date": datetime.date(2027, 3, 15), "forecast_precision": "day"},
        reason="Ny dato",
    )
    midt.refresh_from_db()
    services.entry_state_set(
        entry_id=midt.pk, version=midt.version, user=editor, state="shak_and_sor"
    )
    page = client.get(MIDT_PATH).content.decode()
    assert "nu: SHAK og SOR" in page and "Ny løsning" in page and "15.03.2027" in page
    cache.clear()
    assert _register_section(client.get(MIDT_PATH).content.decode()) == _register_section(page)
    # A draft with a proposal: the form shows it saved, with its values.
    response = client.post(
        MIDT_PATH,
        form_data(version=0, **prefixed(midt, resources_external="CGI og Systematic")),
    )
    assert response.status_code == 302
    page = client.get(MIDT_PATH).content.decode()
    assert "forslag gemt" in page and "CGI og Systematic" in page


def _register_section(page: str) -> str:
    start = page.index('id="register-proposals"')
    return page[start : page.index("</fieldset>", start)]


def test_an_entrys_form_is_built_only_when_its_html_is_not_cached(
    client_for, entries, reporter, round_oct
):
    """Opening the update builds no entry form whose HTML is in the cache (each is two
    dozen fields); the page is the same whether built or not, and a POST with a wrong
    proposal still shows the entry's form with its error."""
    client = client_for(reporter)
    first = client.get(MIDT_PATH)
    built = [
        pf
        for s in first.context["sections"]
        if isinstance(s, BoundRegisterSection)
        for pf in s.forms
    ]
    assert built and all("form" in vars(pf) for pf in built)
    again = client.get(MIDT_PATH)
    cached = [
        pf
        for s in again.context["sections"]
        if isinstance(s, BoundRegisterSection)
        for pf in s.forms
    ]
    assert cached and not any("form" in vars(pf) for pf in cached)
    page = again.content.decode()
    assert _register_section(page) == _register_section(first.content.decode())
    midt = entries["midt"]
    response = client.post(
        MIDT_PATH, form_data(version=0, **state_move(midt, "sor_only", state_date="2026-10-01"))
    )
    assert response.status_code == 400
    assert f'name="reg{midt.pk}-state"' in response.content.decode()
