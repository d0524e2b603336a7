"""DNS faults: the Route 53 change the failover runbook makes, slow or refused."""

from __future__ import annotations

from typing import ClassVar

from drills.faults import FaultContext
from drills.faults._common import plane, positive_seconds
from infra.core.actions import FaultEffects
from infra.core.errors import FaultInjectionError

__all__ = ["DnsChangeFailing", "DnsChangeSlow"]


class DnsChangeSlow:
    """Route 53 is slow to propagate changes: the failover's DNS change stays PENDING (and
    clients keep the old answer) for longer than the usual 60 s."""

    name: ClassVar[str] = "dns-change-slow"
    # Inside the simulator's Route 53 model: no API or FIS action slows Route 53 down.
    effects: ClassVar[FaultEffects] = FaultEffects(
        inject="add the fault's delay to the propagation of every Route 53 change made while "
               "it is active",
        revert="restore normal propagation (changes already made keep their time)")

    def __init__(self, ctx: FaultContext, *, seconds: float = 300.0) -> None:
        self._ctx = ctx
        self.seconds = float(positive_seconds(seconds, "a delay is", self.name))
        self.target = "Route 53 record changes"

    def inject(self) -> None:
        """Slow Route 53 changes down."""
        plane(self._ctx, self.name).slow_dns(self.seconds)

    def revert(self) -> None:
        """Restore normal propagation."""
        plane(self._ctx, self.name).restore_dns()

    def is_active(self) -> bool:
        """True while changes propagate slowly."""
        return plane(self._ctx, self.name).dns_slowdown() > 0


class DnsChangeFailing:
    """Route 53 refuses the next record changes (PriorRequestNotComplete, HTTP 400): the
    failover runbook's DNS change fails and must be retried."""

    name: ClassVar[str] = "dns-change-failing"
    effects: ClassVar[FaultEffects] = FaultEffects(
        inject="answer the next Route 53 record changes with PriorRequestNotComplete",
        revert="stop refusing changes")

    def __init__(self, ctx: FaultContext, *, times: int = 2) -> None:
        if times < 1:
            raise FaultInjectionError(f"times must be >= 1, got {times!r}", fault=self.name)
        self._ctx = ctx
        self.times = times
        self.target = "Route 53 record changes"

    def inject(self) -> None:
        """Refuse the next changes."""
        plane(self._ctx, self.name).refuse_dns_changes(self.times)

    def revert(self) -> None:
        """Stop refusing."""
        plane(self._ctx, self.name).refuse_dns_changes(0)

    def is_active(self) -> bool:
        """True while refusals are still to come."""
        return plane(self._ctx, self.name).dns_refusals_left() > 0
