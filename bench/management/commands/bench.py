"""Time the heavy pages against a trivial logged-in page, at small and large scale.

    python manage.py bench                   # small and large, in the bench database
    python manage.py bench --scales large --runs 30 --keep
    python manage.py bench --scales large --no-generate --pages roadmap,matrix

It runs in its own PostgreSQL database, `BENCH_DATABASE_URL` (default
postgres://postgres@127.0.0.1:5432/sorplan_bench), never the configured one:
created, migrated and loaded with the SOR plan by the command, dropped afterwards
unless `--keep` (see `bench.database`). `--no-generate` measures a database kept
from an earlier run. For each scale it writes the synthetic programme (`generate_load_data`), logs a
bench user in (SOR-team editor and steering-group reader) with Django's test
client, and requests each page: once with an empty cache ("cold"), then
`--runs` times ("warm": what the next readers get). It prints median and 95th
percentile times, SQL query counts, and checks the budget of issue 5:
each page's median at most 2x the trivial page at large scale, the
point-in-time dashboard at most 3x the live one, the same number of queries at
small and large scale. Measured, not asserted: the command always exits 0.
"""

import datetime
import statistics
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bench import register_pages
from bench.cleanup import load_data_regenerate
from bench.database import bench_database
from bench.loaddata import load_users
from medcom.models import MessageType
from milestones.models import Activity, ReportingRound


@dataclass
class Result:
    scale: str
    page: str
    url: str
    median_ms: float
    p95_ms: float
    queries: int
    cold_ms: float
    cold_queries: int
    note: str = ""


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = "Måler siderne mod en triviel side ved lille og stor skala (se docs/performance.md)."

    def add_arguments(self, parser):
        parser.add_argument("--scales", default="small,large", help="fx small,large")
        parser.add_argument("--runs", type=int, default=15)
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
            help="Mål kun sider, hvis navn indeholder et af ordene, fx 'roadmap,matrix' "
            "(den trivielle side måles altid).",
        )

    def handle(
        self,
        *args,
        scales="small,large",
        runs=15,
        no_generate=False,
        keep=False,
        pages="",
        **kw,
    ):
        with bench_database(keep=keep, create=not no_generate, stdout=self.stdout):
            self._run(scales, runs, no_generate, pages)

    def _run(self, scales: str, runs: int, no_generate: bool, pages: str) -> None:
        self.stdout.write(
            f"Database: {connection.vendor} ({settings.DATABASES['default']['NAME']})"
        )
        results: list[Result] = []
        names = [s.strip() for s in scales.split(",") if s.strip()]
        for name in names:
            if not no_generate:
                self.stdout.write(load_data_regenerate(name))
            wanted = [p.strip() for p in pages.split(",") if p.strip()]
            results += self._measure(name, runs, wanted)
            if name == "large" and not wanted:  # the monthly status report at scale (bench_report)
                call_command("bench_report", "--no-generate", stdout=self.stdout)
            if name == names[-1] and (not wanted or "import" in wanted):
                self._verdict_import(register_pages.import_timings(load_users()[1], self.stdout))
        self._report(results, names)

    # ------------------------------------------------------------------
    def _pages(self) -> list[tuple[str, str, str]]:
        today = timezone.localdate()
        past = timezone.localtime(timezone.now() - datetime.timedelta(days=45))
        activity = (
            Activity.objects.filter(key__startswith="load-").order_by("key").first()
            or Activity.objects.order_by("key").first()
        )
        pages = [
            ("trivial", reverse("accessibility"), ""),
            ("dashboard", reverse("reports:dashboard"), ""),
            (
                "dashboard (point in time)",
                reverse("reports:dashboard") + f"?som_den_var={past:%Y-%m-%dT%H:%M}",
                "",
            ),
            ("roadmap", reverse("milestones:roadmap"), ""),
            (
                "roadmap (track, page 2)",
                reverse("milestones:roadmap") + f"?spor={activity.track}&side=2",
                "",
            ),
            ("activity page", reverse("milestones:activity_detail", args=[activity.key]), ""),
        ]
        current = ReportingRound.objects.filter(opens_on__lte=today).order_by("-period").first()
        try:
            url = reverse("milestones:reporting_round", args=[f"{current.period:%Y-%m}"])
            pages.append(("round matrix", url, ""))
            first = current.obligations.select_related("party").order_by("pk").first()
            if first is not None:
                pages.append(("round matrix (one party)", f"{url}?part={first.party.key}", ""))
        except (NoReverseMatch, AttributeError):
            pages.append(("round matrix", "", "skipped: no round page or no round"))
        pages += [
            ("timeline (Gantt)", reverse("reports:timeline"), ""),
            ("trend (MTA)", reverse("reports:trend"), ""),
            ("MedCom matrix", reverse("medcom:matrix"), ""),
        ]
        message_type = MessageType.objects.order_by("key").first()
        if message_type is not None:
            url = reverse("medcom:message_type_detail", args=[message_type.key])
            pages.append(("MedCom message type", url, ""))
        return pages + register_pages.pages()

    def _measure(self, scale: str, runs: int, wanted: list[str]) -> list[Result]:
        _generator, user = load_users()
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "testserver")
        client = Client(HTTP_HOST=host.lstrip("."))
        client.force_login(user)
        results = []
        for page, url, note in self._pages():
            if wanted and page != "trivial" and not any(w in page for w in wanted):
                continue
            if not url:
                results.append(Result(scale, page, url, 0, 0, 0, 0, 0, note))
                continue
            cache.clear()
            if register_pages.is_register_page(page):  # cold after a real edit
                register_pages.real_edit(user)
            cold_ms, cold_queries = self._get(client, url)
            times, queries = [], []
            for _ in range(runs):
                ms, n = self._get(client, url)
                times.append(ms)
                queries.append(n)
            results.append(
                Result(
                    scale=scale,
                    page=page,
                    url=url,
                    median_ms=statistics.median(times),
                    p95_ms=_percentile(times, 95),
                    queries=max(queries),
                    cold_ms=cold_ms,
                    cold_queries=cold_queries,
                    note=note,
                )
            )
            self.stdout.write(f"  [{scale}] {page}: {statistics.median(times):.1f} ms")
        return results

    def _get(self, client: Client, url: str) -> tuple[float, int]:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return elapsed, len(ctx.captured_queries)

    # ------------------------------------------------------------------
    def _report(self, results: list[Result], scales: list[str]) -> None:
        trivial = {r.scale: r.median_ms for r in results if r.page == "trivial"}
        header = (
            f"{'scale':<6} {'page':<26} {'median ms':>9} {'p95 ms':>8} {'x trivial':>9} "
            f"{'queries':>7} {'cold ms':>8} {'cold q':>6}"
        )
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in results:
            if r.note:
                self.stdout.write(f"{r.scale:<6} {r.page:<26} {r.note}")
                continue
            ratio = r.median_ms / trivial[r.scale] if trivial.get(r.scale) else 0
            self.stdout.write(
                f"{r.scale:<6} {r.page:<26} {r.median_ms:>9.1f} {r.p95_ms:>8.1f} "
                f"{ratio:>8.1f}x {r.queries:>7} {r.cold_ms:>8.0f} {r.cold_queries:>6}"
            )
        self.stdout.write("")
        by = {(r.scale, r.page): r for r in results if not r.note}
        big = "large" if "large" in scales else scales[-1]
        for r in results:
            if r.scale != big or r.note or r.page == "trivial":
                continue
            ratio = r.median_ms / trivial[big]
            self._verdict(ratio <= 2, f"{big}: {r.page} median {ratio:.1f}x trivial (budget 2x)")
        live, past = by.get((big, "dashboard")), by.get((big, "dashboard (point in time)"))
        if live and past:
            ratio = past.median_ms / live.median_ms
            self._verdict(
                ratio <= 3, f"{big}: point in time {ratio:.1f}x live dashboard (budget 3x)"
            )
            cold = past.cold_ms / live.cold_ms
            self._verdict(cold <= 3, f"{big}: cold point in time {cold:.1f}x cold live dashboard")
        if "small" in scales and "large" in scales:
            for (scale, page), r in by.items():
                if scale != "small" or (("large", page) not in by):
                    continue
                other = by[("large", page)]
                same = (r.queries, r.cold_queries) == (other.queries, other.cold_queries)
                self._verdict(
                    same,
                    f"queries small = large: {page} "
                    f"({r.queries}/{r.cold_queries} vs {other.queries}/{other.cold_queries}, warm/cold)",
                )

    def _verdict_import(self, timings) -> None:
        for what, seconds, _queries in timings:
            self._verdict(seconds < 10, f"register {what}: {seconds:.1f} s (target < 10 s)")

    def _verdict(self, ok: bool, text: str) -> None:
        style = self.style.SUCCESS if ok else self.style.ERROR
        self.stdout.write(style(("OK    " if ok else "OVER  ") + text))
