"""A load test against gunicorn with production settings and the shared cache.

    python manage.py loadtest                      # small programme, 50 users, 60 s
    python manage.py loadtest --scale large --seconds 60

In the bench's own database (`BENCH_DATABASE_URL`, created and dropped as for
`bench`): writes the synthetic programme, makes 40 readers, 5 editors and 5
reporters of different parties, collects the static files into a temporary folder,
starts gunicorn on 127.0.0.1 (DEBUG=0, `--workers`, the cache at
`LOADTEST_CACHE_URL`, default redis://127.0.0.1:6379/1) and runs locust headless
(`bench/locustfile.py`) against it for `--seconds`. Prints the table per request
kind and, last, `budget: all within` or `budget: over: ...` (readers' p95 <= 300 ms,
writers' p95 <= 500 ms, no errors). Traffic goes to 127.0.0.1 only; locust stops by
itself after the run time.
"""

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from bench.cleanup import load_data_regenerate
from bench.database import bench_database, bench_database_url
from milestones.models import Activity, Milestone
from parties.models import Membership, Party

READER_P95_MS = 300
WRITER_P95_MS = 500


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _users(prefix: str, count: int, roles) -> list[str]:
    """`count` synthetic users with their membership, each logged in once: their
    session keys (sessions live in the database, which gunicorn reads too). The load
    test measures pages and saves, not 50 password hashes at once."""
    User = get_user_model()
    sessions = []
    for n in range(count):
        user, _created = User.objects.get_or_create(username=f"load-{prefix}-{n + 1:02d}")
        party, role = roles(n)
        Membership.objects.get_or_create(user=user, party=party, role=role)
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return sessions


class Command(BaseCommand):
    help = "Belastningstest: 50 brugere mod gunicorn med produktionsindstillinger (egen database)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="small")
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--workers", type=int, default=5)
        parser.add_argument("--keep", action="store_true")
        parser.add_argument("--no-generate", action="store_true")

    def handle(self, *args, scale="small", seconds=60, workers=5, keep=False, **options):
        with bench_database(keep=keep, create=not options["no_generate"], stdout=self.stdout):
            if not options["no_generate"]:
                self.stdout.write(load_data_regenerate(scale))
            plan = self._plan()
            self._run(plan, seconds, workers)

    def _plan(self) -> dict:
        steering = Party.objects.get(key="sor-styregruppe")
        team = Party.objects.get(key="sor-team")
        reporting = list(
            Party.objects.filter(responsible_activities__isnull=False)
            .exclude(key__in=["sor-team", "sor-styregruppe"])
            .distinct()
            .order_by("key")[:5]
        )
        if not reporting:
            raise CommandError("Ingen parter med aktiviteter at rapportere for.")
        R = Membership.Role
        return {
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "readers": _users("reader", 40, lambda n: (steering, R.STEERING)),
            "editors": _users("editor", 5, lambda n: (team, R.EDITOR)),
            "reporters": _users(
                "reporter", 5, lambda n: (reporting[n % len(reporting)], R.REPORTER)
            ),
            "activities": list(
                Activity.objects.filter(key__startswith="load-")
                .order_by("key")
                .values_list("key", flat=True)[:200]
            ),
            "milestones": list(
                Milestone.objects.filter(key__startswith="load-", forecast_date__isnull=False)
                .order_by("key")
                .values_list("key", flat=True)[:200]
            ),
        }

    def _run(self, plan: dict, seconds: int, workers: int) -> None:
        port = _free_port()
        cache_url = os.environ.get("LOADTEST_CACHE_URL", "redis://127.0.0.1:6379/1")
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "DEBUG": "0",
                "DATABASE_URL": bench_database_url(),
                "CACHE_URL": cache_url,
                "SECRET_KEY": os.environ.get("SECRET_KEY", "loadtest-only-not-a-secret"),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "STATIC_ROOT": str(Path(tmp) / "static"),
                "SECURE_SSL_REDIRECT": "0",
                "SESSION_COOKIE_SECURE": "0",
                "CSRF_COOKIE_SECURE": "0",
                "LOADTEST_PLAN": json.dumps(plan),
            }
            manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
            subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
            subprocess.run(
                [*manage, "shell", "-c", "from django.core.cache import cache; cache.clear()"],
                env=env,
                check=True,
            )
            server = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    "sorplan.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers),
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=settings.BASE_DIR,
            )
            try:
                self._wait(port)
                prefix = str(Path(tmp) / "locust")
                subprocess.run(
                    [
                        str(Path(sys.executable).with_name("locust")),
                        "-f",
                        str(Path(__file__).resolve().parents[2] / "locustfile.py"),
                        "--headless",
                        "--users",
                        "50",
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
                )
                self._report(Path(prefix + "_stats.csv"), workers, seconds)
            finally:
                server.terminate()
                server.wait(timeout=30)

    def _wait(self, port: int) -> None:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise CommandError("gunicorn startede ikke.")

    def _report(self, path: Path, workers: int, seconds: int) -> None:
        rows = list(csv.DictReader(path.open()))
        header = (
            f"{'request':<40} {'count':>6} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
        )
        self.stdout.write(f"50 users, {seconds} s, gunicorn {workers} sync workers, shared cache")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        over, errors = [], 0
        kinds = {r["Name"].split(":")[0] for r in rows}
        for kind in ("read", "write"):
            if kind not in kinds:
                over.append(f"no {kind} requests measured")
        group: dict[str, list] = {"read": [], "write": []}
        for r in rows:
            name = r["Name"]
            if name == "Aggregated":
                continue
            p95 = float(r["95%"] or 0)
            self.stdout.write(
                f"{name:<40} {r['Request Count']:>6} {r['Failure Count']:>5} "
                f"{float(r['50%'] or 0):>7.0f} {p95:>7.0f} {float(r['Max Response Time'] or 0):>7.0f}"
            )
            errors += int(r["Failure Count"])
            kind = name.split(":")[0]
            if kind in group:
                group[kind].append((name, p95))
        for kind, budget in (("read", READER_P95_MS), ("write", WRITER_P95_MS)):
            for name, p95 in group[kind]:
                if p95 > budget:
                    over.append(f"{name} p95 {p95:.0f} ms > {budget}")
        if errors:
            over.append(f"{errors} errors")
        self.stdout.write("budget: all within" if not over else "budget: over: " + "; ".join(over))
