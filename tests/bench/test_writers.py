"""The bench's writers make the load test's requests through the real forms: each
editor's visit saves a forecast with its own reason, each reporter's a draft with its
text, and every request kind is measured."""

import pytest

from bench import writers
from bench.cleanup import load_data_write
from bench.loaddata import SCALES
from bench.management.commands.bench import _log_in
from milestones.models import Milestone, ProgressUpdate

pytestmark = [pytest.mark.postgres]

EDITOR_REQUESTS = [
    "write: open forecast form",
    "write: save forecast",
    "write: forecast saved (its page)",
]
REPORTER_REQUESTS = [
    "write: open reporting (reporter)",
    "write: open progress update",
    "write: save draft",
    "write: draft saved (its page)",
]


def test_the_writers_save_through_the_forms_and_each_request_is_measured(loaded_plan):
    load_data_write(SCALES["tiny"])
    history_before = Milestone.history.filter(history_change_reason__startswith="Belast").count()

    rows = writers.writer_timings(3, log_in=_log_in)

    assert [(r["writer"], r["request"]) for r in rows] == [
        *(("editor", name) for name in EDITOR_REQUESTS),
        *(("reporter", name) for name in REPORTER_REQUESTS),
    ]
    assert all(r["count"] == 3 and r["queries"] > 0 and r["ms"] > 0 for r in rows)
    # One unmeasured visit, then three: four forecasts, each with a reason of its own.
    reasons = list(
        Milestone.history.filter(history_change_reason__startswith="Belastningstest")
        .values_list("history_change_reason", flat=True)
        .order_by("history_id")
    )
    assert len(reasons) - history_before == 4 and len(set(reasons)) == len(reasons)
    drafts = ProgressUpdate.objects.filter(narrative__startswith="Belastningstest")
    assert drafts.exists() and all(d.status == ProgressUpdate.Status.DRAFT for d in drafts)


def test_only_the_writers_asked_for_are_measured(loaded_plan):
    load_data_write(SCALES["tiny"])
    rows = writers.writer_timings(1, log_in=_log_in, wanted=["reporter"])
    assert {r["writer"] for r in rows} == {"reporter"}
    assert writers.writer_timings(1, log_in=_log_in, wanted=["roadmap"]) == []


def test_a_writer_the_data_has_no_share_for_is_reported_as_skipped(loaded_plan):
    # The SOR plan alone: no synthetic milestones for the editor to move.
    rows = writers.writer_timings(1, log_in=_log_in, wanted=["editor"])
    assert [(r["writer"], r["note"].startswith("skipped: ")) for r in rows] == [("editor", True)]
