"""report.pdf: printed by headless Chromium, sealed with the run, and saying what the page says."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports import load_evidence
from reports.attestation import ATTESTATION_FILE
from reports.durations import human_seconds
from reports.manifest import MANIFEST_FILE
from reports.pdf import PDF_FILE, find_chromium
from tests.drillcli import drill_command, drill_env
from tests.runfolder import build_run_folder

__all__: list[str] = []

needs_chromium = pytest.mark.skipif(
    find_chromium() is None, reason="chromium is not installed (Debian: apt-get install chromium)")


def _text(pdf: Path) -> str:
    """Every page's text with all whitespace removed: Chromium wraps lines where it likes."""
    return "".join("".join(page.extract_text() or "" for page in PdfReader(pdf).pages).split())


def _squeezed(text: str) -> str:
    return "".join(text.split())


@needs_chromium
def test_the_real_run_s_pdf_states_verdict_rto_rpo_and_run_id(sealed_run_dir):
    evidence = load_evidence(sealed_run_dir / "evidence.json")
    text = _text(sealed_run_dir / PDF_FILE)
    assert evidence.verdict.upper() in text
    assert evidence.rto_seconds is not None and evidence.rpo_seconds is not None
    assert _squeezed(f"RTO achieved {human_seconds(evidence.rto_seconds)}") in text
    assert _squeezed(f"RPO achieved {human_seconds(evidence.rpo_seconds)}") in text
    assert evidence.run_id in text
    assert "Timeline" in text and "Probesamples:" in text  # the chart, with its title


@needs_chromium
def test_the_pdf_is_in_the_manifest_and_the_attestation(sealed_run_dir):
    manifest = (sealed_run_dir / MANIFEST_FILE).read_text(encoding="utf-8")
    assert f"  {PDF_FILE}\n" in manifest
    envelope = json.loads((sealed_run_dir / ATTESTATION_FILE).read_text(encoding="utf-8"))
    subjects = json.loads(base64.b64decode(envelope["payload"]))["subject"]
    assert PDF_FILE in {s["name"] for s in subjects}


@needs_chromium
def test_drill_report_pdf_prints_a_rebuilt_report(tmp_path):
    run = build_run_folder(tmp_path / "run")
    done = subprocess.run(drill_command("report", str(run.path), "--pdf"), capture_output=True,
                          text=True, timeout=180, check=False, env=drill_env())
    assert done.returncode == 0, done.stderr
    text = _text(run.path / PDF_FILE)
    assert run.run_id in text and _squeezed(f"RTO achieved {human_seconds(run.rto_seconds)}"
                                            ) in text


def test_without_chromium_report_pdf_is_bad_input_and_changes_nothing(tmp_path):
    run = build_run_folder(tmp_path / "run")
    before = {p.name: p.read_bytes() for p in run.path.iterdir()}
    # Only the interpreter's own folder on PATH: no Chromium to be found.
    env = {**drill_env(), "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run(drill_command("report", str(run.path), "--pdf"), capture_output=True,
                          text=True, timeout=60, check=False, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "--pdf needs headless Chromium" in done.stderr and "apt-get install chromium" in (
        done.stderr)
    assert {p.name: p.read_bytes() for p in run.path.iterdir()} == before
    assert shutil.which("chromium", path=env["PATH"]) is None
