"""The rendered PDF: its sections and figures for a known month, Danish letters,
embedded IBM Plex fonts, the programme name, period and page number on every page."""

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from pypdf import PdfReader

from core.history import system_user_get
from reports import services
from tests.reports.helpers import (
    ACHIEVEMENT,
    HELP_NEEDED,
    SLIP_REASON,
    da_date,
    known_month_build,
    known_report_once,
    pdf_text,
)

pytestmark = pytest.mark.django_db

SECTIONS = [
    "Statusrapport",
    "Samlet status:",
    "1. Ledelsesresumé",
    "Beslutninger, styregruppen skal træffe",
    "2. Status pr. spor og part",
    "3. Milepæle",
    "3.1 Milepæle i fokus",
    "3.2 Nået i perioden",
    "3.3 Skredet i perioden",
    "3.4 Hvad blokerer hvem",
    "4. Ændringer siden sidste rapport",
    "5. Rapporteringsrunden",
    "6. KOMBIT: udrulning til kommunerne",
    "7. Kan SHAK slukkes?",
    "8. MedCom: meddelelsestyper og certificering",
    "9. Tidslinje",
    "10. Milepælstrendanalyse",
    "Bilag: Alle milepæle",
]

STATIC_ROOT = Path(settings.BASE_DIR) / "static"


@pytest.fixture(scope="class")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory):
    """The known month's report, with its texts, and its PDF: built once for the tests of
    a class (a render takes seconds)."""

    def texts_and_pdf(known, report):
        report = services.status_report_texts_update(
            report=report,
            user=known.editor,
            leader_summary="Programmet følger planen, men NSP-tilslutningen er forsinket.",
            decisions_needed="Styregruppen bedes godkende ny tidsplan for bølge 2.",
            version=report.version,
        )
        return report, services.status_report_pdf(report)

    with known_report_once(django_db_blocker, tmp_path_factory, texts_and_pdf) as made:
        known, (report, content) = made
        if os.environ.get("SORPLAN_KEEP_PDF"):
            kept = tmp_path_factory.mktemp("kept") / "report.pdf"
            kept.write_bytes(content)
            print("PDF kept at", kept)
        yield known, report, content


def test_large_figures_carry_the_danish_thousands_separator(db, report_media):
    """A programme of 20,000 milestones reads "20.000 milepæle i 2.000 aktiviteter" in
    the report's key figures, not "20000"."""
    known = known_month_build()
    with time_machine.travel(known.run_at, tick=False):
        report, _ = services.status_report_generate(period=known.period, user=system_user_get())
        data = services.status_report_data(report)
    data = {**data, "milestone_total": 20000, "activity_total": 2000}
    html = services.status_report_html(report, data)
    assert '<span class="figure">20.000</span>' in html
    assert "milepæle i 2.000 aktiviteter" in " ".join(html.split())
    assert '<span class="figure">20000</span>' not in html


def _layout_lines(content: bytes, tmp_path) -> list[str]:
    path = tmp_path / "layout.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8").splitlines()


def test_every_rag_colour_has_its_dot_for_the_table_cells():
    """`td.rag-cell--<colour>` names a dot image, in the static files the PDF's fetcher
    reads, for every RAG colour a label can have."""
    from django.template.loader import get_template

    from milestones.rag import Rag

    css = get_template("reports/pdf/report.css").template.source
    for colour in Rag.LABELS:
        found = re.search(rf'td\.rag-cell--{colour} \{{ background-image: url\("([^"]+)"\)', css)
        image = found[1] if found else "reports/rag-grey.png"  # the default
        assert colour == Rag.GREY or found, colour
        assert (STATIC_ROOT / image).read_bytes().startswith(b"\x89PNG"), image


class TestTheKnownMonthsPdf:
    def test_the_pdf_has_every_section_in_order(self, rendered, tmp_path):
        _known, _report, content = rendered
        text = pdf_text(content, tmp_path)
        positions = [text.find(heading) for heading in SECTIONS]
        assert all(p >= 0 for p in positions), [
            s for s, p in zip(SECTIONS, positions, strict=True) if p < 0
        ]
        assert positions == sorted(positions)

    def test_the_pdf_shows_the_known_figures(self, rendered, tmp_path):
        known, report, content = rendered
        text = pdf_text(content, tmp_path)
        assert report.period.strftime("%Y") in text
        assert "Programmet følger planen, men NSP-tilslutningen er forsinket." in text
        assert "Styregruppen bedes godkende ny tidsplan for bølge 2." in text
        assert known.slipping.title in text and known.reached.title in text
        assert da_date(known.new_forecast) in text and da_date(known.baseline_date) in text
        assert f"{(known.new_forecast - known.baseline_date).days} d." in text
        assert SLIP_REASON in text and "Rikke Redaktør" in text
        assert "1 af 2 parter har rapporteret (50 %)" in text
        assert ACHIEVEMENT in text and HELP_NEEDED in text
        assert "Regionernes Sundheds-IT" in text
        assert "milepæle i 24 aktiviteter" in text and "38" in text
        # Danish letters come through as text, not as boxes or ligature soup.
        for word in ("Ændringer", "bølge", "Sundhedsdatastyrelsen", "Nået"):
            assert word in text

    def test_every_page_names_the_programme_and_period_and_is_numbered(self, rendered):
        _known, report, content = rendered
        reader = PdfReader(io.BytesIO(content))
        pages = len(reader.pages)
        assert pages >= 8
        for number, page in enumerate(reader.pages, start=1):
            text = " ".join(page.extract_text().split())
            assert "Fuld overgang til SOR" in text, number
            assert report.period.strftime("%Y") in text, number
            assert f"Side {number} af {pages}" in text, number
        assert reader.metadata.title.startswith("Fuld overgang til SOR – Statusrapport")

    def test_ibm_plex_is_embedded(self, rendered):
        _known, _report, content = rendered
        reader = PdfReader(io.BytesIO(content))
        fonts = set()
        for page in reader.pages:
            resources = page["/Resources"]
            for font in resources.get("/Font", {}).values():
                font = font.get_object()
                descriptor = (
                    font.get("/DescendantFonts", [font])[0].get_object().get("/FontDescriptor")
                )
                embedded = descriptor and any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                fonts.add((str(font["/BaseFont"]).split("+")[-1], bool(embedded)))
        assert any("IBMPlexSans" in name or "IBM" in name for name, _ in fonts), fonts
        assert all(embedded for _name, embedded in fonts), fonts

    def test_a_draft_is_marked_as_a_draft(self, rendered, tmp_path):
        _known, _report, content = rendered
        assert "KLADDE – ikke publiceret" in pdf_text(content, tmp_path)

    def test_the_tables_rag_labels_read_on_the_row_of_their_milestone_and_party(
        self, rendered, tmp_path
    ):
        """The milestone tables' and the parties' RAG labels are the cells' own text (the dot
        the cell's background, `_rag_cell.html`): each reads on its row's first line, now
        and before, as the figures say."""
        known, report, content = rendered
        with time_machine.travel(known.run_at, tick=False):
            data = services.status_report_data(report)
        lines = _layout_lines(content, tmp_path)
        appendix = lines[
            next(i for i, line in enumerate(lines) if "Bilag: Alle milepæle" in line) :
        ]
        rows = [m for group in data["appendix"]["groups"] for m in group["milestones"]]
        assert rows
        at = 0
        for row in rows:
            # Its first line: the first cell's text starts the title (which may wrap).
            at = next(
                i
                for i in range(at, len(appendix))
                if len(first := re.split(r"\s{2,}", appendix[i].strip())[0]) >= 6
                and row["title"].startswith(first)
            )
            line = appendix[at]
            at += 1
            words = " ".join(line.split())
            # A label may wrap in its narrow column ("Ingen / baseline"): its first word ends
            # the row's first line, then the previous RAG's.
            now, before = row["rag_label"], row["previous_rag_label"]
            endings = {
                f"{a} {b}" for a in (now, now.split()[0]) for b in (before, before.split()[0])
            }
            assert any(words.endswith(ending) for ending in endings), (line, now, before)
        parties = lines[next(i for i, line in enumerate(lines) if "Ansvarlige parter" in line) :]
        for party in data["parties"]:
            (line,) = [line for line in parties if line.lstrip().startswith(party["label"])][:1]
            assert party["now"]["label"].split()[0] in line, line
