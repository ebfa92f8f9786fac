"""The register's rows: constraints that hold in the database, rules in clean(),
and a step rated by the milestones' RAG rule."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from milestones.rag import Rag
from parties.models import Party
from register.models import Entry, Step
from register.selectors import step_rag

pytestmark = pytest.mark.django_db


def _entry(**extra):
    return Entry(
        key=extra.pop("key", "x-system"),
        name="X",
        kind=Entry.Kind.SYSTEM,
        owner=Party.objects.get(key="sds"),
        **extra,
    )


@pytest.mark.parametrize(
    ("extra", "constraint"),
    [
        ({"state": "sor_only"}, "register_entry_final_state_has_date_and_confirmation"),
        (
            {"state": "retired", "state_date": datetime.date(2026, 1, 5)},
            "register_entry_final_state_has_date_and_confirmation",
        ),
        ({"budget_amount": -1}, "register_entry_budget_amount_not_negative"),
    ],
)
def test_the_database_refuses_what_must_never_hold(extra, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        _entry(**extra).save()


def test_the_supplier_cannot_be_the_owner_in_the_database():
    cgi = Party.objects.get(key="cgi")
    with pytest.raises(IntegrityError, match="register_entry_supplier_is_not_owner"):
        with transaction.atomic():
            Entry.objects.create(key="y", name="Y", kind="system", owner=cgi, supplier=cgi)


def test_one_step_of_each_kind_per_entry():
    entry = _entry()
    entry.save()
    Step.objects.create(entry=entry, kind=Step.Kind.TESTED)
    with pytest.raises(IntegrityError, match="register_step_one_per_kind"), transaction.atomic():
        Step.objects.create(entry=entry, kind=Step.Kind.TESTED)


def test_clean_says_in_danish_what_is_missing():
    entry = _entry(state="sor_only", supplier=Party.objects.get(key="rsi"), key="ny")
    with pytest.raises(ValidationError) as error:
        entry.full_clean()
    messages = error.value.message_dict
    assert messages["state_date"] == ["Angiv datoen for “Kun SOR” (med præcision)."]
    assert messages["state_confirmed_by"] == ["Angiv, hvem der har bekræftet “Kun SOR”."]
    assert messages["supplier"] == ["Leverandøren skal være en part af typen it-leverandør."]
    assert messages["key"] == ["Nøglen “ny” er reserveret; vælg en anden."]


def test_an_imprecise_date_must_be_its_periods_first_day_and_not_in_the_future():
    entry = _entry(
        state="retired",
        state_date=datetime.date(2099, 1, 1),
        state_confirmed_by="Systemejer",
        release_date=datetime.date(2027, 5, 1),
        release_precision="quarter",
    )
    with pytest.raises(ValidationError) as error:
        entry.full_clean()
    assert "fremtiden" in error.value.message_dict["state_date"][0]
    assert "periodens første dag" in error.value.message_dict["release_date"][0]


def test_a_step_is_rated_by_the_milestone_rule_against_its_baseline():
    today = datetime.date(2026, 12, 1)
    step = Step(
        kind=Step.Kind.IN_PRODUCTION,
        baseline_date=datetime.date(2027, 1, 1),
        baseline_precision="month",
        forecast_date=datetime.date(2027, 6, 1),
        forecast_precision="month",
    )
    assert step_rag(step, today=today).rag == Rag.RED  # five months late
    step.forecast_date = datetime.date(2027, 2, 1)
    assert step_rag(step, today=today).rag == Rag.YELLOW
    step.forecast_date = datetime.date(2027, 1, 1)
    assert step_rag(step, today=today).rag == Rag.GREEN
    step.forecast_date = datetime.date(2026, 11, 1)  # passed without an actual date
    assert step_rag(step, today=today).rag == Rag.RED
    step.actual_date = datetime.date(2026, 11, 20)
    assert step_rag(step, today=today).rag == Rag.DONE
    assert step_rag(Step(kind="tested"), today=today).rag == Rag.GREY
