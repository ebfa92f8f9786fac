"""The change feed's and the lists' party and activity filters are typed text, not
lists of every record: a key (as links put it), a name, or a part of one name."""

import pytest
from django.urls import reverse

from milestones.forms.filters import ChangeFeedFilterForm
from milestones.models import Activity

pytestmark = pytest.mark.django_db


def test_the_change_feed_renders_no_list_of_every_activity(client_for, editor):
    response = client_for(editor).get(reverse("milestones:change_feed"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="aktivitet"' in html and 'name="part"' in html
    # No activity and no party is offered as an option (only the users' choice is a list).
    for key in Activity.objects.values_list("key", flat=True):
        assert f'<option value="{key}"' not in html
    assert '<option value="sor-team"' not in html


def test_an_activity_is_found_by_key_name_or_a_part_only_it_has():
    activity = Activity.objects.order_by("pk").first()
    for text in (activity.key, activity.title.upper(), f"  {activity.title}  "):
        form = ChangeFeedFilterForm({"aktivitet": text})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["aktivitet"] == activity


def test_several_or_no_matches_say_so_in_danish_and_keep_what_was_typed(client_for, editor):
    response = client_for(editor).get(
        reverse("milestones:change_feed"), {"aktivitet": "zzz-findes-ikke"}
    )
    html = response.content.decode()
    assert "Ingen aktiviteter matcher “zzz-findes-ikke”." in html
    assert 'value="zzz-findes-ikke"' in html
    common = ChangeFeedFilterForm({"aktivitet": "a"})
    assert not common.is_valid()
    assert "skriv mere af navnet" in str(common.errors["aktivitet"])


def test_the_milestone_list_filters_by_a_typed_party(client_for, editor):
    activity = Activity.objects.select_related("responsible_party").order_by("pk").first()
    party = activity.responsible_party
    response = client_for(editor).get(reverse("milestones:milestone_list"), {"part": party.name})
    assert response.status_code == 200
    assert f'value="{party.name}"' in response.content.decode()


def test_the_change_feed_user_is_typed_by_username_or_name(client_for, editor, other_editor):
    """The user filter is a text field (no list of every member): the username (as links
    put it), the full name or a part only one user has; a bad value keeps the text."""
    for text in ("t-redaktoer-2", "olga anden", "Olga An"):
        form = ChangeFeedFilterForm({"bruger": text})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["bruger"] == other_editor

    response = client_for(editor).get(reverse("milestones:change_feed"), {"bruger": "Zorro"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<select" not in html.split('name="bruger"')[0].rsplit("<label", 1)[-1]
    assert f'<option value="{other_editor.username}"' not in html
    assert "Ingen brugere matcher “Zorro”." in html
    assert 'name="bruger" value="Zorro"' in html
