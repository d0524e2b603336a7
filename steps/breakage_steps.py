"""Step definitions that break the deployed DR setup and check the audit names the breakage."""

from __future__ import annotations

from pytest_bdd import given, parsers

from drills.audit.auditor import run_audit
from drills.faults import breakages
from drills.run.engine import Drill

__all__: list[str] = []


@given(parsers.parse("a runbook step is abandoned after {seconds:g} seconds"))
def _(drill: Drill, seconds: float) -> None:
    drill.settings = drill.settings.model_copy(update={"step_timeout_s": seconds})


@given(parsers.parse("the DR setup is broken: {breakage}"))
def _(drill: Drill, breakage: str) -> None:
    d = drill.backend.deployment
    change = breakages.apply(breakage, drill.backend.clients, drill.settings, d)
    drill.timeline.record("dr.broken", breakage=breakage, change=change)
    drill.progress(f"DR setup broken on purpose ({breakage}): {change}")


@given(parsers.parse("the readiness audit reports {finding}"))
def _(drill: Drill, finding: str) -> None:
    report = run_audit(drill.settings, drill.backend.clients, now=drill.clock.wall())
    found = [f.id for f in report.findings]
    assert finding in found, f"the readiness audit did not report {finding}; it found {found}"
