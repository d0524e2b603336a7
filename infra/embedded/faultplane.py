"""The embedded backend's fault controls: what the catalogue's faults change in the simulator.

A :class:`FaultPlane` belongs to a running :class:`~infra.embedded.simulator.RegionSimulator`
(``sim.fault_plane``). Each control changes what AWS would change and nothing else, and the
consequences follow from moto's state and the latency model, as on AWS:

- **zone loss**: the service's tasks in the zone stop and are replaced in the other zones
  (``ecs_tasks``); a Multi-AZ database whose writer is there fails over to its standby
  (``rds_failover``); a cache node group whose primary is there promotes a replica elsewhere
  (``elasticache_failover``). Whatever is left in a lost zone (a single-AZ database, a cache
  without a replica outside it) is unreachable until the zone returns.
- **task crash**: tasks stop and the scheduler replaces them.
- **replication held**: a stalled replica or a partition between the regions; writes wait
  and land when the hold ends (``dataplane.Replicator``).
- **slow DNS**: every Route 53 change made meanwhile takes longer to propagate.
- **refused DNS changes**: the next changes are answered with an error (``route53_rejections``).

Every control records itself in the ground-truth log; health facts are refreshed after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

from moto.elasticache.exceptions import ElastiCacheException

from infra.core.clock import Clock
from infra.embedded import moto_state
from infra.embedded.dataplane import Replicator
from infra.embedded.latency import LatencyModel, Transition
from infra.embedded.moto_ext import ecs_tasks, elasticache_failover, rds_failover
from infra.embedded.scheduler import Scheduler
from infra.embedded.truth import TruthLog

__all__ = ["DNS_REFUSAL", "FaultPlane", "Hold", "RegionNames"]

Hold = Literal["stalled", "partitioned"]
# What Route 53 answers a change made while it still applies an earlier one (HTTP 400).
DNS_REFUSAL = ("PriorRequestNotComplete",
               "The request was rejected because Route 53 was still processing a prior request.")


class RegionNames(Protocol):
    """The names of what the simulator serves in one region."""

    @property
    def name(self) -> str:
        """The region."""

    @property
    def database_id(self) -> str:
        """Its database instance."""

    @property
    def cluster(self) -> str:
        """Its ECS cluster."""

    @property
    def service(self) -> str:
        """Its ECS service."""


class FaultPlane:
    """Fault controls over moto's state, the replicator and the latency model."""

    def __init__(self, *, clock: Clock, latency: LatencyModel, scheduler: Scheduler,
                 truth: TruthLog, replicator: Replicator, regions: Mapping[str, RegionNames],
                 refresh: Callable[[str, float], None]) -> None:
        self._clock = clock
        self._latency = latency
        self._scheduler = scheduler
        self._truth = truth
        self._replicator = replicator
        self._regions = regions
        self._refresh = refresh
        self._lock = threading.Lock()
        self._lost: dict[str, set[str]] = {}
        self._timers: dict[str, int] = {}
        self._refusals_left = 0
        self.refused = 0

    # -- zones -----------------------------------------------------------------------

    def zone_down(self, region: str, zone: str) -> None:
        """Lose ``zone`` of ``region``: tasks there stop, writers there fail over."""
        names = self._names(region, zone)
        with self._lock:
            before = set(self._lost.get(region, ()))
            if zone in before:
                return
            self._lost.setdefault(region, set()).add(zone)
        t = self._clock.now()
        self._truth.record("zone.down", t=t, region=region, zone=zone)
        self._stop_zone_tasks(names, zone, before)
        self._fail_over_database(names, zone)
        self._fail_over_caches(region, zone)
        self._refresh(region, t)

    def zone_up(self, region: str, zone: str) -> None:
        """Bring ``zone`` back; what failed over stays where it went (AWS does not fail back)."""
        self._names(region, zone)
        with self._lock:
            if zone not in self._lost.get(region, set()):
                return
            self._lost[region].discard(zone)
        t = self._clock.now()
        self._truth.record("zone.up", t=t, region=region, zone=zone)
        self._refresh(region, t)

    def lost_zones(self, region: str) -> frozenset[str]:
        """The zones of ``region`` lost now."""
        with self._lock:
            return frozenset(self._lost.get(region, ()))

    def zone_problems(self, region: str) -> dict[str, tuple[str, ...]]:
        """Health problems from lost zones, by component (``database``, ``cache``)."""
        lost = self.lost_zones(region)
        if not lost or region not in self._regions:
            return {}
        db = moto_state.backend("rds", region).databases.get(self._regions[region].database_id)
        database = (f"database {db.db_instance_identifier!r} is in lost zone "
                    f"{db.availability_zone}",) if db is not None and \
            db.availability_zone in lost else ()
        cache = tuple(
            f"cache {g.replication_group_id!r} primary is in a lost zone"
            for g in moto_state.backend("elasticache", region).replication_groups.values()
            for n in g.node_groups
            if (elasticache_failover.primary_member(n) or {}).get(
                "preferred_availability_zone") in lost)
        return {"database": database, "cache": cache}

    def _names(self, region: str, zone: str) -> RegionNames:
        if region not in self._regions:
            raise ValueError(f"unknown region {region!r}; known: {sorted(self._regions)!r}")
        if not (zone.startswith(region) and len(zone) == len(region) + 1):
            raise ValueError(f"{zone!r} is not an availability zone of {region!r}")
        return self._regions[region]

    def _stop_zone_tasks(self, names: RegionNames, zone: str, lost_before: set[str]) -> None:
        service = self._service(names)
        zones = [z for z in moto_state.service_zones(names.name, names.cluster, names.service)
                 if z not in lost_before]
        if service is None or zone not in zones:
            return
        # ECS spreads a service's tasks evenly over its zones (its default placement).
        in_zone = sum(1 for i in range(service.running_count) if zones[i % len(zones)] == zone)
        ecs_tasks.stop_tasks(service, in_zone, region=names.name)

    def _fail_over_database(self, names: RegionNames, zone: str) -> None:
        db = moto_state.backend("rds", names.name).databases.get(names.database_id)
        if db is not None and db.availability_zone == zone and db.multi_az \
                and db.status == "available":
            rds_failover.fail_over(db, region=names.name)

    def _fail_over_caches(self, region: str, zone: str) -> None:
        lost = self.lost_zones(region)
        for group in moto_state.backend("elasticache", region).replication_groups.values():
            for node_group in group.node_groups:
                primary = elasticache_failover.primary_member(node_group) or {}
                if primary.get("preferred_availability_zone") != zone:
                    continue
                try:
                    elasticache_failover.fail_over(group, node_group["node_group_id"],
                                                   region=region, lost_zones=lost)
                except ElastiCacheException:
                    continue  # no replica outside the zone: down until the zone returns

    # -- tasks -----------------------------------------------------------------------

    def crash_tasks(self, region: str, count: int) -> int:
        """Stop ``count`` running tasks of the region's service; how many stopped."""
        if region not in self._regions:
            raise ValueError(f"unknown region {region!r}; known: {sorted(self._regions)!r}")
        names = self._regions[region]
        service = self._service(names)
        stopped = 0 if service is None else ecs_tasks.stop_tasks(service, count, region=region)
        t = self._clock.now()
        self._truth.record("tasks.crashed", t=t, region=region, count=stopped)
        self._refresh(region, t)
        return stopped

    @staticmethod
    def _service(names: RegionNames) -> Any:
        ecs = moto_state.backend("ecs", names.name)
        return ecs.services.get(f"{names.cluster}:{names.service}")

    # -- replication -----------------------------------------------------------------

    def hold_replication(self, reason: Hold, seconds: float | None = None) -> None:
        """Hold replication for ``reason``; released after ``seconds`` (None: until released)."""
        with self._lock:
            generation = self._timers.get(reason, 0) + 1
            self._timers[reason] = generation
        self._replicator.hold(reason)
        if seconds is not None:
            self._scheduler.after(seconds, lambda at: self._timed_release(reason, generation, at),
                                  label=f"release replication ({reason})")

    def release_replication(self, reason: Hold) -> None:
        """End hold ``reason`` now (no-op when it is not held)."""
        with self._lock:
            self._timers[reason] = self._timers.get(reason, 0) + 1
        self._replicator.release(reason, self._clock.now())

    def replication_holds(self) -> frozenset[str]:
        """Why replication is held now (empty: it runs)."""
        return self._replicator.holds()

    def _timed_release(self, reason: Hold, generation: int, at: float) -> None:
        with self._lock:
            if self._timers.get(reason) != generation:
                return  # released or held again since
        self._replicator.release(reason, at)

    # -- DNS -------------------------------------------------------------------------

    def slow_dns(self, extra_s: float) -> None:
        """Make every Route 53 change from now on propagate ``extra_s`` drill seconds later."""
        self._latency.slow_down(Transition.ROUTE53_PROPAGATION, extra_s)
        self._truth.record("route53.slowed", extra_s=extra_s)

    def restore_dns(self) -> None:
        """Undo :meth:`slow_dns` (changes already made keep their time)."""
        if self.dns_slowdown():
            self._latency.restore(Transition.ROUTE53_PROPAGATION)
            self._truth.record("route53.restored")

    def dns_slowdown(self) -> float:
        """Extra drill seconds Route 53 changes take now (0: normal)."""
        return self._latency.slowdowns().get(Transition.ROUTE53_PROPAGATION.value, 0.0)

    def refuse_dns_changes(self, times: int) -> None:
        """Refuse the next ``times`` Route 53 record changes (0 stops refusing)."""
        if times < 0:
            raise ValueError(f"times must be >= 0, got {times!r}")
        with self._lock:
            before, self._refusals_left = self._refusals_left, times
        if times or before:
            self._truth.record("route53.refusing", times=times)

    def dns_refusals_left(self) -> int:
        """How many Route 53 changes are still to be refused."""
        with self._lock:
            return self._refusals_left

    def rejection(self, service: str, operation: str) -> tuple[str, str] | None:
        """The error to refuse this call with, if a fault says so (moto_ext's ApiFaults)."""
        if (service, operation) != ("route53", "ChangeResourceRecordSets"):
            return None
        with self._lock:
            if self._refusals_left <= 0:
                return None
            self._refusals_left -= 1
            self.refused += 1
        self._truth.record("route53.change_refused", code=DNS_REFUSAL[0])
        return DNS_REFUSAL
