"""``drill up --scenario failback``: the drill fails over, people fail back by hand.

After the region is lost (on request, as for ``region-loss``) the drill runs the guide's
failover itself and measures it; then the primary region comes back, a marker writer keeps
writing (continuing the failover's numbering), and people run the guide's five failback
lines with their own aws CLI (docs/rehearsal.md spells them out). The run waits, until
stopped, for N consecutive healthy probes served by the primary region, and measures the
failback as the failback drill does (:mod:`drills.run.failback_phases`): downtime from
the write freeze to that recovery, and the writes made after the failover that the primary lacks.

The write freeze is the guide's "Scale Down DR ECS Service": the start of people's first
``ecs UpdateService`` call in the DR region after the region came back (if they made none,
their first call after it; if none, the moment it came back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from drills.measure.rto_rpo import tail_healthy
from drills.run import failback_phases as failback

if TYPE_CHECKING:
    from drills.rehearsal.operator import OperatorJournal
    from drills.run.engine import Drill

__all__ = ["FAILBACK_WAIT_REAL_S", "failback_by_hand"]

FAILBACK_WAIT_REAL_S = 24 * 3600.0  # how long the run waits for people (real seconds)


def _freeze_at(journal: OperatorJournal, dr_region: str, back_at: float) -> float:
    scaled = journal.first_call_since(back_at, service="ecs", operation="UpdateService",
                                      region=dr_region)
    if scaled is not None:
        return float(scaled)
    first = journal.first_call_since(back_at)
    return back_at if first is None else float(first)


def failback_by_hand(drill: Drill, journal: OperatorJournal,
                     progress: Callable[[str], None]) -> None:
    """The failover by the drill, then the primary back and the failback people make."""
    s = drill.settings
    drill.detect()
    progress(f"outage declared at t={drill.detected_at:.0f}s; the drill runs the guide's "
             "failover itself")
    drill.fail_over()
    drill.await_recovery()
    result = drill.measure()
    progress(f"failed over: RTO {result.rto_seconds:.0f}s; bringing {s.primary_region} back")
    failback.keep_writing(drill)
    failback.region_back(drill, s.primary_region)
    back_at = drill.clock.now()
    drill.timeline.record("rehearsal.failback_awaited", region=s.primary_region)
    progress(f"{s.primary_region} is back at drill t={back_at:.0f}s: run the failback by hand "
             "(docs/rehearsal.md, \"Failback by hand\")")
    n = s.recovery_consecutive
    with drill.phase("failback-by-hand"):
        assert drill.prober is not None  # the failover before it probed
        drill.prober.wait_for(lambda xs: tail_healthy(xs, n, s.primary_region),
                              timeout_s=drill.clock.drill(FAILBACK_WAIT_REAL_S))
    measured = failback.measure_failback(drill, s.primary_region,
                                         _freeze_at(journal, s.dr_region, back_at))
    progress(f"failed back: downtime {measured.downtime_seconds:.0f}s from the write freeze, "
             f"{len(measured.lost_markers)} writes made after the failover lost")
