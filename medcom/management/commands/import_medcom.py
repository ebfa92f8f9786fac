from functools import partial

from core.history import system_user_get
from core.imports.pages import command_import
from parties.access import Access
from register.management.commands.import_register import Command as RegisterImportCommand

from ...imports import medcom_import


class Command(RegisterImportCommand):
    help = (
        "Importér MedComs certificeringsmatrix fra et regneark (.xlsx eller .csv) med "
        "SOR-teamets ret (alle rækker). Alt eller intet; med --dry-run vises kun, hvad der "
        "ville ændres."
    )

    def handle(self, *args, file, dry_run, **options):
        run = partial(medcom_import, access=Access(is_authenticated=True, is_superuser=True))
        command_import(self, run=run, file=file, user=system_user_get(), dry_run=dry_run)
