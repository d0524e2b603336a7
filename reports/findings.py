"""Findings the report derives from the record, next to those the drill journalled.

A finding says what failed or was slow and, where it can, what to do about it. Derived ones
carry ``source="report"`` so a reader can tell them from the drill's own.
"""

from __future__ import annotations

from collections.abc import Iterator

from reports.records import Evidence, Finding

__all__ = ["derive_findings"]


def derive_findings(ev: Evidence) -> tuple[Finding, ...]:
    """Every finding the record implies, most severe first, after the drill's own."""
    derived = [*_run_level(ev), *_objectives(ev), *_faults(ev), *_steps(ev), *_accuracy(ev)]
    order = {"critical": 0, "major": 1, "minor": 2, "info": 3}
    derived.sort(key=lambda f: order[f.severity])
    return (*ev.findings, *derived)


def _f(fid: str, severity: str, message: str, fix: str | None = None) -> Finding:
    return Finding(id=fid, severity=severity, message=message, fix=fix,  # type: ignore[arg-type]
                   source="report")


def _run_level(ev: Evidence) -> Iterator[Finding]:
    if ev.verdict == "incomplete":
        yield _f("run-incomplete", "critical",
                 "The journal has no run.finished event: the run was killed or is still "
                 "running, so this evidence is partial.",
                 "Check that every injected fault was reverted (drill cleanup --run RUN_DIR).")
    for phase in ev.phases:
        if phase.status not in ("ok", "incomplete"):
            yield _f(f"phase-{phase.status}.{phase.name}", "major",
                     f"Phase {phase.name!r} {phase.status}" + (f": {phase.error}" if phase.error
                                                               else "."))
    if ev.provenance.journal_skipped_lines:
        yield _f("journal-damaged", "minor",
                 f"{ev.provenance.journal_skipped_lines} journal line(s) could not be read "
                 "(torn by a kill or damaged) and were skipped.")
    if ev.api_retries:
        yield _f("api-retries", "info", f"{ev.api_retries} AWS API call(s) were retried.")


def _objectives(ev: Evidence) -> Iterator[Finding]:
    for name, res in (("RTO", ev.rto), ("RPO", ev.rpo)):
        if res.met is False:
            yield _f(f"{name.lower()}-missed", "critical",
                     f"{name} {res.achieved_seconds:g}s exceeds the objective "
                     f"{res.objective_seconds:g}s by {-(res.margin_seconds or 0):g}s.")
        elif res.achieved_seconds is None and ev.verdict != "incomplete":
            yield _f(f"{name.lower()}-not-measured", "major",
                     f"{name} was not measured, so the objective cannot be shown to be met.")
    if ev.lost_markers:
        shown = ", ".join(str(m) for m in ev.lost_markers[:20])
        more = "" if len(ev.lost_markers) <= 20 else f" and {len(ev.lost_markers) - 20} more"
        yield _f("markers-lost", "minor" if ev.rpo.met else "major",
                 f"{len(ev.lost_markers)} acknowledged data marker(s) lost: {shown}{more}.")


def _faults(ev: Evidence) -> Iterator[Finding]:
    for fault in ev.faults:
        if fault.status == "revert_failed":
            yield _f(f"revert-failed.{fault.fault}", "critical",
                     f"Fault {fault.fault!r} on {fault.target!r} could not be reverted: "
                     f"{fault.error}", "Revert it by hand and check the target's state.")
        elif fault.status == "still_active":
            yield _f(f"not-reverted.{fault.fault}", "critical",
                     f"Fault {fault.fault!r} on {fault.target!r} has no revert in the journal.",
                     "Run drill cleanup --run RUN_DIR.")
        elif fault.verified is False:
            yield _f(f"revert-unverified.{fault.fault}", "major",
                     f"Fault {fault.fault!r} was reverted but the revert was not verified.")


def _steps(ev: Evidence) -> Iterator[Finding]:
    for step in ev.runbook:
        if step.status not in ("ok", "incomplete"):
            yield _f(f"step-{step.status}.{step.step}", "major",
                     f"Runbook step {step.step!r} in {step.region} {step.status}"
                     + (f": {step.error}" if step.error else "."))
    # An operator step is one API call: its duration is the call's, not the change it starts.
    timed = [s for s in ev.runbook if s.duration_seconds is not None and s.actor == "drill"]
    execute = ev.rto_split.execute_seconds
    if timed and execute:
        slow = max(timed, key=lambda s: s.duration_seconds or 0.0)
        share = 100.0 * (slow.duration_seconds or 0.0) / execute
        yield _f(f"slowest-step.{slow.step}", "info",
                 f"Slowest runbook step: {slow.step!r} took {slow.duration_seconds:g}s "
                 f"({share:.0f}% of the execute time).")


def _accuracy(ev: Evidence) -> Iterator[Finding]:
    gt, bound = ev.ground_truth, ev.probe_interval_seconds
    if gt is None or gt.rto_error_seconds is None or bound is None:
        return
    if abs(gt.rto_error_seconds) > bound:
        yield _f("rto-measurement-off", "major",
                 f"Measured RTO differs from the simulator's ground truth by "
                 f"{gt.rto_error_seconds:g}s, more than one probe interval ({bound:g}s).")
