"""Time the monthly status report at scale, against WeasyPrint rendering a plain
document with the same number of pages.

    python manage.py bench_report                 # writes the large synthetic programme first
    python manage.py bench_report --no-generate   # measure a bench database kept with --keep

Like `bench`, it runs in the bench's own database (`BENCH_DATABASE_URL`), never
the configured one.

Prints, for the report of last month: seconds and peak memory to build the
figures (the selectors, in this process; memory by tracemalloc in a second run), seconds and
peak resident memory to render the PDF (in the memory-capped child process the
app uses), the page count and size, and the same render figures for a plain
document of as many pages (paragraphs of text, the same fonts), with the ratio.
Nothing is stored: the report is built and rendered, not generated or published.
"""

import io
import time
import tracemalloc

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from bench.cleanup import load_data_regenerate
from bench.database import bench_database
from core import pdf as pdf_render
from reports import services
from reports.models import StatusReport

PLAIN_PAGE = (
    "<h2>Side {n}</h2>"
    + "<p>Sundhedsvæsenets Organisationsregister erstatter SHAK i alle systemer, registre, "
    "meddelelser og indberetninger. Parterne følger hver deres tidsplan, og styregruppen "
    "følger fremdriften måned for måned.</p>" * 9
)


def plain_html(pages: int) -> str:
    """A plain document of about `pages` A4 pages: headings and paragraphs, the report's font."""
    body = "".join(
        f'<section style="break-before: page">{PLAIN_PAGE.format(n=n)}</section>'
        for n in range(1, pages + 1)
    )
    fonts = (
        '@font-face { font-family: "IBM Plex Sans"; src: url("vendor/dkfds-11.2.0/fonts/'
        'IBMPlexSans/complete/ttf/IBMPlexSans-Regular.ttf"); }'
    )
    return (
        f'<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"><style>{fonts}'
        "@page { size: A4; margin: 22mm 16mm 20mm; @bottom-right { content: counter(page); } }"
        'html { font-family: "IBM Plex Sans"; font-size: 9.5pt; }</style></head>'
        f"<body>{body}</body></html>"
    )


class Command(BaseCommand):
    help = "Måler statusrapporten (tal og PDF) ved stor skala mod et almindeligt dokument."

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="large", help="small eller large")
        parser.add_argument(
            "--no-generate",
            action="store_true",
            help="Mål de data, der er; skriv ikke et syntetisk program.",
        )
        parser.add_argument(
            "--keep", action="store_true", help="Behold benchmarkens database bagefter."
        )
        parser.add_argument("--output", help="Gem rapportens PDF i denne fil.")

    def handle(self, *args, scale="large", no_generate=False, keep=False, output=None, **kw):
        # Inside `bench` this is the same bench database; on its own, its own run of it.
        with bench_database(keep=keep, create=not no_generate, stdout=self.stdout):
            self.stdout.write(
                f"Database: {connection.vendor} ({settings.DATABASES['default']['NAME']})"
            )
            if not no_generate:
                self.stdout.write(load_data_regenerate(scale))
            self._measure(output)

    def _measure(self, output: str | None) -> None:
        period = services.previous_month(timezone.localdate())
        # An unsaved report: nothing is stored by the bench.
        report = StatusReport(period=period, as_of=services.report_as_of(period))
        started = time.perf_counter()
        data = services.status_report_data(report)
        build_s = time.perf_counter() - started
        # Again under tracemalloc for the peak of Python's allocations (it slows the run down).
        tracemalloc.start()
        services.status_report_data(report)
        _current, build_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        stats: dict = {}
        started = time.perf_counter()
        content = services.status_report_render(report, data, stats=stats)
        render_s = time.perf_counter() - started
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        pages = len(reader.pages)
        if output:
            with open(output, "wb") as handle:
                handle.write(content)

        plain_stats: dict = {}
        started = time.perf_counter()
        plain = pdf_render.render_pdf(
            plain_html(pages), static_root=settings.BASE_DIR / "static", stats=plain_stats
        )
        plain_s = time.perf_counter() - started
        plain_pages = len(PdfReader(io.BytesIO(plain)).pages)

        lines = [
            f"Report for {data['period_label']}: {data['milestone_total']} milestones, "
            f"{data['activity_total']} activities; appendix {data['appendix']['shown']} rows"
            f"{' + spreadsheet' if data['appendix']['spreadsheet'] else ''}",
            f"  figures (selectors):  {build_s:7.1f} s   peak {build_peak / 2**20:7.0f} MB (tracemalloc)",
            f"  PDF (WeasyPrint):     {render_s:7.1f} s   peak {stats.get('peak_rss_mb', 0):7.0f} MB RSS"
            f"   {pages} pages, {len(content) / 2**20:.1f} MB",
            f"  total:                {build_s + render_s:7.1f} s",
            f"Plain document:         {plain_s:7.1f} s   peak {plain_stats.get('peak_rss_mb', 0):7.0f} MB RSS"
            f"   {plain_pages} pages",
            f"Ratio report/plain:     render {render_s / plain_s:.1f}x, "
            f"with figures {(build_s + render_s) / plain_s:.1f}x, "
            f"memory {stats.get('peak_rss_mb', 0) / max(plain_stats.get('peak_rss_mb', 1), 1):.1f}x",
        ]
        self.stdout.write("\n".join(lines))
