"""In Chromium, one URL per resolver pattern per role: no Content-Security-Policy
violation and no serious or critical axe-core finding on any page (issue 15).

The URLs come from walking the URL resolver (as the log-in and language-switch tests do),
filled in with real objects; each role opens every pattern that is a page for it. Pages
that answer 403/404 for a role (the same error page) are opened once per role and status.
axe-core is installed from `tests/js/package-lock.json` (`npm ci --prefix tests/js`; `make
test` does it) and given to each page as an init script of the browser context, read once
per role (init scripts are not subject to the page's policy, which refuses inline scripts -
including Playwright's own `add_script_tag(path=...)`); fetched by each page instead, it
cost a request and a tenth of a second per page.
"""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import get_resolver

from core.history import system_user_get
from milestones.models import RoundObligation
from milestones.services import rounds
from parties.models import Membership, Party
from reports.services import status_report_generate
from tests.conftest import BROWSER_TIMEOUT_MS
from tests.crawl import sample_path, sample_values
from tests.factories import UserFactory
from tests.helpers import client_log_in, draft_update_of_midt, member
from tests.project.test_i18n import _last_month
from tests.project.test_login_required import walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
# Not pages: POST-only or file answers are found by the probe below; these change state on GET.
SKIP = {"logout", "set_language"}
BLOCKING = {"serious", "critical"}

# Collects violations before any page script runs (Playwright's init scripts are not
# subject to the page's policy).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI || 'inline'} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def programme():
    """The plan (a transaction=True test before may have flushed it), a round with an
    update, a status report, and one user of each role; returns (users, values for the
    URL patterns)."""
    from milestones.loader import sor_roadmap_load

    system = system_user_get()
    sor_roadmap_load(user=system)
    users = {"anonymous": None, "outsider": UserFactory(username="p-outsider")}
    for username, party_key, role in (
        ("p-editor", "sor-team", Membership.Role.EDITOR),
        ("p-steering", "sor-styregruppe", Membership.Role.STEERING),
        ("p-reporter", "region-midtjylland", Membership.Role.REPORTER),
    ):
        users[username.removeprefix("p-")] = member(username, party_key, role)
    period = _last_month()
    round_ = rounds.reporting_round_create(period=period, user=system)
    status_report_generate(period=period, user=system)
    midt = Party.objects.get(key="region-midtjylland")
    obligation = RoundObligation.objects.filter(round=round_, party=midt).first()
    update = draft_update_of_midt(round_, users["reporter"])
    values = sample_values(update=update, period=period, editor=users["editor"])
    return users, values, obligation


def pages_for(client: Client, paths: list[str]) -> list[str]:
    """The paths that are HTML pages for this client; one per error status."""
    pages, statuses = [], set()
    for path in paths:
        response = client.get(path)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        if response.status_code == 200:
            pages.append(path)
        elif response.status_code in (403, 404) and response.status_code not in statuses:
            statuses.add(response.status_code)
            pages.append(path)
    return pages


def test_every_page_has_no_csp_violation_and_no_serious_axe_finding(
    live_server, browser, programme
):
    assert AXE.exists(), "axe-core is missing: run `npm ci --prefix tests/js` (make test does)"
    users, values, obligation = programme
    paths = []
    for route, name, _entry in walk(get_resolver()):
        if route.startswith("admin/") or name in SKIP:
            continue
        # The obligation's own "Fjern" page takes an obligation's pk, not an update's.
        if name == "milestones:reporting_obligation_remove":
            paths.append(f"/plan/rapportering/pligter/{obligation.pk}/fjern/")
        else:
            paths.append(sample_path(route, values))

    csp, axe, visited = [], [], 0
    for role, user in users.items():
        client = Client()
        if user is not None:
            client_log_in(client, user)
        context = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen")
        if user is not None:
            context.add_cookies(
                [
                    {
                        "name": "sessionid",
                        "value": client.cookies["sessionid"].value,
                        "url": live_server.url,
                    }
                ]
            )
        context.add_init_script(LISTEN)
        context.add_init_script(path=AXE)
        page = context.new_page()
        page.set_default_timeout(BROWSER_TIMEOUT_MS)
        console: list[str] = []

        def on_console(msg, console=console):
            if "Content Security Policy" in msg.text or "Refused to" in msg.text:
                console.append(msg.text)

        page.on("console", on_console)
        for path in pages_for(client, paths):
            visited += 1
            console.clear()
            page.goto(f"{live_server.url}{path}", wait_until="load")
            found = page.evaluate(
                """async () => (await axe.run(document, {resultTypes: ['violations']}))
                   .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
            )
            for v in found:
                if v["impact"] in BLOCKING:
                    axe.append(f"{role} {path}: {v['impact']} {v['id']} ({v['help']}) {v['nodes']}")
            for violation in page.evaluate("window.__csp") + console:
                csp.append(f"{role} {path}: {violation}")
        context.close()

    assert visited > 90, visited  # every role saw its pages (the probe found them)
    assert csp + axe == [], "\n".join(csp + axe)
