"""The status report's governance sections: at the front, from the records as they
stood at the report's moment, frozen when the report is published."""

import datetime

import pytest
import time_machine

from core.history import system_user_get
from governance.models import Action, Risk
from governance.services import records
from reports import services
from tests.governance.helpers import make_risk
from tests.reports.helpers import known_governance_build, known_month_build, pdf_text

pytestmark = pytest.mark.django_db

FRONT = [
    "1. Ledelsesresumé",
    "Beslutninger, styregruppen skal træffe",
    "Leveringssikkerhed",
    "Risici",
    "Beslutninger",
    "Truffet siden sidste rapport",
    "Afvigelser",
    "Handlinger",
    "2. Status pr. spor og part",
]


@pytest.fixture
def month(db, report_media):
    known = known_month_build()
    gov = known_governance_build(known)
    return known, gov


def _draft(known):
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        return report, services.status_report_data(report)


def test_the_report_data_has_the_governance_of_its_moment(month):
    known, gov = month
    _report, data = _draft(known)
    g = data["governance"]
    requested = {d["title"]: d for d in g["requested"]}
    asked = requested["Skal bølge 2 udskydes?"]
    assert [o["title"] for o in asked["options"]] == ["Udskyd bølge 2 til 2027", "Fasthold planen"]
    assert asked["recommendation"] == "SOR-teamet anbefaler at udskyde."
    assert f"Afvigelse: {known.slipping.title}" in requested  # the exception's own request
    assert [d["title"] for d in g["taken"]] == ["Valg af testmiljø"]
    assert g["taken"][0]["outcome"] == "Styregruppen valgte testmiljø B."
    risk = g["risks"][0]
    assert (risk["title"], risk["score"], risk["band_label"]) == (gov.risk.title, 20, "Kritisk")
    assert risk["person"] == "Rikke Redaktør" and risk["trend"] == "new"
    assert g["heat_total"] == 1 and g["heat_change"] == 1
    # The risk register's own drawing, without the page's links.
    assert "<svg" in g["heat_svg"] and "<a " not in g["heat_svg"]
    assert "Sandsynlighed" in g["heat_svg"]
    assert [a["title"] for a in g["overdue_actions"]] == ["Send revideret tidsplan"]
    assert g["exceptions"][0]["cause"] == "Leverandøren mangler folk."
    assert g["confidence"]["label"] == "Gul/rød"


def test_records_changed_after_the_moment_do_not_show_in_a_later_draft(month):
    known, gov = month
    # After the report's moment, before the draft is made: the risk is closed, a new
    # one is raised and the action is done.
    with time_machine.travel(known.run_at - datetime.timedelta(hours=2), tick=False):
        records.record_update(
            Risk,
            pk=gov.risk.pk,
            version=gov.risk.version,
            data={"status": "closed"},
            user=known.editor,
        )
        make_risk(known.editor, title="Risiko rejst efter måneden", p=5, i=5)
        records.record_update(
            Action,
            pk=gov.action.pk,
            version=gov.action.version,
            data={"status": "done"},
            user=known.editor,
        )
    _report, data = _draft(known)
    g = data["governance"]
    assert [r["title"] for r in g["risks"]] == [gov.risk.title]
    assert [a["title"] for a in g["overdue_actions"]] == ["Send revideret tidsplan"]


def test_the_pdf_has_the_governance_sections_at_the_front(month, tmp_path):
    known, gov = month
    report, _data = _draft(known)
    with time_machine.travel(known.run_at, tick=False):
        text = pdf_text(services.status_report_pdf(report), tmp_path)
    positions, start = [], 0
    for heading in FRONT:
        start = text.find(heading, start)
        positions.append(start)
    assert all(p >= 0 for p in positions), list(zip(FRONT, positions, strict=True))
    front = text[positions[0] : positions[-1]]
    for expected in (
        "Skal bølge 2 udskydes?",
        "Udskyd bølge 2 til 2027",
        "Regionerne får tre måneder mere.",
        "SOR-teamets anbefaling: SOR-teamet anbefaler at udskyde.",
        "Gul/rød",
        "Regionerne er bagud, men indhenter.",
        gov.risk.title,
        "Rikke Redaktør",
        "Ugentlig opfølgning med leverandøren.",
        "Risikokort: 1 aktive risici",
        "Styregruppen valgte testmiljø B.",
        "Leverandøren mangler folk.",
        "Send revideret tidsplan",
    ):
        assert expected in front, expected


def test_a_published_report_keeps_its_governance_when_the_records_change(month, tmp_path):
    known, gov = month
    report, _data = _draft(known)
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_publish(report_id=report.pk, user=known.editor)
    frozen = services.status_report_data(report)
    stored = services.status_report_pdf(report)

    requested = gov.requested
    records.decision_take(
        pk=requested.pk,
        version=requested.version,
        outcome="Udskudt.",
        decided_on=known.run_at.date(),
        user=known.editor,
    )
    records.record_update(
        Risk,
        pk=gov.risk.pk,
        version=gov.risk.version,
        data={"title": "Omdøbt risiko", "probability": 1},
        user=known.editor,
    )
    records.confidence_set(
        activity=None,
        level="green",
        justification="Alt er godt nu.",
        version=1,
        user=known.editor,
    )
    make_risk(known.editor, title="Ny risiko efter publicering", p=5, i=5)

    report.refresh_from_db()
    assert services.status_report_data(report) == frozen
    assert services.status_report_pdf(report) == stored
    g = frozen["governance"]
    assert "Skal bølge 2 udskydes?" in [d["title"] for d in g["requested"]]
    assert [r["title"] for r in g["risks"]] == [gov.risk.title]
    assert g["confidence"]["label"] == "Gul/rød"
    text = pdf_text(stored, tmp_path)
    assert "Omdøbt risiko" not in text and "Alt er godt nu." not in text


def test_the_report_has_each_activitys_confidence_as_it_stood_frozen_with_it(month, tmp_path):
    known, _gov = month
    activity = known.slipping.activity
    with time_machine.travel(known.period.replace(day=12), tick=False):
        records.confidence_set(
            activity=activity,
            level="amber",
            justification="Leverandøren er bagud med testen.",
            version=0,
            user=known.editor,
        )
    report, data = _draft(known)
    assert data["governance"]["activity_confidence"] == [
        {
            "activity": activity.title,
            "party": activity.responsible_party.label,
            "level": "amber",
            "label": "Gul",
            "justification": "Leverandøren er bagud med testen.",
        }
    ]
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_publish(report_id=report.pk, user=known.editor)
    records.confidence_set(
        activity=activity,
        level="red",
        justification="Nu er det rødt.",
        version=1,
        user=known.editor,
    )
    report.refresh_from_db()
    g = services.status_report_data(report)["governance"]
    assert [c["label"] for c in g["activity_confidence"]] == ["Gul"]
    text = pdf_text(services.status_report_pdf(report), tmp_path)
    assert "Leveringssikkerhed pr. aktivitet" in text
    assert "Leverandøren er bagud med testen." in text and "Nu er det rødt." not in text
