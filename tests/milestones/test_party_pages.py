"""The parties' pages (/parter/): every member reads the parties and each party's
activities and milestones; only the SOR-team sees who the party's members are.

They are served by milestones (they show the plan), so parties knows no other app."""

from django.urls import reverse


def test_party_list_counts_activities_and_leaves_out_municipalities(client_for, steering):
    response = client_for(steering).get(reverse("parties:list"))
    assert response.status_code == 200
    rows = {p.key: p for p in response.context["parties"]}
    assert rows["medcom"].activity_count >= 1
    assert not any(key.startswith("kommune-") for key in rows)
    assert response.context["municipality_count"] == 98
    assert reverse("parties:detail", args=["medcom"]) in response.content.decode()


def test_party_detail_shows_its_activities_and_their_milestones(client_for, steering):
    response = client_for(steering).get(reverse("parties:detail", args=["medcom"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("milestones:activity_detail", args=["medcom-adresseringsprojekt"]) in html
    assert "MedComs SOR-adresseringsprojekt starter" in html
    assert list(response.context["members"]) == []


def test_only_the_sor_team_sees_a_partys_members(client_for, editor, reporter):
    url = reverse("parties:detail", args=["region-midtjylland"])
    members = client_for(editor).get(url).context["members"]
    assert [m.user.username for m in members] == ["t-region-midt"]
    assert list(client_for(reporter).get(url).context["members"]) == []


def test_party_pages_need_a_membership(client_for, outsider):
    assert client_for(None).get(reverse("parties:list")).status_code == 302
    response = client_for(outsider).get(reverse("parties:detail", args=["medcom"]))
    assert response.status_code == 403
    assert "parties/no_membership.html" in [t.name for t in response.templates]


def test_unknown_party_is_404(client_for, steering):
    assert client_for(steering).get(reverse("parties:detail", args=["ingen"])).status_code == 404


def test_party_pages_are_read_only(client_for, editor):
    client = client_for(editor)
    assert client.post(reverse("parties:list")).status_code == 405
    assert client.post(reverse("parties:detail", args=["medcom"])).status_code == 405
