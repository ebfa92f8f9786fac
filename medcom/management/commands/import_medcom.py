from core.history import system_user_get
from parties.access import Access
from register.management.commands.import_register import Command as RegisterImportCommand

from ...imports import medcom_import


class Command(RegisterImportCommand):
    help = (
        "Importér MedComs certificeringsmatrix fra et regneark (.xlsx eller .csv) med "
        "SOR-teamets ret (alle rækker). Alt eller intet; med --dry-run vises kun, hvad der "
        "ville ændres."
    )

    def key(self, change) -> str:
        return " / ".join(map(str, change.key))

    def run_import(self, *, data: bytes, filename: str, dry_run: bool):
        return medcom_import(
            data=data,
            filename=filename,
            user=system_user_get(),
            access=Access(is_authenticated=True, is_superuser=True),
            dry_run=dry_run,
        )
