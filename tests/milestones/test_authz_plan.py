"""Authorisation matrix for the plan's pages: every URL of the plan, editing and history views
(found by walking the URL resolver) × each role × GET and POST, with the expected answer.

Roles: anonymous -> log-in; outsider (no membership) -> the "no membership" page (403);
members read the whole plan; only SOR-team editors and superusers write (others 403);
read-only pages answer POST with 405, POST-only actions answer GET with 405.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from milestones.models import Dependency

PLAN_VIEW_MODULES = {
    "milestones.views.roadmap",
    "milestones.views.plan",
    "milestones.views.editing",
    "milestones.views.milestone_editing",
    "milestones.views.history",
}

KEYS = {
    "goal": "maal-1-udfasning-af-shak",
    "activity": "sorls-go-live",
    "milestone": "sorls-i-drift-paa-nsp",
    "baseline": "plan-001-beskrivelse-af-aktiviteter",
}

# EDITOR_READ: a page only the SOR-team (editors) may read, e.g. the audit trail.
READ, EDITOR_READ, FORM, ACTION = "read", "editor_read", "form", "action"

# What each page is; for an editor's POST with an empty body, the expected answer
# (200: the form comes back with errors, 302: the action is done).
PAGES = {
    "roadmap": (READ, None),
    "goal_list": (READ, None),
    "goal_detail": (READ, None),
    "goal_history": (READ, None),
    "goal_create": (FORM, 200),
    "goal_edit": (FORM, 200),
    "goal_delete": (FORM, 200),
    "activity_list": (READ, None),
    "activity_detail": (READ, None),
    "activity_history": (READ, None),
    "activity_create": (FORM, 200),
    "activity_edit": (FORM, 200),
    "activity_delete": (FORM, 200),
    "milestone_list": (READ, None),
    "milestone_detail": (READ, None),
    "milestone_history": (READ, None),
    "milestone_row": (READ, None),
    "milestone_create": (FORM, 200),
    "milestone_edit": (FORM, 200),
    "milestone_delete": (FORM, 200),
    "milestone_quick": (FORM, 200),
    "dependency_add": (ACTION, 200),
    "dependency_remove": (ACTION, 302),
    "baseline_list": (READ, None),
    "baseline_detail": (READ, None),
    "baseline_history": (READ, None),
    "baseline_create": (ACTION, 200),
    "baseline_activate": (ACTION, 302),
    "change_feed": (READ, None),
    "audit_trail": (EDITOR_READ, None),
}
# A member's GET of the quick edit's "cancel" row without htmx goes to the milestone's page.
READ_GET_STATUS = {"milestone_row": 302}


def plan_url_names() -> list[str]:
    """Names of every URL routed to the plan's views, from the URL resolver."""
    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.callback.__module__ in PLAN_VIEW_MODULES:
                found.append((namespace, p.name, sorted(p.pattern.converters)))

    walk(get_resolver().url_patterns, None)
    assert all(ns == "milestones" for ns, _, _ in found)
    return found


URLS = plan_url_names()
ROLES = ["anonymous", "outsider", "reporter", "steering", "editor", "superuser"]


def test_the_matrix_covers_every_plan_url():
    assert {name for _, name, _ in URLS} == set(PAGES), (
        "Every URL of the plan's views needs a row in PAGES (and no stale rows)."
    )


def url_for(name: str, params: list[str], *, missing: bool = False) -> str:
    kwargs = {}
    for param in params:
        if param == "pk":
            kwargs["pk"] = 999_999 if missing else Dependency.objects.order_by("pk").first().pk
        else:
            kind = (
                "milestone"
                if name.startswith(("milestone_", "dependency_add"))
                else name.split("_")[0]
            )
            kwargs["key"] = "findes-ikke" if missing else KEYS[kind]
    return reverse(f"milestones:{name}", kwargs=kwargs)


def expected(name: str, role: str, method: str) -> int:
    kind, editor_post = PAGES[name]
    if role == "anonymous":
        return 302
    if role == "outsider":
        return 403
    writer = role in ("editor", "superuser")
    if kind == READ:
        return READ_GET_STATUS.get(name, 200) if method == "GET" else 405
    if kind == EDITOR_READ:
        return (200 if writer else 403) if method == "GET" else 405
    if kind == ACTION and method == "GET":
        return 405
    if not writer:
        return 403
    return 200 if method == "GET" else editor_post


@pytest.fixture
def user_of(request):
    """The user of a role (only that one is made)."""
    return lambda role: None if role == "anonymous" else request.getfixturevalue(role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "params"), [(n, p) for _, n, p in URLS], ids=lambda v: str(v))
def test_matrix(client_for, user_of, role, name, params):
    client = client_for(user_of(role))
    url = url_for(name, params)
    for method in ("GET", "POST"):
        response = client.get(url) if method == "GET" else client.post(url, {})
        want = expected(name, role, method)
        assert response.status_code == want, f"{role} {method} {url}"
        if role == "anonymous":
            assert response["Location"].startswith(reverse("login"))
        if role == "outsider":
            assert "parties/no_membership.html" in [t.name for t in response.templates]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "params"), [(n, p) for _, n, p in URLS if p], ids=lambda v: str(v)
)
def test_unknown_records_are_404_for_members(client_for, editor, steering, name, params):
    url = url_for(name, params, missing=True)
    kind, _ = PAGES[name]
    for user in (editor, steering):
        client = client_for(user)
        method = client.post if kind == ACTION else client.get
        assert method(url).status_code == 404
