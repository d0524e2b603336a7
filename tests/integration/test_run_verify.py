"""`drill verify` on copies of a real signed run: 0 when untouched, 1 naming the file otherwise."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest

from reports.manifest import MANIFEST_FILE, SIGNATURE_FILE, manifest_text
from reports.pdf import find_chromium
from tests.drillcli import SIGNING_KEY, drill_command, drill_env

__all__: list[str] = []

# Every file `drill run` leaves in a signed and attested run folder (report.pdf where
# Chromium can print it: tests/integration/conftest.py); a test below keeps this list honest.
SEALED_FILES = ("MANIFEST.sha256", "MANIFEST.sha256.sig", "attestation.dsse.json",
                "cucumber.json", "evidence.json", "ground_truth.jsonl", "junit.xml",
                "markers.csv", "metrics.prom", "probes.csv", "report.html", "timeline.jsonl",
                *(("report.pdf",) if find_chromium() else ()))

Tamper = Callable[[Path], None]


class Case(NamedTuple):
    """One way of tampering with a run folder, and the file `drill verify` must name."""

    tamper: Tamper
    names: str


class Verdict(NamedTuple):
    """What `drill verify` answered."""

    exit_code: int
    stdout: str
    stderr: str


def _flip(rel: str, *, last: bool = False) -> Tamper:
    def tamper(folder: Path) -> None:
        data = bytearray((folder / rel).read_bytes())
        data[len(data) - 1 if last else len(data) // 2] ^= 0x01
        (folder / rel).write_bytes(bytes(data))
    return tamper


def _remove(rel: str) -> Tamper:
    return lambda folder: (folder / rel).unlink()


def _add(rel: str) -> Tamper:
    return lambda folder: (folder / rel).write_bytes(b"added after the run was sealed\n")


def _drop_manifest_line(folder: Path) -> None:
    manifest = folder / MANIFEST_FILE
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    manifest.write_text("".join(line for line in lines if not line.endswith("  probes.csv\n")),
                        encoding="utf-8")


def _forge_evidence_and_manifest(folder: Path) -> None:
    # Whoever can edit a file can recompute its hash; only the signature can catch this.
    evidence = folder / "evidence.json"
    text = evidence.read_text(encoding="utf-8")
    evidence.write_text(text.replace('"verdict": "', '"verdict": "forged-', 1), encoding="utf-8")
    (folder / MANIFEST_FILE).write_text(manifest_text(folder), encoding="utf-8")


CASES: dict[str, Case] = {
    **{f"flip-byte-{rel}": Case(_flip(rel), rel) for rel in SEALED_FILES},
    "flip-last-byte-of-signature": Case(_flip(SIGNATURE_FILE, last=True), SIGNATURE_FILE),
    "removed-evidence.json": Case(_remove("evidence.json"), "evidence.json"),
    "added-file": Case(_add("report.png"), "report.png"),
    "manifest-line-dropped": Case(_drop_manifest_line, MANIFEST_FILE),
    "manifest-rewritten-over-forged-evidence": Case(_forge_evidence_and_manifest, MANIFEST_FILE),
    "signature-removed": Case(_remove(SIGNATURE_FILE), SIGNATURE_FILE),
}


def _verify(folder: Path, public_key: Path) -> Verdict:
    done = subprocess.run(drill_command("verify", str(folder), "--public-key", str(public_key)),
                          capture_output=True, text=True,
                          env=drill_env(DRILL_SIGNING_KEY=SIGNING_KEY), timeout=120, check=False)
    return Verdict(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def verdicts(sealed_run_dir, tmp_path_factory, attestation_keys) -> dict[str, Verdict]:
    """`drill verify` on an untouched copy and on one tampered copy per case."""
    base = tmp_path_factory.mktemp("verify")
    folders = {}
    for case_id in ("untouched", *CASES):
        folders[case_id] = shutil.copytree(sealed_run_dir, base / case_id / sealed_run_dir.name)
        if case_id in CASES:
            CASES[case_id].tamper(folders[case_id])
    # The CLI takes over a second to start; checking the copies side by side saves most of it.
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(folders, pool.map(lambda f: _verify(f, attestation_keys[1]),
                                          folders.values()), strict=True))


def _named(stdout: str) -> set[str]:
    """Every file a problem line of `drill verify` names."""
    lines = [line for line in stdout.splitlines() if line.startswith("  ")]
    return {token.strip(":;,()'\"") for line in lines for token in line.split()}


def test_sealed_folder_holds_exactly_the_files_the_cases_cover(sealed_run_dir):
    found = sorted(p.relative_to(sealed_run_dir).as_posix()
                   for p in sealed_run_dir.rglob("*") if p.is_file())
    assert found == sorted(SEALED_FILES)


def test_untouched_signed_run_verifies(verdicts):
    verdict = verdicts["untouched"]
    assert verdict.exit_code == 0, verdict
    assert "intact and signed (signature valid)" in verdict.stdout
    assert "attestation valid (signed by key" in verdict.stdout


@pytest.mark.parametrize("case_id", list(CASES), ids=list(CASES))
def test_tampering_fails_and_names_the_file(verdicts, case_id):
    verdict = verdicts[case_id]
    assert verdict.exit_code == 1, verdict
    assert "FAILED" in verdict.stdout
    assert CASES[case_id].names in _named(verdict.stdout), verdict.stdout
