"""Write (or remove) a synthetic programme for performance measurements."""

import time

from django.core.management.base import BaseCommand, CommandError

from reports.loaddata import SCALES, analyze, load_data_clear, load_data_generate


class Command(BaseCommand):
    help = (
        "Skriver et syntetisk program til præstationsmålinger (nøgler med 'load-'); "
        "--clear fjerner det igen. Writes a synthetic programme for the bench."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), help="small eller large")
        parser.add_argument(
            "--clear", action="store_true", help="Fjern syntetiske data (og intet andet)."
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, scale=None, clear=False, seed=2026, **options):
        if not scale and not clear:
            raise CommandError("Angiv --scale small|large eller --clear.")
        started = time.perf_counter()
        removed = load_data_clear()
        if any(removed.values()):
            self.stdout.write("Fjernet: " + ", ".join(f"{k}: {v}" for k, v in removed.items() if v))
        if scale:
            counts = load_data_generate(scale=SCALES[scale], seed=seed)
            analyze()
            self.stdout.write(
                f"Syntetisk program ({scale}) skrevet: "
                + ", ".join(f"{k}: {v:,}".replace(",", ".") for k, v in counts.items())
            )
        self.stdout.write(f"Tid: {time.perf_counter() - started:.1f} s")
