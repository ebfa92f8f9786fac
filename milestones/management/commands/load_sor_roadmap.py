from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from core.history import system_user_get

from ...loader import sor_roadmap_load


class Command(BaseCommand):
    help = "Indlæs SOR-planen (begge planversioner) fra kildedata i repoet. Kan køres igen uden ændringer."

    def handle(self, *args, **options):
        result = sor_roadmap_load(user=system_user_get())
        for loader in settings.SOR_ROADMAP_EXTRA_LOADERS:  # e.g. the register's seed facts
            result.created_or_changed.update(import_string(loader)(user=system_user_get()))
        if not result.total:
            self.stdout.write("SOR-planen er allerede indlæst; intet ændret.")
            return
        details = ", ".join(f"{label}: {n}" for label, n in result.created_or_changed.items())
        self.stdout.write(self.style.SUCCESS(f"SOR-planen indlæst ({details})."))
