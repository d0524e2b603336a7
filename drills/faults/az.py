"""Availability-zone faults."""

from __future__ import annotations

import re
from typing import ClassVar

from drills.faults import FaultContext
from drills.faults._common import SETTLED_CALLS, FaultApi, plane
from infra.core.actions import FaultEffects
from infra.core.errors import FaultInjectionError

__all__ = ["AzLoss"]

_ZONE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")


class AzLoss:
    """One availability zone of the primary region lost: what runs there stops, what has a
    standby elsewhere fails over to it, and the region keeps serving from its other zones."""

    name: ClassVar[str] = "az-loss"
    # The zone is cut inside the simulator (AWS has no API to lose a zone; on the aws backend
    # it is a FIS experiment); the revert reads the recovery back through the API.
    effects: ClassVar[FaultEffects] = FaultEffects(
        inject="lose the zone: the service's tasks there stop and are replaced in the other "
               "zones, the Multi-AZ database and the cache fail over to their standbys if "
               "their primaries are there",
        revert="bring the zone back (nothing fails back, as on AWS), then wait until the "
               "database, the cache and the service have recovered",
        revert_calls=SETTLED_CALLS)

    def __init__(self, ctx: FaultContext, *, az: str) -> None:
        self._ctx = ctx
        self._api = FaultApi(ctx, self.name)
        self.target = az
        if not _ZONE.match(az) or not az.startswith(ctx.primary_region):
            raise FaultInjectionError(
                f"{az!r} is not an availability zone of the primary region "
                f"{ctx.primary_region!r} (e.g. {ctx.primary_region}a)", fault=self.name)

    def inject(self) -> None:
        """Lose the zone."""
        plane(self._ctx, self.name).zone_down(self._ctx.primary_region, self.target)

    def revert(self) -> None:
        """Bring the zone back and wait until the region has recovered from losing it."""
        plane(self._ctx, self.name).zone_up(self._ctx.primary_region, self.target)
        self._api.await_settled()

    def is_active(self) -> bool:
        """True while the zone is lost or the region has not recovered from losing it."""
        lost = self.target in plane(self._ctx, self.name).lost_zones(self._ctx.primary_region)
        return lost or bool(self._api.unsettled())
