"""What the catalogue's faults share: the stack's names, the simulator's controls, and waits.

A fault reads state back through the AWS API (the same calls on both backends). Controls
AWS has no API for (losing a zone, holding replication, slowing Route 53) are the embedded
simulator's :class:`~infra.embedded.faultplane.FaultPlane`; on the aws backend those faults
run as FIS experiments (:mod:`drills.faults.fis_templates`) or are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from botocore.exceptions import BotoCoreError, ClientError

from drills.faults import FaultContext
from infra.core.actions import ApiCall
from infra.core.clock import Clock
from infra.core.errors import FaultInjectionError, RevertError
from infra.retry import RetryPolicy, seeded_jitter

if TYPE_CHECKING:
    from drills.settings.config import Settings

__all__ = [
    "DB_AVAILABLE",
    "SERVICE_RUNNING",
    "SETTLED_CALLS",
    "FaultApi",
    "FaultPlane",
    "HeldReplication",
    "OneShot",
    "cache_group_id",
    "plane",
    "positive_seconds",
    "primary_db_id",
    "require_settings",
]

# The reads that tell a revert the primary database, and its ECS service, have recovered.
DB_AVAILABLE = ApiCall("rds", "DescribeDBInstances", "{s.primary_db_id} (until available)",
                       "primary")
SERVICE_RUNNING = ApiCall("ecs", "DescribeServices",
                          "{s.primary_cluster}/{s.primary_service} (until running = desired)",
                          "primary")
# The reads that tell a revert the primary region has recovered, in order.
SETTLED_CALLS = (
    DB_AVAILABLE,
    ApiCall("elasticache", "DescribeReplicationGroups",
            "{s.primary_cache_id} (until every node group is available)",
            "primary"),
    SERVICE_RUNNING,
)


class FaultPlane(Protocol):
    """The simulator's fault controls a fault uses (``infra.embedded.faultplane``)."""

    def zone_down(self, region: str, zone: str) -> None:
        """Lose a zone."""

    def zone_up(self, region: str, zone: str) -> None:
        """Bring a zone back."""

    def lost_zones(self, region: str) -> frozenset[str]:
        """Zones lost now."""

    def crash_tasks(self, region: str, count: int) -> int:
        """Stop running tasks of the region's service."""

    def hold_replication(self, reason: Any, seconds: float | None = None) -> None:
        """Hold replication."""

    def release_replication(self, reason: Any) -> None:
        """Release a hold."""

    def replication_holds(self) -> frozenset[str]:
        """Holds in effect."""

    def slow_dns(self, extra_s: float) -> None:
        """Slow Route 53 changes down."""

    def restore_dns(self) -> None:
        """Undo slow_dns."""

    def dns_slowdown(self) -> float:
        """Extra propagation seconds now."""

    def refuse_dns_changes(self, times: int) -> None:
        """Refuse the next Route 53 changes."""

    def dns_refusals_left(self) -> int:
        """Refusals still to come."""


def primary_db_id(settings: Settings) -> str:
    """The primary database's identifier (the primary template names it so)."""
    return settings.primary_db_id


def cache_group_id(settings: Settings) -> str:
    """The primary cache replication group's id (the primary template names it so)."""
    return settings.primary_cache_id


def require_settings(ctx: FaultContext, fault: str) -> Settings:
    """The run's settings, which name the resources a fault acts on."""
    if ctx.settings is None:
        raise FaultInjectionError(f"fault {fault!r} needs the run's settings in its context "
                                  "to name the stack's resources", fault=fault)
    return ctx.settings


def plane(ctx: FaultContext, fault: str) -> FaultPlane:
    """The embedded simulator's fault controls; refused on a backend without them."""
    found = getattr(ctx.dataplane, "fault_plane", None)
    if found is None:
        raise FaultInjectionError(
            f"fault {fault!r} needs the embedded region simulator; on the aws backend it runs "
            "as its FIS experiment where FIS has one (drill plan --backend aws)", fault=fault)
    return cast(FaultPlane, found)


def _clock(ctx: FaultContext) -> Clock:
    found = getattr(ctx.dataplane, "clock", None)
    return found if isinstance(found, Clock) else Clock()


class FaultApi:
    """A fault's AWS calls: clients made once, transient errors retried, waits bounded."""

    def __init__(self, ctx: FaultContext, fault: str) -> None:
        self._ctx = ctx
        self._fault = fault
        self._clients: dict[tuple[str, str], Any] = {}

    def call(self, service: str, operation: str, **kwargs: Any) -> Any:
        """One call in the primary region; errors other than transient ones raise
        FaultInjectionError with the AWS code."""
        s = require_settings(self._ctx, self._fault)
        key = (service, self._ctx.primary_region)
        if key not in self._clients:
            self._clients[key] = self._ctx.clients.client(*key)
        retry = RetryPolicy(max_attempts=s.api_max_attempts, sleep=_clock(self._ctx).sleep,
                            jitter=seeded_jitter(s.seed, f"fault:{operation}"))
        try:
            return retry.call(service, operation, getattr(self._clients[key], operation),
                              **kwargs)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise FaultInjectionError(
                f"fault {self._fault!r}: {service} {operation} failed: {err.get('Code')}: "
                f"{err.get('Message')}", fault=self._fault) from exc
        except BotoCoreError as exc:
            raise FaultInjectionError(f"fault {self._fault!r}: {service} {operation} failed: "
                                      f"{exc}", fault=self._fault) from exc

    def unsettled(self) -> tuple[str, ...]:
        """Why the primary region has not recovered yet, read through the API (empty: it has)."""
        s = require_settings(self._ctx, self._fault)
        db = self.call("rds", "describe_db_instances",
                       DBInstanceIdentifier=primary_db_id(s))["DBInstances"][0]
        reasons = [f"database {db['DBInstanceIdentifier']!r} is {db['DBInstanceStatus']}"
                   ] if db["DBInstanceStatus"] != "available" else []
        groups = self.call("elasticache", "describe_replication_groups")["ReplicationGroups"]
        reasons += [f"cache {g['ReplicationGroupId']!r} node group {n['NodeGroupId']} is "
                    f"{n.get('Status')}" for g in groups for n in g.get("NodeGroups", [])
                    if n.get("Status", "available") != "available"]
        services = self.call("ecs", "describe_services", cluster=s.primary_cluster,
                             services=[s.primary_service])["services"]
        reasons += [f"service {x['serviceName']!r} runs {x['runningCount']} of "
                    f"{x['desiredCount']}" for x in services
                    if x["runningCount"] < x["desiredCount"]]
        return tuple(reasons)

    def await_settled(self, check: Callable[[], tuple[str, ...]] | None = None) -> None:
        """Wait (the run's step timeout at most) until ``check`` (default :meth:`unsettled`)
        finds nothing left.

        Raises:
            RevertError: still not settled at the deadline; names what is left.
        """
        s, clock = require_settings(self._ctx, self._fault), _clock(self._ctx)
        polled = clock.poll(check or self.unsettled, until=lambda left: not left,
                            timeout_s=s.step_timeout_s, every_s=s.poll_interval_s,
                            what=f"fault {self._fault!r} to settle")
        if not polled.done:
            left = polled.value
            raise RevertError(f"fault {self._fault!r} did not settle within "
                              f"{s.step_timeout_s:g}s: {'; '.join(left)}",
                              fault=self._fault)



class OneShot:
    """A one-shot fault AWS heals by itself (a failover, a task replacement): nothing to undo.

    Its revert waits (the step timeout at most) until :meth:`_problems`, which reads the
    state back, finds nothing left; it is active while it finds something.
    """

    _api: FaultApi

    def revert(self) -> None:
        """Wait until the service has healed."""
        self._api.await_settled(self._problems)

    def is_active(self) -> bool:
        """True while the fault's effect lasts (``_problems`` finds something)."""
        return bool(self._problems())

    def _problems(self) -> tuple[str, ...]:
        """What still shows the fault, one phrase each (nothing once healed)."""
        raise NotImplementedError



def positive_seconds(seconds: float, what: str, fault: str) -> float:
    """``seconds`` itself if it is > 0; else FaultInjectionError (``what`` > 0 drill seconds)."""
    if not seconds > 0:
        raise FaultInjectionError(f"{what} > 0 drill seconds, got {seconds!r}", fault=fault)
    return seconds


class HeldReplication:
    """A fault that holds cross-region replication for its ``hold`` (the simulator's control).

    Inject holds it for ``seconds`` (None: until reverted), revert releases it now, and it is
    active while the hold lasts.
    """

    name: ClassVar[str]
    hold: ClassVar[str]
    seconds: float | None
    _ctx: FaultContext

    def inject(self) -> None:
        """Hold replication for the fault's length."""
        plane(self._ctx, self.name).hold_replication(self.hold, self.seconds)

    def revert(self) -> None:
        """Release the hold now."""
        plane(self._ctx, self.name).release_replication(self.hold)

    def is_active(self) -> bool:
        """True while the hold lasts."""
        return self.hold in plane(self._ctx, self.name).replication_holds()
