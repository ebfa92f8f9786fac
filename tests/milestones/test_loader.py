import pytest
from django.core.management import call_command

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
    old = BaselineEntry.objects.get(
        baseline__key="plan-001-beskrivelse-af-aktiviteter",
        milestone__key="medcom-adresseringsprojekt-starter",
    )
    assert old.date is None  # 001 states no date for it


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
