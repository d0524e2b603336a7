"""report.pdf: the run's report.html printed to PDF by headless Chromium, for auditors' files.

The page is the one ``report.html`` shows (verdict, RTO/RPO, the probe timeline chart,
phases, findings), printed with Chromium's own ``--print-to-pdf``
(https://developer.chrome.com/docs/chromium/headless), so the PDF and the page never
disagree. The report is self-contained; Chromium runs with every non-loopback request sent
to a dead proxy and a throwaway profile, so printing needs no network and leaves nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PDF_FILE", "RendererMissing", "find_chromium", "write_pdf"]

PDF_FILE = "report.pdf"
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_TIMEOUT_S = 120.0


class RendererMissing(RuntimeError):
    """No Chromium to print the PDF with, or it failed to print."""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable on PATH, if any."""
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _args(chromium: str, profile: Path, pdf: Path, page: Path) -> list[str]:
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-default-apps", "--disable-extensions",
            f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", page.resolve().as_uri()]


def write_pdf(report_html: Path) -> Path:
    """Print a report.html to report.pdf beside it; RendererMissing when that cannot be done."""
    report_html = Path(report_html)
    chromium = find_chromium()
    if chromium is None:
        raise RendererMissing("the PDF report needs headless Chromium and none is installed "
                              "(Debian: apt-get install chromium); report.html is written "
                              "and can be opened in any browser")
    target = report_html.with_name(PDF_FILE)
    with tempfile.TemporaryDirectory(prefix="drill-pdf-") as tmp:
        # Printed aside, then moved in: a failed print never leaves half a PDF in the folder.
        partial = Path(tmp) / PDF_FILE
        try:
            done = subprocess.run(_args(chromium, Path(tmp) / "profile", partial, report_html),
                                  capture_output=True, text=True, timeout=_TIMEOUT_S,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RendererMissing(f"Chromium could not print {report_html}: {exc}") from None
        if not partial.is_file() or partial.stat().st_size == 0:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RendererMissing(f"Chromium did not print {report_html} (exit "
                                  f"{done.returncode}: {tail})")
        shutil.move(partial, target)
    return target
