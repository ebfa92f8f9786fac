import pytest

from milestones.models import Milestone

pytestmark = pytest.mark.django_db


def test_admin_is_for_superusers_only(client_for, editor, superuser):
    assert client_for(superuser).get("/admin/").status_code == 200
    response = client_for(editor).get("/admin/")
    assert response.status_code == 302  # not the admin for an editor


def test_an_admin_edit_records_the_acting_user_in_history(client_for, superuser):
    milestone = Milestone.objects.get(key="sorls-i-drift-paa-nsp")
    client = client_for(superuser)
    url = f"/admin/milestones/milestone/{milestone.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        forecast_date="2027-03-01",
        forecast_precision="day",
        status="planned",
        actual_precision="day",
    )
    data = {k: v for k, v in data.items() if v not in (None, False)}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = Milestone.history.filter(id=milestone.pk).latest("history_date")
    assert row.history_user == superuser
    assert row.forecast_date.isoformat() == "2027-03-01"


def test_admin_revert_of_history_is_off(client_for, superuser):
    milestone = Milestone.objects.get(key="cgi-valgt")
    history_id = milestone.history.earliest("history_date").history_id
    client = client_for(superuser)
    url = f"/admin/milestones/milestone/{milestone.pk}/history/{history_id}/"
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["revert_disabled"] is True
    # Posting the old version back changes nothing.
    before = Milestone.history.filter(id=milestone.pk).count()
    client.post(url, {"title": "Ændret via tilbageførsel"})
    assert Milestone.history.filter(id=milestone.pk).count() == before
    assert Milestone.objects.get(pk=milestone.pk).title == "Leverandør valgt: CGI"


def test_an_admin_edit_is_a_new_version_with_a_reason(client_for, superuser):
    milestone = Milestone.objects.get(key="sorls-i-drift-paa-nsp")
    client = client_for(superuser)
    url = f"/admin/milestones/milestone/{milestone.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(forecast_date="2027-04-01", status="planned")
    data = {k: v for k, v in data.items() if v not in (None, False)}
    assert client.post(url, data).status_code == 302
    milestone.refresh_from_db()
    assert milestone.version == 2
    row = Milestone.history.filter(id=milestone.pk).latest("history_date")
    assert row.history_change_reason == "Ændret i administrationen"
