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
- the writers' requests (`bench.writers.WRITERS`: the load test's editor and reporter,
  `--runs` visits each, the forms filled from the GET): each request's time, this
  process's CPU time and its queries.

It prints medians, 95th percentiles, SQL query counts, ratios to the bare view
and to the trivial page, the checks of issue 17 at the largest scale measured
(warm <= 2x trivial, cold <= 5x trivial, trivial <= 2x bare, point in time <= 1.5x
live cold, queries the same at small and large scale) and, as its last line,
`budget: all within` or `budget: over: <pages>`. Measured, not asserted: the
command always exits 0.
"""

import datetime
import statistics
import time
from dataclasses import dataclass

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
from bench.writers import writer_timings
from milestones.models import Milestone
from milestones.services.plan import milestone_forecast_set

WARM_BUDGET = 2.0  # x trivial
COLD_BUDGET = 5.0  # x trivial
TRIVIAL_BUDGET = 2.0  # x bare
POINT_IN_TIME_BUDGET = 1.5  # x live, cold


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


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


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
        **kw,
    ):
        with bench_database(keep=keep, create=not no_generate, stdout=self.stdout):
            with override_settings(ROOT_URLCONF=bench_urls.__name__):
                self._run(scales, runs, max(1, cold_runs), no_generate, pages, no_report)

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
        results = []
        chosen = [p for p in PAGES if not wanted or any(w in p.name for w in wanted)]
        for page in [BARE, TRIVIAL, *chosen]:
            url, _sample, note = self._url(page)
            if not url:
                results.append(Result(scale, page.name, url, note=note))
                continue
            self._get(client, url)  # first visit: imports, templates, connections
            colds, cold_queries = [], 0
            for _ in range(cold_runs):
                edits[page.edit]()
                if "{new_past}" in page.query:  # a moment not asked before, each time
                    url = self._url(page)[0]
                ms, n = self._get(client, url)
                colds.append(ms)
                cold_queries = max(cold_queries, n)
            times, queries = [], []
            for _ in range(runs):
                ms, n = self._get(client, url)
                times.append(ms)
                queries.append(n)
            result = Result(
                scale=scale,
                page=page.name,
                url=url,
                median_ms=statistics.median(times),
                p95_ms=_percentile(times, 95),
                queries=max(queries),
                cold_ms=statistics.median(colds),
                cold_queries=cold_queries,
            )
            results.append(result)
            self.stdout.write(
                f"  [{scale}] {page.name}: warm {result.median_ms:.1f} ms, "
                f"cold {result.cold_ms:.0f} ms"
            )
        return results

    def _writers(self, scale: str, runs: int, wanted: list[str]) -> None:
        """The writers' requests at `scale` (measured, not budgeted here: their budget is
        the load test's writers' p95)."""
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "testserver")
        rows = writer_timings(runs, log_in=_log_in, host=host.lstrip("."), wanted=wanted)
        if not rows:
            return
        header = (
            f"{'scale':<6} {'writer':<9} {'request':<36} {'n':>3} {'ms':>8} {'CPU ms':>8} "
            f"{'queries':>7}"
        )
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in rows:
            if r.get("note"):
                self.stdout.write(f"{scale:<6} {r['writer']:<9} {r['note']}")
                continue
            self.stdout.write(
                f"{scale:<6} {r['writer']:<9} {r['request']:<36} {r['count']:>3} {r['ms']:>8.1f} "
                f"{r['cpu_ms']:>8.1f} {r['queries']:>7}"
            )

    def _get(self, client: Client, url: str) -> tuple[float, int]:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return elapsed, len(ctx.captured_queries)

    # ------------------------------------------------------------------
    def _report(self, results: list[Result], scales: list[str], imports=()) -> None:
        bare = {r.scale: r.median_ms for r in results if r.page == BARE.name}
        trivial = {r.scale: r.median_ms for r in results if r.page == TRIVIAL.name}
        header = (
            f"{'scale':<6} {'page':<32} {'warm ms':>8} {'p95 ms':>7} {'x bare':>7} "
            f"{'x triv':>7} {'queries':>7} {'cold ms':>8} {'x triv':>7} {'cold q':>6}"
        )
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in results:
            if r.note:
                self.stdout.write(f"{r.scale:<6} {r.page:<32} {r.note}")
                continue
            t, b = trivial.get(r.scale) or 0, bare.get(r.scale) or 0
            self.stdout.write(
                f"{r.scale:<6} {r.page:<32} {r.median_ms:>8.1f} {r.p95_ms:>7.1f} "
                f"{(r.median_ms / b if b else 0):>6.1f}x {(r.median_ms / t if t else 0):>6.1f}x "
                f"{r.queries:>7} {r.cold_ms:>8.1f} {(r.cold_ms / t if t else 0):>6.1f}x "
                f"{r.cold_queries:>6}"
            )
        self.stdout.write("")
        over: list[str] = []
        by = {(r.scale, r.page): r for r in results if not r.note}
        big = "large" if "large" in scales else scales[-1]
        t, b = trivial.get(big), bare.get(big)
        if t and b:
            ratio = t / b
            if not self._verdict(
                ratio <= TRIVIAL_BUDGET,
                f"{big}: trivial {ratio:.1f}x bare (budget {TRIVIAL_BUDGET}x)",
            ):
                over.append("trivial")
        for r in results:
            if r.scale != big or r.note or r.page in (BARE.name, TRIVIAL.name) or not t:
                continue
            warm, cold = r.median_ms / t, r.cold_ms / t
            ok_warm = self._verdict(
                warm <= WARM_BUDGET,
                f"{big}: {r.page} warm {warm:.1f}x trivial (budget {WARM_BUDGET}x)",
            )
            ok_cold = self._verdict(
                cold <= COLD_BUDGET,
                f"{big}: {r.page} cold {cold:.1f}x trivial (budget {COLD_BUDGET}x)",
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
            cold = past.cold_ms / live.cold_ms
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
        self.stdout.write("budget: all within" if not over else "budget: over: " + ", ".join(over))

    def _verdict(self, ok: bool, text: str) -> bool:
        style = self.style.SUCCESS if ok else self.style.ERROR
        self.stdout.write(style(("OK    " if ok else "OVER  ") + text))
        return ok


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
