"""The embedded backend's data plane: a canary per region, replication, DNS and ground truth.

A :class:`RegionSimulator` runs in the moto server's process and reads resource state
straight from moto's backends, so the failover runbook's real API calls (promote the
replica, scale the DR service, UPSERT the app record) are what make DR healthy. While it
runs it is the active :mod:`~infra.embedded.moto_ext.transitions` context: the moto
extensions take their durations from its latency model and report every transition to it.
See ``docs/simulator.md``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from infra.canary.app import CanaryApp, CanaryServer
from infra.core.clock import Clock
from infra.core.settings import InfraSettings
from infra.embedded import moto_state, reachability, wiring
from infra.embedded.accounting import GroundTruthAccount
from infra.embedded.canary_stores import DataStores
from infra.embedded.dataplane import Outages, RegionDatabase, Replicator, StoredMarker
from infra.embedded.failback_replication import FailbackReplication
from infra.embedded.faultplane import FaultPlane
from infra.embedded.fis_effects import FisEffects
from infra.embedded.latency import LatencyModel
from infra.embedded.moto_ext import transitions
from infra.embedded.moto_ext.cfn_created import STACK_CREATED
from infra.embedded.moto_ext.ecs_tasks import SCALE, SCALED_DOWN
from infra.embedded.moto_ext.elasticache_failover import FAILOVER as CACHE_FAILOVER
from infra.embedded.moto_ext.rds_failover import FAILOVER as DB_FAILOVER
from infra.embedded.moto_ext.rds_promote import PROMOTE
from infra.embedded.moto_ext.rds_replica_events import DELETED, REPLICA_CREATED
from infra.embedded.moto_ext.route53_health import CHANGE
from infra.embedded.replica_lag_metric import ReplicaLagMetric
from infra.embedded.resolver import AppDns
from infra.embedded.scheduler import Scheduler
from infra.embedded.truth import Component, Fact, TruthLog

__all__ = ["RegionSimulator", "ResolveError"]

log = logging.getLogger(__name__)


class ResolveError(LookupError):
    """A name the embedded DNS cannot resolve to a canary."""


@dataclass(frozen=True, slots=True)
class _Region:
    """What the simulator serves for one region."""

    name: str
    database_id: str
    cluster: str
    service: str
    stack: str
    canary: CanaryServer
    database: RegionDatabase


class _RegionHealth:
    """A region's health as the canary asks for it: live from moto and the outage state."""

    def __init__(self, sim: RegionSimulator, region: str) -> None:
        self._sim = sim
        self._region = region

    def problems(self) -> tuple[str, ...]:
        """Why the region cannot serve now."""
        return self._sim.health_problems(self._region)


class RegionSimulator(GroundTruthAccount):
    """One canary and one SQLite database per region, on loopback, driven by moto's state."""

    def __init__(
        self, *, settings: InfraSettings, clock: Clock, latency: LatencyModel | None = None,
        truth_path: Path, data_dir: Path | None = None, app_name: str | None = None,
    ) -> None:
        if settings.primary_region == settings.dr_region:
            raise ValueError(f"primary and DR region are both {settings.primary_region!r}")
        self.settings = settings
        self.clock = clock
        self.latency = latency or LatencyModel.from_settings(settings)
        self.truth_path = Path(truth_path)
        self.app_name = app_name.lower().rstrip(".") if app_name else None
        self._data_dir = data_dir
        self._own_dir: Path | None = None
        self._outages = Outages()
        self._dns = AppDns((settings.primary_region, settings.dr_region), self._truth_record)
        self._detect: dict[tuple[str, float], float] = {}
        self._regions: dict[str, _Region] = {}
        self._scheduler: Scheduler | None = None
        self._truth: TruthLog | None = None
        self._replicator: Replicator | None = None
        self._plane: FaultPlane | None = None
        self.stores: DataStores | None = None  # EFS and cache per region, EFS replication
        self.failback: FailbackReplication | None = None  # reverse replication, once started
        self._context: transitions.TransitionContext | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> RegionSimulator:
        """Start the scheduler and both canaries, and become the active transition context."""
        if self._scheduler is not None:
            raise RuntimeError("simulator already started")
        folder = self._folder()
        self._truth = TruthLog(self.truth_path, self.clock)
        self._scheduler = Scheduler(self.clock).start()
        s = self.settings
        self.stores = DataStores(folder, primary=s.primary_region, dr=s.dr_region,
                                 clock=self.clock, scheduler=self._scheduler,
                                 latency=self.latency, outages=self._outages, truth=self._truth)
        self._add_region(s.primary_region, s.primary_db_id,
                         s.primary_cluster, s.primary_service, s.primary_stack, folder)
        self._add_region(s.dr_region, s.replica_id, s.dr_cluster, s.dr_service, s.dr_stack,
                         folder)
        self._replicator = Replicator(
            source=s.primary_region, target=self._regions[s.dr_region].database,
            scheduler=self._scheduler, latency=self.latency, outages=self._outages,
            truth=self._truth,
        )
        self._plane = FaultPlane(
            clock=self.clock, latency=self.latency, scheduler=self._scheduler,
            truth=self._truth, replicator=self._replicator, regions=self._regions,
            refresh=self._refresh,
        )
        self.failback = FailbackReplication(
            settings=s, regions=self._regions, forward=self._replicator, scheduler=self._scheduler,
            latency=self.latency, outages=self._outages, truth=self._truth, refresh=self._refresh)
        self._seed()
        self.stores.efs.start(self.clock.now())
        self._fis = FisEffects(stacks={s.primary_stack: s.primary_region,
                                       s.dr_stack: s.dr_region},
                               down=self.region_down, up=self.region_up)
        ReplicaLagMetric(scheduler=self._scheduler, region=s.dr_region, replica_id=s.replica_id,
                         lag=self.replica_lag_seconds).start(self.clock.now())
        self._context = transitions.TransitionContext(
            clock=self.clock, latency=self.latency, scheduler=self._scheduler,
            observer=self._on_transition, health=self, api_faults=self._plane, tasks=self,
        )
        transitions.activate(self._context)
        self._truth.record("simulator.started", regions=list(self._regions),
                           urls={r.name: r.canary.url for r in self._regions.values()},
                           latency=self.latency.describe())
        return self

    def stop(self) -> None:
        """Stop canaries and scheduler, close databases and log; leaves no thread or socket."""
        if self._context is not None:
            transitions.deactivate(self._context)
            self._context = None
        for region in self._regions.values():
            region.canary.stop()
        if self._scheduler is not None:
            self._scheduler.stop()
        for region in self._regions.values():
            region.database.db.close()
        self._regions.clear()
        if self._truth is not None:
            self._truth.record("simulator.stopped")
            self._truth.close()
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)
            self._own_dir = None

    def __enter__(self) -> RegionSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _folder(self) -> Path:
        if self._data_dir is not None:
            self._data_dir.mkdir(parents=True, exist_ok=True)
            return self._data_dir
        self._own_dir = Path(tempfile.mkdtemp(prefix="streamflix-sim-"))
        return self._own_dir

    def _add_region(self, name: str, db_id: str, cluster: str, service: str, stack: str,
                    folder: Path) -> None:
        is_primary, stores = name == self.settings.primary_region, self.stores
        assert stores is not None
        database = RegionDatabase(
            folder / f"{name}.sqlite", region=name, clock=self.clock,
            problems=lambda: self._write_problems(name),
            on_commit=self._ship if is_primary else self._dr_commit,
        )
        self._regions[name] = _Region(name, db_id, cluster, service, stack, CanaryServer(
            CanaryApp(region=name, health=_RegionHealth(self, name), store=database,
                      stores=stores.for_region(name))).start(), database)

    def _ship(self, row: object) -> None:
        assert self._replicator is not None
        self._replicator.ship(row)  # type: ignore[arg-type]

    def _dr_commit(self, row: StoredMarker) -> None:
        if self.failback is not None:  # written in DR after a failover: replicate it back
            self.failback.on_dr_commit(row)

    def _seed(self) -> None:
        """Record each region's starting health and every existing DNS record."""
        t = self.clock.now()
        for region in self._regions.values():
            for component, problems in self._components(region).items():
                self._require_truth().fact(Fact(t, region.name, component, not problems))
        self._dns.seed()

    # -- health ------------------------------------------------------------------------

    def _components(self, region: _Region) -> dict[Component, tuple[str, ...]]:
        zonal = self._plane.zone_problems(region.name) if self._plane is not None else {}
        return {
            "up": ("region is down",) if self._outages.is_down(region.name, self.clock.now())
            else (),
            "tasks": moto_state.service_problems(region.name, region.cluster, region.service)
            or wiring.routing_problems(region.name, region.stack)
            or reachability.serving_problems(region.name, region.stack),
            "database": moto_state.database_problems(region.name, region.database_id)
            + zonal.get("database", ()),
            "cache": moto_state.cache_problems(region.name) + zonal.get("cache", ())
            + wiring.cache_problems(region.name, region.stack),
        }

    def task_start_problems(self, region: str, cluster: str, service: str) -> tuple[str, ...]:
        """Why ECS cannot start the service's task now (see :mod:`~infra.embedded.wiring`)."""
        return (wiring.task_start_problems(region, cluster, service, self.is_region_down)
                or reachability.task_start_problems(region, cluster, service))

    def _refresh(self, region: str, t: float) -> None:
        """Record a fact for every component of ``region`` whose health changed by ``t``."""
        target = self._regions.get(region)
        if target is None:
            return
        truth = self._require_truth()
        latest = {f.component: f.ok for f in truth.facts() if f.region == region}
        for component, problems in self._components(target).items():
            if latest.get(component) != (not problems):
                truth.fact(Fact(t, region, component, not problems))

    def health_problems(self, region: str) -> tuple[str, ...]:
        """Why ``region`` cannot serve now (empty when healthy), from moto and the outages."""
        found = self._components(self._region(region))
        return tuple(p for problems in found.values() for p in problems)

    def _write_problems(self, region: str) -> tuple[str, ...]:
        found = self._components(self._region(region))
        # No task behind the load balancer: it answers 503, so no write reaches the database.
        return found["up"] + found["tasks"] + found["database"]

    def _region(self, region: str) -> _Region:
        try:
            return self._regions[region]
        except KeyError:
            known = sorted(self._regions)
            raise ValueError(f"unknown region {region!r}; known: {known!r}") from None

    def _require_truth(self) -> TruthLog:
        if self._truth is None:
            raise RuntimeError("simulator not started")
        return self._truth

    # -- region outages ----------------------------------------------------------------

    def url(self, region: str) -> str:
        """Base URL of ``region``'s canary."""
        return self._region(region).canary.url

    def region_down(self, region: str) -> None:
        """Lose ``region``'s data plane: canary resets connections, replication out stops."""
        target, t = self._region(region), self.clock.now()
        if self._outages.down(region, t):
            target.canary.set_reachable(False)
            self._require_truth().fact(Fact(t, region, "up", False))
            self._require_truth().record("region.down", t=t, region=region)

    def region_up(self, region: str) -> None:
        """Undo :meth:`region_down`; writes lost meanwhile stay lost."""
        target, t = self._region(region), self.clock.now()
        if self._outages.up(region, t):
            target.canary.set_reachable(True)
            self._require_truth().fact(Fact(t, region, "up", True))
            self._require_truth().record("region.up", t=t, region=region)

    def is_region_down(self, region: str) -> bool:
        """Whether ``region``'s data plane is down now (False for a region not simulated)."""
        return region in self._regions and self._outages.is_down(region, self.clock.now())

    @property
    def fault_plane(self) -> FaultPlane:
        """The fault controls (zones, tasks, replication, DNS) of the running simulator."""
        if self._plane is None:
            raise RuntimeError("simulator not started")
        return self._plane

    def replica_lag_seconds(self) -> float:
        """The DR replica's ReplicaLag now, as CloudWatch would report it (-1: stopped)."""
        if self._replicator is None:
            raise RuntimeError("simulator not started")
        return self._replicator.lag_seconds(self.clock.now())

    # -- DNS ---------------------------------------------------------------------------

    def resolve(self, hostname: str) -> str:
        """``http://127.0.0.1:PORT`` of the canary ``hostname`` leads to now (TTL honoured)."""
        region = self._serving_region(hostname, self.clock.now(), live=True)
        if region is None:
            raise ResolveError(f"{hostname!r} does not resolve to any region's load balancer")
        return self.url(region)

    def _serving_region(self, hostname: str, t: float, *, live: bool = False) -> str | None:
        return self._dns.serving_region(hostname, t, live=live)

    def _truth_record(self, kind: str, **fields: object) -> None:
        self._require_truth().record(kind, **fields)  # type: ignore[arg-type]

    # -- transitions from the moto extensions ------------------------------------------

    def _on_transition(self, event: transitions.TransitionEvent) -> None:
        truth = self._require_truth()
        truth.record("transition", t=event.completed_at if event.completed_at is not None
                     else event.started_at, transition=event.kind, subject=event.subject,
                     region=event.region, started_at=event.started_at,
                     completed_at=event.completed_at, due_at=event.due_at, detail=event.detail)
        if event.kind == CHANGE and event.completed_at is None and event.due_at is not None:
            self._dns.on_zone_change(event.subject, event.started_at, event.due_at)
        elif event.kind == PROMOTE:
            self._on_promote(event)
        elif event.kind in (SCALE, SCALED_DOWN) and event.completed_at is not None:
            self._on_scale(event, event.completed_at)
        elif event.kind in (DB_FAILOVER, CACHE_FAILOVER, STACK_CREATED):
            at = event.started_at if event.completed_at is None else event.completed_at
            if event.kind == STACK_CREATED:
                self._dns.take_new()  # its records, before any later change of them
            self._refresh(event.region, at)
        else:
            self._fis.on_event(event)  # FIS experiments on the aws backend; others ignored
        if event.kind in (PROMOTE, REPLICA_CREATED, DELETED) and self.failback is not None:
            self.failback.on_event(event)

    def _on_promote(self, event: transitions.TransitionEvent) -> None:
        region = self._regions.get(event.region)
        if region is None or region.database_id != event.subject:
            return
        if event.completed_at is None:
            if region.name == self.settings.dr_region and self._replicator is not None:
                self._replicator.stop_at(event.started_at)  # promotion stops replication (R1)
            return
        ok = not moto_state.database_problems(region.name, region.database_id)
        self._require_truth().fact(Fact(event.completed_at, region.name, "database", ok))

    def _on_scale(self, event: transitions.TransitionEvent, at: float) -> None:
        region = self._regions.get(event.region)
        if region is None or event.subject != f"{region.cluster}/{region.service}":
            return
        running = event.kind == SCALE or event.detail != "running=0"
        self._require_truth().fact(Fact(at, region.name, "tasks", running))

    # -- Route 53 health checks --------------------------------------------------------

    def health_check_failing(self, fqdn: str, interval_s: float, threshold: int) -> bool | None:
        """The simulator's view of a health-checked endpoint (see route53_health)."""
        now = self.clock.now()
        region = self._serving_region(fqdn, now)
        if region is None:
            return None
        since = self._outages.down_since(region, now)
        if since is None:
            return False
        key = (region, since)
        if key not in self._detect:
            self._detect[key] = self.latency.health_detect(interval_s, threshold)
            self._require_truth().record(
                "route53.health_check.failing", t=since + self._detect[key], region=region,
                fqdn=fqdn,
            )
        return now >= since + self._detect[key]
