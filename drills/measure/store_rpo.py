"""RPO per data store: the database rows, the EFS files and the cache keys, each on its own.

The canary writes every marker to each store it uses; after the failover the drill reads
back what survived in DR, store by store (``GET /markers?store=all``), and measures each
store's RPO with the same definition as the database's (:func:`drills.measure.rto_rpo.measure_rpo`).
The stores replicate differently (``docs/simulator.md``), so the deployment guide's
"near-zero RPO" holds or fails store by store:

- database: the cross-region read replica, judged against ``rpo_objective_s`` (or the
  scenario's RPO);
- efs: EFS replication, judged against ``efs_rpo_objective_s`` (AWS's published RPO of up
  to 15 minutes, latency-model.md F1);
- cache: not replicated (no Global Datastore for T3 nodes, C2/C3). Reported, not judged
  unless ``cache_rpo_objective_s`` is set: the app treats the cache as an accelerator and
  refills it from the database after a failover, so losing it costs latency, not data.

A replicated store of which no marker written before the outage survived has no recovery
point: that fails its objective, whatever lower bound the RPO figure shows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from drills.measure.probes import http_session, written_markers
from drills.measure.rto_rpo import RpoResult, measure_rpo
from infra.core.errors import MeasurementError, ProbeTimeout

if TYPE_CHECKING:
    from drills.faults import Fault
    from drills.measure.context import RunContext
    from drills.measure.probes import MarkerRecord
    from drills.settings.config import Settings

__all__ = ["REPLICATED", "STORES", "StoreRpo", "await_recovery_points", "for_drill",
           "measure_stores",
           "read_store_markers",
           "store_objectives", "store_reasons", "stores_to_wait_for"]

STORES = ("database", "efs", "cache")
# The stores the deployed design replicates to DR; the cache is not (C2, C3).
REPLICATED = frozenset({"database", "efs"})
_NOUN = {"database": "rows", "efs": "files", "cache": "keys"}


@dataclass(frozen=True, slots=True)
class StoreRpo:
    """One store's RPO as measured from DR, with its objective (None: not judged)."""

    store: str
    rpo: RpoResult
    objective_seconds: float | None
    replicated: bool

    @property
    def recovery_point(self) -> bool:
        """True when a marker written before the outage survived in DR's copy."""
        return self.rpo.newest_surviving is not None

    @property
    def rpo_seconds(self) -> float | None:
        """The RPO, or None when there is no recovery point (the figure is only a bound)."""
        return self.rpo.rpo_seconds if self.recovery_point else None

    @property
    def met(self) -> bool | None:
        """Whether the objective was met; None when the store is not judged."""
        if self.objective_seconds is None:
            return None
        return self.recovery_point and self.rpo.rpo_seconds <= self.objective_seconds

    def reason(self) -> str | None:
        """Why the store missed its objective, naming it; None when met or not judged."""
        if self.met is not False:
            return None
        noun = _NOUN.get(self.store, "markers")
        if not self.recovery_point:
            return (f"{self.store}: none of {self.rpo.acked_before_outage} {noun} written "
                    "before the outage reached DR (no recovery point)")
        return (f"{self.store}: RPO {self.rpo.rpo_seconds:.1f}s exceeded the objective of "
                f"{self.objective_seconds:.1f}s ({len(self.rpo.lost)} {noun} lost)")

    def describe(self) -> dict[str, Any]:
        """The journal's account of this store (``measurement.stores``)."""
        return {"rpo_seconds": self.rpo_seconds, "rpo_lower_bound_seconds":
                None if self.recovery_point else self.rpo.rpo_seconds,
                "objective_seconds": self.objective_seconds, "met": self.met,
                "replicated": self.replicated, "written": self.rpo.acked_before_outage,
                "lost_markers": list(self.rpo.lost),
                "newest_surviving_marker": self.rpo.newest_surviving,
                "last_acked_marker": self.rpo.last_acked}


def store_objectives(settings: Settings, database_objective: float) -> dict[str, float | None]:
    """Each store's RPO objective in drill seconds (None: reported, not judged)."""
    return {"database": database_objective, "efs": settings.efs_rpo_objective_s,
            "cache": settings.cache_rpo_objective_s}


def stores_to_wait_for(objectives: Mapping[str, float | None]) -> dict[str, float]:
    """The judged replicated stores besides the database, with how long to give each to
    replicate a first marker before a region is lost (its objective)."""
    return {s: float(o) for s, o in objectives.items()
            if o is not None and s in REPLICATED and s != "database"}


def measure_stores(records: Iterable[MarkerRecord], survivors: Mapping[str, Collection[int]],
                   *, outage_start: float,
                   objectives: Mapping[str, float | None]) -> tuple[StoreRpo, ...]:
    """Each store's RPO from the writer's records and the markers read back from DR."""
    rows = list(records)
    committed = survivors.get("database", frozenset())
    found = []
    for store in STORES:
        if store not in survivors:
            continue  # the app does not use this store (e.g. a canary on AWS without EFS)
        alive = survivors[store]
        written = written_markers(rows, alive, committed)
        found.append(StoreRpo(store, measure_rpo(written, alive, outage_start=outage_start),
                              objectives.get(store), store in REPLICATED))
    return tuple(found)


def for_drill(drill: RunContext,
              survivors: Mapping[str, Collection[int]]) -> tuple[StoreRpo, ...]:
    """:func:`measure_stores` over a drill's marker writer, outage start and objectives."""
    if drill.writer is None or drill.outage_start is None:
        raise MeasurementError("no markers were written before a fault: no RPO per store")
    return measure_stores(drill.writer.records(), survivors, outage_start=drill.outage_start,
                          objectives=store_objectives(drill.settings,
                                                      drill.objectives.rpo_seconds))


def store_reasons(results: Iterable[StoreRpo]) -> tuple[str, ...]:
    """The reasons of every judged store that missed its objective, in store order."""
    return tuple(r for r in (s.reason() for s in results) if r is not None)


def read_store_markers(base_url: str, *, timeout: float, region: str,
                       use_proxies: bool = False) -> dict[str, frozenset[int]]:
    """Marker numbers per store behind ``base_url`` (``GET /markers?store=all``), which
    ``region`` must have answered; an app that keeps no other store gives the database only.

    Raises:
        MeasurementError: no answer, another region, or not a 200 with marker lists.
    """
    url = base_url.rstrip("/") + "/markers?store=all"
    try:
        with http_session(use_proxies=use_proxies) as http:
            resp = http.get(url, timeout=timeout)
        body = resp.json()
    except (requests.RequestException, ValueError) as exc:
        raise MeasurementError(f"cannot read markers from {url!r}: {type(exc).__name__}: "
                               f"{exc}") from exc
    lists = body.get("stores") if isinstance(body, dict) else None
    if isinstance(body, dict) and lists is None:
        lists = {"database": body.get("markers")}
    if resp.status_code != 200 or not isinstance(lists, dict) or not all(
            isinstance(v, list) and all(isinstance(m, dict) and isinstance(m.get("seq"), int)
                                        for m in v) for v in lists.values()):
        raise MeasurementError(f"cannot read markers from {url!r}: HTTP {resp.status_code} "
                               f"{resp.text[:200]!r}, expected 200 with marker lists")
    if body.get("region") != region:
        raise MeasurementError(f"markers from {url!r} came from region "
                               f"{body.get('region')!r}, expected {region!r}")
    return {str(k): frozenset(m["seq"] for m in v) for k, v in lists.items()}


def await_recovery_points(drill: RunContext, fault: Fault, *,
                          skip: frozenset[str] = frozenset()) -> None:
    """Before a fault that loses a region's data, give each judged replicated store up to its
    objective (from the first marker) to hold a marker in DR, as the backend can tell.

    A drill's markers start moments before the fault, while EFS syncs minutes apart: without
    this baseline, EFS would have nothing in DR yet and no recovery point. A store that has
    none by its deadline is left to the measurement, which reports it (a broken replication);
    one in ``skip`` (the readiness audit found it does not replicate) is not waited for.
    """
    writer = drill.writer
    # Only a backend that can see into DR's stores (the embedded one) says when they hold one.
    replicated: Callable[[str], int] | None = getattr(drill.backend, "replicated_markers", None)
    if not getattr(fault, "loses_region_data", False) or writer is None or replicated is None:
        return
    waits = {store: seconds for store, seconds in stores_to_wait_for(
        store_objectives(drill.settings, drill.objectives.rpo_seconds)).items()
        if store not in skip}
    records = writer.records()
    if not waits or not records:
        return
    deadline = records[0].written_at + max(waits.values())
    with drill.phase("baseline"):
        start = drill.clock.now()

        def ready(_records: object) -> bool:
            return all(replicated(s) > 0 for s in waits)

        try:
            writer.wait_for(ready, timeout_s=max(0.0, deadline - start))
        except ProbeTimeout:
            pass  # no recovery point in time: measured and reported after the outage
        drill.timeline.record("stores.baseline", waited_seconds=drill.clock.now() - start,
                              replicated={s: replicated(s) for s in waits})
