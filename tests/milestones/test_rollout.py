"""KOMBIT's roll-out: one bulk form per phase, history for each changed row only,
counts per phase for the dashboard."""

import datetime

import pytest
import time_machine

from core.history import record_save
from milestones.models import MunicipalityRollout
from milestones.selectors import rollout_counts
from parties.models import Party

D = datetime.date
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
PILOT = "/plan/udrulning/fase/2/"


@pytest.fixture
def frozen():
    with time_machine.travel(
        datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC), tick=False
    ):
        yield


def rollout(name: str) -> MunicipalityRollout:
    return MunicipalityRollout.objects.select_related("municipality").get(municipality__name=name)


def phase_post(rollouts, **changes):
    """The whole phase form as the page sends it, with `changes` {name: (status, date)}."""
    data = {}
    for r in rollouts:
        status, date = changes.get(r.municipality.name, (r.status, r.status_date))
        prefix = f"r{r.pk}"
        data[f"{prefix}-status"] = status
        data[f"{prefix}-status_date"] = date.strftime("%d.%m.%Y") if date else ""
        data[f"{prefix}-version"] = str(r.version)
        data[f"{prefix}-seen_status"] = r.status
        data[f"{prefix}-seen_date"] = r.status_date.isoformat() if r.status_date else ""
    return data


def pilot_rows():
    return list(MunicipalityRollout.objects.filter(phase__number=2).select_related("municipality"))


def test_counts_per_phase():
    counts = rollout_counts()
    assert [c.phase.number for c in counts] == [1, 2, 3, 4]
    assert [c.total for c in counts] == [0, 4, 9, 85]
    assert counts[0].phase.milestone.key == "fk-oss-sor-certificeret"
    assert all(c.not_started == c.total for c in counts)
    assert counts[1].percent_in_production == 0


def test_kombit_updates_the_pilot_in_one_form_with_history_per_changed_row(
    client_for, kombit_reporter
):
    client = client_for(kombit_reporter)
    page = client.get(PILOT)
    assert page.status_code == 200
    html = page.content.decode()
    assert "København" in html and "Næstved" in html and "Gem ændringer" in html
    rows = pilot_rows()
    before = {r.pk: r.history.count() for r in MunicipalityRollout.objects.all()}
    data = phase_post(
        rows,
        København=("in_production", D(2026, 9, 1)),
        Aalborg=("in_test", D(2026, 11, 2)),
    )
    response = client.post(PILOT, data)
    assert response.status_code == 302
    kbh, aalborg, faxe = rollout("København"), rollout("Aalborg"), rollout("Faxe")
    assert (kbh.status, kbh.status_date, kbh.version) == ("in_production", D(2026, 9, 1), 2)
    assert (aalborg.status, aalborg.status_date) == ("in_test", D(2026, 11, 2))
    assert faxe.version == 1
    after = {r.pk: r.history.count() for r in MunicipalityRollout.objects.all()}
    changed = {pk for pk in after if after[pk] != before[pk]}
    assert changed == {kbh.pk, aalborg.pk}
    history = kbh.history.order_by("-history_id").first()
    assert history.history_user == kombit_reporter
    assert "København" in history.history_change_reason
    counts = rollout_counts()[1]
    assert (counts.in_production, counts.in_test, counts.not_started) == (1, 1, 2)
    assert counts.percent_in_production == 25
    # The same form again changes nothing.
    assert client.post(PILOT, phase_post(pilot_rows())).status_code == 302
    assert rollout("København").history.count() == after[kbh.pk]


def test_the_sor_team_may_update_too(client_for, editor):
    data = phase_post(pilot_rows(), Faxe=("in_test", D(2026, 11, 1)))
    assert client_for(editor).post(PILOT, data).status_code == 302
    assert rollout("Faxe").status == "in_test"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("in_test", None), "Angiv datoen for status."),
        (("in_production", D(2026, 12, 24)), "Datoen kan ikke ligge i fremtiden."),
        (("teleporteret", D(2026, 11, 1)), "Marker en gyldig valgmulighed"),
    ],
)
def test_bad_input_is_refused_with_a_danish_message(client_for, kombit_reporter, change, message):
    data = phase_post(pilot_rows(), Aalborg=("in_test", D(2026, 11, 2)), Faxe=change)
    response = client_for(kombit_reporter).post(PILOT, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'value="02.11.2026"' in html or 'value="2026-11-02"' in html  # typed values kept
    assert rollout("Aalborg").status == "not_started"  # nothing saved


def test_bad_date_format(client_for, kombit_reporter):
    data = phase_post(pilot_rows())
    faxe = rollout("Faxe")
    data[f"r{faxe.pk}-status"] = "in_test"
    data[f"r{faxe.pk}-status_date"] = "i sidste uge"
    response = client_for(kombit_reporter).post(PILOT, data)
    assert response.status_code == 400
    assert "Skriv datoen som dd.mm.åååå" in response.content.decode()
    assert "i sidste uge" in response.content.decode()


def test_readers_see_the_table_but_cannot_change_it(
    client_for, reporter, steering, medcom_reporter
):
    for user in (reporter, steering, medcom_reporter):
        client = client_for(user)
        page = client.get(PILOT)
        assert page.status_code == 200
        assert "Gem ændringer" not in page.content.decode()
        data = phase_post(pilot_rows(), Faxe=("in_test", D(2026, 11, 1)))
        assert client.post(PILOT, data).status_code == 403
    assert rollout("Faxe").status == "not_started"


def test_outsider_and_anonymous(client_for, outsider):
    response = client_for(outsider).get("/plan/udrulning/")
    assert response.status_code == 403
    assert "parties/no_membership.html" in [t.name for t in response.templates]
    assert client_for(outsider).post(PILOT, phase_post(pilot_rows())).status_code == 403
    anonymous = client_for(None).post(PILOT, phase_post(pilot_rows()))
    assert anonymous.status_code == 302 and "/konto/log-ind/" in anonymous["Location"]


def test_two_people_changing_the_same_municipality(client_for, kombit_reporter, editor):
    seen = pilot_rows()  # both load the page now
    first = phase_post(seen, Faxe=("in_test", D(2026, 11, 1)))
    assert client_for(editor).post(PILOT, first).status_code == 302
    # KOMBIT, from the old page, sets Faxe too: refused, nothing saved.
    second = phase_post(
        seen, Faxe=("in_production", D(2026, 11, 10)), Aalborg=("in_test", D(2026, 11, 2))
    )
    response = client_for(kombit_reporter).post(PILOT, second)
    assert response.status_code == 409
    assert "Andre har ændret Faxe" in response.content.decode()
    assert rollout("Faxe").status == "in_test"
    assert rollout("Aalborg").status == "not_started"
    # Someone else's change to a row this user did not touch is not overwritten.
    third = phase_post(seen, Aalborg=("in_test", D(2026, 11, 2)))
    assert client_for(kombit_reporter).post(PILOT, third).status_code == 302
    assert rollout("Faxe").status == "in_test" and rollout("Aalborg").status == "in_test"


def test_phase_one_is_fk_oss_itself(client_for, kombit_reporter):
    response = client_for(kombit_reporter).get("/plan/udrulning/fase/1/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "har ingen kommuner" in html and "Gem ændringer" not in html
    assert client_for(kombit_reporter).get("/plan/udrulning/fase/9/").status_code == 404


def test_overview_page(client_for, steering):
    response = client_for(steering).get("/plan/udrulning/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pilotafprøvning" in html and "85" in html


def test_the_right_follows_the_party_that_coordinates_the_rollout_not_a_key(
    client_for, kombit_reporter, medcom_reporter, system_user
):
    kombit = Party.objects.get(key="kombit")
    assert kombit.coordinates_municipal_rollout  # set by the loader from the seed
    kombit.coordinates_municipal_rollout = False
    record_save(kombit, user=system_user, reason="Test")
    medcom = Party.objects.get(key="medcom")
    medcom.coordinates_municipal_rollout = True
    record_save(medcom, user=system_user, reason="Test")

    data = phase_post(pilot_rows(), Faxe=("in_test", D(2026, 11, 1)))
    assert client_for(kombit_reporter).post(PILOT, data).status_code == 403
    page = client_for(medcom_reporter).get(PILOT)
    assert "Gem ændringer" in page.content.decode()
    response = client_for(medcom_reporter).post(PILOT, data)
    assert response.status_code == 302
    assert rollout("Faxe").status == "in_test"
