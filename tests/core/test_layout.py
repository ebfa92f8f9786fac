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


def _tokens(html: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', html)


def test_the_session_warning_and_footer_are_remembered_with_each_requests_own_token(
    client_for, steering, editor, settings
):
    """The session-timeout warning and the footer are rendered once per process (keyed by
    the timeout settings, whether one is logged in, the language): each page still holds
    the request's own CSRF token in the warning's forms, which it accepts, and the
    settings it shows; a page without a request's token has no token field."""
    from django.template import Context, Template

    from core.templatetags.layout import CSRF_HOLE

    url = reverse("accessibility")
    clients = [client_for(steering), client_for(editor)]
    pages = [c.get(url).content.decode() for c in clients]
    for html in pages:
        tokens = _tokens(html)
        # The language form's, the warning's two and the log-out form's: one token.
        assert len(tokens) == 4 and len(set(tokens)) == 1 and CSRF_HOLE.mark not in html
        assert 'id="session-timeout"' in html
        assert f'data-idle-seconds="{settings.SESSION_IDLE_TIMEOUT}"' in html
        assert reverse("accounts:privacy") in html and reverse("accounts:profile") in html
    assert _tokens(pages[0])[0] != _tokens(pages[1])[0]
    # The warning's "stay logged in" form takes its token (the client enforces CSRF).
    from django.test import Client

    checked = Client(enforce_csrf_checks=True)
    checked.force_login(steering)
    html = checked.get(url).content.decode()
    keepalive = reverse("session_keepalive")
    assert checked.post(keepalive, {"csrfmiddlewaretoken": _tokens(html)[1]}).status_code < 400
    assert checked.post(keepalive, {"csrfmiddlewaretoken": "x" * 64}).status_code == 403
    # Other settings, another rendering.
    settings.SESSION_WARNING_SECONDS = 123
    assert 'data-warning-seconds="123"' in clients[0].get(url).content.decode()
    # Without a request's token (no request): no field, as `{% csrf_token %}` gives.
    template = Template('{% load layout %}{% include_memo "accounts/_session_timeout.html" 1 2 %}')
    bare = template.render(Context({"session_idle_seconds": 1, "session_warning_seconds": 2}))
    assert "csrfmiddlewaretoken" not in bare and 'id="session-timeout"' in bare
