"""Rebuild the materialised status (every milestone's RAG and every roll-up) from the rule.

    python manage.py status_rebuild [--history]

Writes only rows that differ (roll-ups with a history row); safe to run at any time.
Then runs the rebuilds the apps above `milestones` name in `STATUS_REBUILD_EXTRA`
(the register's readiness: `register.readiness.readiness_rebuild`). With `--history`,
the ratings' history is written again from the plan's too (`status_history_backfill`).
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from milestones.services.status import status_rebuild
from milestones.services.status_history import status_history_backfill


class Command(BaseCommand):
    help = "Genberegner den materialiserede status (milepæle og samlede statusser) efter reglen."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history",
            action="store_true",
            help="Genskab også statushistorikken fra planens historik.",
        )

    def handle(self, *args, history=False, **options):
        written = status_rebuild()
        if history:
            counts = status_history_backfill()
            self.stdout.write(
                f"Statushistorik: {counts['versions']} versioner læst, "
                f"{counts['ratings']} vurderinger skrevet."
            )
        self.stdout.write(
            f"Materialiseret status: {written['ratings']} milepæle og "
            f"{written['rollups']} samlede statusser skrevet."
        )
        for rebuild in getattr(settings, "STATUS_REBUILD_EXTRA", ()):
            self.stdout.write(f"{rebuild}: {import_string(rebuild)()} rækker skrevet.")
