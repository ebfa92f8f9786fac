"""A track's page of the roadmap and a party's page cold after an edit: what each reads,
and that it is the page rendered from nothing."""

import pytest

from core.cache import stamp as data_stamp
from milestones import selectors
from milestones.models import Activity, Baseline, Milestone
from milestones.selectors.lists import ACTIVITY_PAGE_PARTS
from parties.models import Party
from tests.factories import BaselineFactory, MilestoneFactory, PartyFactory

pytestmark = pytest.mark.django_db


def test_a_stamp_part_is_the_values_that_watch_it_in_either_kind_of_stamp():
    """`selectors.stamp_part` takes a part of a models' stamp (two values a model) and of
    an activity page's stamp (one value a part): the one helper for both."""
    MilestoneFactory()  # with its activity: history of each model, ids apart
    PartyFactory()
    BaselineFactory()
    models = (Activity, Milestone, Baseline, Party)
    whole = data_stamp(models=models)
    assert len(set(whole[1::2])) == len(models)  # each model's newest history: its own time
    assert selectors.stamp_part(whole, (Baseline,), of=models) == data_stamp(models=(Baseline,))
    assert selectors.stamp_part(whole, (Party, Activity), of=models) == (
        *data_stamp(models=(Party,)),
        *data_stamp(models=(Activity,)),
    )
    page = tuple(f"value of {name}" for name in ACTIVITY_PAGE_PARTS)
    assert selectors.stamp_part(page, ("baselines",), of=ACTIVITY_PAGE_PARTS, width=1) == (
        "value of baselines",
    )
    assert selectors.stamp_part(page, ("parties", "activity"), of=ACTIVITY_PAGE_PARTS, width=1) == (
        "value of parties",
        "value of activity",
    )
