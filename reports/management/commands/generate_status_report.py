"""Make the monthly status report by hand, as the beat task does on the first working day."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.history import system_user_get
from reports import services


class Command(BaseCommand):
    help = (
        "Laver kladden til statusrapporten for en måned (fx --period 2026-10); "
        "--publish fastfryser og sender den; --output gemmer PDF'en i en fil."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="Måneden, fx 2026-10.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publicér: fastfrys tal og PDF og send rapporten til styregruppen.",
        )
        parser.add_argument("--output", help="Skriv PDF'en til denne fil.")
        parser.add_argument(
            "--notify", action="store_true", help="Send SOR-teamet besked om en ny kladde."
        )

    def handle(self, *args, period, publish, output, notify, **options):
        try:
            day = services.report_period_parse(period)
            system = system_user_get()
            report, created = services.status_report_generate(
                period=day, user=system, notify=notify
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"{report}: {'kladde lavet' if created else 'findes allerede'} ({report.get_status_display()})."
        )
        if publish:
            report, published_now = services.status_report_publish(report_id=report.pk, user=system)
            self.stdout.write(
                f"Publiceret {report.published_at:%Y-%m-%d %H:%M}, SHA-256 {report.pdf_sha256}."
                if published_now
                else "Rapporten var allerede publiceret."
            )
        if output:
            content = services.status_report_pdf(report)
            Path(output).write_bytes(content)
            self.stdout.write(f"PDF skrevet til {output} ({len(content)} bytes).")
