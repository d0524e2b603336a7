"""The canary's other data stores and how each reaches DR: EFS files and cache keys.

Every marker the canary commits is also written as a file on the region's EFS (a directory
per region) and as a key in the region's cache (in memory). Each store replicates as AWS
replicates it, so a region loss costs each a different amount (``docs/simulator.md``):

- database: the asynchronous cross-region read replica (:class:`~infra.embedded.dataplane.
  Replicator`), seconds behind (R4, R5, R8).
- efs: EFS replication is asynchronous and syncs periodically; AWS states an RPO of up to
  15 minutes for most file systems (latency-model.md F1). Each sync copies every file
  written in the primary by the time it completes (what ``LastReplicatedTimestamp``
  promises); the time to the next sync is drawn from the latency model (``efs_sync``,
  seeded). A sync lands only while a replication configuration from a primary-region file
  system to a DR-region one exists in moto's EFS backend: delete it and nothing reaches DR.
  Syncs end for good once either region is down (catch-up after the source returns is not
  modelled: the drills fail over first).
- cache: not replicated. Only a Global Datastore replicates ElastiCache across regions
  (RPO under 1 s, C2), and it does not support the stack's T3 nodes (C3), so DR's cache
  starts empty and every key written in the primary is lost with the region.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from infra.canary.app import Marker, MarkerStore
from infra.canary.sqlite_store import StoredMarker
from infra.core.clock import Clock
from infra.embedded.dataplane import Outages
from infra.embedded.latency import LatencyModel, Transition
from infra.embedded.scheduler import Scheduler
from infra.embedded.truth import GroundTruth, TruthLog, data_loss

__all__ = ["STORES", "DataStores", "EfsReplication", "RegionCache", "RegionFiles",
           "describe", "efs_replication_configured", "store_truth"]

STORES = ("database", "efs", "cache")
ACCOUNT = "123456789012"  # moto's default account (as infra.embedded.moto_state)


class RegionFiles:
    """A region's EFS file system: one JSON file per marker in the region's directory."""

    def __init__(self, path: Path, *, region: str, clock: Clock) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.region = region
        self._clock = clock
        self._lock = threading.Lock()

    def write(self, marker: Marker) -> None:
        """Write ``marker``'s file now (a file that exists is kept, as an idempotent retry)."""
        self.put(StoredMarker(marker.seq, marker.written_at, self._clock.now(), self.region))

    def put(self, row: StoredMarker) -> bool:
        """Write ``row`` as is (a replicated copy); True if the file was new."""
        final = self.path / f"{row.seq:09d}.json"
        with self._lock:
            if final.exists():
                return False
            # Written aside and renamed: a reader never lists a half-written file.
            tmp = final.with_suffix(".tmp")
            tmp.write_text(json.dumps({"seq": row.seq, "written_at": row.written_at,
                                       "committed_at": row.committed_at,
                                       "origin": row.origin}), encoding="utf-8")
            os.replace(tmp, final)
            return True

    def rows(self) -> tuple[StoredMarker, ...]:
        """Every file's marker, by seq."""
        found = []
        for file in sorted(self.path.glob("*.json")):
            d = json.loads(file.read_text(encoding="utf-8"))
            found.append(StoredMarker(int(d["seq"]), float(d["written_at"]),
                                      float(d["committed_at"]), str(d["origin"])))
        return tuple(found)

    def markers(self) -> tuple[Marker, ...]:
        """Every marker on this file system, by seq."""
        return tuple(Marker(r.seq, r.written_at) for r in self.rows())


class RegionCache:
    """A region's cache: marker keys in memory, gone with the region's cache nodes."""

    def __init__(self, *, region: str, clock: Clock) -> None:
        self.region = region
        self._clock = clock
        self._keys: dict[int, StoredMarker] = {}
        self._lock = threading.Lock()

    def write(self, marker: Marker) -> None:
        """Set the marker's key now."""
        with self._lock:
            self._keys.setdefault(marker.seq, StoredMarker(
                marker.seq, marker.written_at, self._clock.now(), self.region))

    def rows(self) -> tuple[StoredMarker, ...]:
        """Every key's marker, by seq."""
        with self._lock:
            return tuple(self._keys[seq] for seq in sorted(self._keys))

    def markers(self) -> tuple[Marker, ...]:
        """Every marker in this cache, by seq."""
        return tuple(Marker(r.seq, r.written_at) for r in self.rows())


def efs_replication_configured(source_region: str, target_region: str) -> bool:
    """Whether moto's EFS holds a replication configuration from a file system in
    ``source_region`` to one in ``target_region`` (moto_ext/efs_replication keeps them)."""
    from moto.backends import get_backend

    backends: Any = get_backend("efs")[ACCOUNT]
    if source_region not in backends:
        return False
    configs = backends[source_region].__dict__.get("replication_configurations", {})
    return any(d.get("Region") == target_region and d.get("Status") == "ENABLED"
               for c in list(configs.values()) for d in c.get("Destinations", ()))


class EfsReplication:
    """Periodic EFS syncs from ``source`` to ``target``; the gap between syncs is drawn."""

    def __init__(self, *, source: RegionFiles, target: RegionFiles, scheduler: Scheduler,
                 latency: LatencyModel, outages: Outages, truth: TruthLog,
                 configured: Callable[[], bool]) -> None:
        self.source, self.target = source, target
        self._scheduler = scheduler
        self._latency = latency
        self._outages = outages
        self._truth = truth
        self._configured = configured
        self.last_synced_at: float | None = None  # LastReplicatedTimestamp, drill seconds

    def start(self, t: float) -> None:
        """Schedule the first sync after ``t``."""
        self._next(t)

    def _next(self, t: float) -> None:
        self._scheduler.at(t + self._latency.draw(Transition.EFS_SYNC), self._sync,
                           label="efs sync")

    def _sync(self, at: float) -> None:
        down = [r for r in (self.source.region, self.target.region)
                if self._outages.is_down(r, at)]
        if down:  # the sync fails with its region; nothing in flight lands
            self._truth.record("efs.sync.stopped", t=at, reason=f"{down[0]} down")
            return
        if not self._configured():
            self._truth.record("efs.sync.skipped", t=at, reason="no replication configuration")
            self._next(at)
            return
        copied = [r.seq for r in self.source.rows()
                  if r.committed_at <= at and self.target.put(r)]
        self.last_synced_at = at
        self._truth.record("efs.synced", t=at, files=len(copied),
                           seqs=[min(copied), max(copied)] if copied else [])
        self._next(at)


class DataStores:
    """Each region's EFS and cache, and the EFS replication from primary to DR."""

    def __init__(self, folder: Path, *, primary: str, dr: str, clock: Clock,
                 scheduler: Scheduler, latency: LatencyModel, outages: Outages,
                 truth: TruthLog) -> None:
        self.primary, self.dr = primary, dr
        self.files = {r: RegionFiles(folder / f"{r}.efs", region=r, clock=clock)
                      for r in (primary, dr)}
        self.caches = {r: RegionCache(region=r, clock=clock) for r in (primary, dr)}
        self.efs = EfsReplication(
            source=self.files[primary], target=self.files[dr], scheduler=scheduler,
            latency=latency, outages=outages, truth=truth,
            configured=lambda: efs_replication_configured(primary, dr))

    def for_region(self, region: str) -> dict[str, MarkerStore]:
        """The canary's stores besides its database in ``region``, by store name."""
        return {"efs": self.files[region], "cache": self.caches[region]}

    def rows(self, store: str, region: str) -> tuple[StoredMarker, ...]:
        """Every marker in ``region``'s ``store`` (``efs`` or ``cache``)."""
        return (self.files if store == "efs" else self.caches)[region].rows()

    def replicated(self, store: str) -> int:
        """How many of the primary's markers the DR copy of ``store`` holds now."""
        return sum(r.origin == self.primary for r in self.rows(store, self.dr))

    def truth(self, survivors: str, *, cutoff: float, outage: float | None,
              recovered: float | None) -> dict[str, GroundTruth]:
        """Data loss of the EFS and the cache against ``survivors`` (see :func:`store_truth`)."""
        return {store: store_truth(self.rows(store, self.primary), self.rows(store, survivors),
                                   primary=self.primary, cutoff=cutoff, outage=outage,
                                   recovered=recovered)
                for store in ("efs", "cache")}


def store_truth(primary_rows: Iterable[StoredMarker], survivor_rows: Iterable[StoredMarker],
                *, primary: str, cutoff: float, outage: float | None,
                recovered: float | None) -> GroundTruth:
    """:func:`~infra.embedded.truth.data_loss` for one store, with ``rpo_seconds`` None when
    writes were lost and none reached the survivors: no recovery point, not a number."""
    truth = data_loss(primary_rows, survivor_rows, primary=primary, cutoff=cutoff,
                      outage=outage, recovered=recovered)
    if truth.lost_seqs and not truth.applied:
        return dataclasses.replace(truth, rpo_seconds=None)
    return truth


def describe(truths: Mapping[str, GroundTruth]) -> dict[str, dict[str, Any]]:
    """Per-store truth as the journal and ground_truth.jsonl carry it."""
    return {name: {"rpo_seconds": t.rpo_seconds, "lost_markers": list(t.lost_seqs),
                   "committed": len(t.committed), "reached_dr": len(t.applied)}
            for name, t in truths.items()}
