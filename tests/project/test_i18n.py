"""English is the second language (issue 2): the switch, English pages and a complete catalogue.

Danish is the source language (its catalogue stays empty); English must be complete,
without fuzzy entries, and reachable from every page through the switch in the header.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import get_resolver, reverse
from django.utils import timezone, translation

from milestones.services import rounds
from reports.services import status_report_generate
from tests.crawl import is_api_endpoint, sample_path, sample_values
from tests.helpers import draft_update_of_midt
from tests.project.test_login_required import walk

LOCALE = Path(settings.BASE_DIR) / "locale"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """The .mo files are built, not committed (`make test` compiles them): build stale ones."""
    stale = [
        po
        for po in LOCALE.glob("*/LC_MESSAGES/django.po")
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        call_command("compilemessages", locale=["da", "en"], ignore_patterns=[".venv"], verbosity=0)
        translation.trans_real._translations = {}
        translation.trans_real._default = None


# ---------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------
def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def po_entries(path: Path) -> list[dict]:
    """A .po file as a list of {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr[n]"…}."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry, key = {"flags": set()}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += _unquote(line.strip()[1:-1])
            else:
                key, _space, value = line.partition(" ")
                entry[key] = _unquote(value.strip()[1:-1])
        entries.append(entry)
    return entries


def test_the_english_catalogue_is_complete_and_has_no_fuzzy_entries():
    entries = po_entries(EN_PO)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "Language: en" in header["msgstr"]
    assert len(messages) > 900
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert fuzzy == []
    untranslated = [
        e["msgid"]
        for e in messages
        if not all(v.strip() for k, v in e.items() if k.startswith("msgstr"))
    ]
    assert untranslated == []
    wrong = [
        (e["msgid"], e[k])
        for e in messages
        for k in e
        if k.startswith("msgstr")
        and sorted(PLACEHOLDER.findall(e[k]))
        != sorted(PLACEHOLDER.findall(e["msgid_plural" if k == "msgstr[1]" else "msgid"]))
    ]
    assert wrong == []


def test_the_danish_catalogue_is_the_source_with_empty_translations():
    entries = po_entries(LOCALE / "da" / "LC_MESSAGES" / "django.po")
    assert all(v == "" for e in entries[1:] for k, v in e.items() if k.startswith("msgstr"))
    assert {e["msgid"] for e in entries} == {e["msgid"] for e in po_entries(EN_PO)}


SIMPLE_TEMPLATE_TEXT = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(["'])(.+?)\1\s*(?:context\s+(["']).*?\3\s*)?(?:as \w+\s*)?%\}"""
)
SIMPLE_PYTHON_TEXT = re.compile(r"""\b(?:_|gettext|gettext_lazy)\(\s*"((?:[^"\\]|\\.)*)"\s*[,)]""")


def test_every_simple_text_in_templates_and_code_is_in_the_catalogue():
    """A new {% translate "…" %} or _("…") without `make messages` shows up here."""
    known = {e["msgid"] for e in po_entries(EN_PO)}
    base = Path(settings.BASE_DIR)
    found = set()
    for path in (base / "templates").rglob("*"):
        if path.suffix in (".html", ".txt", ".svg"):
            found |= {m.group(2) for m in SIMPLE_TEMPLATE_TEXT.finditer(path.read_text())}
    for app in (
        "core",
        "accounts",
        "milestones",
        "parties",
        "register",
        "reports",
        "bench",
        "sorplan",
    ):
        for path in (base / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found |= {_unquote(m) for m in SIMPLE_PYTHON_TEXT.findall(path.read_text())}
    assert sorted(found - known) == []


# ---------------------------------------------------------------------------
# English pages
# ---------------------------------------------------------------------------
def english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client


@pytest.mark.django_db
def test_danish_is_the_default(client_for, editor):
    html = client_for(editor).get("/").content.decode()
    assert '<html lang="da">' in html
    assert ">Overblik<" in html and ">Log ud<" in html
    assert 'name="language" value="en"' in html


@pytest.mark.django_db
def test_the_switch_makes_the_dashboard_english(client_for, editor):
    client = english(client_for(editor))
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert ">Overview<" in html and ">Log out<" in html and "Overall status" in html
    assert ">Overblik<" not in html and ">Log ud<" not in html and "Samlet status" not in html
    # British dates, not Danish ("24. november 2026") and not American ("Nov. 24, 2026").
    assert re.search(rf"as of \d{{1,2}} ({MONTHS}) \d{{4}}\.", html)
    # The switch now offers Danish.
    assert 'name="language" value="da"' in html


@pytest.mark.django_db
def test_the_roadmap_in_english(client_for, editor):
    html = english(client_for(editor)).get(reverse("milestones:roadmap")).content.decode()
    assert "Roadmap: Full transition to SOR" in html
    assert "Plan versions:" in html and "RAG by the rule:" in html
    assert "Roadmap: Fuld overgang til SOR" not in html and "Planversioner:" not in html
    assert "Reached" in html and "Nået<" not in html


@pytest.mark.django_db
def test_the_login_page_in_english(client):
    english(client)
    html = client.get(reverse("login")).content.decode()
    assert "<h1>Log in</h1>" in html and "Username" in html and "Password" in html
    assert "Log ind" not in html and "Brugernavn" not in html and "Adgangskode" not in html


@pytest.mark.django_db
def test_the_browser_language_is_honoured_before_a_choice_is_made(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8").content.decode()
    assert "<h1>Log in</h1>" in html
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "<h1>Log ind</h1>" in html


@pytest.mark.django_db
def test_form_errors_are_english_too(client):
    english(client)
    html = client.post(reverse("login"), {"username": "nobody", "password": "x"}).content.decode()
    assert "You were not logged in" in html and "Du blev ikke logget ind" not in html


# ---------------------------------------------------------------------------
# The switch is on every page
# ---------------------------------------------------------------------------
# Routes that are not pages a person reads: POST-only actions, files, partials and
# the switch itself.
NOT_PAGES = {
    "logout",
    "session_keepalive",
    "set_language",
    "reports:status_report_create",
    "reports:status_report_pdf",
    "reports:status_report_texts",
    "reports:status_report_publish",
    "reports:status_report_resend",
    "milestones:goal_delete",
    "milestones:activity_delete",
    "milestones:milestone_delete",
    "milestones:milestone_row",
    "milestones:dependency_add",
    "milestones:dependency_remove",
    "milestones:baseline_create",
    "milestones:baseline_activate",
    "milestones:reporting_obligation_remove",
    "milestones:reporting_review",
    "milestones:reporting_obligation_add",
    "no_membership",
    # A person's own token's confirmation (its sample pk names no token of theirs).
    "tokens:revoke",
    "register:import_confirm",
    "register:import_template",
    "medcom:import_confirm",
    "medcom:proposal_decide",
    "medcom:import_template",
    "medcom:export",
    "milestones:plan_import_confirm",
    "milestones:plan_import_template",
    "reports:status_report_xlsx",
    "feeds:feed",
    "reports:meeting_pack",
    "governance:proposal_review",
    "governance:decision_take",
    "governance:decision_withdraw",
    "governance:action_progress",
    "governance:meeting_agenda",
    "governance:meeting_minutes",
    "governance:meeting_decision",
    "governance:meeting_action",
    "governance:help_needed_convert",
    "accounts:sessions_end_all",
    "accounts:person_data_json",
    "accounts:person_data_xlsx",
    "accounts:own_data_json",
    "accounts:own_data_xlsx",
    # Single sign-on's start and callback: redirects to and from the provider.
    "accounts:oidc_login",
    "accounts:oidc_callback",
}


def _last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@pytest.mark.django_db
def test_the_language_switch_is_on_every_page(client_for, editor, reporter, system_user):
    period = _last_month()
    round_ = rounds.reporting_round_create(period=period, user=system_user)
    status_report_generate(period=period, user=system_user)
    update = draft_update_of_midt(round_, reporter)
    values = sample_values(update=update, period=period, editor=editor)
    clients = [english(client_for(editor)), english(client_for(reporter))]
    without_switch, checked = [], set()
    routes = [
        (r, n)
        for r, n, _e in walk(get_resolver())
        if not r.startswith("admin/") and not is_api_endpoint(n)
    ]
    for route, name in routes:
        if name in NOT_PAGES:
            continue
        path = sample_path(route, values)
        for client in clients:
            response = client.get(path)
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
            html = response.content.decode()
            checked.add(name)
            if not re.search(r'<form class="sp-language" action="/sprog/"', html) or (
                'name="language" value="da"' not in html
            ):
                without_switch.append(path)
    assert without_switch == []
    # Every remaining route was a page for one of the two users (so none went unchecked).
    assert sorted({n for _r, n in routes if n not in NOT_PAGES} - checked) == []
