"""Whole-region faults."""

from __future__ import annotations

from typing import ClassVar

from drills.faults import FaultContext
from infra.core.actions import FaultEffects
from infra.core.errors import FaultInjectionError

__all__ = ["RegionOutage"]


class RegionOutage:
    """A region lost: its application unreachable, replication out of it stopped, and every
    regional AWS API call to it failing as a dead endpoint does."""

    name: ClassVar[str] = "region-outage"
    # The region's data is lost with it: each store keeps only what reached DR, so the drill
    # first lets each replicated store get a marker to DR (drills.measure.store_rpo).
    loses_region_data: ClassVar[bool] = True
    # No AWS call: on the embedded backend the region is cut off inside the client factory
    # and the simulator; on the aws backend it maps to a FIS experiment
    # (drills.faults.fis_templates).
    effects: ClassVar[FaultEffects] = FaultEffects(
        inject="cut the region's application off, stop replication out of it and make every "
               "regional API call to it fail with EndpointConnectionError",
        revert="restore the region's API endpoints, then its application and replication")

    def __init__(self, ctx: FaultContext, *, region: str | None = None) -> None:
        self._ctx = ctx
        self.target = region or ctx.primary_region
        if self.target == ctx.dr_region:
            raise FaultInjectionError(
                f"refusing to take down the DR region {self.target!r}: a region-loss drill "
                "loses the primary", fault=self.name)

    def inject(self) -> None:
        """Cut the region off: data plane first, so no write slips through after the API dies."""
        if self._ctx.dataplane is not None:
            self._ctx.dataplane.region_down(self.target)
        self._ctx.clients.lose_region(self.target)

    def revert(self) -> None:
        """Bring the region back: API endpoints, then application and replication."""
        self._ctx.clients.restore_region(self.target)
        if self._ctx.dataplane is not None:
            self._ctx.dataplane.region_up(self.target)

    def is_active(self) -> bool:
        """True while the API or the data plane of the region is still cut off."""
        api_down = self.target in self._ctx.clients.lost_regions
        plane = self._ctx.dataplane
        return api_down or (plane is not None and plane.is_region_down(self.target))
