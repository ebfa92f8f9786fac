import pytest
from django.core.management import call_command
from django.urls import reverse

from milestones.loader import all_activities, read_plan
from milestones.models import (
    Activity,
    ActivityPlanVersion,
    Baseline,
    BaselineEntry,
    Dependency,
    Goal,
    Milestone,
    MunicipalityRollout,
    RolloutPhase,
)
from parties.models import Party

pytestmark = pytest.mark.django_db


def history_row_count() -> int:
    models = [
        Party,
        Goal,
        Baseline,
        Activity,
        ActivityPlanVersion,
        Milestone,
        Dependency,
        RolloutPhase,
        MunicipalityRollout,
    ]
    return sum(m.history.count() for m in models)


def test_five_regions_with_their_codes_coordinated_by_rsi():
    regions = Party.objects.regions()
    assert {r.name: r.official_code for r in regions} == {
        "Region Nordjylland": "1081",
        "Region Midtjylland": "1082",
        "Region Syddanmark": "1083",
        "Region Hovedstaden": "1084",
        "Region Sjælland": "1085",
    }
    assert {r.coordinator.key for r in regions} == {"rsi"}


def test_98_municipalities_with_codes_and_regions():
    municipalities = Party.objects.municipalities()
    assert municipalities.count() == 98
    assert municipalities.get(official_code="0101").name == "København"
    assert municipalities.get(official_code="0851").region.name == "Region Nordjylland"
    assert municipalities.get(name="Ikast-Brande").official_code == "0756"
    assert set(municipalities.values_list("coordinator__key", flat=True)) == {"kombit"}
    assert municipalities.filter(region__isnull=True).count() == 0


def test_kombit_phases_pilot_4_wave_1_9_wave_2_85():
    counts = {p.number: p.municipalities.count() for p in RolloutPhase.objects.all()}
    assert counts == {1: 0, 2: 4, 3: 9, 4: 85}
    pilot = set(
        RolloutPhase.objects.get(number=2).municipalities.values_list(
            "municipality__name", flat=True
        )
    )
    assert pilot == {"København", "Aalborg", "Faxe", "Næstved"}
    wave1 = set(
        RolloutPhase.objects.get(number=3).municipalities.values_list(
            "municipality__name", flat=True
        )
    )
    assert wave1 == {
        "Horsens",
        "Randers",
        "Skanderborg",
        "Syddjurs",
        "Ringsted",
        "Rudersdal",
        "Køge",
        "Ikast-Brande",
        "Frederikshavn",
    }
    assert MunicipalityRollout.objects.count() == 98


def test_every_activity_of_the_mapping_is_present_with_its_plan_versions():
    plan = read_plan()
    expected = {row["key"]: {a["version"] for a in row["in"]} for row in all_activities(plan)}
    loaded = {
        a.key: {pv.source_document[:3] for pv in a.plan_versions.all()}
        for a in Activity.objects.prefetch_related("plan_versions")
    }
    assert loaded == expected
    # The mapping document names every activity key.
    mapping = (read_plan.__globals__["SEED_DIR"] / "MAPPING.md").read_text(encoding="utf-8")
    missing = [
        key for key in expected if key not in mapping and not key.startswith("sor-tilpasning-")
    ]
    assert missing == []


def test_titles_that_move_between_versions_stay_one_activity_each():
    medcom = Activity.objects.get(key="medcom-adresseringsprojekt")
    assert medcom.responsible_party.key == "medcom"
    titles = {a.baseline.short_name: a.title_in_document for a in medcom.appearances.all()}
    assert titles == {
        "Aktivitetsbeskrivelse (001)": "Implementering af SOR i meddelelser",
        "Milepælsplan (000)": "Udfasning af SHAK til SOR-koder skal kunne understøttes i MedCom-meddelelser",
    }
    suppliers = Activity.objects.get(key="it-leverandoerer-sor-i-meddelelser")
    assert suppliers.responsible_party.key == "it-leverandoerer"
    assert [a.title_in_document for a in suppliers.appearances.all()] == [
        "Implementering af SOR i meddelelser"
    ]


def test_stated_dates_only_with_their_precision():
    start = Milestone.objects.get(key="medcom-adresseringsprojekt-starter")
    assert (start.forecast_date.isoformat(), start.forecast_precision) == ("2023-12-01", "month")
    assert start.source_text == "medio december 2023"
    capgemini = Milestone.objects.get(key="capgemini-kontrakt-udloeber")
    assert capgemini.actual_date.isoformat() == "2022-05-31" and capgemini.is_done
    # 001 states only the date; "reached" is inferred from 000, and says so.
    assert capgemini.status_source == "inferred" and "000" in capgemini.status_note
    end = Milestone.objects.get(key="shak-udfaset")
    assert (end.forecast_date.year, end.forecast_precision) == (2026, "year")
    # Nothing invented: milestones without a stated date have none.
    assert Milestone.objects.get(key="sorls-i-drift-paa-nsp").forecast_date is None


def test_done_without_a_date_is_done_with_date_unknown():
    for key in [
        "cgi-valgt",
        "transitionsdriftsproeve-afsluttet",
        "sor-database-paa-mssql",
        "id27-uat-godkendt",
        "overvaagning-opsat",
    ]:
        m = Milestone.objects.get(key=key)
        assert m.is_done and m.actual_date_unknown and m.actual_date is None, key


def test_stated_dependencies():
    pairs = set(Dependency.objects.values_list("predecessor__key", "successor__key"))
    assert ("medcom-adresseringsprojekt-starter", "leverandoerer-haandterer-sor-koder") in pairs
    assert ("id27-uat-godkendt", "id27-pilottest-gennemfoert") in pairs
    assert {
        ("fk-oss-sor-certificeret", "kombit-pilot-gennemfoert"),
        ("kombit-pilot-gennemfoert", "kombit-boelge-1-udrullet"),
        ("kombit-boelge-1-udrullet", "kombit-boelge-2-udrullet"),
    } <= pairs


def test_plan_versions_are_baselines_named_from_the_documents():
    names = list(Baseline.objects.filter(is_plan_version=True).values_list("name", flat=True))
    assert names == [
        "Beskrivelse af aktiviteter i planen",
        "Milepælsplan – Fuld overgang til SOR (work in progress)",
    ]
    active = Baseline.objects.get(is_active=True)
    assert active.key == "plan-000-milepaelsplan-wip"
    entry = BaselineEntry.objects.get(
        baseline=active, milestone__key="medcom-adresseringsprojekt-starter"
    )
    assert (entry.date.isoformat(), entry.precision) == ("2023-12-01", "month")
    # 001 does not name MedCom's start: the older baseline has no entry for it.
    assert not BaselineEntry.objects.filter(
        baseline__key="plan-001-beskrivelse-af-aktiviteter",
        milestone__key="medcom-adresseringsprojekt-starter",
    ).exists()


def test_goals_and_the_five_named_sub_goals():
    assert Goal.objects.filter(kind="strategic").count() == 4
    sub = Goal.objects.filter(kind="sub_goal")
    assert sub.count() == 5
    assert "Sikker og stabil drift" in set(sub.values_list("title", flat=True))


def test_a_second_run_changes_nothing_and_writes_no_history(capsys):
    before = history_row_count()
    call_command("load_sor_roadmap")
    assert history_row_count() == before
    assert "intet ændret" in capsys.readouterr().out


def test_loader_history_names_the_system_user():
    row = Milestone.history.filter(key="cgi-valgt").earliest("history_date")
    assert row.history_user.username == "sorplan-system"
    assert row.history_change_reason == "Indlæst fra SOR-planens kildedokumenter"


# The plan as the documents state it -------------------------------------------
STATED_DONE = {
    "migrering-db2-mssql": "har ændret teknisk platform fra DB2 til MSSQL",
    "udvikling-af-id27": "User acceptance test er godkendt af SDS",
    "overvaagningsloesning": "Der er opsat overvågning",
    "gennemfoerelse-af-udbud": "Afsluttet med valg af CGI",
    "transition-til-ny-leverandoer": "transitionsdriftsprøven er afsluttet",
}


def test_activity_statuses_follow_the_documents_and_inferred_ones_say_so():
    for key, quote in STATED_DONE.items():
        activity = Activity.objects.get(key=key)
        assert (activity.status, activity.status_source) == ("done", "stated"), key
        assert quote in activity.status_note, key
    tender = Activity.objects.get(key="forberedelse-af-udbud")
    assert (tender.status, tender.status_source) == ("done", "inferred")
    assert tender.status_note.startswith("Udledt af planen")
    # Where the documents say nothing, nothing is claimed.
    sorls = Activity.objects.get(key="sorls-go-live")
    assert (sorls.status, sorls.status_source, sorls.status_note) == ("not_started", "team", "")


def test_implied_and_inferred_milestones():
    material = Milestone.objects.get(key="udbudsmateriale-klar")
    assert material.is_done and material.actual_date_unknown
    assert material.status_source == "inferred" and "udbuddet er gennemført" in material.status_note
    stated = Milestone.objects.get(key="cgi-valgt")
    assert stated.status_source == "stated" and stated.status_note == ""


def test_the_inferred_status_shows_on_the_activity_page(client_for, steering):
    page = client_for(steering).get(
        reverse("milestones:activity_detail", args=["forberedelse-af-udbud"])
    )
    html = page.content.decode()
    assert "udledt af planen" in html.lower()
    assert "udbuddet er gennemført" in html


def test_parties_the_documents_name():
    kinds = dict(Party.objects.values_list("key", "kind"))
    for key in ["danske-regioner", "rkkp", "sys", "regionale-sor-projekter"]:
        assert kinds[key] == "regional_body", key
    assert kinds["systemejere"] == "system_owner"
    involved = {
        a.key: set(a.involved_parties.values_list("key", flat=True))
        for a in Activity.objects.filter(
            key__in=[
                "sor-i-regionernes-sundheds-it",
                "implementering-af-sor-i-sum",
                "pilottest-id27",
            ]
        )
    }
    regions = set(Party.objects.regions().values_list("key", flat=True))
    assert {"danske-regioner", "rkkp", "sys", "regionale-sor-projekter"} <= involved[
        "sor-i-regionernes-sundheds-it"
    ]
    assert "systemejere" in involved["implementering-af-sor-i-sum"]
    assert regions <= involved["pilottest-id27"]


def test_the_ministry_group_in_the_documents_own_words():
    group = Party.objects.get(key="sum-koncernen")
    assert group.name == "SUM-/ISM-koncernen"
    assert "tidligere" not in group.name.lower()
    titles = {
        a.baseline.key[:8]: a.responsible_in_document
        for a in ActivityPlanVersion.objects.filter(activity__key="implementering-af-sor-i-sum")
    }
    assert titles == {
        "plan-001": "Interne parter (SDS)",
        "plan-000": "Interne parter, SDS & ISM Koncernen",
    }
    sum_titles = set(
        ActivityPlanVersion.objects.filter(activity__key="implementering-af-sor-i-sum").values_list(
            "title_in_document", flat=True
        )
    )
    assert sum_titles == {
        "Implementering af SOR i SUM",
        "Implementering af SOR i SUM koncernens systemer",
    }


def test_dependencies_the_documents_imply_each_with_its_sentence():
    links = {
        (d.predecessor.key, d.successor.key): d.note
        for d in Dependency.objects.select_related("predecessor", "successor")
    }
    chains = [
        ["sum-kortlaegning-faerdig", "sum-plan-per-system", "sum-ren-sor", "shak-udfaset"],
        ["regioner-klar-til-fuld-sor", "shak-udfaset"],
        [
            "leverandoerer-haandterer-sor-koder",
            "medcom-it-leverandoerer-certificeret",
            "medcom-adressering-med-sor-alene",
        ],
        ["udbudsmateriale-klar", "cgi-valgt", "transitionsdriftsproeve-afsluttet"],
    ]
    for chain in chains:
        for pair in zip(chain, chain[1:], strict=False):
            assert pair in links, pair
            assert '"' in links[pair] and ("001" in links[pair] or "000" in links[pair]), pair
    for successor in [
        "id27-systemer-aendret",
        "id27-indberetninger-aendret",
        "id27-anvendt-i-stedet-for-shak",
    ]:
        assert ("id27-uat-godkendt", successor) in links
    for region in Party.objects.regions():
        assert (f"sor-tilpasning-{region.key}-klar", "regioner-klar-til-fuld-sor") in links
    assert "og dermed udfasning af SHAK" in links[("regioner-klar-til-fuld-sor", "shak-udfaset")]


def test_goals_only_where_the_documents_tie_an_activity_to_one():
    goals = dict(Activity.objects.values_list("key", "goal__key"))
    assert goals["milepaelsplan-shak-udfasning"] == "maal-1-udfasning-af-shak"
    for key in [
        "forberedelse-af-udbud",
        "gennemfoerelse-af-udbud",
        "transition-til-ny-leverandoer",
    ]:
        assert goals[key] == "maal-2-udbud-og-transition", key
    assert goals["formidling-til-styregruppe-og-fora"] == "maal-3-kommunikation"
    assert goals["implementering-af-sor-i-sum"] == "maal-4-sor-i-sum-koncernen"
    for key in [
        "sorls-go-live",
        "udvikling-af-id27",
        "medcom-adresseringsprojekt",
        "kombit-integration-til-sorus",
    ]:
        assert goals[key] is None, key
    assert Activity.objects.filter(goal__key="maal-1-udfasning-af-shak").count() == 1
    # The five sub-goals are the document's examples, with no invented numbers.
    sub = Goal.objects.filter(kind="sub_goal")
    assert set(sub.values_list("number", flat=True)) == {0}
    assert all("Eksempler på delmål" in g.description for g in sub)


def test_places_on_the_first_slide_agree_with_the_mapping():
    places = {
        a.activity.key: a.location
        for a in ActivityPlanVersion.objects.filter(baseline__key="plan-000-milepaelsplan-wip")
    }
    assert places["milepaelsplan-shak-udfasning"] == "SOR Roadmap 1/4, række 1"
    assert places["gennemfoerelse-af-udbud"] == "SOR Roadmap 1/4, række 2"
    assert places["transition-til-ny-leverandoer"] == "SOR Roadmap 1/4, række 2"
    assert places["formidling-til-styregruppe-og-fora"] == "SOR Roadmap 1/4, række 3"
    assert places["implementering-af-sor-i-sum"] == "SOR Roadmap 1/4, række 4"
    mapping = (read_plan.__globals__["SEED_DIR"] / "MAPPING.md").read_text(encoding="utf-8")
    for row, key in [
        (1, "milepaelsplan"),
        (2, "transition-til-ny-leverandoer"),
        (3, "formidling"),
        (4, "implementering-af-sor-i-sum"),
    ]:
        line = next(
            line for line in mapping.splitlines() if line.startswith(f"| {row} ") and key in line
        )
        assert line, (row, key)


def test_each_document_keeps_its_own_wording(client_for, steering):
    wording = {
        a.baseline.key[:8]: a.description_in_document
        for a in ActivityPlanVersion.objects.filter(activity__key="udvikling-af-id27")
    }
    assert "udarbejde design, gennemføre udvikling" in wording["plan-001"]
    assert "User acceptance test er godkendt af SDS" in wording["plan-000"]
    assert not ActivityPlanVersion.objects.filter(description_in_document="").exists()
    page = (
        client_for(steering)
        .get(reverse("milestones:activity_detail", args=["pilottest-id27"]))
        .content.decode()
    )
    assert "i samarbejde med regionerne." in page
    assert "i samarbejde med udvalgte regioner." in page


def test_the_older_baseline_holds_no_milestone_only_the_newer_document_names():
    older = set(
        BaselineEntry.objects.filter(
            baseline__key="plan-001-beskrivelse-af-aktiviteter"
        ).values_list("milestone__key", flat=True)
    )
    for key in [
        "cgi-valgt",
        "transitionsdriftsproeve-afsluttet",
        "id27-uat-godkendt",
        "medcom-adresseringsprojekt-starter",
        "shak-udfaset",
    ]:
        assert key not in older, key
    assert {
        "udbudsmateriale-klar",
        "capgemini-kontrakt-udloeber",
        "id27-udviklet-og-testet",
    } <= older
    newer = set(
        BaselineEntry.objects.filter(baseline__key="plan-000-milepaelsplan-wip").values_list(
            "milestone__key", flat=True
        )
    )
    assert "cgi-valgt" in newer and "udbudsmateriale-klar" not in newer


def test_a_status_a_person_sets_is_kept_by_the_next_load(editor):
    from core.history import system_user_get
    from milestones.services.plan import activity_update

    activity = Activity.objects.get(key="migrering-db2-mssql")
    activity, _ = activity_update(
        activity_id=activity.pk,
        version=activity.version,
        user=editor,
        data={"status": Activity.Status.IN_PROGRESS},
        reason="Genåbnet",
    )
    assert (activity.status_source, activity.status_note) == ("team", "")
    from milestones.loader import sor_roadmap_load

    sor_roadmap_load(user=system_user_get())
    activity.refresh_from_db()
    assert (activity.status, activity.status_source) == ("in_progress", "team")
