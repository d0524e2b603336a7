"""Network faults."""

from __future__ import annotations

from typing import ClassVar

from drills.faults import FaultContext
from drills.faults._common import HeldReplication, positive_seconds
from infra.core.actions import FaultEffects

__all__ = ["RegionPartition"]


class RegionPartition(HeldReplication):
    """The network between the two regions is cut: both keep serving their own users, but
    replication to DR stops (ReplicaLag -1) until the partition heals and it catches up."""

    name: ClassVar[str] = "region-partition"
    hold: ClassVar[str] = "partitioned"
    effects: ClassVar[FaultEffects] = FaultEffects(
        inject="cut the network between the primary and the DR region: replication stops, "
               "both regions stay up",
        revert="heal the partition (it also heals by itself after its length, if it has "
               "one): replication reconnects and applies what it missed")

    def __init__(self, ctx: FaultContext, *, seconds: float | None = None) -> None:
        self._ctx = ctx
        self.seconds = None if seconds is None else positive_seconds(
            seconds, "a partition lasts", self.name)
        self.target = f"{ctx.primary_region} <-> {ctx.dr_region}"
