"""A load test against gunicorn with production settings and the shared cache.

    python manage.py loadtest                      # small programme, 50 users, 60 s
    python manage.py loadtest --scale large --seconds 60

In the bench's own database (`BENCH_DATABASE_URL`, created and dropped as for
`bench`): writes the synthetic programme, makes 40 readers, 5 editors and 5
reporters of different parties, collects the static files into a temporary folder,
starts gunicorn on 127.0.0.1 exactly as production does (`deploy/gunicorn.conf.py`,
sized by WEB_CONCURRENCY and GUNICORN_THREADS as there; DEBUG=0; the cache at
`LOADTEST_CACHE_URL`, default redis://127.0.0.1:6379/1) and runs locust headless
(`bench/locustfile.py`) against it for `--seconds`. Prints the table per request
kind, the readers' and the writers' percentiles over all their requests, the
errors by kind, the load average of the machine during the run and, last,
`budget: all within` or `budget: over: ...` (readers' p95 <= 300 ms, writers' p95
<= 500 ms, no errors). Traffic goes to 127.0.0.1 only; locust stops by itself after
the run time.

Beside each kind's times as the users waited for them, the table gives the time the
server spent on the same requests (gunicorn's access log, `LOG_FORMAT`: each request
names its kind in a header), so a p95 that is the queue for a free thread shows apart
from one that is the page; and the CPU the load generator took of the same cores.

Before locust starts, the server is warmed as a running server is (`_warm_up`): each
page the readers read by name (dashboard, roadmap, timeline, trend and the activity
pages they pick from) and each writer's first pages once, from as many connections at once
as gunicorn has threads, so every process has its imports, templates and connections
and the shared cache what readers read. What is cold in production stays cold: every
past moment (a random minute of the last year) and every page an edit during the run
makes cold. `--cold-start` skips it (a server's first minute after a deploy with an
empty cache).
"""

import concurrent.futures
import csv
import json
import os
import resource
import runpy
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from bench.cleanup import load_data_regenerate
from bench.database import bench_database, bench_database_url
from bench.management.commands.bench import _log_in
from bench.tables import budget_line, header_write, percentile
from bench.writers import writer_user
from core.dates import today as today_get
from milestones.models import (
    Activity,
    DatePrecision,
    Milestone,
    ProgressUpdate,
    ReportingRound,
    RoundObligation,
)
from milestones.services.updates import EDITABLE_STATUSES
from parties.models import Membership, Party

GUNICORN_CONFIG = "deploy/gunicorn.conf.py"
USERS = {"readers": 40, "editors": 5, "reporters": 5}
MILESTONES_PER_EDITOR = 40
OBLIGATIONS_PER_REPORTER = 20
READER_P95_MS = 300
WRITER_P95_MS = 500
# When the run time is up, each user finishes the task under way (no new one starts) for
# up to this long: a request still waiting when locust stops its users is never counted,
# and those are the slow ones (with 5 s, as before, a loaded server's last requests of
# up to 50 users were left out of the percentiles).
STOP_SECONDS = 120
# gunicorn's access log during the run: the request's kind (the locustfile's NAME_HEADER),
# its status and the time the server spent on it in microseconds.
LOG_FORMAT = "loadtest|%({x-load-name}i)s|%(s)s|%(D)s"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _users(prefix: str, count: int, roles) -> list[str]:
    """`count` synthetic users with their membership, each logged in once (with the
    session confirmed by two-factor where their role needs it): their session keys
    (sessions live in the database, which gunicorn reads too). The load test measures
    pages and saves, not 50 password hashes at once."""
    sessions = []
    for n in range(count):
        user = writer_user(prefix, n, *roles(n))
        client = Client()
        _log_in(client, user)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return sessions


def _open_round() -> ReportingRound:
    """The round of this month (the one parties are filling in), else the latest."""
    period = today_get().replace(day=1)
    round_ = (
        ReportingRound.objects.filter(period=period).first()
        or ReportingRound.objects.order_by("-period").first()
    )
    if round_ is None:
        raise CommandError("Ingen rapporteringsrunde at gemme kladder i.")
    return round_


def _reporting_parties(round_: ReportingRound, count: int) -> list[tuple[Party, list[str]]]:
    """`count` parties with obligations in `round_` whose update can still be written
    (none yet, a draft or returned), each with the edit pages of those obligations."""
    done = set(
        ProgressUpdate.objects.filter(round=round_)
        .exclude(status__in=EDITABLE_STATUSES)
        .values_list("party_id", "activity_id")
    )
    by_party: dict[int, list[str]] = {}
    obligations = (
        RoundObligation.objects.filter(round=round_)
        .exclude(party__key__in=["sor-team", "sor-styregruppe"])
        .select_related("party", "activity")
        .order_by("party__key", "activity__key")
    )
    parties = {}
    for o in obligations:
        if (o.party_id, o.activity_id) in done:
            continue
        parties[o.party_id] = o.party
        by_party.setdefault(o.party_id, []).append(
            f"/plan/rapportering/{round_.period:%Y-%m}/{o.party.key}/{o.activity.key}/"
        )
    chosen = sorted(by_party, key=lambda pk: (-len(by_party[pk]), parties[pk].key))[:count]
    if len(chosen) < count:
        raise CommandError(
            f"Kun {len(chosen)} parter har åbne rapporteringspligter i runden {round_}; "
            f"der skal {count} til."
        )
    return [(parties[pk], by_party[pk][:OBLIGATIONS_PER_REPORTER]) for pk in chosen]


def _editor_milestones(count: int) -> list[dict[str, str]]:
    """For each of `count` editors, milestones of their own (open, with a forecast to the
    day), each mapped to its activity's key (where the save leads)."""
    rows = list(
        Milestone.objects.filter(
            key__startswith="load-",
            forecast_date__isnull=False,
            forecast_precision=DatePrecision.DAY,
            actual_date__isnull=True,
        )
        .exclude(status__in=[Milestone.Status.DONE, Milestone.Status.CANCELLED])
        .order_by("key")
        .values_list("key", "activity__key")[: count * MILESTONES_PER_EDITOR]
    )
    if len(rows) < count:
        raise CommandError("For få åbne milepæle med en forventet dato at flytte.")
    return [dict(rows[n::count]) for n in range(count)]


def gunicorn_sizing(env: dict) -> dict:
    """The serving model `deploy/gunicorn.conf.py` gives in `env` (as production reads it)."""
    saved = {k: os.environ.get(k) for k in ("WEB_CONCURRENCY", "GUNICORN_THREADS")}
    try:
        for k in saved:
            if env.get(k) is not None:
                os.environ[k] = env[k]
        config = runpy.run_path(str(settings.BASE_DIR / GUNICORN_CONFIG))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return {k: config[k] for k in ("worker_class", "workers", "threads")}


class _LoadSampler:
    """The machine's 1-minute load average, every few seconds while the test runs
    (the machine may be shared: the figures mean little when it is loaded)."""

    def __init__(self, every: float = 5.0):
        self.every, self.samples = every, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.samples.append(os.getloadavg()[0])
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def line(self) -> str:
        s = self.samples or [os.getloadavg()[0]]
        return (
            f"load average (1 min) during the run: min {min(s):.1f}, mean "
            f"{statistics.fmean(s):.1f}, max {max(s):.1f} on {os.cpu_count()} cores"
        )


def _children_cpu() -> float:
    """CPU seconds (user and system) of this process's children that have ended."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_times(log_path: Path, start: int = 0) -> dict[str, list[float]]:
    """The milliseconds gunicorn spent on each request, by the kind the request named
    (`LOG_FORMAT` lines of its access log from byte `start`; others are left out)."""
    times: dict[str, list[float]] = {}
    with log_path.open("rb") as log:
        log.seek(start)
        for raw in log:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            _head, marker, rest = line.partition("loadtest|")
            if not marker:
                continue
            name, _status, micros = (rest.rsplit("|", 2) + ["", "", ""])[:3]
            if name in ("", "-") or not micros.isdigit():
                continue
            times.setdefault(name, []).append(int(micros) / 1000)
    return times


def _served(times: list[float] | None) -> str:
    """The server's p50 and p95 for the table's row, or nothing if none were logged."""
    if not times:
        return ""
    return f" | {percentile(times, 50):>10.0f} {percentile(times, 95):>6.0f}"


class Command(BaseCommand):
    help = "Belastningstest: 50 brugere mod gunicorn med produktionsindstillinger (egen database)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="small")
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--keep", action="store_true")
        parser.add_argument("--no-generate", action="store_true")
        parser.add_argument(
            "--cold-start",
            action="store_true",
            help="Ingen opvarmning: en tom cache og nystartede processer (som lige efter "
            "en udrulning).",
        )

    def handle(self, *args, scale="small", seconds=60, keep=False, **options):
        with bench_database(keep=keep, create=not options["no_generate"], stdout=self.stdout):
            if not options["no_generate"]:
                self.stdout.write(load_data_regenerate(scale))
            plan = self._plan()
            self._run(plan, seconds, warm=not options["cold_start"])

    def _plan(self) -> dict:
        steering = Party.objects.get(key="sor-styregruppe")
        team = Party.objects.get(key="sor-team")
        round_ = _open_round()
        reporting = _reporting_parties(round_, USERS["reporters"])
        editor_milestones = _editor_milestones(USERS["editors"])
        R = Membership.Role
        editors = _users("editor", USERS["editors"], lambda n: (team, R.EDITOR))
        reporters = _users("reporter", USERS["reporters"], lambda n: (reporting[n][0], R.REPORTER))
        self.stdout.write(
            f"Runde {round_.period:%Y-%m}; rapporterende parter: "
            + ", ".join(party.key for party, _edits in reporting)
        )
        return {
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "readers": _users("reader", USERS["readers"], lambda n: (steering, R.STEERING)),
            "editors": [
                {"session": s, "milestones": list(m), "activity_of": m}
                for s, m in zip(editors, editor_milestones, strict=True)
            ],
            "reporters": [
                {"session": s, "party": party.key, "edits": edits}
                for s, (party, edits) in zip(reporters, reporting, strict=True)
            ],
            "activities": list(
                Activity.objects.filter(key__startswith="load-")
                .order_by("key")
                .values_list("key", flat=True)[:200]
            ),
        }

    def _run(self, plan: dict, seconds: int, warm: bool = True) -> None:
        port = _free_port()
        cache_url = os.environ.get("LOADTEST_CACHE_URL", "redis://127.0.0.1:6379/1")
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "DEBUG": "0",
                "DATABASE_URL": bench_database_url(),
                "CACHE_URL": cache_url,
                # The sessions were made in this process: gunicorn must sign with its key.
                "SECRET_KEY": settings.SECRET_KEY,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "STATIC_ROOT": str(Path(tmp) / "static"),
                "SECURE_SSL_REDIRECT": "0",
                "SESSION_COOKIE_SECURE": "0",
                "CSRF_COOKIE_SECURE": "0",
                "LOADTEST_PLAN": json.dumps(plan),
                "LOADTEST_SAMPLES": str(Path(tmp) / "samples.json"),
            }
            manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
            subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
            subprocess.run(
                [*manage, "shell", "-c", "from django.core.cache import cache; cache.clear()"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            log_path = Path(tmp) / "gunicorn.log"
            with log_path.open("w") as log:
                server = subprocess.Popen(
                    [
                        str(Path(sys.executable).with_name("gunicorn")),
                        "sorplan.wsgi:application",
                        "--config",
                        GUNICORN_CONFIG,
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--access-logformat",
                        LOG_FORMAT,
                    ],
                    env=env,
                    cwd=settings.BASE_DIR,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            sizing = gunicorn_sizing(env)
            try:
                self._wait(port, sizing["workers"])
                if warm:
                    self._warm_up(port, plan, sizing)
                else:
                    self.stdout.write("No warm-up (--cold-start): an empty cache, new processes.")
                prefix = str(Path(tmp) / "locust")
                log_start = log_path.stat().st_size
                locust_cpu = _children_cpu()
                with _LoadSampler() as load:
                    subprocess.run(
                        [
                            str(Path(sys.executable).with_name("locust")),
                            "-f",
                            str(Path(__file__).resolve().parents[2] / "locustfile.py"),
                            "--headless",
                            "--users",
                            str(sum(USERS.values())),
                            "--spawn-rate",
                            "10",
                            "--run-time",
                            f"{seconds}s",
                            "--host",
                            f"http://127.0.0.1:{port}",
                            "--csv",
                            prefix,
                            "--only-summary",
                            "--stop-timeout",
                            str(STOP_SECONDS),
                        ],
                        env=env,
                        check=False,
                        timeout=seconds + STOP_SECONDS + 120,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                locust_cpu = _children_cpu() - locust_cpu
                served = server_times(log_path, log_start)
                self._report(Path(prefix), Path(env["LOADTEST_SAMPLES"]), sizing, seconds, served)
                self.stdout.write(load.line())
                self.stdout.write(
                    f"the load generator (locust) used {locust_cpu:.1f} s of CPU in the "
                    f"{seconds} s ({locust_cpu / seconds / (os.cpu_count() or 1):.0%} of the "
                    "machine's cores), taken from what the server could use"
                )
                self._budget()
            finally:
                server.terminate()
                try:
                    server.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
                errors = [
                    line
                    for line in log_path.read_text(errors="replace").splitlines()
                    if "[ERROR]" in line or "Traceback" in line
                ]
                for line in errors[:10]:
                    self.stderr.write(f"gunicorn: {line}")

    def _wait(self, port: int, workers: int) -> None:
        """Until gunicorn answers, then a few requests per worker: the test measures a
        running server, not its processes' first imports."""
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise CommandError("gunicorn startede ikke.")
        for _ in range(3 * workers):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/konto/log-ind/", timeout=120
                ) as answer:
                    answer.read()
            except urllib.error.HTTPError as error:
                raise CommandError(f"gunicorn svarede {error.code} på log-ind-siden.") from error

    def _warm_up(self, port: int, plan: dict, sizing: dict) -> None:
        """The pages the users read by name, each once, and the fixed ones once per thread
        of every process, from as many connections as gunicorn has threads (a reader's or
        the writer's own session): a running server's processes and cache. Past moments
        are left cold (each user asks a random one)."""
        concurrency = sizing["workers"] * sizing["threads"]
        reader = plan["readers"][0]
        fixed = ["/", "/plan/", "/tidslinje/", "/trend/"]
        asks = [(reader, url) for url in fixed for _ in range(concurrency)]
        asks += [(reader, f"/plan/aktiviteter/{key}/") for key in plan["activities"]]
        for editor in plan["editors"]:
            asks += [(editor["session"], f"/plan/milepaele/{editor['milestones'][0]}/hurtig/")]
        for reporter in plan["reporters"]:
            asks += [(reporter["session"], "/plan/rapportering/")]
            asks += [(reporter["session"], reporter["edits"][0])]
        cookie = plan["session_cookie"]

        def ask(session_url):
            session, url = session_url
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{url}", headers={"Cookie": f"{cookie}={session}"}
            )
            with urllib.request.urlopen(request, timeout=300) as answer:
                answer.read()
                return answer.status

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
            statuses = list(pool.map(ask, asks))
        if any(status != 200 for status in statuses):
            raise CommandError(f"Opvarmningen fik svar {sorted(set(statuses))}.")
        self.stdout.write(
            f"Warm-up: {len(asks)} requests ({len(plan['activities'])} activity pages, the "
            f"writers' pages, the fixed pages once per thread) in "
            f"{time.perf_counter() - started:.1f} s; past moments left cold."
        )

    def _report(
        self, prefix: Path, samples_path: Path, sizing: dict, seconds: int, served=None
    ) -> None:
        served = served or {}
        rows = list(csv.DictReader(Path(f"{prefix}_stats.csv").open()))
        self.stdout.write(
            f"{sum(USERS.values())} users, {seconds} s, gunicorn {sizing['workers']} "
            f"{sizing['worker_class']} workers x {sizing['threads']} threads "
            f"({GUNICORN_CONFIG}), shared cache"
        )
        rule = header_write(
            self.stdout,
            f"{'request':<42} {'count':>6} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
            f" | {'server p50':>10} {'p95':>6}",
        )
        self.over, errors = [], 0
        for r in rows:
            if r["Name"] == "Aggregated":
                continue
            self.stdout.write(
                f"{r['Name']:<42} {r['Request Count']:>6} {r['Failure Count']:>5} "
                f"{float(r['50%'] or 0):>7.0f} {float(r['95%'] or 0):>7.0f} "
                f"{float(r['Max Response Time'] or 0):>7.0f}{_served(served.get(r['Name']))}"
            )
            errors += int(r["Failure Count"])
        # The budget is per group, over every request of the group (exact, from the samples).
        samples = json.loads(samples_path.read_text()) if samples_path.exists() else []
        self.stdout.write(rule)
        for kind, label, budget in (
            ("read", "readers (all their requests)", READER_P95_MS),
            ("write", "writers (all their requests)", WRITER_P95_MS),
        ):
            times = [t for name, t, _ok in samples if name.split(":")[0] == kind]
            failed = sum(1 for name, _t, ok in samples if name.split(":")[0] == kind and not ok)
            if not times:
                self.over.append(f"no {kind} requests measured")
                continue
            p95 = percentile(times, 95)
            on_server = [t for name, ts in served.items() if name.split(":")[0] == kind for t in ts]
            self.stdout.write(
                f"{label:<42} {len(times):>6} {failed:>5} {percentile(times, 50):>7.0f} "
                f"{p95:>7.0f} {max(times):>7.0f}{_served(on_server)}"
            )
            if p95 > budget:
                self.over.append(f"{kind} p95 {p95:.0f} ms > {budget}")
        failures_path = Path(f"{prefix}_failures.csv")
        if failures_path.exists():
            for f in list(csv.DictReader(failures_path.open()))[:10]:
                self.stdout.write(f"error: {f['Name']}: {f['Error']} ({f['Occurrences']}x)")
        if errors:
            self.over.append(f"{errors} errors")

    def _budget(self) -> None:
        self.stdout.write(budget_line(self.over, "; "))
