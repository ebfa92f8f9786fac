"""Store the past moments' figures ahead (`reports.moment_store`), as the daily beat task
does for the day just ended: every state of each day back from yesterday."""

from django.core.management.base import BaseCommand, CommandError

from reports import moment_store


class Command(BaseCommand):
    help = (
        "Gemmer overblikkets tal og 'Kan SHAK slukkes?' for hver tilstand af dagene fra i går "
        "og --days dage tilbage (fx --days 400), så et tidligere tidspunkt ikke beregnes igen. "
        "Stores the past moments' figures ahead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=400, help="Antal dage tilbage (400).")
        parser.add_argument(
            "--languages",
            default="",
            help="Sprog, kommasepareret (fx da,en); standard: sitets sprog.",
        )

    def handle(self, *args, days, languages, **options):
        if days < 1:
            raise CommandError("--days skal være mindst 1.")
        line = moment_store.backfill(days, languages=[x for x in languages.split(",") if x] or None)
        self.stdout.write(line)
