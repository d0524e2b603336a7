"""Evidence, report, metrics and integrity of drill runs, built from a run folder alone.

Nothing here imports the drill engine or infrastructure code, reads the environment or calls
AWS: a run folder is the only input, so a report can be rebuilt long after the run.
"""

from __future__ import annotations

from reports.evidence import build_evidence, load_evidence, write_evidence
from reports.history import HistoryScan, RunSummary, scan_runs, write_history
from reports.html import render_report, write_report
from reports.manifest import VerifyResult, load_signing_key, verify, write_manifest
from reports.metrics import DrillCollector, PushOutcome, push, write_metrics
from reports.publish import PublishResult, publish
from reports.records import Evidence

__all__ = [
    "DrillCollector",
    "Evidence",
    "HistoryScan",
    "PublishResult",
    "PushOutcome",
    "RunSummary",
    "VerifyResult",
    "build_evidence",
    "load_evidence",
    "load_signing_key",
    "publish",
    "push",
    "render_report",
    "scan_runs",
    "verify",
    "write_evidence",
    "write_history",
    "write_manifest",
    "write_metrics",
    "write_report",
]
