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

from drills.clock import Clock
from drills.config import Settings
from infra.canary.app import CanaryApp, CanaryServer
from infra.embedded import moto_state
from infra.embedded.dataplane import Outages, RegionDatabase, Replicator
from infra.embedded.latency import LatencyModel
from infra.embedded.moto_ext import transitions
from infra.embedded.moto_ext.ecs_tasks import SCALE, SCALED_DOWN
from infra.embedded.moto_ext.rds_promote import PROMOTE
from infra.embedded.moto_ext.route53_health import CHANGE
from infra.embedded.resolver import DnsAnswer, DnsHistory
from infra.embedded.scheduler import Scheduler
from infra.embedded.truth import Component, Fact, GroundTruth, TruthLog, first_recovery

__all__ = ["RegionSimulator", "ResolveError"]

log = logging.getLogger(__name__)

_MAX_CNAME_CHAIN = 8


class ResolveError(LookupError):
    """A name the embedded DNS cannot resolve to a canary."""


@dataclass(frozen=True, slots=True)
class _Region:
    """What the simulator serves for one region."""

    name: str
    database_id: str
    cluster: str
    service: str
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


class RegionSimulator:
    """One canary and one SQLite database per region, on loopback, driven by moto's state."""

    def __init__(
        self, *, settings: Settings, clock: Clock, latency: LatencyModel | None = None,
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
        self._dns = DnsHistory()
        self._detect: dict[tuple[str, float], float] = {}
        self._regions: dict[str, _Region] = {}
        self._scheduler: Scheduler | None = None
        self._truth: TruthLog | None = None
        self._replicator: Replicator | None = None
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
        self._add_region(s.primary_region, f"streamflix-db-{s.environment_suffix}",
                         s.primary_cluster, s.primary_service, folder)
        self._add_region(s.dr_region, s.replica_id, s.dr_cluster, s.dr_service, folder)
        self._replicator = Replicator(
            source=s.primary_region, target=self._regions[s.dr_region].database,
            scheduler=self._scheduler, latency=self.latency, outages=self._outages,
            truth=self._truth,
        )
        self._seed()
        self._context = transitions.TransitionContext(
            clock=self.clock, latency=self.latency, scheduler=self._scheduler,
            observer=self._on_transition, health=self,
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

    def _add_region(self, name: str, db_id: str, cluster: str, service: str, folder: Path) -> None:
        is_primary = name == self.settings.primary_region
        database = RegionDatabase(
            folder / f"{name}.sqlite", region=name, clock=self.clock,
            problems=lambda: self._write_problems(name),
            on_commit=self._ship if is_primary else (lambda row: None),
        )
        self._regions[name] = _Region(name, db_id, cluster, service, CanaryServer(
            CanaryApp(region=name, health=_RegionHealth(self, name), store=database)
        ).start(), database)

    def _ship(self, row: object) -> None:
        assert self._replicator is not None
        self._replicator.ship(row)  # type: ignore[arg-type]

    def _seed(self) -> None:
        """Record each region's starting health and every existing DNS record."""
        t = self.clock.now()
        for region in self._regions.values():
            for component, problems in self._components(region).items():
                self._require_truth().fact(Fact(t, region.name, component, not problems))
        for zone in moto_state.zone_ids():
            for record in moto_state.zone_records(zone):
                self._dns.add(record.name, DnsAnswer(0.0, record.value, record.ttl))

    # -- health ------------------------------------------------------------------------

    def _components(self, region: _Region) -> dict[Component, tuple[str, ...]]:
        return {
            "up": ("region is down",) if self._outages.is_down(region.name, self.clock.now())
            else (),
            "tasks": moto_state.service_problems(region.name, region.cluster, region.service),
            "database": moto_state.database_problems(region.name, region.database_id),
            "cache": moto_state.cache_problems(region.name),
        }

    def health_problems(self, region: str) -> tuple[str, ...]:
        """Why ``region`` cannot serve now (empty when healthy), from moto and the outages."""
        found = self._components(self._region(region))
        return tuple(p for problems in found.values() for p in problems)

    def _write_problems(self, region: str) -> tuple[str, ...]:
        found = self._components(self._region(region))
        return found["up"] + found["database"]

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
        """Whether ``region``'s data plane is down now."""
        self._region(region)
        return self._outages.is_down(region, self.clock.now())

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
        albs = moto_state.alb_regions(tuple(self._regions))
        name = hostname.lower().rstrip(".")
        for _ in range(_MAX_CNAME_CHAIN):
            if name in albs:
                return albs[name]
            if live and not self._dns.known(name):
                record = moto_state.find_record(name)
                if record is not None:  # created before the simulator started watching
                    self._dns.add(name, DnsAnswer(0.0, record.value, record.ttl))
            answer = self._dns.cached(name, t)
            if answer is None:
                return None
            name = answer.value
        return None

    def _on_zone_change(self, zone_id: str, changed_at: float, visible_at: float) -> None:
        for record in moto_state.zone_records(zone_id):
            answer = DnsAnswer(visible_at, record.value, record.ttl)
            if self._dns.add(record.name, answer):
                self._require_truth().record(
                    "dns.change", t=changed_at, name=record.name, value=record.value,
                    ttl=record.ttl, visible_at=visible_at,
                    effective_at=self._dns.effective_times(record.name)[-1],
                )

    # -- transitions from the moto extensions ------------------------------------------

    def _on_transition(self, event: transitions.TransitionEvent) -> None:
        truth = self._require_truth()
        truth.record("transition", t=event.completed_at if event.completed_at is not None
                     else event.started_at, transition=event.kind, subject=event.subject,
                     region=event.region, started_at=event.started_at,
                     completed_at=event.completed_at, due_at=event.due_at, detail=event.detail)
        if event.kind == CHANGE and event.completed_at is None and event.due_at is not None:
            self._on_zone_change(event.subject, event.started_at, event.due_at)
        elif event.kind == PROMOTE:
            self._on_promote(event)
        elif event.kind in (SCALE, SCALED_DOWN) and event.completed_at is not None:
            self._on_scale(event, event.completed_at)

    def _on_promote(self, event: transitions.TransitionEvent) -> None:
        region = self._regions.get(event.region)
        if region is None or region.database_id != event.subject:
            return
        if event.completed_at is None:
            if region.name == self.settings.dr_region and self._replicator is not None:
                self._replicator.stop_at(event.started_at)  # promotion stops replication (R1)
            return
        self._require_truth().fact(Fact(event.completed_at, region.name, "database", True))

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

    # -- ground truth ------------------------------------------------------------------

    def ground_truth(self) -> GroundTruth:
        """What really happened so far: outage, recovery, RTO, RPO and lost writes."""
        primary, dr = self.settings.primary_region, self.settings.dr_region
        truth = self._require_truth()
        outage = self._outages.first_down(primary)
        recovered = None
        app = self._app_name()
        if outage is not None and app is not None:
            recovered = first_recovery(
                truth.facts(), region=dr, since=outage,
                serving_region=lambda t: self._serving_region(app, t),
                extra_times=self._dns.effective_times(app),
            )
        result = self._data_loss(outage, recovered)
        truth.record("ground_truth", outage_start=outage, recovered_at=recovered,
                     rto_seconds=result.rto_seconds, rpo_seconds=result.rpo_seconds,
                     lost_markers=list(result.lost_seqs))
        return result

    def _app_name(self) -> str | None:
        if self.app_name is not None:
            return self.app_name
        primary = self.settings.primary_region
        for name in self._dns.names():
            first = self._dns.authoritative(name, 0.0)
            albs = moto_state.alb_regions(tuple(self._regions))
            if first is not None and albs.get(first.value) == primary:
                return name
        return None

    def _data_loss(self, outage: float | None, recovered: float | None) -> GroundTruth:
        primary, dr = self.settings.primary_region, self.settings.dr_region
        cutoff = outage if outage is not None else self.clock.now()
        sent = [r for r in self._regions[primary].database.db.rows()
                if r.origin == primary and r.committed_at <= cutoff]
        landed = {r.seq: r for r in self._regions[dr].database.db.rows() if r.origin == primary}
        lost = tuple(sorted(r.seq for r in sent if r.seq not in landed))
        # Which writes were lost is decided by commit time; how much time they span is read
        # from the writes' own timestamps, as an application compares its newest row in DR
        # with its newest row written (and as the drill's marker measurement does).
        last = max((r.written_at for r in sent), default=None)
        newest = max((r.written_at for r in landed.values()), default=None)
        rpo = 0.0 if not lost else (last or 0.0) - (newest or 0.0)
        return GroundTruth(
            outage_start=outage, recovered_at=recovered,
            rto_seconds=None if outage is None or recovered is None else recovered - outage,
            rpo_seconds=rpo, lost_seqs=lost, last_committed_at=last, newest_applied_at=newest,
            committed={r.seq: r.written_at for r in sent},
            applied=frozenset(landed) & {r.seq for r in sent},
        )
