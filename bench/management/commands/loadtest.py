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
"""

import csv
import json
import os
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
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from bench.cleanup import load_data_regenerate
from bench.database import bench_database, bench_database_url
from bench.management.commands.bench import _log_in
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _users(prefix: str, count: int, roles) -> list[str]:
    """`count` synthetic users with their membership, each logged in once (with the
    session confirmed by two-factor where their role needs it): their session keys
    (sessions live in the database, which gunicorn reads too). The load test measures
    pages and saves, not 50 password hashes at once."""
    User = get_user_model()
    sessions = []
    for n in range(count):
        user, _created = User.objects.get_or_create(username=f"load-{prefix}-{n + 1:02d}")
        party, role = roles(n)
        Membership.objects.get_or_create(user=user, party=party, role=role)
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


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, nearest rank (as locust reports it)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


class Command(BaseCommand):
    help = "Belastningstest: 50 brugere mod gunicorn med produktionsindstillinger (egen database)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="small")
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--keep", action="store_true")
        parser.add_argument("--no-generate", action="store_true")

    def handle(self, *args, scale="small", seconds=60, keep=False, **options):
        with bench_database(keep=keep, create=not options["no_generate"], stdout=self.stdout):
            if not options["no_generate"]:
                self.stdout.write(load_data_regenerate(scale))
            plan = self._plan()
            self._run(plan, seconds)

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

    def _run(self, plan: dict, seconds: int) -> None:
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
                    ],
                    env=env,
                    cwd=settings.BASE_DIR,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            sizing = gunicorn_sizing(env)
            try:
                self._wait(port, sizing["workers"])
                prefix = str(Path(tmp) / "locust")
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
                            "5",
                        ],
                        env=env,
                        check=False,
                        timeout=seconds + 120,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                self._report(Path(prefix), Path(env["LOADTEST_SAMPLES"]), sizing, seconds)
                self.stdout.write(load.line())
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

    def _report(self, prefix: Path, samples_path: Path, sizing: dict, seconds: int) -> None:
        rows = list(csv.DictReader(Path(f"{prefix}_stats.csv").open()))
        self.stdout.write(
            f"{sum(USERS.values())} users, {seconds} s, gunicorn {sizing['workers']} "
            f"{sizing['worker_class']} workers x {sizing['threads']} threads "
            f"({GUNICORN_CONFIG}), shared cache"
        )
        header = (
            f"{'request':<42} {'count':>6} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        self.over, errors = [], 0
        for r in rows:
            if r["Name"] == "Aggregated":
                continue
            self.stdout.write(
                f"{r['Name']:<42} {r['Request Count']:>6} {r['Failure Count']:>5} "
                f"{float(r['50%'] or 0):>7.0f} {float(r['95%'] or 0):>7.0f} "
                f"{float(r['Max Response Time'] or 0):>7.0f}"
            )
            errors += int(r["Failure Count"])
        # The budget is per group, over every request of the group (exact, from the samples).
        samples = json.loads(samples_path.read_text()) if samples_path.exists() else []
        self.stdout.write("-" * len(header))
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
            self.stdout.write(
                f"{label:<42} {len(times):>6} {failed:>5} {percentile(times, 50):>7.0f} "
                f"{p95:>7.0f} {max(times):>7.0f}"
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
        self.stdout.write(
            "budget: all within" if not self.over else "budget: over: " + "; ".join(self.over)
        )
