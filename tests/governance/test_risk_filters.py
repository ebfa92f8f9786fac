"""The risk register's party and person filters are typed text (as the lists' party
filter), not a `<select>` of every party and member."""

import pytest
from django.urls import reverse

from governance.forms import RiskFilterForm
from governance.models import Risk
from parties.models import Party

pytestmark = pytest.mark.django_db


@pytest.fixture
def risk(editor):
    party = Party.objects.get(key="rsi")
    editor.first_name, editor.last_name = "Rita", "Risikoejer"
    editor.save()
    return Risk.objects.create(
        key="leverandoer-forsinket",
        title="Leverandør forsinket",
        probability=3,
        impact=3,
        owner_party=party,
        owner_person=editor,
    )


def test_party_and_owner_are_found_by_key_name_or_a_part(risk, editor):
    for data in ({"party": "rsi"}, {"party": risk.owner_party.name.lower()}):
        form = RiskFilterForm(data)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["party"] == risk.owner_party
    for text in (editor.username, "rita risikoejer", "Risikoej"):
        form = RiskFilterForm({"owner": text})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["owner"] == editor


def test_the_register_filters_by_typed_values_and_keeps_a_bad_one(client_for, editor, risk):
    client = client_for(editor)
    url = reverse("governance:risk_list")
    response = client.get(url, {"owner": "Rita", "status": "all"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="party"' in html and 'name="owner"' in html
    assert '<option value="rsi"' not in html
    assert f'<option value="{editor.pk}"' not in html
    assert "Leverandør forsinket" in html

    response = client.get(url, {"party": "zzz-ingen"})
    html = response.content.decode()
    assert "Ingen parter matcher “zzz-ingen”." in html
    assert 'value="zzz-ingen"' in html
