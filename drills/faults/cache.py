"""Cache faults."""

from __future__ import annotations

from typing import ClassVar

from drills.faults import FaultContext
from drills.faults._common import FaultApi, OneShot, cache_group_id, require_settings
from infra.core.actions import ApiCall, FaultEffects

__all__ = ["CacheNodeFailure"]


class CacheNodeFailure(OneShot):
    """The cache's primary node fails: ElastiCache Multi-AZ promotes a replica in another zone
    (ElastiCache's own TestFailover, which replaces the primary as a real failure would)."""

    name: ClassVar[str] = "cache-node-failure"
    effects: ClassVar[FaultEffects] = FaultEffects(
        inject="fail the cache's primary node (TestFailover): writes stop until a replica is "
               "promoted and the primary endpoint points at it",
        revert="nothing to undo (one-shot, no failback); wait until the node group is "
               "available again",
        inject_calls=(ApiCall("elasticache", "TestFailover",
                              "{s.primary_cache_id} node group 0001",
                              "primary"),),
        revert_calls=(ApiCall("elasticache", "DescribeReplicationGroups",
                              "{s.primary_cache_id} (until available)",
                              "primary"),))

    def __init__(self, ctx: FaultContext, *, node_group: str = "0001") -> None:
        self._api = FaultApi(ctx, self.name)
        self._node_group = node_group
        self.target = f"{cache_group_id(require_settings(ctx, self.name))}/{node_group}"

    def inject(self) -> None:
        """Fail the primary node over."""
        self._api.call("elasticache", "test_failover",
                       ReplicationGroupId=self.target.split("/")[0], NodeGroupId=self._node_group)

    def _problems(self) -> tuple[str, ...]:
        """The node group, while it has no primary taking writes."""
        group = self._api.call("elasticache", "describe_replication_groups",
                               ReplicationGroupId=self.target.split("/")[0])["ReplicationGroups"][0]
        return tuple(f"cache node group {n['NodeGroupId']} is {n.get('Status')}"
                     for n in group.get("NodeGroups", [])
                     if n["NodeGroupId"] == self._node_group and n.get("Status") != "available")
