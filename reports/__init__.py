"""Evidence, report, metrics and integrity of drill runs, built from a run folder alone.

Nothing here imports the drill engine or infrastructure code, reads the environment or calls
AWS: a run folder is the only input, so a report can be rebuilt long after the run.
"""

from __future__ import annotations

from reports.attestation import (
    AttestationResult,
    KeyFileError,
    generate_keypair,
    load_public_key,
    load_signer,
    verify_attestation,
    write_attestation,
)
from reports.evidence import build_evidence, load_evidence, write_evidence
from reports.history import HistoryScan, RunSummary, scan_runs, write_history
from reports.html import render_report, write_report
from reports.manifest import VerifyResult, load_signing_key, verify, write_manifest
from reports.metrics import DrillCollector, PushOutcome, push, write_metrics
from reports.pdf import RendererMissing, write_pdf
from reports.publish import PublishResult, publish
from reports.records import Evidence

__all__ = [
    "AttestationResult",
    "DrillCollector",
    "Evidence",
    "HistoryScan",
    "KeyFileError",
    "PublishResult",
    "PushOutcome",
    "RendererMissing",
    "RunSummary",
    "VerifyResult",
    "build_evidence",
    "generate_keypair",
    "load_evidence",
    "load_public_key",
    "load_signer",
    "load_signing_key",
    "publish",
    "push",
    "render_report",
    "scan_runs",
    "verify",
    "verify_attestation",
    "write_attestation",
    "write_evidence",
    "write_history",
    "write_manifest",
    "write_metrics",
    "write_pdf",
    "write_report",
]
