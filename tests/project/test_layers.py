"""The apps' layers (docs/architecture.md): core (the shared mechanisms) imports no
project package and every app may use it; parties knows no other app; milestones uses
parties; reports reads both; api (the REST API) every app but bench; bench (tooling) may use every app and nothing imports it;
nothing imports reports but the project (urls, tasks); no app imports the sorplan
package. Checked on every import statement of the apps' code."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = {
    "core",
    "parties",
    "accounts",
    "milestones",
    "register",
    "medcom",
    "governance",
    "reports",
    "api",
    "feeds",
    "bench",
    "sorplan",
}
ALLOWED = {
    "core": set(),
    "parties": {"core"},
    "accounts": {"core", "parties"},
    "milestones": {"core", "parties"},
    "register": {"core", "parties", "milestones"},
    "medcom": {"core", "parties", "milestones", "register"},
    "governance": {"core", "parties", "milestones", "register", "medcom"},
    "reports": {"core", "parties", "milestones", "register", "medcom", "governance"},
    "api": {
        "core",
        "parties",
        "accounts",
        "milestones",
        "register",
        "medcom",
        "governance",
        "reports",
    },
    # The top layer: the iCal feeds may read every app but the bench.
    "feeds": {
        "core",
        "parties",
        "accounts",
        "milestones",
        "register",
        "medcom",
        "governance",
        "reports",
    },
    "bench": {
        "core",
        "parties",
        "accounts",
        "milestones",
        "register",
        "medcom",
        "governance",
        "reports",
        "api",
        "feeds",
    },
}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & PROJECT_PACKAGES


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_layers_below_it(app):
    wrong = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        other = imported_packages(path) - {app} - ALLOWED[app]
        if other:
            wrong[str(path.relative_to(ROOT))] = sorted(other)
    assert wrong == {}


def test_the_check_sees_imports():
    assert imported_packages(ROOT / "milestones" / "services" / "plan.py") == {"core"}


def test_nothing_imports_the_bench():
    importers = {}
    for package in sorted(PROJECT_PACKAGES - {"bench"}):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "bench" in imported_packages(path):
                importers[str(path.relative_to(ROOT))] = "bench"
    assert importers == {}
