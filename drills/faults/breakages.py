"""Ways to break a deployed DR setup, to show the drill finds them: the broken-setup catalogue.

Each breakage is one change to the deployed stacks that an operator's mistake or a drifted
template could make, and that would make a real failover fail or miss its objectives. Each
names the readiness-audit finding (``docs/audit.md``) that must report it. The scenarios in
``features/broken_dr.feature`` apply one, then run the region-loss drill, which must fail
and name the cause (``docs/faults.md``, "Broken DR setups").

Breakages are for the embedded backend only: :func:`apply` refuses any other, because
breaking a real account's DR on purpose is not a drill.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from drills.settings.config import Settings
from infra.aws import ClientFactory
from infra.core.errors import ConfigError

__all__ = ["BREAKAGES", "Breakage", "apply", "refuse"]

Break = Callable[[ClientFactory, Settings, Any], str]
# A day: the TTL of records "that never change", and far longer than any drill, so clients
# still hold the lost region's address when the drill gives up, whatever the cache phase.
_DAY = 86400


@dataclass(frozen=True, slots=True)
class Breakage:
    """One way to break the DR setup: what it changes and the audit finding that names it."""

    name: str
    finding: str
    description: str
    action: Break


def _resource(clients: ClientFactory, region: str, stack: str, logical_id: str) -> str:
    cfn = clients.client("cloudformation", region)
    found = cfn.describe_stack_resource(StackName=stack, LogicalResourceId=logical_id)
    return str(found["StackResourceDetail"]["PhysicalResourceId"])


def _dr_task_definition(clients: ClientFactory, s: Settings) -> dict[str, Any]:
    ecs = clients.client("ecs", s.dr_region)
    service = ecs.describe_services(cluster=s.dr_cluster, services=[s.dr_service])["services"][0]
    found: dict[str, Any] = ecs.describe_task_definition(
        taskDefinition=service["taskDefinition"])["taskDefinition"]
    return found


def _delete_task_definition(clients: ClientFactory, s: Settings, _d: Any) -> str:
    ecs = clients.client("ecs", s.dr_region)
    arn = _dr_task_definition(clients, s)["taskDefinitionArn"]
    ecs.deregister_task_definition(taskDefinition=arn)
    ecs.delete_task_definitions(taskDefinitions=[arn])
    return f"deregistered and deleted {arn.split('/')[-1]}, which the DR service still uses"


def _image_in_primary(clients: ClientFactory, s: Settings, _d: Any) -> str:
    ecs = clients.client("ecs", s.dr_region)
    current = _dr_task_definition(clients, s)
    account = current["taskDefinitionArn"].split(":")[4]
    image = f"{account}.dkr.ecr.{s.primary_region}.amazonaws.com/streamflix:1.0"
    keep = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "volumes",
            "requiresCompatibilities", "cpu", "memory")
    containers = [{**c, "image": image} for c in current["containerDefinitions"]]
    revision = ecs.register_task_definition(
        **{k: current[k] for k in keep if current.get(k)}, containerDefinitions=containers,
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=s.dr_cluster, service=s.dr_service, taskDefinition=revision)
    return f"the DR service now runs {revision.split('/')[-1]}, whose image is {image}"


def _delete_listener(clients: ClientFactory, s: Settings, d: Any) -> str:
    elbv2 = clients.client("elbv2", s.dr_region)
    lb = _resource(clients, s.dr_region, s.dr_stack, "LoadBalancer")
    listeners = elbv2.describe_listeners(LoadBalancerArn=lb)["Listeners"]
    for listener in listeners:
        elbv2.delete_listener(ListenerArn=listener["ListenerArn"])
    return f"deleted the {len(listeners)} listener(s) of the DR load balancer {d.dr.ALBDNSName}"


def _close_task_port(clients: ClientFactory, s: Settings, _d: Any) -> str:
    ec2 = clients.client("ec2", s.dr_region)
    tasks = _resource(clients, s.dr_region, s.dr_stack, "TaskSecurityGroup")
    alb = _resource(clients, s.dr_region, s.dr_stack, "ALBSecurityGroup")
    ec2.revoke_security_group_ingress(GroupId=tasks, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
        "UserIdGroupPairs": [{"GroupId": alb}]}])
    return f"revoked tcp 8080 from {alb} (the DR ALB) on {tasks} (the DR tasks)"


def _long_ttl(clients: ClientFactory, s: Settings, d: Any) -> str:
    route53 = clients.client("route53", "us-east-1")
    name, target = d.primary.AppDNSName, d.primary.ALBDNSName
    # Not waited for: Route 53 applies it within a minute, long before the fault.
    route53.change_resource_record_sets(
        HostedZoneId=d.primary.HostedZoneId, ChangeBatch={"Changes": [{
            "Action": "UPSERT", "ResourceRecordSet": {
                "Name": name, "Type": "CNAME", "TTL": _DAY,
                "ResourceRecords": [{"Value": target}]}}]})
    return f"set the TTL of {name} to {_DAY} s (resolvers keep the primary's address a day)"


def _disable_key(clients: ClientFactory, s: Settings, _d: Any) -> str:
    key = _resource(clients, s.dr_region, s.dr_stack, "KMSKey")
    clients.client("kms", s.dr_region).disable_key(KeyId=key)
    return f"disabled the DR KMS key {key}, which encrypts the replica, EFS and cache in DR"


def _delete_efs_replication(clients: ClientFactory, s: Settings, d: Any) -> str:
    fs = d.primary.EFSFileSystemId
    clients.client("efs", s.primary_region).delete_replication_configuration(
        SourceFileSystemId=fs)
    return f"deleted the replication of the primary file system {fs} to {s.dr_region}"


def _delete_dr_cache(clients: ClientFactory, s: Settings, _d: Any) -> str:
    group = _resource(clients, s.dr_region, s.dr_stack, "CacheReplicationGroup")
    clients.client("elasticache", s.dr_region).delete_replication_group(
        ReplicationGroupId=group)
    return f"deleted the DR cache {group}"


BREAKAGES: Mapping[str, Breakage] = {b.name: b for b in (
    Breakage("dr-task-definition-deleted", "DR-TASKDEF-MISSING",
             "the DR service's task definition is deleted: no DR task can start",
             _delete_task_definition),
    Breakage("dr-image-in-primary-registry", "DR-TASK-IMAGE-IN-PRIMARY",
             "the DR task definition pulls its image from the primary region's registry",
             _image_in_primary),
    Breakage("dr-listener-deleted", "DR-TG-NOT-ATTACHED",
             "the DR load balancer has no listener: it forwards nothing to the DR tasks",
             _delete_listener),
    Breakage("dr-task-port-closed", "DR-TASK-SG-BLOCKS-ALB",
             "the DR tasks' security group no longer admits the DR load balancer",
             _close_task_port),
    Breakage("app-record-ttl-too-long", "DR-RTO-BUDGET-EXCEEDED",
             "the application record's TTL is a day: clients keep the lost region's address",
             _long_ttl),
    Breakage("dr-kms-key-disabled", "DR-KMS-KEY-UNUSABLE",
             "the DR KMS key is disabled: the promoted replica cannot read its storage",
             _disable_key),
    Breakage("efs-replication-deleted", "DR-EFS-REPLICATION-MISSING",
             "the file system no longer replicates to DR: DR has no copy of the files",
             _delete_efs_replication),
    Breakage("dr-cache-deleted", "DR-CACHE-MISSING",
             "the DR cache is deleted: the application's /health needs it", _delete_dr_cache),
)}


def refuse(name: str, settings: Settings) -> None:
    """Raise ConfigError unless ``name`` is a known breakage and the backend is embedded."""
    if settings.backend != "embedded":
        raise ConfigError(f"breaking the DR setup ({name!r}) is only done on the embedded "
                          f"backend, never on {settings.backend!r}: it is not a drill fault "
                          "and nothing reverts it")
    if name not in BREAKAGES:
        raise ConfigError(f"unknown DR breakage {name!r}; known: {', '.join(BREAKAGES)}")


def apply(name: str, clients: ClientFactory, settings: Settings, deployment: Any) -> str:
    """Apply the breakage ``name`` to the deployed stacks; says what it changed."""
    refuse(name, settings)
    return BREAKAGES[name].action(clients, settings, deployment)
