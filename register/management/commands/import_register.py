from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.history import system_user_get
from core.imports import ImportRefused

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

    def key(self, change) -> str:
        return str(change.key)

    def run_import(self, *, data: bytes, filename: str, dry_run: bool):
        """The import itself; another app's command (import_medcom) replaces only this."""
        return register_import(
            data=data, filename=filename, user=system_user_get(), dry_run=dry_run
        )

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Filen {file} kan ikke læses: {error.strerror}.") from error
        try:
            result = self.run_import(data=data, filename=path.name, dry_run=dry_run)
        except ImportRefused as refused:
            for message in refused.errors:
                self.stderr.write(message)
            raise CommandError(
                f"{path.name} er ikke importeret ({len(refused.errors)} fejl); intet er gemt."
            ) from None
        for change in result.changes:
            if change.action == change.CREATE:
                self.stdout.write(f"Række {change.row.number}: {self.key(change)} oprettes")
            elif change.action == change.UPDATE:
                fields = ", ".join(change.fields)
                self.stdout.write(
                    f"Række {change.row.number}: {self.key(change)} ændres ({fields})"
                )
        summary = (
            f"{len(result.created)} oprettet, {len(result.updated)} ændret, "
            f"{len(result.unchanged)} uændret"
        )
        if dry_run:
            self.stdout.write(f"Prøvekørsel, intet gemt: {summary}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{path.name} importeret: {summary}."))
