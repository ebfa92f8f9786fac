import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.history import system_user_get

from ...dates import format_plan_date
from ...models import DatePrecision, Milestone
from ...services.plan import milestone_forecast_set


class Command(BaseCommand):
    help = (
        "Flyt en milepæls forventede dato fra kommandolinjen. Ændringen gemmes i historikken "
        "med begrundelsen og brugeren (systembrugeren, hvis --user ikke er angivet)."
    )

    def add_arguments(self, parser):
        parser.add_argument("key", help="Milepælens nøgle, fx 'sorls-i-drift-paa-nsp'.")
        parser.add_argument("date", help="Ny forventet dato, ÅÅÅÅ-MM-DD.")
        parser.add_argument(
            "--precision",
            choices=DatePrecision.values,
            default=DatePrecision.DAY,
            help="Datoens præcision (standard: day).",
        )
        parser.add_argument("--reason", required=True, help="Begrundelse (kræves).")
        parser.add_argument("--user", help="Brugernavn, som ændringen skal stå på.")

    def handle(self, *args, key, date, precision, reason, user=None, **options):
        try:
            when = datetime.date.fromisoformat(date)
        except ValueError as error:
            raise CommandError(f"Ugyldig dato '{date}': skriv den som ÅÅÅÅ-MM-DD.") from error
        milestone = Milestone.objects.filter(key=key).first()
        if milestone is None:
            raise CommandError(f"Ingen milepæl med nøglen '{key}'.")
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"Ingen bruger med brugernavnet '{user}'.")
        else:
            actor = system_user_get()
        try:
            milestone, changed = milestone_forecast_set(
                milestone_id=milestone.pk,
                version=milestone.version,
                forecast_date=when,
                forecast_precision=precision,
                user=actor,
                reason=reason,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        if not changed:
            self.stdout.write("Datoen var allerede sat; intet ændret.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{milestone.title}: forventet {format_plan_date(milestone.forecast_date, milestone.forecast_precision)}"
                f" (version {milestone.version})."
            )
        )
