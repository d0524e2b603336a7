"""Judging a drill against its objectives, and the run's closing journal entry."""

from __future__ import annotations

from typing import Any

from drills.audit.in_drill import likely_cause
from drills.measure.store_rpo import StoreRpo, store_reasons
from drills.safety.interrupts import Interrupted
from infra.core.errors import DrillAborted, DrillError, SafetyRefusal

__all__ = ["finish", "judge"]


def _reasons(drill: Any, rto: Any, rpo: Any, stores: tuple[StoreRpo, ...] = ()) -> tuple[str, ...]:
    obj = drill.objectives
    reasons = []
    if rto.rto_seconds > obj.rto_seconds:
        reasons.append(f"RTO {rto.rto_seconds:.0f}s exceeded the objective of "
                       f"{obj.rto_seconds:.0f}s")
    if stores:  # each judged store on its own, named (the database's objective is obj's)
        reasons.extend(store_reasons(stores))
    elif rpo.rpo_seconds > obj.rpo_seconds:
        reasons.append(f"RPO {rpo.rpo_seconds:.1f}s exceeded the objective of "
                       f"{obj.rpo_seconds:.1f}s ({len(rpo.lost)} markers lost)")
    return tuple(reasons)


def judge(drill: Any, rto: Any, rpo: Any, *, stores: tuple[StoreRpo, ...] = ()) -> Any:
    """The drill's result from measured RTO/RPO and ground truth, journaled."""
    from drills.run.engine import DrillResult

    truth = drill.backend.ground_truth() if hasattr(drill.backend, "ground_truth") else None
    reasons = _reasons(drill, rto, rpo, stores)
    drill.timeline.record(
        "measurement", rto_seconds=rto.rto_seconds, rpo_seconds=rpo.rpo_seconds,
        outage_start=drill.outage_start, detected_at=drill.detected_at,
        runbook_started_at=drill.runbook_started_at, recovered_at=rto.recovered_at,
        detect_seconds=rto.detect_seconds, decide_seconds=rto.decide_seconds,
        execute_seconds=rto.execute_seconds, lost_markers=list(rpo.lost),
        last_acked_marker=rpo.last_acked, newest_surviving_marker=rpo.newest_surviving,
        served_region=drill.settings.dr_region,
        rpo_by_store={s.store: s.rpo_seconds for s in stores},
        stores={s.store: s.describe() for s in stores})
    if truth is not None:
        drill.timeline.record("ground_truth", rto_seconds=truth.rto_seconds,
                              rpo_seconds=truth.rpo_seconds, outage_start=truth.outage_start,
                              recovered_at=truth.recovered_at, lost_markers=list(truth.lost_seqs),
                              stores=_truth_by_store(truth, drill))
    for i, reason in enumerate(reasons, 1):
        drill.timeline.record("finding", id=f"OBJ-{i}", severity="critical", message=reason)
    return DrillResult(rto.rto_seconds, rpo.rpo_seconds, drill.objectives,
                       drill.settings.dr_region, tuple(rpo.lost), truth, reasons, stores)


def _truth_by_store(truth: Any, drill: Any) -> dict[str, dict[str, Any]]:
    """The simulator's per-store account, over the markers the writer saw acknowledged too."""
    acked = [r.seq for r in drill.writer.records() if r.acked] if drill.writer else []
    return {name: {"rpo_seconds": t.rpo_seconds, "rpo_over_acknowledged": t.rpo_over(acked),
                   "lost_markers": list(t.lost_seqs), "reached_dr": len(t.applied)}
            for name, t in getattr(truth, "stores", {}).items()}


def _interrupted(drill: Any, error: BaseException, revert_error: BaseException | None) -> str:
    how = f"interrupted by {error.signal}" if isinstance(error, Interrupted) else "interrupted"
    if revert_error is not None:
        return f"{how}; {revert_error}; finish with `drill cleanup --run {drill.run_dir}`"
    count = len(drill.faults)
    return f"{how}; " + (f"{count} fault(s) reverted and verified" if count
                         else "no fault had been injected")


def _cleanup_hint(drill: Any, error: BaseException, revert_error: BaseException | None) -> str:
    if revert_error is None:
        return ""
    also = "" if revert_error is error else f"; and the revert failed: {revert_error}"
    return f"{also}; finish with `drill cleanup --run {drill.run_dir}`"


def _verdict(drill: Any, error: BaseException | None,
             revert_error: BaseException | None = None) -> tuple[str, int, str]:
    if isinstance(error, KeyboardInterrupt | DrillAborted):
        return "aborted", 3, _interrupted(drill, error, revert_error)
    if isinstance(error, SafetyRefusal):
        return "aborted", 3, str(error)
    if error is not None:
        if isinstance(error, AssertionError) and drill.result is not None \
                and drill.result.reasons:
            # A Then-step stopped at the first missed objective; the judgement has them all.
            return "failed", 1, "; ".join(drill.result.reasons) + _cleanup_hint(
                drill, error, revert_error)
        if isinstance(error, DrillError | AssertionError):
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            return "failed", 1, reason + _cleanup_hint(drill, error, revert_error)
        return "error", 1, f"{type(error).__name__}: {error}" + _cleanup_hint(
            drill, error, revert_error)
    if drill.result is None:
        return "error", 1, "the scenario ended before RTO and RPO were measured"
    if drill.result.passed:
        return "passed", 0, "all objectives met"
    return "failed", 1, "; ".join(drill.result.reasons)


def finish(drill: Any, error: BaseException | None,
           revert_error: BaseException | None = None) -> None:
    """Journal ``run.finished`` with the verdict and exit code (a failure names its cause)."""
    verdict, code, reason = _verdict(drill, error or revert_error, revert_error)
    cause = likely_cause(getattr(drill, "readiness", None)) if verdict in ("failed", "error") \
        else ""
    reason = f"{reason}; {cause}" if cause else reason
    drill.exit_code = code
    drill.timeline.record("run.finished", verdict=verdict, passed=verdict == "passed",
                          exit_code=code, reason=reason)
