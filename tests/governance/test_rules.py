"""The rules of the steering group's records: score and band, status moves, what may
be edited when, and what the database refuses."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.versioning import EditConflict
from governance.models import BANDS, TOP_BAND, DeliveryConfidence, Issue, Risk, band_of
from governance.services import records
from tests.governance.helpers import make_decision, make_risk
from tests.milestones.helpers import MIDT_ACTIVITY, activity
from tests.milestones.helpers import party as party_of


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (1, "low"),
        (4, "low"),
        (5, "medium"),
        (9, "medium"),
        (10, "high"),
        (16, "high"),
        (20, "critical"),
        (25, "critical"),
    ],
)
def test_the_bands_of_a_score(score, band):
    assert band_of(score).key == band


def test_every_possible_score_has_one_band():
    for p in range(1, 6):
        for i in range(1, 6):
            assert sum(b.low <= p * i <= b.high for b in BANDS) == 1


@pytest.mark.django_db
def test_a_risk_is_scored_banded_and_flagged(editor):
    today = datetime.date(2026, 12, 1)
    risk = make_risk(editor, p=4, i=5)
    assert (risk.score, risk.band) == (20, TOP_BAND)
    assert risk.is_flagged(today)
    calm = make_risk(editor, title="Lille risiko", p=1, i=2, review_on=datetime.date(2027, 1, 1))
    assert not calm.is_flagged(today)
    overdue = make_risk(
        editor, title="Ikke gennemgået", p=1, i=2, review_on=datetime.date(2026, 11, 1)
    )
    assert overdue.is_flagged(today)
    assert set(Risk.objects.flagged(today)) == {risk, overdue}
    assert list(Risk.objects.in_band("low").order_by("title")) == [overdue, calm]


@pytest.mark.django_db
def test_the_database_refuses_a_probability_outside_1_to_5(editor):
    risk = make_risk(editor)
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(probability=6)


@pytest.mark.django_db
def test_an_occurred_risk_becomes_an_issue_and_is_final(editor):
    risk = make_risk(editor, p=4, i=4)
    risk.activities.add(activity(MIDT_ACTIVITY))
    risk = records.record_status_move(
        Risk, pk=risk.pk, version=risk.version, status="occurred", user=editor, reason="Sket"
    )
    issue = Issue.objects.get(from_risk=risk)
    assert issue.severity == "high" and issue.owner_party == risk.owner_party
    assert list(issue.activities.all()) == [activity(MIDT_ACTIVITY)]
    row = Risk.history.filter(id=risk.pk).latest("history_date")
    assert (row.history_user, row.history_change_reason, row.status) == (editor, "Sket", "occurred")
    with pytest.raises(ValidationError, match="kan ikke længere ændres"):
        records.record_update(
            Risk, pk=risk.pk, version=risk.version, data={"title": "Ny"}, user=editor
        )


@pytest.mark.django_db
def test_a_status_move_outside_the_rules_is_refused(editor):
    risk = make_risk(editor)
    risk = records.record_status_move(Risk, pk=risk.pk, version=1, status="closed", user=editor)
    with pytest.raises(ValidationError):
        records.record_status_move(
            Risk, pk=risk.pk, version=risk.version, status="open", user=editor
        )
    proposed = records.risk_create(
        data={"title": "Forslag", "owner_party": party_of("rsi"), "probability": 2, "impact": 2},
        user=editor,
        proposed=True,
    )
    with pytest.raises(ValidationError, match="Status kan ikke skifte"):
        records.record_status_move(
            Risk, pk=proposed.pk, version=proposed.version, status="occurred", user=editor
        )


@pytest.mark.django_db
def test_an_edit_from_an_old_version_is_a_conflict(editor):
    risk = make_risk(editor)
    records.record_update(Risk, pk=risk.pk, version=1, data={"title": "A"}, user=editor)
    with pytest.raises(EditConflict):
        records.record_update(Risk, pk=risk.pk, version=1, data={"title": "B"}, user=editor)
    assert Risk.objects.get(pk=risk.pk).title == "A"


@pytest.mark.django_db
def test_a_decision_is_taken_once_with_outcome_and_date(editor):
    decision = make_decision(editor, options=[("A", "Billigt"), ("B", "Hurtigt"), ("", "")])
    assert [o.title for o in decision.options.all()] == ["A", "B"]
    with pytest.raises(ValidationError):
        records.decision_take(
            pk=decision.pk,
            version=1,
            outcome="  ",
            decided_on=datetime.date(2026, 12, 1),
            user=editor,
        )
    taken = records.decision_take(
        pk=decision.pk, version=1, outcome="A", decided_on=datetime.date(2026, 12, 1), user=editor
    )
    assert taken.status == "taken"
    with pytest.raises(ValidationError, match="Kun en anmodet"):
        records.decision_withdraw(pk=decision.pk, version=taken.version, user=editor)
    with pytest.raises(ValidationError, match="kan ikke længere ændres"):
        records.decision_update(
            pk=decision.pk, version=taken.version, data={"title": "x"}, user=editor
        )


@pytest.mark.django_db
def test_the_database_refuses_a_taken_decision_without_outcome(editor):
    decision = make_decision(editor)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(decision).objects.filter(pk=decision.pk).update(status="taken")


@pytest.mark.django_db
def test_delivery_confidence_needs_a_justification_and_keeps_history(editor):
    with pytest.raises(ValidationError, match="Begrund"):
        records.confidence_set(
            activity=None, level="amber", justification=" ", version=0, user=editor
        )
    first = records.confidence_set(
        activity=None, level="amber", justification="Usikker", version=0, user=editor
    )
    records.confidence_set(
        activity=None, level="red", justification="Værre", version=first.version, user=editor
    )
    levels = list(
        DeliveryConfidence.history.filter(id=first.pk)
        .order_by("history_date")
        .values_list("level", flat=True)
    )
    assert levels == ["amber", "red"]
    with pytest.raises(EditConflict):
        records.confidence_set(
            activity=None, level="green", justification="Bedre", version=1, user=editor
        )


@pytest.mark.django_db
def test_a_proposal_is_accepted_or_rejected_by_the_sor_team(editor, reporter):
    proposed = records.issue_create(
        data={
            "title": "Mangler test",
            "owner_party": party_of("region-midtjylland"),
            "severity": "high",
        },
        user=reporter,
        proposed=True,
    )
    assert proposed.status == "proposed" and proposed.proposed_by == reporter
    accepted = records.proposal_review(Issue, pk=proposed.pk, version=1, accept=True, user=editor)
    assert accepted.status == "open"
    with pytest.raises(ValidationError, match="Kun et forslag"):
        records.proposal_review(
            Issue, pk=proposed.pk, version=accepted.version, accept=False, user=editor
        )
