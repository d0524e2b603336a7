"""Replication for the failback: from the promoted DR database back to the primary region.

After a failover DR's database is the writer. The failback creates a read replica of it in
the primary region (the old primary instance is stale and deleted first); a new replica
starts as a copy of its source and then applies the source's writes after the modelled lag,
so the primary's database becomes exactly DR's (writes lost in the region outage stay
lost). Promoting that replica stops the reverse replication (R1); re-creating the DR
replica from the primary copies the primary and resumes primary -> DR replication.

Every write DR committed is remembered: the failback's ground truth is which of them the
primary's database holds afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from infra.canary.sqlite_store import StoredMarker
from infra.core.settings import InfraSettings
from infra.embedded.dataplane import Outages, RegionDatabase, Replicator
from infra.embedded.latency import LatencyModel
from infra.embedded.moto_ext.transitions import TransitionEvent
from infra.embedded.replica_lag_metric import ReplicaLagMetric
from infra.embedded.scheduler import Scheduler
from infra.embedded.truth import GroundTruth, TruthLog, data_loss

__all__ = ["FailbackReplication"]


class _Served(Protocol):
    @property
    def database_id(self) -> str:
        """The region's database instance."""

    @property
    def database(self) -> RegionDatabase:
        """The region's marker store."""


class FailbackReplication:
    """Reverse (DR -> primary) replication and the return of primary -> DR replication."""

    def __init__(self, *, settings: InfraSettings, regions: Mapping[str, _Served],
                 forward: Replicator, scheduler: Scheduler, latency: LatencyModel,
                 outages: Outages, truth: TruthLog,
                 refresh: Callable[[str, float], None]) -> None:
        self._primary, self._dr = settings.primary_region, settings.dr_region
        self._regions = regions
        self._forward = forward
        self._scheduler, self._latency, self._outages = scheduler, latency, outages
        self._truth = truth
        self._refresh = refresh
        self.reverse: Replicator | None = None
        self._dr_commits: list[StoredMarker] = []
        self._copied: frozenset[int] = frozenset()  # seqs the new replica started with
        # DR's canary commits in its request threads while the replica is created in moto's:
        # the copy and the start of shipping must be one step for them, or a write committed
        # between the two is neither copied nor shipped (a replica made from a snapshot
        # applies every write after it, so nothing is lost on RDS).
        self._lock = threading.Lock()

    def on_dr_commit(self, row: StoredMarker) -> None:
        """A write committed in DR: remembered, and shipped to the primary when replicating."""
        with self._lock:
            self._dr_commits.append(row)
            reverse = None if row.seq in self._copied else self.reverse
        if reverse is not None:
            reverse.ship(row)

    def on_event(self, event: TransitionEvent) -> None:
        """A replica created, an instance deleted or promoted: act where it concerns us."""
        from infra.embedded.moto_ext.rds_promote import PROMOTE
        from infra.embedded.moto_ext.rds_replica_events import REPLICA_CREATED

        t = event.started_at
        if event.kind == REPLICA_CREATED and self._is(event, self._primary):
            self._start_reverse(t)
        elif event.kind == REPLICA_CREATED and self._is(event, self._dr):
            self._restore_forward(t)
        elif event.kind == PROMOTE and event.completed_at is None and self.reverse is not None \
                and self._is(event, self._primary):
            self.reverse.stop_at(t)  # promotion stops replication (R1)
        self._refresh(event.region, t)

    def _is(self, event: TransitionEvent, region: str) -> bool:
        return event.region == region and event.subject == self._regions[region].database_id

    def _start_reverse(self, t: float) -> None:
        source, target = self._regions[self._dr].database, self._regions[self._primary].database
        with self._lock:
            rows = list(source.db.rows())
            target.db.replace_all(rows)  # a new replica starts as its source
            self._copied = frozenset(r.seq for r in rows)
            self.reverse = Replicator(source=self._dr, target=target, scheduler=self._scheduler,
                                      latency=self._latency, outages=self._outages,
                                      truth=self._truth)
        self._truth.record("replication.created", t=t, source=self._dr, target=self._primary)
        reverse = self.reverse
        ReplicaLagMetric(scheduler=self._scheduler, region=self._primary,
                         replica_id=self._regions[self._primary].database_id,
                         lag=lambda: reverse.lag_seconds(self._truth.clock.now())).start(t)

    def _restore_forward(self, t: float) -> None:
        source, target = self._regions[self._primary].database, self._regions[self._dr].database
        if self.reverse is not None:
            self.reverse.stop_at(t)
        # Resume before copying: a primary write landing before the resume is dropped, but it
        # was committed before the copy, so the copy holds it; every later one is applied.
        self._forward.resume_at(t)
        target.db.replace_all(list(source.db.rows()))

    def ground_truth(self, *, since: float, recovered: float | None) -> GroundTruth:
        """Every write DR committed against the primary's database now (origin: DR)."""
        primary_rows = self._regions[self._primary].database.db.rows()
        result = data_loss(list(self._dr_commits), primary_rows, primary=self._dr,
                           cutoff=float("inf"), outage=since, recovered=recovered)
        self._truth.record("ground_truth.failback", outage_start=since, recovered_at=recovered,
                           rto_seconds=result.rto_seconds, rpo_seconds=result.rpo_seconds,
                           lost_markers=list(result.lost_seqs), region=self._primary)
        return result
