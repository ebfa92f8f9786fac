"""Pages that are both a form (GET) and its save (POST) answer any other method with
405, like the plan's editing pages; before, PUT or DELETE got the form back."""

import pytest

from tests.milestones.helpers import MIDT_ACTIVITY, edit_path

pytestmark = pytest.mark.django_db

OTHER_METHODS = ["put", "patch", "delete"]


@pytest.mark.parametrize("method", OTHER_METHODS)
def test_round_create_is_get_or_post(client_for, editor, method):
    client = client_for(editor)
    assert client.get("/plan/rapportering/runder/ny/").status_code == 200
    assert getattr(client, method)("/plan/rapportering/runder/ny/").status_code == 405


@pytest.mark.parametrize("method", OTHER_METHODS)
def test_update_form_is_get_or_post(client_for, reporter, round_oct, frozen, method):
    client = client_for(reporter)
    url = edit_path("region-midtjylland", MIDT_ACTIVITY)
    assert client.get(url).status_code == 200
    assert getattr(client, method)(url).status_code == 405


@pytest.mark.parametrize("method", OTHER_METHODS)
def test_rollout_phase_is_get_or_post(client_for, kombit_reporter, method):
    client = client_for(kombit_reporter)
    assert client.get("/plan/udrulning/fase/2/").status_code == 200
    assert getattr(client, method)("/plan/udrulning/fase/2/").status_code == 405
