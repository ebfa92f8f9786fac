"""Time the monthly status report at scale, against WeasyPrint on its own rendering the
report's own document (the budget's yardstick), and a plain document of as many pages.

    python manage.py bench_report                 # writes the large synthetic programme first
    python manage.py bench_report --no-generate   # measure a bench database kept with --keep

Like `bench`, it runs in the bench's own database (`BENCH_DATABASE_URL`), never
the configured one. With `--no-generate` it measures the data an earlier run kept
(`generate_load_data --scale large --keep`) and keeps them (it only reads).

Prints, for the report of last month: seconds and peak memory to build the
figures (this process's peak resident memory, and Python's own allocations by
tracemalloc in a second run), seconds and peak resident memory to render the PDF
(in the memory-capped child process the app uses, with the shipped limits), the
page count and size; then the yardstick, the same HTML rendered by WeasyPrint alone
in this process (no child, no limits, no figures, no spreadsheet; the same fetcher and
base URL, so the same fonts and images), and, as information, a plain document of as
many pages (paragraphs of text, the same fonts); with the ratios against the issue's
budget. Nothing is stored: the report is built and rendered, not generated or
published. The synthetic programme is illustrative, so its PDF carries the
demo mark on every page like a report made while demo data is loaded.

Why the yardstick is WeasyPrint alone on the report's own document (issue 17: "the
whole command ≤ 2× plain WeasyPrint rendering a document of the same page count"):
the issue's own figures were "182 s and 1,914 MB (plain WeasyPrint at the same 465
pages: 114 s, 1,490 MB)". Made again on the large programme with the appendix
uncapped as the issue had it (8,657 milestones, 475 pages; docs/performance.md,
"wt-yard"): the whole command 104 s and 1,840 MB, WeasyPrint alone on its HTML 99 s
and 1,585 MB, the paragraph document of 475 pages 13 s and 200 MB in one process. Only
WeasyPrint alone on the same document comes near the issue's 114 s and 1,490 MB; a
paragraph document is 8 times cheaper than any table of that length. So the budget
measures what sorplan adds around WeasyPrint: the figures, the HTML, the child, the
spreadsheet and the pipe.
"""

import gc
import io
import resource
import time
import tracemalloc

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bench.cleanup import load_data_regenerate
from bench.database import bench_database
from core import pdf as pdf_render
from milestones.models import Milestone, MilestoneStatus
from milestones.services.status import status_rebuild, status_rerate
from reports import services
from reports.models import StatusReport

SYNTHETIC_NOTICE = _(
    "Et syntetisk program til præstationsmåling: alle parter, aktiviteter, milepæle, "
    "runder og historik i denne rapport er opdigtede."
)

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


# The budget for the report at large scale ("plain WeasyPrint": WeasyPrint alone
# on the report's document, see the module's docstring).
FIGURES_BUDGET_S = 1.0
PLAIN_RATIO_BUDGET = 2.0
PEAK_BUDGET_MB = 400
# "With room to spare": at most this share of the shipped time and memory limits.
LIMIT_SHARE = 0.5


def weasyprint_alone(html: str) -> dict:
    """The yardstick: `html` rendered by WeasyPrint on its own, in this process (no child,
    no limits, no attachments; the app's fetcher and base URL, `render_pdf_in_process`).
    Its wall and CPU seconds, its peak resident memory above this process's before it
    (less than a process of its own would reach: it reuses memory the figures freed; the
    budget's peak is the report's own, in MB), its page count. The process's own objects (the figures) are frozen out of the cyclic
    collector's passes meanwhile, so it collects what a process of WeasyPrint alone
    would: WeasyPrint's."""
    from pypdf import PdfReader

    gc.collect()
    gc.freeze()
    try:
        before = rss_mb()
        peak_rss_reset()
        started, cpu = time.perf_counter(), time.process_time()
        content = pdf_render.render_pdf_in_process(html, static_root=settings.BASE_DIR / "static")
        wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        peak = peak_rss_mb() - before
    finally:
        gc.unfreeze()
    return {
        "s": wall_s,
        "cpu_s": cpu_s,
        "peak_mb": peak,
        "pages": len(PdfReader(io.BytesIO(content)).pages),
    }


def children_cpu_s() -> float:
    """CPU seconds (user + system) of this process's finished children so far: the
    render child's own work, which a loaded machine inflates less than its wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_reset() -> None:
    """Start this process's peak resident memory (VmHWM) afresh, so the figures' peak is
    not the generator's (Linux: writing 5 to clear_refs resets it)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass


def _status_mb(field: str) -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    """This process's peak resident memory since the last reset (0 where unknown)."""
    return _status_mb("VmHWM:")


def rss_mb() -> float:
    """This process's resident memory now (0 where unknown)."""
    return _status_mb("VmRSS:")


class Command(BaseCommand):
    help = "Måler statusrapporten (tal og PDF) ved stor skala mod et almindeligt dokument."

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="large", help="small eller large")
        parser.add_argument(
            "--no-generate",
            action="store_true",
            help="Mål de data, der er (gemt med --keep), og behold dem; skriv ikke et nyt program.",
        )
        parser.add_argument(
            "--keep", action="store_true", help="Behold benchmarkens database bagefter."
        )
        parser.add_argument("--output", help="Gem rapportens PDF i denne fil.")

    def handle(self, *args, scale="large", no_generate=False, keep=False, output=None, **kw):
        # Inside `bench` this is the same bench database; on its own, its own run of it.
        # Data kept from an earlier run are only read, so they stay for the next one.
        keep = keep or no_generate
        with bench_database(keep=keep, create=not no_generate, stdout=self.stdout):
            self.stdout.write(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
            if not no_generate:
                self.stdout.write(load_data_regenerate(scale))
            else:
                self.stdout.write(self._status_current())
            self._measure(output)

    def _status_current(self) -> str:
        """Kept data as the app would hold them today: every milestone's materialised
        status rated (`generate_load_data` writes past the services) and re-rated for
        the day, as the daily beat task does."""
        if MilestoneStatus.objects.count() != Milestone.objects.count():
            counts = status_rebuild()
            return f"Materialised status rebuilt: {counts['ratings']} ratings, {counts['rollups']} roll-ups"
        counts = status_rerate()
        return "Materialised status current" + (
            f" (re-rated: {counts['ratings']} ratings)" if counts else ""
        )

    def _measure(self, output: str | None) -> None:
        period = services.previous_month(timezone.localdate())
        # An unsaved report: nothing is stored by the bench.
        report = StatusReport(period=period, as_of=services.report_as_of(period))
        peak_rss_reset()
        started = time.perf_counter()
        services.status_report_data(report)
        first_s = time.perf_counter() - started
        # Again in the same process, as in a running worker: the first run also loads
        # the URL configuration, templates and translations once per process. As the
        # service renders (`status_report_render`, publishing), the render child starts
        # while the figures are built.
        stats: dict = {}
        child_cpu = children_cpu_s()
        with pdf_render.render_child() as child:
            started, build_cpu = time.perf_counter(), time.process_time()
            data = services.status_report_data(report)
            build_s = time.perf_counter() - started
            # Its own CPU too: on a loaded machine the child's start competes for a core.
            build_cpu = time.process_time() - build_cpu
            build_rss = peak_rss_mb()
            # The synthetic programme is illustrative: its PDF says so on every page.
            data["demo"] = True
            data["demo_notice"] = str(SYNTHETIC_NOTICE)

            started, parent_cpu = time.perf_counter(), time.process_time()
            content = services.status_report_render(report, data, stats=stats, child=child)
            render_s = time.perf_counter() - started
        render_cpu = children_cpu_s() - child_cpu
        # The parent's share: the HTML, and the workbook written while the child lays out.
        render_parent_cpu = time.process_time() - parent_cpu
        parent_rss = peak_rss_mb()
        child_rss = stats.get("peak_rss_mb", 0)
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        pages = len(reader.pages)
        if output:
            with open(output, "wb") as handle:
                handle.write(content)

        # Again under tracemalloc for the peak of Python's allocations (it slows the run down).
        tracemalloc.start()
        services.status_report_data(report)
        _current, build_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        # The yardstick: the same document, by WeasyPrint alone in this process.
        alone = weasyprint_alone(services.status_report_html(report, data))

        plain_stats: dict = {}
        started, child_cpu = time.perf_counter(), children_cpu_s()
        plain = pdf_render.render_pdf(
            plain_html(pages), static_root=settings.BASE_DIR / "static", stats=plain_stats
        )
        plain_s = time.perf_counter() - started
        plain_cpu = children_cpu_s() - child_cpu
        plain_pages = len(PdfReader(io.BytesIO(plain)).pages)
        plain_rss = plain_stats.get("peak_rss_mb", 0)

        total_s = build_s + render_s
        timeout = getattr(
            settings, "SORPLAN_REPORT_RENDER_TIMEOUT", pdf_render.DEFAULT_TIMEOUT_SECONDS
        )
        memory_mb = getattr(
            settings, "SORPLAN_REPORT_RENDER_MEMORY_MB", pdf_render.DEFAULT_MEMORY_MB
        )
        peak_mb = parent_rss + child_rss
        lines = [
            f"Report for {data['period_label']}: {data['milestone_total']} milestones, "
            f"{data['activity_total']} activities; appendix {data['appendix']['shown']} rows"
            f"{' + spreadsheet' if data['appendix']['spreadsheet'] else ''}",
            f"  figures (report_data): {build_s:7.2f} s   peak {build_rss:7.0f} MB RSS"
            f" ({build_peak / 2**20:.0f} MB Python, tracemalloc; first run in the process"
            f" {first_s:.2f} s; {build_cpu:.2f} s CPU, the database's not counted)",
            f"  PDF (WeasyPrint):      {render_s:7.2f} s   peak {child_rss:7.0f} MB RSS (child)"
            f"   {pages} pages, {len(content) / 2**20:.1f} MB",
            f"  render CPU:            {render_cpu:7.2f} s child + {render_parent_cpu:.2f} s parent"
            f" (HTML and workbook); plain document {plain_cpu:.2f} s child",
            f"  total:                 {total_s:7.2f} s   peak {peak_mb:7.0f} MB RSS"
            f" (parent {parent_rss:.0f} + child {child_rss:.0f})",
            f"WeasyPrint alone:        {alone['s']:7.2f} s   peak {alone['peak_mb']:+7.0f} MB RSS above the process's"
            f"   {alone['pages']} pages (the report's HTML in this process, {alone['cpu_s']:.2f} s"
            " CPU: the budget's yardstick)",
            f"Ratio report/alone:      render {render_s / alone['s']:.1f}x, "
            f"with figures {total_s / alone['s']:.1f}x; "
            f"render CPU (child) {render_cpu / max(alone['cpu_s'], 0.01):.1f}x, with the parent's"
            f" and the figures' {(render_cpu + render_parent_cpu + build_cpu) / max(alone['cpu_s'], 0.01):.1f}x",
            f"Plain document:          {plain_s:7.2f} s   peak {plain_rss:7.0f} MB RSS"
            f"   {plain_pages} pages (paragraphs: information, not the budget)",
            f"Ratio report/plain:      render {render_s / plain_s:.1f}x, "
            f"with figures {total_s / plain_s:.1f}x, "
            f"memory (child) {child_rss / max(plain_rss, 1):.1f}x; "
            f"render CPU (child) {render_cpu / max(plain_cpu, 0.01):.1f}x",
            f"Shipped limits:          {timeout:.0f} s and {memory_mb} MB for the render: "
            f"{render_s / timeout:.0%} of the time, {child_rss / memory_mb:.0%} of the memory",
        ]
        over = []
        if build_s > FIGURES_BUDGET_S:
            over.append(f"figures {build_s:.2f} s > {FIGURES_BUDGET_S:.0f} s")
        if total_s > PLAIN_RATIO_BUDGET * alone["s"]:
            over.append(
                f"total {total_s / alone['s']:.1f}x WeasyPrint alone > {PLAIN_RATIO_BUDGET:.0f}x"
            )
        if peak_mb > PEAK_BUDGET_MB:
            over.append(f"peak {peak_mb:.0f} MB > {PEAK_BUDGET_MB} MB")
        if render_s > LIMIT_SHARE * timeout or child_rss > LIMIT_SHARE * memory_mb:
            over.append("render above half the shipped limits")
        lines.append("budget: all within" if not over else "budget: over: " + "; ".join(over))
        self.stdout.write("\n".join(lines))
