"""Judging a drill against its objectives, and the run's closing journal entry.

:func:`judge` is the one judgement of every scenario, failover or not: it writes the run's one
``measurement`` event (reports/run_folder.py), the simulator's ``ground_truth`` where there is
one, and one critical finding per missed objective.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from drills.audit.in_drill import likely_cause
from drills.measure.context import RunContext
from drills.measure.results import DrillResult, Objectives
from drills.measure.rto_rpo import RpoResult, RtoResult
from drills.measure.store_rpo import StoreRpo, store_reasons
from drills.safety.interrupts import Interrupted
from infra.core.errors import DrillAborted, DrillError, SafetyRefusal
from reports.run_folder import Measurement, RunFinished

if TYPE_CHECKING:
    from infra.embedded.truth import GroundTruth

__all__ = ["finish", "judge", "reasons"]

Verdict = Literal["passed", "failed", "aborted", "error"]


def reasons(obj: Objectives, rto: RtoResult, rpo: RpoResult,
            stores: tuple[StoreRpo, ...] = ()) -> tuple[str, ...]:
    """Why a measurement misses its objectives: RTO, then each judged store (or the RPO)."""
    found = []
    if rto.rto_seconds > obj.rto_seconds:
        found.append(f"RTO {rto.rto_seconds:.0f}s exceeded the objective of "
                     f"{obj.rto_seconds:.0f}s")
    if stores:  # each judged store on its own, named (the database's objective is obj's)
        found.extend(store_reasons(stores))
    elif rpo.rpo_seconds > obj.rpo_seconds:
        found.append(f"RPO {rpo.rpo_seconds:.1f}s exceeded the objective of "
                     f"{obj.rpo_seconds:.1f}s ({len(rpo.lost)} markers lost)")
    return tuple(found)


def judge(drill: RunContext, rto: RtoResult, rpo: RpoResult, *, region: str,
          truth: GroundTruth | None, stores: tuple[StoreRpo, ...] = ()) -> DrillResult:
    """The drill's result from RTO/RPO measured in ``region`` and ground truth, journaled."""
    missed = reasons(drill.objectives, rto, rpo, stores)
    drill.timeline.write(Measurement(
        rto_seconds=rto.rto_seconds, rpo_seconds=rpo.rpo_seconds,
        outage_start=rto.outage_start, detected_at=rto.detected_at,
        runbook_started_at=rto.runbook_started_at, recovered_at=rto.recovered_at,
        detect_seconds=rto.detect_seconds, decide_seconds=rto.decide_seconds,
        execute_seconds=rto.execute_seconds, failed_probes=rto.failed_probes,
        lost_markers=list(rpo.lost), last_acked_marker=rpo.last_acked,
        newest_surviving_marker=rpo.newest_surviving, served_region=region,
        rpo_by_store={s.store: s.rpo_seconds for s in stores},
        stores={s.store: s.describe() for s in stores}))
    if truth is not None:
        per_store = {"stores": _truth_by_store(truth, drill)} if stores else {}
        drill.timeline.record("ground_truth", rto_seconds=truth.rto_seconds,
                              rpo_seconds=truth.rpo_seconds, outage_start=truth.outage_start,
                              recovered_at=truth.recovered_at, lost_markers=list(truth.lost_seqs),
                              **per_store)
    for i, reason in enumerate(missed, 1):
        drill.timeline.record("finding", id=f"OBJ-{i}", severity="critical", message=reason)
    return DrillResult(rto.rto_seconds, rpo.rpo_seconds, drill.objectives, region,
                       tuple(rpo.lost), truth, missed, stores)


def _truth_by_store(truth: GroundTruth, drill: RunContext) -> dict[str, dict[str, Any]]:
    """The simulator's per-store account, over the markers the writer saw acknowledged too."""
    acked = [m.seq for m in drill.writer.acked()] if drill.writer else []
    return {name: {"rpo_seconds": t.rpo_seconds, "rpo_over_acknowledged": t.rpo_over(acked),
                   "lost_markers": list(t.lost_seqs), "reached_dr": len(t.applied)}
            for name, t in truth.stores.items()}


def _interrupted(drill: RunContext, error: BaseException,
                 revert_error: BaseException | None) -> str:
    how = f"interrupted by {error.signal}" if isinstance(error, Interrupted) else "interrupted"
    if revert_error is not None:
        return f"{how}; {revert_error}; finish with `drill cleanup --run {drill.run_dir}`"
    count = len(drill.faults)
    return f"{how}; " + (f"{count} fault(s) reverted and verified" if count
                         else "no fault had been injected")


def _cleanup_hint(drill: RunContext, error: BaseException,
                  revert_error: BaseException | None) -> str:
    if revert_error is None:
        return ""
    also = "" if revert_error is error else f"; and the revert failed: {revert_error}"
    return f"{also}; finish with `drill cleanup --run {drill.run_dir}`"


def _verdict(drill: RunContext, error: BaseException | None,
             revert_error: BaseException | None = None) -> tuple[Verdict, int, str]:
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


def finish(drill: RunContext, error: BaseException | None,
           revert_error: BaseException | None = None) -> None:
    """Journal ``run.finished`` with the verdict and exit code (a failure names its cause)."""
    verdict, code, reason = _verdict(drill, error or revert_error, revert_error)
    cause = likely_cause(drill.readiness) if verdict in ("failed", "error") else ""
    reason = f"{reason}; {cause}" if cause else reason
    drill.exit_code = code
    drill.timeline.write(RunFinished(verdict=verdict, passed=verdict == "passed",
                                     exit_code=code, reason=reason))
