"""The bench's ratios: each page against the trivial page and the bare view measured
beside it, in the same block of requests, from the run's own measurements."""

import io
import json
import re
import statistics

import pytest
from django.core.management import call_command

from bench.management.commands.bench import Sample, block_result, trivial_spread
from bench.pages import BARE, TRIVIAL

from .test_bench_database import bench_name  # noqa: F401 (the bench's own database)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROW = re.compile(
    r"^tiny\s+(?P<page>.+?)\s+(?P<warm>[\d.]+)\s+(?P<p95>[\d.]+)\s+(?P<xbare>[\d.]+)x\s+"
    r"(?P<xtriv>[\d.]+)x\s+(?P<q>\d+)\s+(?P<cold>[\d.]+)\s+(?P<coldx>[\d.]+)x\s+(?P<coldq>\d+)$"
)


@pytest.mark.usefixtures("bench_name")
def test_each_ratio_is_against_the_trivial_page_and_bare_view_measured_beside_it(tmp_path):
    path = tmp_path / "samples.json"
    out = io.StringIO()
    call_command(
        "bench",
        "--scales",
        "tiny",
        "--pages",
        "a new moment,roadmap (track",
        "--runs",
        "4",
        "--cold-runs",
        "2",
        "--samples",
        str(path),
        stdout=out,
    )
    text = out.getvalue()
    samples = [Sample(**s) for s in json.loads(path.read_text())]
    rows = {m["page"]: m for line in text.splitlines() if (m := ROW.match(line))}
    pages = ["dashboard (point in time, a new moment)", "roadmap (track, page 2)"]
    assert set(rows) == {BARE.name, TRIVIAL.name, *pages}

    for page in pages:
        block = [s for s in samples if s.block == page]
        # Interleaved: each cold visit follows an edit and is followed by the trivial page
        # and the bare view; each warm round asks the three, the order rotating.
        kinds = [(s.role, s.kind) for s in block]
        assert (
            kinds[:7]
            == [("page", "first")]
            + [
                ("page", "cold"),
                ("trivial", "cold"),
                ("bare", "cold"),
            ]
            * 2
        )
        rounds = [tuple(s.role for s in block[7 + 3 * n : 10 + 3 * n]) for n in range(4)]
        assert rounds == [
            ("page", "trivial", "bare"),
            ("trivial", "bare", "page"),
            ("bare", "page", "trivial"),
            ("page", "trivial", "bare"),
        ]
        # The ratios printed are the page's medians over the medians beside it.
        page_ms = {
            kind: statistics.median(s.ms for s in block if s.role == "page" and s.kind == kind)
            for kind in ("cold", "warm")
        }
        beside = {
            role: statistics.median(s.ms for s in block if s.role == role and s.kind != "first")
            for role in ("trivial", "bare")
        }
        row = rows[page]
        assert float(row["warm"]) == pytest.approx(page_ms["warm"], abs=0.051)
        assert float(row["cold"]) == pytest.approx(page_ms["cold"], abs=0.051)
        assert float(row["xtriv"]) == pytest.approx(page_ms["warm"] / beside["trivial"], abs=0.051)
        assert float(row["xbare"]) == pytest.approx(page_ms["warm"] / beside["bare"], abs=0.051)
        assert float(row["coldx"]) == pytest.approx(page_ms["cold"] / beside["trivial"], abs=0.051)
        result = block_result("tiny", page, "", block)
        assert result.trivial_ms == beside["trivial"] and result.bare_ms == beside["bare"]
        # And without each request's wait for a CPU, given beside the verdicts.
        own = [s.ms - s.wait_ms for s in block if s.role == "trivial" and s.kind != "first"]
        own_warm = [s.ms - s.wait_ms for s in block if s.role == "page" and s.kind == "warm"]
        assert result.own_x_trivial == pytest.approx(
            statistics.median(own_warm) / statistics.median(own)
        )
        assert (
            f"tiny: {page} warm {result.x_trivial:.1f}x trivial (budget 2.0x; "
            f"{result.own_x_trivial:.1f}x without the waits for a CPU)" in text
        )

    # A new moment each cold visit, and the warm rounds ask the last of them.
    moments = [s.url for s in samples if s.block == pages[0] and s.role == "page"]
    assert len(set(moments[1:3])) == 2 and set(moments[3:]) == {moments[2]}

    # The floor's rows pool every request beside the pages (and the floor's own block).
    trivial = statistics.median(s.ms for s in samples if s.role == "trivial" and s.kind != "first")
    bare = statistics.median(s.ms for s in samples if s.role == "bare" and s.kind != "first")
    assert float(rows[TRIVIAL.name]["warm"]) == pytest.approx(trivial, abs=0.051)
    assert float(rows[TRIVIAL.name]["xbare"]) == pytest.approx(trivial / bare, abs=0.051)
    assert float(rows[BARE.name]["xtriv"]) == pytest.approx(bare / trivial, abs=0.051)
    assert f"trivial {trivial / bare:.1f}x bare" in text

    # The trivial page's spread over the run is printed: each block's median.
    spread = trivial_spread(samples)
    assert spread["blocks"] == 3  # the floor's own block and the two pages'
    assert (
        f"tiny: the trivial page beside each page: {spread['lowest']:.1f}-"
        f"{spread['highest']:.1f} ms" in text
    )
    assert text.strip().splitlines()[-1].startswith("budget: ")
