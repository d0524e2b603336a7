"""The simulator's ground truth: what really happened, computed from its own records.

A mixin of :class:`~infra.embedded.simulator.RegionSimulator` (kept apart so that module
stays within its size): recovery from the facts and the DNS model, data loss per store from
each region's database, EFS and cache (``docs/simulator.md``, "Ground truth").
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from infra.embedded.canary_stores import describe
from infra.embedded.truth import GroundTruth, TruthLog, data_at_risk, data_loss, first_recovery

if TYPE_CHECKING:
    from infra.core.clock import Clock
    from infra.core.settings import InfraSettings
    from infra.embedded.canary_stores import DataStores
    from infra.embedded.dataplane import Outages, Replicator
    from infra.embedded.resolver import AppDns

__all__ = ["GroundTruthAccount"]


class GroundTruthAccount:
    """Ground truth and data at risk, over the attributes the simulator sets up."""

    settings: InfraSettings
    clock: Clock
    app_name: str | None
    stores: DataStores | None
    _outages: Outages
    _dns: AppDns
    _regions: dict[str, Any]
    _replicator: Replicator | None

    def _require_truth(self) -> TruthLog:
        raise NotImplementedError

    def _serving_region(self, hostname: str, t: float, *, live: bool = False) -> str | None:
        raise NotImplementedError

    def ground_truth(self, *, region: str | None = None,
                     since: float | None = None) -> GroundTruth:
        """What really happened so far: outage, recovery, RTO, RPO and lost writes.

        By default the region-loss account: from the primary's first outage to recovery in
        DR, data loss against DR. With ``region`` and ``since``: recovery of ``region`` itself
        from drill time ``since`` (an in-region fault), data loss against its own database.
        """
        primary, dr = self.settings.primary_region, self.settings.dr_region
        truth = self._require_truth()
        survivors = region or dr
        outage = self._outages.first_down(primary) if region is None else since
        recovered = None
        app = self._app_name()
        if outage is not None and app is not None:
            recovered = first_recovery(
                truth.facts(), region=survivors, since=outage,
                serving_region=lambda t: self._serving_region(app, t),
                extra_times=self._dns.history.effective_times(app),
            )
        # A write in flight as the primary went down can still commit (and be acknowledged)
        # just after the outage began; while the primary is down, every commit counts.
        down = region is None and self._outages.is_down(primary, self.clock.now())
        cutoff = outage if outage is not None and not down else self.clock.now()
        result = data_loss(self._regions[primary].database.db.rows(),
                           self._regions[survivors].database.db.rows(), primary=primary,
                           cutoff=cutoff, outage=outage, recovered=recovered)
        assert self.stores is not None
        result = replace(result, stores={"database": result, **self.stores.truth(
            survivors, cutoff=cutoff, outage=outage, recovered=recovered)})
        truth.record("ground_truth", outage_start=outage, recovered_at=recovered,
                     rto_seconds=result.rto_seconds, rpo_seconds=result.rpo_seconds,
                     lost_markers=list(result.lost_seqs), region=survivors,
                     stores=describe(result.stores))
        return result

    def data_at_risk(self, t: float, *, applied_by: float | None = None,
                     committed_by: float | None = None) -> float:
        """Drill seconds of primary writes committed by ``t`` not applied in DR by ``t``:
        what a region loss at ``t`` would cost (see :func:`~infra.embedded.truth.data_at_risk`)."""
        if self._replicator is None:
            raise RuntimeError("simulator not started")
        rows = self._regions[self.settings.primary_region].database.db.rows()
        return data_at_risk(rows, dict(self._replicator.applied_at),
                            primary=self.settings.primary_region, t=t, applied_by=applied_by,
                            committed_by=committed_by)

    def _app_name(self) -> str | None:
        return self.app_name or self._dns.app_name(self.settings.primary_region)
