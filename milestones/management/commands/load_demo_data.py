from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from core.history import system_user_get

from ...demo import DEMO_PASSWORD, demo_data_load, demo_users_create


class Command(BaseCommand):
    help = "Indlæs illustrative demodata og demobrugere (kun til udvikling)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Kør også uden DEBUG (fx på en demoserver). Aldrig i produktion.",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demodata indlæses kun med DEBUG slået til. Brug --force, hvis du virkelig "
                "vil have demobrugere med kendt adgangskode på denne server."
            )
        system = system_user_get()
        users = demo_users_create(by=system)
        counts = demo_data_load(by=system)
        for loader in settings.DEMO_DATA_EXTRA_LOADERS:  # e.g. the register's demo inventory
            counts.update(import_string(loader)(by=system))
        changed = ", ".join(f"{k}: {v}" for k, v in counts.items() if v)
        self.stdout.write(self.style.SUCCESS(f"Demodata klar ({changed or 'intet nyt'})."))
        self.stdout.write("")
        self.stdout.write(f"Demobrugere (adgangskode for alle: {DEMO_PASSWORD}):")
        for user in users:
            self.stdout.write(f"  {user.username:<12} {user.description}")
