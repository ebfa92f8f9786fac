"""The base layout: the main menu is rendered once per process for each set of rights
and page (core.templatetags.layout), yet each person still sees their own links, the
page they are on and the parties they belong to."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.templatetags.layout import memo_clear
from parties.models import Membership, Party

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_memo():
    memo_clear()
    yield
    memo_clear()


def menu(html: str) -> str:
    return re.search(r'<ul class="mainmenu">.*?</ul>', html, re.S).group(0)


def test_each_person_sees_the_menu_of_their_own_rights(client_for, editor, steering, reporter):
    url = reverse("accessibility")
    pages = {u.username: client_for(u).get(url).content.decode() for u in (steering, editor)}
    # The steering reader's menu is remembered; the editor's is not the same one.
    assert reverse("milestones:reporting_rounds") in menu(pages["t-redaktoer"])
    assert reverse("milestones:reporting_rounds") not in menu(pages["t-styregruppe"])
    assert reverse("accounts:people_list") in menu(pages["t-redaktoer"])
    assert reverse("accounts:people_list") not in menu(pages["t-styregruppe"])
    again = client_for(steering).get(url).content.decode()
    assert menu(again) == menu(pages["t-styregruppe"])
    # A reporter reports, but reviews no rounds.
    reporting = menu(client_for(reporter).get(url).content.decode())
    assert reverse("milestones:reporting_home") in reporting
    assert reverse("milestones:reporting_rounds") not in reporting


def test_the_menu_marks_the_page_it_is_on(client_for, steering):
    client = client_for(steering)
    for name in ("reports:timeline", "milestones:change_feed"):
        html = menu(client.get(reverse(name)).content.decode())
        current = re.findall(
            r'<a class="mainmenu-item active" href="([^"]+)" aria-current="page"', html
        )
        assert current == [reverse(name)]


def test_the_header_names_the_persons_parties_without_asking_again(client_for, reporter):
    rsi = Party.objects.get(key="rsi")
    Membership.objects.create(user=reporter, party=rsi, role=Membership.Role.STEERING)
    client = client_for(reporter)
    client.get(reverse("accessibility"))
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("accessibility")).content.decode()
    parties = re.search(r'<span class="sp-user-parties">([^<]*)</span>', html).group(1)
    region = Party.objects.get(key="region-midtjylland")
    assert parties == ", ".join(p.label for p in sorted([rsi, region], key=lambda p: p.name))
    # The names come with the rights: no other query reads a party's name or a membership.
    names = [
        q["sql"]
        for q in ctx.captured_queries
        if '"parties_party"."name"' in q["sql"].split(" FROM ")[0]
        or 'FROM "parties_membership"' in q["sql"]
    ]
    assert len(names) == 1 and "parties_membership" in names[0]
