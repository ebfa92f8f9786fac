from django.core.management.base import BaseCommand

from core.history import system_user_get
from core.imports.pages import command_import

from ...imports import register_import


class Command(BaseCommand):
    help = (
        "Importér SHAK-afhængighedsregisteret fra et regneark (.xlsx eller .csv). "
        "Alt eller intet; med --dry-run vises kun, hvad der ville ændres."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Sti til .xlsx- eller .csv-filen")
        parser.add_argument(
            "--dry-run", action="store_true", help="Vis hvad der ændres, uden at gemme"
        )

    def handle(self, *args, file, dry_run, **options):
        command_import(
            self, run=register_import, file=file, user=system_user_get(), dry_run=dry_run
        )
