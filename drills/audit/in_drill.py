"""The readiness audit inside a drill: what it found before the fault, and what it explains.

Before the first fault (phase ``audit``, just before steady state: its reads would otherwise
slow the canaries' answers to the probes the preflight gate judges) the drill runs the same
read-only audit as ``drill audit`` (:func:`drills.audit.auditor.run_audit`) on the stacks it is
about to fail over, and journals it: one ``readiness.audit`` event, and one ``finding``
(source ``audit``) per finding, so the evidence, the report and the summary carry them. A
blocking finding does not stop the drill: the drill is what shows whether the failover
works. When the drill then fails, its verdict names the blocking findings as the likely
cause (:func:`likely_cause`), so a missed RTO arrives with the reason the DR setup could not
meet it.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from drills.audit.auditor import AuditReport, run_audit
from drills.audit.catalogue import BLOCKING
from drills.journal.timeline import Timeline
from drills.settings.config import Settings
from infra.aws import ClientFactory
from infra.core.errors import DrillError

__all__ = ["audit_before_fault", "likely_cause", "not_replicating"]

# Findings that say a store has no replication to DR at all: nothing to wait for.
_NO_REPLICATION = {"DR-EFS-REPLICATION-MISSING": "efs", "DR-EFS-REPLICATION-NOT-ENABLED": "efs"}


def audit_before_fault(settings: Settings, clients: ClientFactory, timeline: Timeline, *,
                       now: datetime) -> AuditReport | None:
    """Audit the drill's deployed stacks and journal the findings; None if it could not run.

    ``now`` is the drill clock's wall time: the end of the audit's CloudWatch window, which
    on the virtual clock is where the embedded CloudWatch's datapoints are stamped.
    """
    try:
        report = run_audit(settings, clients, now=now)
    except (DrillError, BotoCoreError, ClientError) as exc:
        # The audit only advises: a read it is not allowed (or a throttle) must not stop a
        # drill that passed its preflight gate. The journal says it did not run, and why.
        timeline.record("readiness.audit", ran=False, error=str(exc).splitlines()[0])
        return None
    budget = report.rto_budget
    timeline.record(
        "readiness.audit", ran=True, passed=report.passed,
        findings=[dataclasses.asdict(f) for f in report.findings],
        rto_budget_seconds=budget.total_s if budget else None,
        rto_budget=budget.describe() if budget else None)
    for f in report.findings:
        timeline.record("finding", id=f.id, severity=f.severity, message=f.message,
                              fix=f.fix, source="audit")
    return report


def not_replicating(report: AuditReport | None) -> frozenset[str]:
    """The data stores the audit found with no replication to DR."""
    return frozenset(_NO_REPLICATION[f.id] for f in (report.findings if report else ())
                     if f.id in _NO_REPLICATION)


def likely_cause(report: AuditReport | None) -> str:
    """The audit's blocking findings as a failed verdict's likely cause ("" if none)."""
    blocking = [f for f in (report.findings if report else ()) if f.severity in BLOCKING]
    if not blocking:
        return ""
    first, others = blocking[0], blocking[1:]
    also = f" (also {', '.join(f.id for f in others)})" if others else ""
    return (f"likely cause, found by the readiness audit before the fault: {first.id}: "
            f"{first.message}{also}")
