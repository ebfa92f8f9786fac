"""Write the ratings' history again from the plan's history and mark it complete.

    python manage.py status_history_backfill

Idempotent (the history is replaced in one transaction). Run it once after the
migration that gave the ratings history, or whenever it has a gap (the daily
re-rating runs it itself after a day it missed); until then a past moment is
replayed by the rule.
"""

import time

from django.core.management.base import BaseCommand

from milestones.services.status_history import status_history_backfill


class Command(BaseCommand):
    help = "Genskaber historikken for den materialiserede status fra planens historik."

    def handle(self, *args, **options):
        started = time.perf_counter()
        counts = status_history_backfill()
        self.stdout.write(
            f"Statushistorik: {counts['versions']} versioner læst, "
            f"{counts['ratings']} vurderinger skrevet ({time.perf_counter() - started:.1f} s)."
        )
