"""Open report.html in headless Chromium with networking off; read what the page shows.

Every test runs twice: on the report of a real signed drill run through the CLI (the shared
session run) and on a synthetic run folder published here (``tests/runfolder.py``).
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest
from PIL import Image

from reports import Evidence, load_evidence, publish
from reports.durations import human_seconds
from reports.evidence import EVIDENCE_FILE
from reports.html import REPORT_FILE
from tests.runfolder import run_folder_for_tests

__all__: list[str] = []

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)")


class _Ids(HTMLParser):
    """Collects, per element id, its attributes, its text and the tags nested inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, dict[str, str]] = {}
        self.text: dict[str, str] = {}
        self.tags: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        found = dict((k, v or "") for k, v in attrs)
        for _, owner in self._open:
            if owner:
                self.tags[owner].append(tag)
        element_id = found.get("id")
        if element_id:
            self.attrs[element_id], self.text[element_id], self.tags[element_id] = found, "", []
        if tag not in {"meta", "br", "img", "input", "link"}:
            self._open.append((tag, element_id))

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, owner in self._open:
            if owner:
                self.text[owner] += data


def _chromium(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-default-apps", "--disable-extensions",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            # Every request that is not loopback goes to a dead proxy: the report must
            # render with no network at all.
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=90, check=False)


class Shown(NamedTuple):
    """A published run folder, its report and the evidence the report was rendered from."""

    run_dir: Path
    report: Path
    evidence: Evidence


@pytest.fixture(scope="module", params=["real-drill", "synthetic"])
def published(request, tmp_path_factory) -> Shown:
    if request.param == "real-drill":
        run_dir = request.getfixturevalue("signed_run").run_dir
        return Shown(run_dir, run_dir / REPORT_FILE, load_evidence(run_dir / EVIDENCE_FILE))
    result = publish(run_folder_for_tests(tmp_path_factory.mktemp("browser") / "run"))
    return Shown(result.run_dir, result.report, load_evidence(result.evidence))


@pytest.fixture(scope="module")
def dom(published, tmp_path_factory):
    done = _chromium(tmp_path_factory.mktemp("dom"), "--dump-dom", published.report.as_uri())
    assert done.returncode == 0 and "</html>" in done.stdout, done.stderr[-2000:]
    parser = _Ids()
    parser.feed(done.stdout)
    return parser


def test_verdict_shown_matches_evidence(dom, published):
    evidence = published.evidence
    assert dom.attrs["verdict"]["data-verdict"] == evidence.verdict
    assert dom.text["verdict"].strip() == evidence.verdict.upper()


@pytest.mark.parametrize("key", ["rto", "rpo"], ids=["rto", "rpo"])
def test_rto_and_rpo_shown_match_evidence(dom, published, key):
    achieved = getattr(published.evidence, f"{key}_seconds")
    assert achieved is not None
    assert float(dom.attrs[key]["data-seconds"]) == achieved
    # Shown rounded for people; data-seconds (and evidence.json) keep the exact figure.
    assert dom.text[key].strip().startswith(human_seconds(achieved))


def test_timeline_chart_rendered_with_every_probe(dom, published):
    evidence = published.evidence
    tags = dom.tags["timeline-chart"]
    assert "svg" in tags and tags.count("path") + tags.count("use") >= evidence.probes.samples
    assert int(dom.attrs["timeline-chart"]["data-samples"]) == evidence.probes.samples


def test_screenshot_is_saved_into_the_run_folder(published, tmp_path):
    shot = published.run_dir / "report.png"
    done = _chromium(tmp_path, "--hide-scrollbars", "--window-size=1280,1600",
                     f"--screenshot={shot}", published.report.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1280, 1600)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # a blank or error page has a handful
