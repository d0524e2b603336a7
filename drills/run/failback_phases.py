"""The failback as drill phases: region back, fail back, and its own downtime and data loss.

Definitions (drill seconds), as for the failover (:mod:`drills.measure.rto_rpo`):

Failback downtime
    From the start of the runbook's write freeze (the DR service scaled to 0) to the first of
    N consecutive healthy probes served by the primary region. No failed probe: 0.

Failback RPO
    Over the markers written after the failover (a writer continuing the failover's
    numbering, started once the app was served from DR): the last acknowledged one minus
    the newest of them in the primary's database, read through the app's name after the
    failback. 0 when every one is there.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drills.measure.context import RunContext
from drills.measure.outcomes import measure_served_by
from drills.measure.probes import MarkerWriter
from drills.measure.rto_rpo import tail_healthy
from drills.runbooks.executor import (
    FailbackTarget,
    RunbookContext,
    StepResult,
    execute,
    runbook_context,
)
from drills.runbooks.failback import FAILBACK_FREEZE_STEP, failback_steps
from infra.core.errors import FaultInjectionError, MeasurementError, RevertError

if TYPE_CHECKING:
    from infra.embedded.truth import GroundTruth

__all__ = ["FailbackResult", "await_failback", "fail_back", "keep_writing", "measure_failback",
           "region_back"]


@dataclass(frozen=True, slots=True)
class FailbackResult:
    """What the failback measured, with the simulator's account where there is one."""

    downtime_seconds: float
    rpo_seconds: float
    freeze_at: float
    recovered_at: float
    served_region: str
    written_after_failover: int
    lost_markers: tuple[int, ...]
    ground_truth: GroundTruth | None = None


def region_back(drill: RunContext, region: str) -> None:
    """Revert the outage of ``region`` now, read back, journaled; close() skips it after."""
    fault = next((f for f in drill.faults if f.name == "region-outage" and f.target == region),
                 None)
    if fault is None:
        raise FaultInjectionError(f"region {region!r} was not lost in this drill",
                                  fault="region-outage")
    with drill.phase("region-back"):
        fault.revert()
        if fault.is_active():
            raise RevertError(f"region {region!r} is still cut off after its revert")
        drill.timeline.record("fault.reverted", fault=fault.name, target=fault.target,
                              verified=True)
        drill.faults.remove(fault)


def keep_writing(drill: RunContext) -> None:
    """Start a marker writer that continues the stopped one's numbering (same markers.csv)."""
    s, old = drill.settings, drill.writer
    if old is None:
        raise MeasurementError("no marker writer to continue: steady state never started")
    first = max((r.seq for r in old.records()), default=0) + 1
    drill.writer = MarkerWriter(target=drill.app_target, clock=drill.clock,
                                interval_s=s.marker_interval_s, csv_path=old.csv_path,
                                first_seq=first)
    drill.writer.start()
    drill.timeline.record("markers.resumed", first_seq=first)


def _context(drill: RunContext) -> RunbookContext:
    ctx = runbook_context(drill)  # the failover's context: same clients, retry and clock
    p, d = drill.backend.deployment.primary, drill.backend.deployment.dr
    target = FailbackTarget(**{f.name: getattr(ctx.target, f.name)
                               for f in dataclasses.fields(ctx.target)},
                            primary_db_id=p.RDSInstanceId, primary_alb_dns=p.ALBDNSName,
                            primary_efs_id=p.EFSFileSystemId, dr_efs_id=d.EFSFileSystemId,
                            primary_kms_key=p.KMSKeyId, dr_kms_key=d.KMSKeyId)
    return dataclasses.replace(ctx, target=target)


def fail_back(drill: RunContext) -> float:
    """Run the failback runbook; the drill time its write freeze started."""
    s = drill.settings
    with drill.phase("failback"):
        done: tuple[StepResult, ...] = execute(
            failback_steps(s.primary_region, s.dr_region), _context(drill),
            timeline=drill.timeline, progress=drill.progress)
    return next(r.started_at for r in done if r.name == FAILBACK_FREEZE_STEP)


def await_failback(drill: RunContext, region: str) -> None:
    """Wait until N consecutive healthy probes are served by ``region``."""
    n, prober = drill.settings.recovery_consecutive, drill.prober
    if prober is None:
        raise MeasurementError("the drill has no probes: steady state never started")
    with drill.phase("failback-recovery"):
        prober.wait_for(lambda xs: tail_healthy(xs, n, region),
                              drill.settings.step_timeout_s)


def measure_failback(drill: RunContext, region: str, freeze_at: float) -> FailbackResult:
    """Stop the markers, measure the failback's downtime and RPO in ``region``, journal them."""
    with drill.phase("measure-failback"):
        rto, rpo, written = measure_served_by(drill, region, since=freeze_at,
                                              rpo_cutoff=drill.clock.now())
        result = FailbackResult(rto.rto_seconds, rpo.rpo_seconds, freeze_at, rto.recovered_at,
                                region, len(written), rpo.lost, _truth(drill, freeze_at))
        _journal(drill, result)
    return result


def _truth(drill: RunContext, freeze_at: float) -> GroundTruth | None:
    plane = drill.backend.dataplane
    if plane is None or plane.failback is None:
        return None
    recovery = plane.ground_truth(region=drill.settings.primary_region, since=freeze_at)
    return plane.failback.ground_truth(since=freeze_at, recovered=recovery.recovered_at)


def _journal(drill: RunContext, r: FailbackResult) -> None:
    drill.timeline.record("failback.measurement", downtime_seconds=r.downtime_seconds,
                          rpo_seconds=r.rpo_seconds, freeze_at=r.freeze_at,
                          recovered_at=r.recovered_at, served_region=r.served_region,
                          written_after_failover=r.written_after_failover,
                          lost_markers=list(r.lost_markers))
    t = r.ground_truth
    if t is not None:
        drill.timeline.record("failback.ground_truth", downtime_seconds=t.rto_seconds,
                              rpo_seconds=t.rpo_seconds, recovered_at=t.recovered_at,
                              lost_markers=list(t.lost_seqs))
    drill.progress(f"failback: downtime {r.downtime_seconds:.0f}s, RPO {r.rpo_seconds:.1f}s "
                   f"over {r.written_after_failover} markers written after the failover")
