"""The dashboard's cached figures in the reader's language: a Danish visitor first must
not leave Danish track names on the English page (seen in the demo), nor the reverse."""

import pytest
from django.urls import reverse
from django.utils import translation

from milestones.models import Activity

pytestmark = pytest.mark.usefixtures("fresh_cache")


def _track_cells(html: str, language: str) -> set[str]:
    with translation.override(language):
        labels = {str(label) for label in Activity.Track.labels}
    return {label for label in labels if f">{label}</a>" in html}


@pytest.mark.parametrize("first, second", [("da", "en"), ("en", "da")])
def test_the_track_table_follows_the_readers_language(
    loaded_plan, client_for, steering, first, second
):
    client = client_for(steering)
    url = reverse("reports:dashboard")
    first_page = client.get(url, HTTP_ACCEPT_LANGUAGE=first).content.decode()
    second_page = client.get(url, HTTP_ACCEPT_LANGUAGE=second).content.decode()
    shown = _track_cells(first_page, first)
    assert shown
    assert len(_track_cells(second_page, second)) == len(shown)
    assert not _track_cells(second_page, first)
