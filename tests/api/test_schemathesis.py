"""Property-based requests from the API's own schema against a live server
(schemathesis): whatever the input, no 500 and no answer outside the schema.

Bounded: a fixed number of examples per operation, once with real keys in the path
(so the requests reach the views' logic and the services) and once with generated
ones. No time limit per example (a busy CI machine is slow, not wrong)."""

import datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from api.tokens import token_create
from core.dates import today
from milestones.services import rounds
from tests.helpers import draft_update_of_midt
from tests.reports.helpers import published_report_make

from .helpers import api_samples

EXAMPLES = 5
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _path_values(template: str, values: dict) -> dict:
    prefix = template.split("{", 1)[0]
    found = {}
    for name in ("key", "period"):
        if "{" + name + "}" in template:
            found[name] = values[next(k for k in values if prefix.startswith(k))]
    for name in ("party_key", "activity_key", "entry_key", "message_type_key", "direction", "kind"):
        if "{" + name + "}" in template:
            found[name] = values[name]
    return found


def _runner(strategy, *, base_url: str, headers: dict):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    return run


@pytest.mark.postgres
def test_generated_requests_never_get_a_500_or_an_answer_outside_the_schema(
    loaded_plan, live_server, reporters, editor, reporter, system_user, report_media
):
    period = (today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    round_ = rounds.reporting_round_create(period=period, user=system_user)
    update = draft_update_of_midt(round_, reporter)
    report = published_report_make(datetime.date(2020, 1, 1))
    values = api_samples(editor=editor, update=update, report_period=report.period)
    # The editor reads and writes most; the reporter writes its own update.
    tokens = {
        name: "Bearer " + token_create(user=user, name="schemathesis", scope="write", days=1)[1]
        for name, user in (("editor", editor), ("reporter", reporter))
    }
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/v1/openapi.json",
        headers={"Authorization": tokens["editor"]},
    )
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        fixed = _path_values(operation.path, values)
        who = "reporter" if operation.method.upper() == "PUT" else "editor"
        headers = {"Authorization": tokens[who]}
        strategies = [operation.as_strategy(path_parameters=fixed)] if fixed else []
        strategies.append(operation.as_strategy())
        for strategy in strategies:
            run = _runner(strategy, base_url=live_server.url, headers=headers)
            try:
                run()
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - shown below
                failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert operations >= 30
    assert failures == [], "\n\n".join(failures)
