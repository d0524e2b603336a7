"""ElastiCache Multi-AZ as AWS runs it: every node of the group, spread over zones, and failover.

Stock moto gives a ``NumCacheClusters: 2`` group one node (it overwrites the count unless
``ReplicasPerNodeGroup`` is given), places nodes in ``us-east-1a``/``b`` whatever the region,
and answers ``TestFailover`` with NotImplementedError. Here:

- a group gets ``NumCacheClusters`` nodes, spread over the zones of its cache subnet group,
  as ElastiCache places the nodes of a Multi-AZ group;
- ``TestFailover`` (and :func:`fail_over`, which the simulator calls when the primary's zone
  is lost) promotes a replica: the node group is ``modifying`` until the replica takes writes,
  ``elasticache_failover`` later (C1), then the roles swap; the primary endpoint is kept.
  It is refused without automatic failover, without a replica, or while one is running.

AWS reports a test failover through events rather than a status; the node group's
``modifying`` stands for "no primary takes writes" (est.). With no simulator, at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from moto.core.responses import ActionResult
from moto.elasticache.exceptions import ElastiCacheException, ReplicationGroupNotFound
from moto.elasticache.models import ElastiCacheBackend, ReplicationGroup
from moto.elasticache.responses import ElastiCacheResponse

from infra.embedded.latency import Transition
from infra.embedded.moto_ext import transitions

__all__ = ["FAILOVER", "apply", "fail_over", "primary_member"]

FAILOVER = "elasticache.failover"

_stock_members = ReplicationGroup._set_node_members_clusters_disabled
_stock_create = ElastiCacheBackend.create_replication_group


def _members(self: ReplicationGroup, **kwargs: Any) -> None:
    count = kwargs.get("num_cache_clusters") or 1
    kwargs["replicas_per_node_group"] = kwargs.get("replicas_per_node_group") or count - 1
    _stock_members(self, **kwargs)


def _create(self: ElastiCacheBackend, **kwargs: Any) -> ReplicationGroup:
    group = self.cache_subnet_groups.get(kwargs.get("cache_subnet_group_name") or "")
    zones = sorted({s["subnet_availability_zone"] for s in getattr(group, "subnets", [])
                    if "subnet_availability_zone" in s})
    if zones and not kwargs.get("preferred_cache_cluster_azs"):
        count = kwargs.get("num_cache_clusters") or (kwargs.get("replicas_per_node_group") or 0) + 1
        kwargs["preferred_cache_cluster_azs"] = [zones[i % len(zones)] for i in range(count)]
    return _stock_create(self, **kwargs)


def primary_member(node_group: dict[str, Any]) -> dict[str, Any] | None:
    """The node group's member in the primary role, if any."""
    return next((m for m in node_group["node_group_members"]
                 if m.get("current_role") == "primary"), None)


def _refuse(code: str, message: str) -> ElastiCacheException:
    return ElastiCacheException(code, message)


def _node_group(group: ReplicationGroup, node_group_id: str) -> dict[str, Any]:
    found = next((g for g in group.node_groups if g["node_group_id"] == node_group_id), None)
    if found is None:
        raise _refuse("NodeGroupNotFoundFault", f"Node group {node_group_id} not found in "
                      f"replication group {group.replication_group_id}.")
    if group.automatic_failover != "enabled" or group.status != "available":
        raise _refuse("InvalidReplicationGroupStateFault",
                      f"Replication group {group.replication_group_id} is {group.status} with "
                      f"automatic failover {group.automatic_failover}; failover needs both "
                      "available and enabled.")
    if found.get("status") != "available":
        raise _refuse("TestFailoverNotAvailableFault",
                      f"A failover of node group {node_group_id} is already in progress.")
    return found


def fail_over(group: ReplicationGroup, node_group_id: str, *, region: str,
              lost_zones: Iterable[str] = ()) -> float | None:
    """Promote a replica outside ``lost_zones``; the drill time it completes (None: at once)."""
    node_group = _node_group(group, node_group_id)
    lost = set(lost_zones)
    old = primary_member(node_group)
    new = next((m for m in node_group["node_group_members"] if m.get("current_role") ==
                "replica" and m.get("preferred_availability_zone") not in lost), None)
    if old is None or new is None:
        raise _refuse("InvalidReplicationGroupStateFault",
                      f"Node group {node_group_id} of {group.replication_group_id} has no "
                      "replica to fail over to.")
    node_group["status"] = "modifying"

    def complete() -> bool:
        if node_group.get("status") != "modifying":
            return False
        old["current_role"], new["current_role"] = "replica", "primary"
        node_group["status"] = "available"
        return True

    return transitions.start((Transition.ELASTICACHE_FAILOVER,), kind=FAILOVER,
                             subject=f"{group.replication_group_id}/{node_group_id}",
                             region=region, complete=complete)


def _test_failover(self: ElastiCacheResponse) -> ActionResult:
    group_id = self._get_param("ReplicationGroupId")
    group = self.elasticache_backend.replication_groups.get(group_id)
    if group is None:
        raise ReplicationGroupNotFound(group_id)
    fail_over(group, self._get_param("NodeGroupId"), region=self.region)
    return ActionResult({"ReplicationGroup": group})


def apply() -> None:
    """Give replication groups all their nodes, in their zones, and a timed failover."""
    ReplicationGroup._set_node_members_clusters_disabled = _members  # type: ignore[method-assign,assignment]
    ElastiCacheBackend.create_replication_group = _create  # type: ignore[method-assign,assignment]
    ElastiCacheResponse.test_failover = _test_failover  # type: ignore[attr-defined]
