"""Outcomes of the faults that need no regional failover, measured from the probes and markers.

The region-loss drill recovers in DR (:meth:`~drills.run.engine.Drill.await_recovery` and
:meth:`~drills.run.engine.Drill.measure`). The rest of the fault catalogue is judged in the
region that keeps serving:

Recovery in a region
    As in :mod:`drills.measure.rto_rpo`, with the serving region in place of DR: the first of N
    consecutive healthy probes served by the region after the first failed probe at or after
    the outage start. When no probe failed, nothing had to recover: RTO 0 (a shorter blip
    between two probes is missed, so the error is at most one probe interval either way).
    RPO: the acknowledged markers before the outage against those in the region's database.

Data at risk
    What a region loss at a given moment ``t`` would cost: the newest marker the primary's
    database holds (written at or before ``t``) minus the newest of them DR's database holds,
    by the markers' own timestamps, both read through the regions' load balancers right after
    ``t``. It reads the databases rather than the writer's acknowledgements, which trail the
    commits. On virtual time the reads happen at ``t`` itself, once everything else due at
    ``t`` has happened (:meth:`~infra.core.clock.Clock.settle`): a marker written, a replicated
    write landing or a fault acting at that very instant is in what they read. A stalled or
    cut-off replica makes it grow; :func:`watch_replication` samples it at the probe interval
    until it is back within the RPO objective after exceeding it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass

from drills.measure.context import RunContext
from drills.measure.probes import AckedMarker, MarkerWriter, Prober, ProbeSample, written_markers
from drills.measure.readback import read_marker_times, read_markers
from drills.measure.results import DrillResult
from drills.measure.rto_rpo import (
    RpoResult,
    RtoResult,
    find_recovery,
    first_failure,
    measure_rpo,
    measure_rto,
)
from drills.measure.verdict import judge
from infra.core.errors import MeasurementError

__all__ = ["ReplicationWatch", "RiskSample", "api_retries", "await_recovery_in", "await_samples",
           "data_at_risk",
           "failed_probes", "measure_in_region", "measure_served_by", "watch_replication"]


@dataclass(frozen=True, slots=True)
class RiskSample:
    """Data at risk in DR at drill time ``t`` (drill seconds), with the replica lag then;
    both databases were read between ``t`` and ``read_at``."""

    t: float
    read_at: float
    at_risk_seconds: float
    replica_lag_seconds: float | None


@dataclass(frozen=True, slots=True)
class ReplicationWatch:
    """How the data at risk in DR went: its peak and when it was back within the objective."""

    region: str
    objective_seconds: float
    samples: tuple[RiskSample, ...]

    @property
    def peak(self) -> RiskSample:
        """The sample with the most data at risk."""
        return max(self.samples, key=lambda x: x.at_risk_seconds)

    @property
    def back_within_at(self) -> float | None:
        """The first sample after the peak back within the objective, if any."""
        peak = self.peak
        return next((x.t for x in self.samples if x.t > peak.t
                     and x.at_risk_seconds <= self.objective_seconds), None)

    @property
    def replication_stopped_seen(self) -> bool:
        """Whether the replica reported replication stopped (ReplicaLag -1) at some sample."""
        return any(x.replica_lag_seconds == -1 for x in self.samples)


def _recovered(samples: Sequence[ProbeSample], start: float, region: str, consecutive: int) -> bool:
    failed = first_failure(samples, after=start)
    after = failed.t if failed is not None else start
    return find_recovery(samples, after=after, region=region, consecutive=consecutive) is not None


def await_recovery_in(drill: RunContext, region: str) -> None:
    """Wait until N consecutive healthy probes served by ``region`` follow the outage."""
    s, start = drill.settings, _outage_start(drill)
    with drill.phase("recovery"):
        _probes(drill).wait_for(
            lambda xs: _recovered(xs, start, region, s.recovery_consecutive), s.step_timeout_s)


def measure_in_region(drill: RunContext, region: str) -> DrillResult:
    """Stop the markers, measure RTO and RPO in ``region``, judge them (``drill.result``)."""
    start = _outage_start(drill)
    with drill.phase("measure"):
        rto, rpo, _written = measure_served_by(drill, region, since=start, rpo_cutoff=start)
        plane = drill.backend.dataplane
        truth = plane.ground_truth(region=region, since=rto.outage_start) if plane else None
        drill.result = judge(drill, rto, rpo, region=region, truth=truth)
    return drill.result


def _outage_start(drill: RunContext) -> float:
    if drill.outage_start is None:
        raise MeasurementError("no fault was injected: there is no outage to measure from")
    return drill.outage_start


def _probes(drill: RunContext) -> Prober:
    if drill.prober is None:
        raise MeasurementError("the drill has no probes: steady state never started")
    return drill.prober


def _writer(drill: RunContext) -> MarkerWriter:
    if drill.writer is None:
        raise MeasurementError("the drill has no marker writer: steady state never started")
    return drill.writer


def measure_served_by(drill: RunContext, region: str, *, since: float,
                      rpo_cutoff: float) -> tuple[RtoResult, RpoResult, list[AckedMarker]]:
    """Stop the markers; the outage from ``since`` until ``region`` served (0 when no probe
    failed), the writes lost up to ``rpo_cutoff`` as read from ``region``, and the writes."""
    s, writer = drill.settings, _writer(drill)
    writer.stop()
    timeout = max(1.0, drill.clock.real(s.probe_timeout_s))
    surviving = read_markers(drill.app_target(), region=region, timeout=timeout,
                             use_proxies=drill.backend.use_proxies)
    rto = measure_rto(_probes(drill).samples(), outage_start=since, dr_region=region,
                      consecutive=s.recovery_consecutive)
    if not rto.outage_confirmed:  # no probe failed: nothing had to recover
        rto = dataclasses.replace(rto, rto_seconds=0.0, recovered_at=since)
    written = written_markers(writer.records(), surviving)
    return rto, measure_rpo(written, surviving, outage_start=rpo_cutoff), written


def data_at_risk(primary: dict[int, float], dr: dict[int, float], *, written_by: float) -> float:
    """Newest primary marker written at or before ``written_by`` minus the newest of them in
    DR (markers written after it, while the databases were read, are not counted)."""
    held = {seq: at for seq, at in primary.items() if at <= written_by}
    if not held:
        return 0.0
    copied = [at for seq, at in held.items() if seq in dr]
    return max(held.values()) - max(copied, default=min(held.values()))


def _risk_sample(drill: RunContext, urls: tuple[str, str]) -> RiskSample:
    s = drill.settings
    # The state at the end of this instant: a write or a catch-up due at it as well is read.
    drill.clock.settle()
    t = drill.clock.now()
    timeout = max(1.0, drill.clock.real(s.probe_timeout_s))
    primary = read_marker_times(urls[0], region=s.primary_region, timeout=timeout)
    dr = read_marker_times(urls[1], region=s.dr_region, timeout=timeout)
    return RiskSample(round(t, 6), round(drill.clock.now(), 6),
                      data_at_risk(primary, dr, written_by=t), drill.backend.replica_lag_seconds())


def watch_replication(drill: RunContext, region: str) -> ReplicationWatch:
    """Sample the data at risk in DR until it is back within the RPO objective after having
    exceeded it (or the step timeout passes); the samples are journaled."""
    s, objective = drill.settings, drill.objectives.rpo_seconds
    d = drill.backend.deployment
    urls = (drill.backend.resolve(d.primary.ALBDNSName), drill.backend.resolve(d.dr.ALBDNSName))
    samples: list[RiskSample] = []

    def sample() -> bool:
        samples.append(_risk_sample(drill, urls))
        watch = ReplicationWatch(region, objective, tuple(samples))
        return watch.peak.at_risk_seconds > objective and watch.back_within_at is not None

    with drill.phase("watch-replication"):
        # Not done by the deadline is judged by the caller: the watch says how far it got.
        drill.clock.poll(sample, timeout_s=s.step_timeout_s, every_s=s.probe_interval_s,
                         what="the replication watch")
        watch = ReplicationWatch(region, objective, tuple(samples))
        drill.timeline.record(
            "replication.watch", region=region, objective_seconds=objective,
            peak_seconds=watch.peak.at_risk_seconds, peak_at=watch.peak.t,
            back_within_at=watch.back_within_at, stopped_seen=watch.replication_stopped_seen,
            samples=[dataclasses.astuple(x) for x in samples])
    return watch


def await_samples(drill: RunContext, count: int) -> None:
    """Wait until ``count`` probe samples were taken at or after the outage start."""
    start = _outage_start(drill)
    _probes(drill).wait_for(lambda xs: sum(1 for x in xs if x.t >= start) >= count,
                          drill.settings.step_timeout_s)


def failed_probes(drill: RunContext) -> list[ProbeSample]:
    """The probe samples that failed at or after the outage start."""
    start = _outage_start(drill)
    return [x for x in _probes(drill).samples() if x.t >= start and not x.ok]


def api_retries(drill: RunContext, service: str, operation: str) -> int:
    """How many times the run retried ``service`` ``operation`` (its journal's api.retry)."""
    count = 0
    with drill.timeline.path.open(encoding="utf-8") as fh:
        for line in fh:
            event = json.loads(line)
            if event.get("kind") == "api.retry" and event.get("service") == service \
                    and event.get("operation") == operation:
                count += 1
    return count
