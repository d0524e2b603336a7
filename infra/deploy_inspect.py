"""Read-only queries of a deployment: what both regions report, and what a teardown left.

``inspect()`` is step 6 of the deployment guide (verify) and what the deploy scenario
asserts on; ``leftovers()`` is what the teardown scenario asserts on. Neither makes a
mutating call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra.aws import ClientFactory
from infra.core.actions import ApiCall, RegionRole
from infra.core.settings import InfraSettings
from infra.deploy_common import AwsCalls, optional, stack_summary

__all__ = ["INSPECT_CALLS", "LEFTOVER_CALLS", "Inspection", "Leftovers", "inspect", "leftovers"]

_CFN = "cloudformation"
_BOTH: tuple[RegionRole, RegionRole] = ("primary", "dr")
# The calls inspect() and leftovers() make, in order; all read-only. `drill plan` and the
# IAM policy are built from these.
INSPECT_CALLS = (
    ApiCall(_CFN, "DescribeStacks", "{s.primary_stack}", "primary"),
    ApiCall(_CFN, "DescribeStacks", "{s.dr_stack}", "dr"),
    ApiCall(_CFN, "DescribeStackResources", "{s.primary_stack}", "primary"),
    ApiCall(_CFN, "DescribeStackResources", "{s.dr_stack}", "dr"),
    *(ApiCall("rds", "DescribeDBInstances", "all", role) for role in _BOTH),
    *(ApiCall("efs", "DescribeFileSystems", "all", role) for role in _BOTH),
    *(ApiCall("elasticache", "DescribeReplicationGroups", "all", role) for role in _BOTH),
    ApiCall("efs", "DescribeReplicationConfigurations", "all", "primary"),
    ApiCall("ecs", "DescribeServices", "{s.primary_cluster}/{s.primary_service}", "primary"),
    ApiCall("ecs", "DescribeServices", "{s.dr_cluster}/{s.dr_service}", "dr"),
    *(ApiCall("logs", "DescribeLogGroups", "{s.log_group}", role)
      for role in _BOTH),
)
LEFTOVER_CALLS = tuple(
    ApiCall(service, operation, target, role)
    for role, service_name in zip(_BOTH, ("{s.primary_cluster}/{s.primary_service}",
                                          "{s.dr_cluster}/{s.dr_service}"), strict=True)
    for service, operation, target in (
        (_CFN, "DescribeStacks", "all"), ("efs", "DescribeFileSystems", "all"),
        ("efs", "DescribeReplicationConfigurations", "all"), ("rds", "DescribeDBInstances", "all"),
        ("ecs", "DescribeServices", service_name)))

@dataclass(frozen=True, slots=True)
class Inspection:
    """What the two regions report about the deployment, for verification."""

    primary_status: str | None
    dr_status: str | None
    primary_tags: tuple[tuple[str, str], ...]
    dr_tags: tuple[tuple[str, str], ...]
    incomplete_resources: tuple[str, ...]
    replica_status: str | None
    replica_source: str | None
    replication_destinations: tuple[tuple[str, str], ...]  # (file system id, region)
    rds_encrypted: bool
    efs_encrypted: bool
    cache_encrypted_at_rest: bool
    cache_encrypted_in_transit: bool
    primary_desired_count: int | None
    dr_desired_count: int | None
    log_retention_days: tuple[int | None, ...]  # primary, DR


@dataclass(frozen=True, slots=True)
class Leftovers:
    """What is still there in one region after a teardown."""

    region: str
    stacks: tuple[str, ...]
    db_instances: tuple[str, ...]
    file_systems: tuple[str, ...]
    replication_configurations: tuple[str, ...]
    active_services: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """True when nothing of the deployment is left in the region."""
        return not (self.stacks or self.db_instances or self.file_systems
                    or self.replication_configurations or self.active_services)


def _resources(aws: AwsCalls, region: str, stack: str) -> list[str]:
    """Logical ids of the stack's resources that are not *_COMPLETE."""
    rows = aws.call("cloudformation", region, "describe_stack_resources",
                    StackName=stack)["StackResources"]
    return [f"{stack}/{r['LogicalResourceId']}" for r in rows
            if not str(r.get("ResourceStatus", "")).endswith("_COMPLETE")]


def inspect(settings: InfraSettings, factory: ClientFactory) -> Inspection:
    """Read what both regions report about the deployment (read-only)."""
    aws, s = AwsCalls(settings, factory, None, None), settings
    p = stack_summary(aws, s.primary_region, s.primary_stack)
    d = stack_summary(aws, s.dr_region, s.dr_stack)
    incomplete = [*(_resources(aws, s.primary_region, s.primary_stack) if p else []),
                  *(_resources(aws, s.dr_region, s.dr_stack) if d else [])]
    dbs = [*optional(aws, "rds", s.primary_region, "describe_db_instances", "DBInstances"),
           *optional(aws, "rds", s.dr_region, "describe_db_instances", "DBInstances")]
    replica: dict[str, Any] = next(
        (db for db in dbs if db["DBInstanceIdentifier"] == s.replica_id), {})
    fss = [*optional(aws, "efs", s.primary_region, "describe_file_systems", "FileSystems"),
           *optional(aws, "efs", s.dr_region, "describe_file_systems", "FileSystems")]
    caches = [g for r in (s.primary_region, s.dr_region) for g in optional(
        aws, "elasticache", r, "describe_replication_groups", "ReplicationGroups")]
    return Inspection(
        primary_status=p["StackStatus"] if p else None, dr_status=d["StackStatus"] if d else None,
        primary_tags=_pairs(p), dr_tags=_pairs(d), incomplete_resources=tuple(incomplete),
        replica_status=replica.get("DBInstanceStatus"),
        replica_source=replica.get("ReadReplicaSourceDBInstanceIdentifier"),
        replication_destinations=_destinations(aws),
        rds_encrypted=bool(dbs) and all(db.get("StorageEncrypted") for db in dbs),
        efs_encrypted=bool(fss) and all(fs.get("Encrypted") for fs in fss),
        cache_encrypted_at_rest=bool(caches) and all(g.get("AtRestEncryptionEnabled")
                                                     for g in caches),
        cache_encrypted_in_transit=bool(caches) and all(g.get("TransitEncryptionEnabled")
                                                        for g in caches),
        primary_desired_count=_desired(aws, s.primary_region, s.primary_cluster,
                                       s.primary_service),
        dr_desired_count=_desired(aws, s.dr_region, s.dr_cluster, s.dr_service),
        log_retention_days=tuple(_retention(aws, r) for r in (s.primary_region, s.dr_region)),
    )


def _pairs(summary: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((t["Key"], t["Value"]) for t in (summary or {}).get("Tags") or []))


def _destinations(aws: AwsCalls) -> tuple[tuple[str, str], ...]:
    configs = optional(aws, "efs", aws.settings.primary_region,
                        "describe_replication_configurations", "Replications")
    return tuple((d["FileSystemId"], d["Region"]) for c in configs for d in c["Destinations"])


def _desired(aws: AwsCalls, region: str, cluster: str, service: str) -> int | None:
    found = optional(aws, "ecs", region, "describe_services", "services",
                      cluster=cluster, services=[service])
    active = [svc for svc in found if svc.get("status") == "ACTIVE"]
    return int(active[0]["desiredCount"]) if active else None


def _retention(aws: AwsCalls, region: str) -> int | None:
    name = aws.settings.log_group
    groups = optional(aws, "logs", region, "describe_log_groups", "logGroups",
                       logGroupNamePrefix=name)
    return next((g.get("retentionInDays") for g in groups if g["logGroupName"] == name), None)


def leftovers(settings: InfraSettings, factory: ClientFactory) -> tuple[Leftovers, ...]:
    """What of the deployment is still there, region by region (read-only)."""
    aws, s = AwsCalls(settings, factory, None, None), settings
    return tuple(_region_leftovers(aws, region, cluster, service) for region, cluster, service
                 in ((s.primary_region, s.primary_cluster, s.primary_service),
                     (s.dr_region, s.dr_cluster, s.dr_service)))


def _region_leftovers(aws: AwsCalls, region: str, cluster: str, service: str) -> Leftovers:
    stacks = optional(aws, "cloudformation", region, "describe_stacks", "Stacks")
    fss = optional(aws, "efs", region, "describe_file_systems", "FileSystems")
    repl = optional(aws, "efs", region, "describe_replication_configurations", "Replications")
    dbs = optional(aws, "rds", region, "describe_db_instances", "DBInstances")
    services = optional(aws, "ecs", region, "describe_services", "services",
                         cluster=cluster, services=[service])
    return Leftovers(
        region=region,
        stacks=tuple(st["StackName"] for st in stacks if st["StackStatus"] != "DELETE_COMPLETE"),
        db_instances=tuple(db["DBInstanceIdentifier"] for db in dbs),
        file_systems=tuple(fs["FileSystemId"] for fs in fss),
        replication_configurations=tuple(r["SourceFileSystemId"] for r in repl),
        active_services=tuple(svc["serviceName"] for svc in services
                              if svc.get("status") == "ACTIVE"),
    )
