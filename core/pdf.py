"""HTML to PDF with WeasyPrint, safely and within limits.

WeasyPrint's own fetcher reads any `file://` or `http://` URL and embeds
`<a rel="attachment">` targets into the PDF, so a URL in a document could pull a
server file into a PDF sent outside. `StaticFilesFetcher` allows only
`data:` URLs and files inside the app's static folder; everything else fails
(and is logged) without a request being made.

`render_pdf` renders in a child process with a memory cap (RLIMIT_AS) and a
wall-clock timeout, so one runaway document cannot take the worker down (the
document's attachments may be made meanwhile in the parent); the
Celery task around it has its own soft and hard time limits. This module is
also the child's entry point (`python -m core.pdf`), which must run without
Django: nothing here reads settings at import time. Importing weasyprint
parses its stylesheets (and logs it), so an app imports this module only
when it renders (the monthly status report: `reports.services.status_report`).
"""

import base64
import contextlib
import datetime
import json
import logging
import mimetypes
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import UNICODE_SCHEME_RE, URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 240
DEFAULT_MEMORY_MB = 2048
PEAK_MARK = "sorplan-pdf-peak-rss-kb="


class RenderError(Exception):
    """The PDF could not be rendered (failed, too slow or too large)."""


class StaticFilesFetcher(URLFetcher):
    """Fetches `data:` URLs and files under `root`; refuses everything else."""

    def __init__(self, root: str | Path):
        super().__init__(timeout=5, allowed_protocols={"data", "file"}, allow_redirects=False)
        self.root = Path(root).resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        match = UNICODE_SCHEME_RE.match(url)
        scheme = match[1].lower() if match else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self._static_path(url)
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        self.refused.append(url)
        logger.warning("PDF: refused to fetch %s", url[:200])
        raise ValueError(f"URL not allowed in a report: {url[:200]}")

    def _static_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        try:
            path = Path(unquote(parts.path)).resolve()
        except (OSError, ValueError):
            return None
        if path.is_relative_to(self.root) and path.is_file():
            return path
        return None


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF (e.g. the full milestone list as a spreadsheet)."""

    name: str
    content: bytes
    description: str = ""


def _embedded(attachments: tuple[PdfAttachment, ...], created: datetime.datetime | None):
    from weasyprint import Attachment

    return [
        Attachment(
            string=a.content,
            name=a.name,
            description=a.description or None,
            created=created,
            modified=created,
            relationship="Supplement",
        )
        for a in attachments
    ] or None


def _document(html: str, static_root: str | Path):
    """The laid-out document (pages, before the PDF is written)."""
    from weasyprint import HTML

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    fetcher = StaticFilesFetcher(static_root)
    base_url = Path(static_root).resolve().as_uri() + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()


def render_pdf_in_process(
    html: str,
    *,
    static_root: str | Path,
    attachments: tuple[PdfAttachment, ...] = (),
    created: datetime.datetime | None = None,
) -> bytes:
    """Render in this process (no limits). `render_pdf` is what the app calls."""
    return _document(html, static_root).write_pdf(attachments=_embedded(attachments, created))


Attachments = tuple[PdfAttachment, ...] | Callable[[], tuple[PdfAttachment, ...]]


def _spawn() -> subprocess.Popen:
    here = Path(__file__).resolve().parent.parent
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "core.pdf"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=here,
        env={**os.environ, "PYTHONPATH": str(here)},
    )


class RenderChild:
    """A render child started before its document is ready (`render_child`).

    The child's start, the interpreter and WeasyPrint's import (about a second of CPU,
    paid by every render), then runs while the caller makes the HTML (the status
    report's figures), on a core of its own where there is one. It waits for its
    document on its input and gets the same limits as any render (`render_pdf`)."""

    def __init__(self):
        self._process: subprocess.Popen | None = _spawn()

    def take(self) -> subprocess.Popen:
        """The process, once: a second render starts a child of its own."""
        process, self._process = self._process, None
        return process if process is not None else _spawn()

    def close(self) -> None:
        """End the child if no render took it (the caller failed before rendering)."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.communicate()


@contextlib.contextmanager
def render_child():
    """`RenderChild` for a `with` block: pass it to `render_pdf(child=...)` inside it."""
    child = RenderChild()
    try:
        yield child
    finally:
        child.close()


def render_pdf(
    html: str,
    *,
    static_root: str | Path,
    attachments: Attachments = (),
    created: datetime.datetime | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    memory_mb: int = DEFAULT_MEMORY_MB,
    stats: dict | None = None,
    child: RenderChild | None = None,
) -> bytes:
    """Render in a child process limited to `memory_mb` of address space and `timeout` seconds.

    `attachments` may be a function that makes them: it then runs here while the child
    lays the document out (the child needs them only to write the PDF), so a large
    embedded spreadsheet costs no extra wall-clock time on a machine with a core to
    spare. `child`, a child started earlier (`render_child`), renders it instead of a
    new one. `stats`, if given, gets the child's peak resident memory (`peak_rss_mb`).
    """
    # Two lines on the child's stdin: the document, then its attachments.
    document = json.dumps(
        {
            "html": html,
            "static_root": str(static_root),
            "created": created.isoformat() if created else None,
            "memory_mb": memory_mb,
        }
    ).encode("utf-8")
    deadline = time.monotonic() + timeout
    child = child.take() if child is not None else _spawn()

    def send_document():
        # The pipe holds 64 KB: the document goes while the attachments are made.
        with contextlib.suppress(BrokenPipeError, ValueError):
            child.stdin.write(document + b"\n")
            child.stdin.flush()

    sender = threading.Thread(target=send_document, daemon=True)
    sender.start()
    try:
        made = attachments() if callable(attachments) else attachments
    except BaseException:
        child.kill()
        child.communicate()
        raise
    payload = json.dumps(
        {
            "attachments": [
                {
                    "name": a.name,
                    "description": a.description,
                    "content": base64.b64encode(a.content).decode("ascii"),
                }
                for a in made
            ]
        }
    ).encode("utf-8")
    try:
        sender.join(max(0.0, deadline - time.monotonic()))
        if sender.is_alive():
            raise subprocess.TimeoutExpired(child.args, timeout)
        stdout, stderr = child.communicate(
            payload + b"\n", timeout=max(0.01, deadline - time.monotonic())
        )
    except subprocess.TimeoutExpired as error:
        child.kill()
        child.communicate()
        raise RenderError(f"PDF rendering took more than {timeout:.0f} s") from error
    if child.returncode != 0 or not stdout.startswith(b"%PDF"):
        tail = stderr.decode("utf-8", "replace")[-2000:]
        if "MemoryError" in tail or child.returncode < 0:
            raise RenderError(f"PDF rendering exceeded {memory_mb} MB or was killed: {tail}")
        raise RenderError(f"PDF rendering failed ({child.returncode}): {tail}")
    # The child's warnings (e.g. refused URLs) go to our log.
    for line in stderr.decode("utf-8", "replace").splitlines()[-50:]:
        if "refused to fetch" in line:
            logger.warning(line)
        elif line.startswith(PEAK_MARK) and stats is not None:
            stats["peak_rss_mb"] = int(line.removeprefix(PEAK_MARK)) / 1024
    return stdout


def render_app_pdf(
    html: str,
    *,
    attachments: Attachments = (),
    created: datetime.datetime | None = None,
    stats: dict | None = None,
    child: RenderChild | None = None,
) -> bytes:
    """A PDF of the product's (the status report, the meeting pack): the project's static
    files for the fetcher, and the shipped time and memory limits
    (SORPLAN_REPORT_RENDER_TIMEOUT, SORPLAN_REPORT_RENDER_MEMORY_MB)."""
    from django.conf import settings

    return render_pdf(
        html,
        static_root=settings.BASE_DIR / "static",
        attachments=attachments,
        created=created,
        timeout=getattr(settings, "SORPLAN_REPORT_RENDER_TIMEOUT", DEFAULT_TIMEOUT_SECONDS),
        memory_mb=getattr(settings, "SORPLAN_REPORT_RENDER_MEMORY_MB", DEFAULT_MEMORY_MB),
        stats=stats,
        child=child,
    )


def _peak_rss_kb() -> int:
    """This process's own peak resident memory. (getrusage's ru_maxrss would include
    the parent's memory at fork time, which Linux carries across exec.)"""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child_main() -> int:
    import gc
    import resource

    # The layout makes millions of short-lived boxes and text runs, freed by reference
    # counting; the cyclic collector's passes over them were a tenth of the render's CPU
    # and freed a few MB. The child exits when the document is written.
    gc.disable()
    # WeasyPrint is loaded already (this module imports it): a child started early
    # (`RenderChild`) has done so by the time its parent sends the document.
    payload = json.loads(sys.stdin.buffer.readline())
    limit = int(payload["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    created = payload["created"]
    created = datetime.datetime.fromisoformat(created) if created else None
    document = _document(payload["html"], payload["static_root"])
    # The attachments come once the parent has made them (see `render_pdf`), on a
    # second line unless the first carried them.
    listed = payload.get("attachments")
    del payload
    if listed is None:
        listed = json.loads(sys.stdin.buffer.readline())["attachments"]
    attachments = tuple(
        PdfAttachment(a["name"], base64.b64decode(a["content"]), a["description"]) for a in listed
    )
    pdf = document.write_pdf(attachments=_embedded(attachments, created))
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    sys.stderr.write(f"{PEAK_MARK}{_peak_rss_kb()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
