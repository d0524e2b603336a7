"""Build every artifact of a finished (or killed) run from its folder, then seal the folder.

Order matters: evidence.json first (everything else renders from it), then report.html (and
report.pdf when asked) and metrics.prom, then MANIFEST.sha256 (+ HMAC signature), so the
manifest covers them all, and attestation.dsse.json last, over the manifest too.
Publishing the same folder again gives the same evidence.json, report.html and metrics.prom.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from securesystemslib.signer import CryptoSigner

from reports.attestation import write_attestation
from reports.evidence import EVIDENCE_FILE, build_evidence, load_evidence, write_evidence
from reports.html import write_report
from reports.manifest import write_manifest
from reports.metrics import METRICS_FILE, PushOutcome, push, write_metrics
from reports.pdf import write_pdf
from reports.records import Evidence, ObjectiveResult, Verdict

__all__ = ["RUN_PREDICATE_TYPE", "PublishResult", "publish", "run_predicate"]

# What an attestation of a run folder says it is evidence of (in-toto predicateType).
RUN_PREDICATE_TYPE = "https://streamflix.example/attestations/dr-drill-run/v1"

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
    attestation: Path | None = None
    pdf: Path | None = None

    @property
    def signed(self) -> bool:
        """Whether the manifest was signed."""
        return self.signature is not None


def _objective(result: ObjectiveResult) -> dict[str, Any]:
    return {"achievedSeconds": result.achieved_seconds,
            "objectiveSeconds": result.objective_seconds, "met": result.met}


def run_predicate(evidence: Evidence) -> dict[str, Any]:
    """What a run's attestation states: which drill, its verdict, RTO/RPO against objectives."""
    return {"runId": evidence.run_id, "scenario": evidence.scenario,
            "backend": evidence.backend, "environment": evidence.environment,
            "verdict": evidence.verdict, "passed": evidence.passed,
            "rto": _objective(evidence.rto), "rpo": _objective(evidence.rpo),
            "startedAt": evidence.started_at, "finishedAt": evidence.finished_at,
            "toolVersion": evidence.provenance.tool_version,
            "gitCommit": evidence.provenance.git_commit}


def publish(run_dir: Path, *, signing_key: bytes | None = None,
            signer: CryptoSigner | None = None, pdf: bool = False,
            pushgateway_url: str | None = None, environment: str | None = None,
            job: str = "dr_drill") -> PublishResult:
    """Write evidence.json, report.html (+pdf), metrics.prom, the manifest and attestation."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run folder {str(run_dir)!r} does not exist")
    evidence_path = write_evidence(build_evidence(run_dir), run_dir / EVIDENCE_FILE)
    # Read it back: the file holds rounded numbers, and metrics must show what it says.
    evidence = load_evidence(evidence_path)
    report = write_report(run_dir)
    pdf_path = write_pdf(report) if pdf else None
    metrics = write_metrics(evidence, run_dir / METRICS_FILE, environment=environment)
    manifest, signature = write_manifest(run_dir, key=signing_key)
    attestation = None if signer is None else write_attestation(
        run_dir, signer, predicate_type=RUN_PREDICATE_TYPE, predicate=run_predicate(evidence))
    outcome = None
    if pushgateway_url:
        outcome = push(evidence, pushgateway_url, job=job, environment=environment)
    log.info("published %s: verdict %s, %s", run_dir, evidence.verdict,
             "signed" if signature else "UNSIGNED")
    return PublishResult(run_dir, evidence.verdict, evidence.passed, evidence_path, report,
                         metrics, manifest, signature, outcome, attestation, pdf_path)
