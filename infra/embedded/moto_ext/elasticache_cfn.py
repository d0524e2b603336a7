"""CloudFormation models for ``AWS::ElastiCache::ReplicationGroup`` and ``::SubnetGroup``.

Stock moto has no model for either: the resources are skipped with a warning and any
``!GetAtt`` on them fails the stack. These models create the real objects in moto's
ElastiCache backend (so ``describe_replication_groups`` shows them, encryption included)
and remove them again when the stack is deleted. moto writes ``use1`` into every cache
hostname; the endpoints here carry the stack's region instead, as AWS's do.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.parsing import CloudFormationModel
from moto.elasticache.models import ReplicationGroup, elasticache_backends

from infra.embedded.moto_ext._cfn import refresh_model_maps

__all__ = ["CacheSubnetGroupModel", "ReplicationGroupModel", "apply"]

_SHORT_REGION = {"us-east-1": "use1", "us-east-2": "use2", "us-west-1": "usw1",
                 "us-west-2": "usw2", "eu-west-1": "euw1", "eu-west-2": "euw2",
                 "eu-west-3": "euw3", "eu-central-1": "euc1"}  # fmt: skip


def _flag(value: Any) -> bool:
    return str(value).lower() == "true"


class CacheSubnetGroupModel(CloudFormationModel):
    """A cache subnet group created through CloudFormation."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        """Ref: the group's name."""
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        """The property that names the resource."""
        return "CacheSubnetGroupName"

    @staticmethod
    def cloudformation_type() -> str:
        """The resource type this model implements."""
        return "AWS::ElastiCache::SubnetGroup"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: Any, account_id: str,
        region_name: str, **kwargs: Any,
    ) -> CacheSubnetGroupModel:
        """Create the subnet group in the ElastiCache backend."""
        props = cloudformation_json["Properties"]
        name = resource_name.lower()
        elasticache_backends[account_id][region_name].create_cache_subnet_group(
            cache_subnet_group_name=name,
            cache_subnet_group_description=props["Description"],
            subnet_ids=list(props["SubnetIds"]),
            tags=props.get("Tags"),
        )
        return cls(name)

    def delete(self, account_id: str, region_name: str) -> None:
        """Remove the subnet group."""
        elasticache_backends[account_id][region_name].cache_subnet_groups.pop(self.name, None)


class ReplicationGroupModel(CloudFormationModel):
    """A Redis replication group created through CloudFormation."""

    def __init__(self, group: ReplicationGroup) -> None:
        self.group = group

    @property
    def physical_resource_id(self) -> str:
        """Ref: the replication group id."""
        return str(self.group.replication_group_id)

    @staticmethod
    def cloudformation_name_type() -> str:
        """The property that names the resource."""
        return "ReplicationGroupId"

    @staticmethod
    def cloudformation_type() -> str:
        """The resource type this model implements."""
        return "AWS::ElastiCache::ReplicationGroup"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        """Attributes ``!GetAtt`` can read."""
        return attr in _ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        """Endpoint address or port of the group."""
        node_group = self.group.node_groups[0]
        endpoint = node_group["primary_endpoint"] if "Primary" in attribute_name else {
            "address": node_group["reader_endpoint_address"], "port": node_group["port"]}
        return endpoint["address" if attribute_name.endswith("Address") else "port"]

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: Any, account_id: str,
        region_name: str, **kwargs: Any,
    ) -> ReplicationGroupModel:
        """Create the replication group in the ElastiCache backend."""
        props = cloudformation_json["Properties"]
        backend = elasticache_backends[account_id][region_name]
        group = backend.create_replication_group(**_arguments(resource_name.lower(), props))
        _regionalise(group, region_name)
        return cls(group)

    def delete(self, account_id: str, region_name: str) -> None:
        """Remove the group and its member clusters (moto only marks it 'deleting')."""
        backend = elasticache_backends[account_id][region_name]
        backend.replication_groups.pop(self.group.replication_group_id, None)
        for cluster_id in self.group.member_clusters:
            backend.cache_clusters.pop(cluster_id, None)


_ATTRIBUTES = ("PrimaryEndPoint.Address", "PrimaryEndPoint.Port",
               "ReaderEndPoint.Address", "ReaderEndPoint.Port")  # fmt: skip


def _arguments(group_id: str, props: dict[str, Any]) -> dict[str, Any]:
    names = ("global_replication_group_id", "primary_cluster_id", "preferred_cache_cluster_azs",
             "num_node_groups", "replicas_per_node_group", "node_group_configuration",
             "cache_parameter_group_name", "cache_security_group_names", "snapshot_arns",
             "snapshot_name", "preferred_maintenance_window", "notification_topic_arn",
             "snapshot_retention_limit", "snapshot_window", "auth_token", "user_group_ids",
             "log_delivery_configurations", "data_tiering_enabled", "network_type",
             "ip_discovery", "transit_encryption_mode", "cluster_mode",
             "serverless_cache_snapshot_name")
    args: dict[str, Any] = dict.fromkeys(names)
    args.update(
        replication_group_id=group_id,
        replication_group_description=props["ReplicationGroupDescription"],
        automatic_failover_enabled=_flag(props.get("AutomaticFailoverEnabled", False)),
        multi_az_enabled=_flag(props.get("MultiAZEnabled", False)),
        num_cache_clusters=int(props.get("NumCacheClusters", 1)),
        cache_node_type=props.get("CacheNodeType"),
        engine=props.get("Engine", "redis"),
        engine_version=props.get("EngineVersion"),
        cache_subnet_group_name=props.get("CacheSubnetGroupName"),
        security_group_ids=list(props.get("SecurityGroupIds", [])),
        tags=props.get("Tags") or [],
        port=int(props.get("Port", 6379)),
        auto_minor_version_upgrade=props.get("AutoMinorVersionUpgrade", True),
        transit_encryption_enabled=_flag(props.get("TransitEncryptionEnabled", False)),
        at_rest_encryption_enabled=_flag(props.get("AtRestEncryptionEnabled", False)),
        kms_key_id=props.get("KmsKeyId"),
        auth_token=props.get("AuthToken"),
    )
    return args


def _regionalise(group: ReplicationGroup, region: str) -> None:
    short = _SHORT_REGION.get(region, region.replace("-", ""))
    for node_group in group.node_groups:
        for key in ("primary_endpoint_address", "reader_endpoint_address"):
            if key in node_group:
                node_group[key] = node_group[key].replace(".use1.", f".{short}.")
        if "primary_endpoint" in node_group:
            node_group["primary_endpoint"]["address"] = node_group["primary_endpoint_address"]


def apply() -> None:
    """Make moto's CloudFormation see the two ElastiCache models."""
    refresh_model_maps()
