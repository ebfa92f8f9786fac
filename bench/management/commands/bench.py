"""Time every page against the bare Django floor and the trivial page, warm and cold.

    python manage.py bench                       # small and large, in the bench database
    python manage.py bench --scales small        # develop against the small programme
    python manage.py bench --scales large --runs 30 --keep
    python manage.py bench --scales large --no-generate --pages roadmap,feed

It runs in its own PostgreSQL database, `BENCH_DATABASE_URL` (default
postgres://postgres@127.0.0.1:5432/sorplan_bench), never the configured one:
created, migrated and loaded with the SOR plan by the command, dropped afterwards
unless `--keep` (see `bench.database`). `--no-generate` measures a database kept
from an earlier run. For each scale it writes the synthetic programme
(`generate_load_data`), logs a bench user in (SOR-team editor and steering-group
reader) with Django's test client, and requests:

- the bare floor: a `@login_required` view returning "ok" that the bench serves
  itself (`bench.urls`), in the same run and through the same middleware;
- the trivial page and every page of `bench.pages.PAGES` (one URL per page kind);
- each page "cold": right after a real edit through the service (a milestone's
  forecast moved with a reason, `milestones.services.plan.milestone_forecast_set`),
  the way a reader meets it after someone saves; the cache is never emptied;
- each page "warm": `--runs` times more (what the next readers get);
- beside each page, in the same seconds: the trivial page and the bare view right after
  each cold visit and once in each warm round (the three in turn, the order rotating);
  the run starts with the floor's own block (both after their first visits and after
  the edits, no page). The trivial page's time moved 2.6-4.4x within one run on a shared
  machine, the pages and the bare view with it (docs/performance.md, wt-bench, round 2
  session 12): a ratio against one measurement of it at the start said that half second,
  not the page;
- the writers' requests (`bench.writers.WRITERS`: the load test's editor and reporter,
  `--runs` visits each, the forms filled from the GET): each request's time, this
  process's CPU time and its queries.

It prints medians, 95th percentiles, SQL query counts, ratios to the bare view
and to the trivial page, the checks of issue 17 at the largest scale measured
(warm <= 2x trivial, cold <= 5x trivial, trivial <= 2x bare, point in time <= 1.5x
live cold, queries the same at small and large scale) and, as its last line,
`budget: all within` or `budget: over: <pages>`. Measured, not asserted: the
command always exits 0.

The table's columns, per scale and page: warm ms (the median of the warm visits),
p95 ms, x bare and x triv (that median over the median of the bare view and of the
trivial page measured beside the page: each of their cold and warm requests in the
page's block), queries (the most of a warm visit), cold ms (the median of the cold
visits), x triv (that over the same trivial median) and cold q. The bare view's and the
trivial page's own rows pool every request measured beside the pages (cold ms: those
right after a cold visit); under the table, the trivial page's spread over the run: each
block's median, lowest to highest. The point-in-time check compares the two pages' cold
ratios to their own trivial page. Each page's verdict also gives its ratios of the
requests' times less their waits for a CPU (`Sample.wait_ms`): under load the waits
are added to every request, about alike for a short one and a long one, and the wall
ratios shrink towards 1 (the budget stays on the wall times). `--samples PATH` writes
every request as JSON (`Sample`: its block, role, kind, URL, time since the start, ms,
CPU ms, wait for a CPU, queries, garbage collection during it).
"""

import datetime
import gc
import json
import statistics
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse

from bench import medcom_pages, register_pages
from bench import urls as bench_urls
from bench.cleanup import load_data_regenerate
from bench.database import bench_database
from bench.loaddata import load_users
from bench.pages import BARE, PAGES, SAMPLES, TRIVIAL, Page, new_past_moment, past_moment
from bench.tables import budget_line, header_write, percentile
from bench.writers import writer_timings
from milestones.models import Milestone
from milestones.services.plan import milestone_forecast_set

WARM_BUDGET = 2.0  # x trivial
COLD_BUDGET = 5.0  # x trivial
TRIVIAL_BUDGET = 2.0  # x bare
POINT_IN_TIME_BUDGET = 1.5  # x live, cold


@dataclass
class Sample:
    """One request of the run (what `--samples` writes)."""

    scale: str
    block: str  # the page whose block it was measured in ("" the floor's own block)
    role: str  # "page", or "trivial" and "bare" measured beside it
    kind: str  # "first", "cold" or "warm"
    url: str
    at_s: float  # since the run started
    ms: float
    cpu_ms: float  # this process's CPU time
    wait_ms: float  # waiting for a CPU, runnable (Linux's schedstat; 0 elsewhere)
    queries: int
    gc_ms: float  # Python's garbage collection during it
    gc_full: int  # of which full (generation 2) collections


@dataclass
class Result:
    scale: str
    page: str
    url: str
    median_ms: float = 0
    p95_ms: float = 0
    queries: int = 0
    cold_ms: float = 0
    cold_queries: int = 0
    note: str = ""
    # The medians of the trivial page and the bare view measured beside this page.
    trivial_ms: float = 0
    bare_ms: float = 0
    # The same ratios of each request's time less its wait for a CPU (`Sample.wait_ms`).
    own_x_trivial: float = 0
    own_cold_x_trivial: float = 0

    @property
    def x_bare(self) -> float:
        return self.median_ms / self.bare_ms if self.bare_ms else 0

    @property
    def x_trivial(self) -> float:
        return self.median_ms / self.trivial_ms if self.trivial_ms else 0

    @property
    def cold_x_trivial(self) -> float:
        return self.cold_ms / self.trivial_ms if self.trivial_ms else 0


def block_result(scale: str, page: str, url: str, samples: list[Sample]) -> Result:
    """A page's figures from its block's requests: its warm and cold medians, each over
    the median of the trivial page and of the bare view measured beside it (their cold
    and warm requests in the same block: the same statistic, the same minutes)."""

    def times(role: str, *kinds: str) -> list[Sample]:
        return [s for s in samples if s.role == role and s.kind in kinds]

    warm, cold = times("page", "warm"), times("page", "cold")
    trivial = times("trivial", "cold", "warm")
    own_trivial = statistics.median(s.ms - s.wait_ms for s in trivial)
    return Result(
        scale=scale,
        page=page,
        url=url,
        median_ms=statistics.median(s.ms for s in warm),
        p95_ms=percentile([s.ms for s in warm], 95),
        queries=max(s.queries for s in warm),
        cold_ms=statistics.median(s.ms for s in cold),
        cold_queries=max(s.queries for s in cold),
        trivial_ms=statistics.median(s.ms for s in trivial),
        bare_ms=statistics.median(s.ms for s in times("bare", "cold", "warm")),
        own_x_trivial=statistics.median(s.ms - s.wait_ms for s in warm) / own_trivial,
        own_cold_x_trivial=statistics.median(s.ms - s.wait_ms for s in cold) / own_trivial,
    )


def floor_result(scale: str, role: str, page: Page, url: str, samples: list[Sample]) -> Result:
    """The bare view's or the trivial page's own row: every request of it measured beside
    the pages over the run (cold: those right after a cold visit), against the same pool
    of the other."""
    mine = [s for s in samples if s.role == role and s.kind != "first"]
    pooled = {
        r: statistics.median(s.ms for s in samples if s.role == r and s.kind != "first")
        for r in ("trivial", "bare")
    }
    cold = [s for s in mine if s.kind == "cold"]
    warm = [s for s in mine if s.kind == "warm"]
    return Result(
        scale=scale,
        page=page.name,
        url=url,
        median_ms=pooled[role],
        p95_ms=percentile([s.ms for s in mine], 95),
        queries=max(s.queries for s in warm),
        cold_ms=statistics.median(s.ms for s in cold),
        cold_queries=max(s.queries for s in cold),
        trivial_ms=pooled["trivial"],
        bare_ms=pooled["bare"],
    )


def trivial_spread(samples: list[Sample]) -> dict:
    """The trivial page over the run: its median in each block, lowest to highest, and
    every request's 5th and 95th percentiles; and the share of all the run's requests'
    time this process waited for a CPU (the other processes' load)."""
    by_block: dict[str, list[float]] = {}
    for s in samples:
        if s.role == "trivial" and s.kind != "first":
            by_block.setdefault(s.block, []).append(s.ms)
    medians = sorted(statistics.median(v) for v in by_block.values())
    every = [ms for v in by_block.values() for ms in v]
    return {
        "blocks": len(medians),
        "lowest": medians[0],
        "median": statistics.median(medians),
        "highest": medians[-1],
        "requests": len(every),
        "p5": percentile(every, 5),
        "p95": percentile(every, 95),
        "waited": sum(s.wait_ms for s in samples) / (sum(s.ms for s in samples) or 1),
    }


class Command(BaseCommand):
    help = "Måler alle sider mod en bar Django-visning og en triviel side, varme og kolde."

    def add_arguments(self, parser):
        parser.add_argument("--scales", default="small,large", help="fx small,large")
        parser.add_argument("--runs", type=int, default=15)
        parser.add_argument(
            "--cold-runs",
            type=int,
            default=3,
            help="Kolde målinger pr. side (hver efter en ændring).",
        )
        parser.add_argument(
            "--no-generate",
            action="store_true",
            help="Mål de data, der er; skriv ikke et syntetisk program.",
        )
        parser.add_argument(
            "--keep", action="store_true", help="Behold benchmarkens database bagefter."
        )
        parser.add_argument(
            "--pages",
            default="",
            help="Mål kun sider, hvis navn indeholder et af ordene, fx 'roadmap,feed' "
            "(den bare og den trivielle side måles altid).",
        )
        parser.add_argument(
            "--no-report", action="store_true", help="Spring statusrapporten (bench_report) over."
        )
        parser.add_argument(
            "--samples",
            default="",
            help="Skriv hver måling (side, rolle, tid, CPU, forespørgsler) som JSON hertil.",
        )

    def handle(
        self,
        *args,
        scales="small,large",
        runs=15,
        cold_runs=3,
        no_generate=False,
        keep=False,
        pages="",
        no_report=False,
        samples="",
        **kw,
    ):
        self.samples: list[Sample] = []
        self._collections: list[tuple[int, float]] = []
        self._started = time.perf_counter()
        gc.callbacks.append(self._on_collection)
        try:
            with bench_database(keep=keep, create=not no_generate, stdout=self.stdout):
                with override_settings(ROOT_URLCONF=bench_urls.__name__):
                    self._run(scales, runs, max(1, cold_runs), no_generate, pages, no_report)
        finally:
            gc.callbacks.remove(self._on_collection)
        if samples:
            with open(samples, "w") as handle:
                json.dump([asdict(s) for s in self.samples], handle)

    def _on_collection(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._collection_started = time.perf_counter()
        else:
            ms = (time.perf_counter() - self._collection_started) * 1000
            self._collections.append((info["generation"], ms))

    def _run(self, scales, runs, cold_runs, no_generate, pages, no_report) -> None:
        self.stdout.write(
            f"Database: {connection.vendor} ({connection.settings_dict['NAME']}); "
            f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
        )
        results: list[Result] = []
        names = [s.strip() for s in scales.split(",") if s.strip()]
        wanted = [p.strip() for p in pages.split(",") if p.strip()]
        for name in names:
            if not no_generate:
                self.stdout.write(load_data_regenerate(name))
            results += self._measure(name, runs, cold_runs, wanted)
            self._writers(name, runs, wanted)
            if name == "large" and not wanted and not no_report:
                call_command("bench_report", "--no-generate", stdout=self.stdout)
        imports = []
        if names and (not wanted or "import" in wanted):  # the register's 5,000-row import
            imports = register_pages.import_timings(load_users()[1], self.stdout)
        self._report(results, names, imports)

    # ------------------------------------------------------------------
    def _url(self, page: Page) -> tuple[str, dict | None, str]:
        """(url, sample, note): the note says why a page is skipped."""
        sample: dict | None = {"args": []}
        if page.sample:
            sample = SAMPLES[page.sample]()
            if not sample:
                return "", None, f"skipped: nothing for '{page.sample}'"
        try:
            url = reverse(page.route, args=sample.get("args", []))
        except NoReverseMatch:
            return "", None, f"skipped: no route {page.route}"
        if page.query:
            url += "?" + page.query.format(past=past_moment(), new_past=new_past_moment(), **sample)
        return url, sample, ""

    def _measure(self, scale: str, runs: int, cold_runs: int, wanted: list[str]) -> list[Result]:
        _generator, user = load_users()
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "testserver")
        client = Client(HTTP_HOST=host.lstrip("."))
        _log_in(client, user)
        editor = _Editor(user)
        edits = {
            "": editor.edit,
            "register": lambda: register_pages.real_edit(user),
            "medcom": lambda: medcom_pages.real_edit(user),
        }
        floor = {"trivial": self._url(TRIVIAL)[0], "bare": self._url(BARE)[0]}
        block = _Block(self, client, scale, floor, cold_runs, runs)
        mine = len(self.samples)
        # The floor's own block: both first visited, then after edits and warm, no page.
        block.measure(None, edits[""])
        pages = []
        chosen = [p for p in PAGES if not wanted or any(w in p.name for w in wanted)]
        for page in chosen:
            url, _sample, note = self._url(page)
            if not url:
                pages.append(Result(scale, page.name, url, note=note))
                continue
            samples = block.measure(page, edits[page.edit], url)
            result = block_result(scale, page.name, samples[-1].url, samples)
            pages.append(result)
            self.stdout.write(
                f"  [{scale}] {page.name}: warm {result.median_ms:.1f} ms, "
                f"cold {result.cold_ms:.0f} ms (trivial beside {result.trivial_ms:.1f} ms)"
            )
        run = self.samples[mine:]
        return [
            floor_result(scale, "bare", BARE, floor["bare"], run),
            floor_result(scale, "trivial", TRIVIAL, floor["trivial"], run),
            *pages,
        ]

    def _writers(self, scale: str, runs: int, wanted: list[str]) -> None:
        """The writers' requests at `scale` (measured, not budgeted here: their budget is
        the load test's writers' p95)."""
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "testserver")
        rows = writer_timings(runs, log_in=_log_in, host=host.lstrip("."), wanted=wanted)
        if not rows:
            return
        self.stdout.write("")
        header_write(
            self.stdout,
            f"{'scale':<6} {'writer':<9} {'request':<36} {'n':>3} {'ms':>8} {'CPU ms':>8} "
            f"{'queries':>7}",
        )
        for r in rows:
            if r.get("note"):
                self.stdout.write(f"{scale:<6} {r['writer']:<9} {r['note']}")
                continue
            self.stdout.write(
                f"{scale:<6} {r['writer']:<9} {r['request']:<36} {r['count']:>3} {r['ms']:>8.1f} "
                f"{r['cpu_ms']:>8.1f} {r['queries']:>7}"
            )

    def _get(self, client: Client, url: str) -> tuple[float, float, float, int, list]:
        """(ms, CPU ms, ms waiting for a CPU, queries, the garbage collections during it)
        of one GET."""
        del self._collections[:]
        with CaptureQueriesContext(connection) as ctx:
            waited = _cpu_waited_ns()
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            cpu_ms = (time.process_time() - cpu) * 1000
            wait_ms = (_cpu_waited_ns() - waited) / 1e6
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return elapsed, cpu_ms, wait_ms, len(ctx.captured_queries), list(self._collections)

    # ------------------------------------------------------------------
    def _report(self, results: list[Result], scales: list[str], imports=()) -> None:
        self.stdout.write("")
        header_write(
            self.stdout,
            f"{'scale':<6} {'page':<32} {'warm ms':>8} {'p95 ms':>7} {'x bare':>7} "
            f"{'x triv':>7} {'queries':>7} {'cold ms':>8} {'x triv':>7} {'cold q':>6}",
        )
        for r in results:
            if r.note:
                self.stdout.write(f"{r.scale:<6} {r.page:<32} {r.note}")
                continue
            self.stdout.write(
                f"{r.scale:<6} {r.page:<32} {r.median_ms:>8.1f} {r.p95_ms:>7.1f} "
                f"{r.x_bare:>6.1f}x {r.x_trivial:>6.1f}x "
                f"{r.queries:>7} {r.cold_ms:>8.1f} {r.cold_x_trivial:>6.1f}x "
                f"{r.cold_queries:>6}"
            )
        self.stdout.write("")
        for scale in scales:
            mine = [s for s in self.samples if s.scale == scale]
            if not any(s.role == "trivial" for s in mine):
                continue
            spread = trivial_spread(mine)
            self.stdout.write(
                f"{scale}: the trivial page beside each page: {spread['lowest']:.1f}-"
                f"{spread['highest']:.1f} ms (median {spread['median']:.1f}, "
                f"{spread['blocks']} blocks); its {spread['requests']} requests p5 "
                f"{spread['p5']:.1f}, p95 {spread['p95']:.1f} ms; waiting for a CPU "
                f"{spread['waited']:.0%} of all requests' time"
            )
        over: list[str] = []
        by = {(r.scale, r.page): r for r in results if not r.note}
        big = "large" if "large" in scales else scales[-1]
        floor = by.get((big, TRIVIAL.name))
        if floor and floor.bare_ms:
            ratio = floor.x_bare
            if not self._verdict(
                ratio <= TRIVIAL_BUDGET,
                f"{big}: trivial {ratio:.1f}x bare (budget {TRIVIAL_BUDGET}x)",
            ):
                over.append("trivial")
        for r in results:
            if r.scale != big or r.note or r.page in (BARE.name, TRIVIAL.name) or not r.trivial_ms:
                continue
            warm, cold = r.x_trivial, r.cold_x_trivial
            ok_warm = self._verdict(
                warm <= WARM_BUDGET,
                f"{big}: {r.page} warm {warm:.1f}x trivial (budget {WARM_BUDGET}x; "
                f"{r.own_x_trivial:.1f}x without the waits for a CPU)",
            )
            ok_cold = self._verdict(
                cold <= COLD_BUDGET,
                f"{big}: {r.page} cold {cold:.1f}x trivial (budget {COLD_BUDGET}x; "
                f"{r.own_cold_x_trivial:.1f}x without the waits for a CPU)",
            )
            if not ok_warm:
                over.append(f"{r.page} warm")
            if not ok_cold:
                over.append(f"{r.page} cold")
        live = by.get((big, "dashboard"))
        for name, label in (
            ("dashboard (point in time)", "point in time"),
            ("dashboard (point in time, a new moment)", "point in time, a new moment"),
        ):
            past = by.get((big, name))
            if not (live and past):
                continue
            # Each against the trivial page beside it: the two were measured minutes apart.
            cold = past.cold_x_trivial / live.cold_x_trivial
            if not self._verdict(
                cold <= POINT_IN_TIME_BUDGET,
                f"{big}: {label} cold {cold:.1f}x live cold (budget {POINT_IN_TIME_BUDGET}x)",
            ):
                over.append(label)
        if "small" in scales and "large" in scales:
            for (scale, page), r in by.items():
                if scale != "small" or ("large", page) not in by:
                    continue
                other = by[("large", page)]
                same = (r.queries, r.cold_queries) == (other.queries, other.cold_queries)
                if not self._verdict(
                    same,
                    f"queries small = large: {page} "
                    f"({r.queries}/{r.cold_queries} vs {other.queries}/{other.cold_queries}, "
                    "warm/cold)",
                ):
                    over.append(f"{page} queries")
        for what, seconds, _queries in imports:
            if not self._verdict(seconds < 10, f"register {what}: {seconds:.1f} s (target < 10 s)"):
                over.append(f"register {what}")
        self.stdout.write(budget_line(over))

    def _verdict(self, ok: bool, text: str) -> bool:
        style = self.style.SUCCESS if ok else self.style.ERROR
        self.stdout.write(style(("OK    " if ok else "OVER  ") + text))
        return ok


class _Block:
    """One page's requests and, beside it, the trivial page's and the bare view's: the
    page's first visit; each cold run a real edit, the page, then the trivial page and
    the bare view; each warm round the three in turn, the order rotating by one each
    round. Every request is kept in the command's `samples`."""

    def __init__(self, command: "Command", client: Client, scale, floor, cold_runs, runs):
        self.command, self.client, self.scale, self.floor = command, client, scale, floor
        self.cold_runs, self.runs = cold_runs, runs

    def measure(self, page: Page | None, edit, url: str = "") -> list[Sample]:
        """The block of `page` at `url` (None: the floor's own). A page asking a moment
        not asked before has a URL of its own at each cold visit; the warm rounds ask
        the last."""
        name = page.name if page else ""
        mine: list[Sample] = []

        def get(role: str, kind: str, url: str) -> None:
            nonlocal last
            ms, cpu_ms, wait_ms, queries, collections = self.command._get(self.client, url)
            sample = Sample(
                scale=self.scale,
                block=name,
                role=role,
                kind=kind,
                url=url,
                at_s=round(time.perf_counter() - self.command._started, 4),
                ms=ms,
                cpu_ms=cpu_ms,
                wait_ms=wait_ms,
                queries=queries,
                gc_ms=sum(c_ms for _gen, c_ms in collections),
                gc_full=sum(1 for gen, _ms in collections if gen == 2),
            )
            self.command.samples.append(sample)
            mine.append(sample)
            if role == "page":
                last = url

        last = url
        beside = list(self.floor.items())
        if page is None:
            for role, floor_url in beside:
                get(role, "first", floor_url)
        else:
            get("page", "first", url)
        for _ in range(self.cold_runs):
            edit()
            if page is not None:
                fresh = "{new_past}" in page.query
                get("page", "cold", self.command._url(page)[0] if fresh else url)
            for role, floor_url in beside:
                get(role, "cold", floor_url)
        order = ([("page", "")] if page is not None else []) + beside
        for n in range(self.runs):
            turn = n % len(order)
            for role, asked in order[turn:] + order[:turn]:
                get(role, "warm", asked or last)
        return mine


class _Editor:
    """Makes real edits through the service: one synthetic milestone's forecast moves
    a day forward and back, with a reason, as an editor saving would."""

    def __init__(self, user):
        self.user = user
        self.step = 1

    def edit(self) -> None:
        milestone = (
            Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
            .order_by("pk")
            .first()
            or Milestone.objects.filter(forecast_date__isnull=False).order_by("pk").first()
        )
        if milestone is None:
            return
        milestone_forecast_set(
            milestone_id=milestone.pk,
            version=milestone.version,
            forecast_date=milestone.forecast_date + datetime.timedelta(days=self.step),
            forecast_precision=milestone.forecast_precision,
            user=self.user,
            reason="Benchmark: en redigering, som gør siderne kolde",
        )
        self.step = -self.step


def _cpu_waited_ns() -> int:
    """How long this process has waited for a CPU while runnable, in ns (the second
    field of Linux's /proc/self/schedstat; 0 where there is none): a request's wall time
    less its CPU time is this, the database's and Redis's time, and the garbage
    collector's pauses."""
    try:
        with open("/proc/self/schedstat") as handle:
            return int(handle.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _log_in(client: Client, user) -> None:
    """Log the bench user (a SOR-team editor) in with its session confirmed by
    two-factor, as after the code step: editors must have it, and the pages
    otherwise answer with the redirect to the set-up."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.two_factor import two_factor_required

    client.force_login(user)
    if two_factor_required(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
