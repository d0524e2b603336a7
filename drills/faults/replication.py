"""Replication faults."""

from __future__ import annotations

from typing import ClassVar

from drills.faults import FaultContext
from drills.faults._common import HeldReplication, positive_seconds
from infra.core.actions import FaultEffects

__all__ = ["ReplicationLag"]


class ReplicationLag(HeldReplication):
    """The DR replica stalls (a long transaction, an overloaded replica): replica lag, and
    with it the data a region loss would cost, grows until the stall ends and it catches up."""

    name: ClassVar[str] = "replication-lag"
    hold: ClassVar[str] = "stalled"
    # Inside the simulator's replication: AWS has no API (and FIS no action) that slows a
    # cross-region read replica down.
    effects: ClassVar[FaultEffects] = FaultEffects(
        inject="stall the DR replica: writes are still shipped but none is applied, so the "
               "replica falls behind by the length of the stall",
        revert="end the stall (it also ends by itself after its length): the held writes "
               "are applied, in order, and nothing is lost")

    def __init__(self, ctx: FaultContext, *, seconds: float = 120.0) -> None:
        self._ctx = ctx
        self.seconds = float(positive_seconds(seconds, "a stall lasts", self.name))
        self.target = f"{ctx.primary_region} -> {ctx.dr_region} replication"
