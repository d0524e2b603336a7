"""Network faults."""

from __future__ import annotations

from typing import ClassVar

from drills.faults import FaultContext
from drills.faults._common import plane
from infra.core.actions import FaultEffects
from infra.core.errors import FaultInjectionError

__all__ = ["RegionPartition"]


class RegionPartition:
    """The network between the two regions is cut: both keep serving their own users, but
    replication to DR stops (ReplicaLag -1) until the partition heals and it catches up."""

    name: ClassVar[str] = "region-partition"
    effects: ClassVar[FaultEffects] = FaultEffects(
        inject="cut the network between the primary and the DR region: replication stops, "
               "both regions stay up",
        revert="heal the partition (it also heals by itself after its length, if it has "
               "one): replication reconnects and applies what it missed")

    def __init__(self, ctx: FaultContext, *, seconds: float | None = None) -> None:
        if seconds is not None and not seconds > 0:
            raise FaultInjectionError(f"a partition lasts > 0 drill seconds, got {seconds!r}",
                                      fault=self.name)
        self._ctx = ctx
        self.seconds = seconds
        self.target = f"{ctx.primary_region} <-> {ctx.dr_region}"

    def inject(self) -> None:
        """Cut the regions apart."""
        plane(self._ctx, self.name).hold_replication("partitioned", self.seconds)

    def revert(self) -> None:
        """Heal the partition now."""
        plane(self._ctx, self.name).release_replication("partitioned")

    def is_active(self) -> bool:
        """True while the regions are cut apart."""
        return "partitioned" in plane(self._ctx, self.name).replication_holds()
