"""Write a synthetic programme into the bench's own database (never the configured one)."""

import time

from django.core.management.base import BaseCommand, CommandError

from bench.cleanup import analyze, load_data_clear, load_data_write, moments_store
from bench.database import bench_database, bench_database_url, bench_settings, database_exists
from bench.loaddata import SCALES


class Command(BaseCommand):
    help = (
        "Skriver et syntetisk program til præstationsmålinger i benchmarkens egen database "
        "(BENCH_DATABASE_URL), aldrig i den konfigurerede; --clear sletter den igen. "
        "Writes a synthetic programme into the bench database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), help="tiny, small eller large")
        parser.add_argument(
            "--clear", action="store_true", help="Slet benchmarkens database (kun syntetiske data)."
        )
        parser.add_argument(
            "--keep", action="store_true", help="Behold databasen bagefter (ellers slettes den)."
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, scale=None, clear=False, keep=False, seed=2026, **options):
        if not scale and not clear:
            raise CommandError("Angiv --scale tiny|small|large eller --clear.")
        started = time.perf_counter()
        if clear and not scale:
            config = bench_settings()
            if not database_exists(config):
                self.stdout.write(f"Databasen {config['NAME']} findes ikke; intet at slette.")
                return
            with bench_database(keep=False, create=False, stdout=self.stdout):
                pass
            self.stdout.write(f"Databasen {config['NAME']} er slettet.")
            return
        with bench_database(keep=keep, stdout=self.stdout) as config:
            removed = load_data_clear()
            if any(removed.values()):
                self.stdout.write(
                    "Fjernet: " + ", ".join(f"{k}: {v}" for k, v in removed.items() if v)
                )
            # Rated as it is written, or the pages would find no materialised status.
            counts = load_data_write(SCALES[scale], seed=seed)
            analyze()
            self.stdout.write(
                f"Syntetisk program ({scale}) skrevet i {config['NAME']}: "
                + ", ".join(f"{k}: {v:,}".replace(",", ".") for k, v in counts.items())
            )
            # What the readers ask at random days over a year, stored ahead.
            self.stdout.write(moments_store(SCALES[scale]))
        if keep:
            self.stdout.write(f"Databasen er beholdt: DATABASE_URL={bench_database_url()}")
        self.stdout.write(f"Tid: {time.perf_counter() - started:.1f} s")
