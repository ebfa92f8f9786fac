"""Every page needs log-in except an explicit short list, found from the URL resolver."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# URL names that anyone may open (log-in, password reset, language switch,
# accessibility statement). Static files are served outside the resolver.
OPEN_URL_NAMES = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "accessibility",
    # A calendar feed: the secret link is the key (calendar programs cannot log in).
    "feeds:feed",
    "accounts:privacy",
    "accounts:invitation_accept",
    # Single sign-on's start and callback, and the code step of a two-factor log-in.
    "accounts:oidc_login",
    "accounts:oidc_callback",
    "accounts:two_factor_verify",
}
# (Django admin's own log-in page redirects to the site's log-in page.)

SAMPLE_KWARGS = {
    "key": "medcom-adresseringsprojekt",
    "pk": "1",
    "uidb64": "MQ",
    "token": "set-password",
    "object_id": "1",
    "app_label": "milestones",
    "model_name": "milestone",
    "content_type_id": "1",
    "url": "x",
    "history_id": "1",
    "version_id": "1",
}


def walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield (
                prefix + str(entry.pattern),
                f"{namespace}{entry.name}" if entry.name else None,
                entry,
            )


def concrete(route: str) -> str:
    """Turn a route like 'plan/aktiviteter/<slug:key>/' into a sample path."""
    import re

    def repl(match):
        converter, _, name = match.group(1).rpartition(":")
        value = SAMPLE_KWARGS.get(name, "1")
        if converter == "int" or name.endswith("id") or name == "pk":
            return "1"
        if converter == "path":
            return "x/y"
        return value

    path = re.sub(r"<([^>]+)>", repl, route)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "")
    return "/" + path.lstrip("/")


def all_routes():
    routes = []
    for route, name, _entry in walk(get_resolver()):
        if "(?P<" in route or route.startswith("admin/") and "(" in route:
            continue  # admin's regex catch-alls are covered by the admin's own login
        routes.append((concrete(route), name))
    return routes


ROUTES = all_routes()


def test_the_resolver_yields_the_pages():
    names = {name for _path, name in ROUTES}
    assert "milestones:roadmap" in names and "login" in names and "accessibility" in names


# The REST API answers 401 in JSON instead of sending a program to the log-in page
# (its docs page is an ordinary page).
API_PREFIX = "/api/v1/"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), ROUTES, ids=[p for p, _ in ROUTES])
def test_page_requires_login_unless_listed_open(client, path, name):
    response = client.get(path)
    if path.startswith(API_PREFIX) and name not in ("api:docs", "api:not_found"):
        assert response.status_code == 401, f"{path} ({name}) answered {response.status_code}"
        assert response.json()["detail"]
        return
    if name == "api:not_found":
        assert response.status_code == 404 and response.json()["detail"]
        return
    if name in OPEN_URL_NAMES:
        assert response.status_code != 302 or "/konto/log-ind/" not in response.get("Location", "")
        return
    if path.startswith("/admin/") and response.get("Location", "").startswith("/admin/login/"):
        # The admin's views send to the admin's log-in, which sends to the site's.
        response = client.get(response["Location"])
    assert response.status_code == 302, (
        f"{path} ({name}) answered {response.status_code} without log-in"
    )
    assert response["Location"].startswith("/konto/log-ind/?next="), path


@pytest.mark.django_db
def test_open_pages_answer_without_login(client):
    assert client.get("/konto/log-ind/").status_code == 200
    assert client.get("/tilgaengelighed/").status_code == 200
    assert client.get("/konto/nulstil/").status_code == 200
