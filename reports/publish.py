"""Build every artifact of a finished (or killed) run from its folder, then seal the folder.

Order matters: evidence.json first (everything else renders from it), then report.html and
metrics.prom, and MANIFEST.sha256 (+ signature) last, so the manifest covers them all.
Publishing the same folder again gives the same evidence.json, report.html and metrics.prom.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from reports.evidence import EVIDENCE_FILE, build_evidence, load_evidence, write_evidence
from reports.html import write_report
from reports.manifest import write_manifest
from reports.metrics import METRICS_FILE, PushOutcome, push, write_metrics
from reports.records import Verdict

__all__ = ["PublishResult", "publish"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PublishResult:
    """Where publish wrote each artifact, the verdict, and how the push went."""

    run_dir: Path
    verdict: Verdict
    passed: bool
    evidence: Path
    report: Path
    metrics: Path
    manifest: Path
    signature: Path | None
    push: PushOutcome | None = None

    @property
    def signed(self) -> bool:
        """Whether the manifest was signed."""
        return self.signature is not None


def publish(run_dir: Path, *, signing_key: bytes | None = None,
            pushgateway_url: str | None = None, environment: str | None = None,
            job: str = "dr_drill") -> PublishResult:
    """Write evidence.json, report.html, metrics.prom and MANIFEST.sha256 (+sig) for a run."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run folder {str(run_dir)!r} does not exist")
    evidence_path = write_evidence(build_evidence(run_dir), run_dir / EVIDENCE_FILE)
    # Read it back: the file holds rounded numbers, and metrics must show what it says.
    evidence = load_evidence(evidence_path)
    report = write_report(run_dir)
    metrics = write_metrics(evidence, run_dir / METRICS_FILE, environment=environment)
    manifest, signature = write_manifest(run_dir, key=signing_key)
    outcome = None
    if pushgateway_url:
        outcome = push(evidence, pushgateway_url, job=job, environment=environment)
    log.info("published %s: verdict %s, %s", run_dir, evidence.verdict,
             "signed" if signature else "UNSIGNED")
    return PublishResult(run_dir, evidence.verdict, evidence.passed, evidence_path, report,
                         metrics, manifest, signature, outcome)
