"""Replication faults."""

from __future__ import annotations

from typing import ClassVar

from drills.faults import FaultContext
from drills.faults._common import plane
from infra.core.actions import FaultEffects
from infra.core.errors import FaultInjectionError

__all__ = ["ReplicationLag"]


class ReplicationLag:
    """The DR replica stalls (a long transaction, an overloaded replica): replica lag, and
    with it the data a region loss would cost, grows until the stall ends and it catches up."""

    name: ClassVar[str] = "replication-lag"
    # Inside the simulator's replication: AWS has no API (and FIS no action) that slows a
    # cross-region read replica down.
    effects: ClassVar[FaultEffects] = FaultEffects(
        inject="stall the DR replica: writes are still shipped but none is applied, so the "
               "replica falls behind by the length of the stall",
        revert="end the stall (it also ends by itself after its length): the held writes "
               "are applied, in order, and nothing is lost")

    def __init__(self, ctx: FaultContext, *, seconds: float = 120.0) -> None:
        if not seconds > 0:
            raise FaultInjectionError(f"a stall lasts > 0 drill seconds, got {seconds!r}",
                                      fault=self.name)
        self._ctx = ctx
        self.seconds = float(seconds)
        self.target = f"{ctx.primary_region} -> {ctx.dr_region} replication"

    def inject(self) -> None:
        """Stall the replica for the fault's length."""
        plane(self._ctx, self.name).hold_replication("stalled", self.seconds)

    def revert(self) -> None:
        """End the stall now."""
        plane(self._ctx, self.name).release_replication("stalled")

    def is_active(self) -> bool:
        """True while the replica is stalled."""
        return "stalled" in plane(self._ctx, self.name).replication_holds()
