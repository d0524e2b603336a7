"""What can reach what in a deployed stack: routes, security groups, roles, logs, mounts.

The region simulator asks this module two questions, both answered from moto's state:

- :func:`task_start_problems`: why ECS would stop the service's new task before it runs, as
  ``stoppedReason`` says it (an image no route can fetch, an execution role ECS cannot
  assume, a log group that does not exist, an EFS volume no mount target can serve);
- :func:`serving_problems`: why the stack's clients, or the tasks' own dependencies, cannot
  be reached (the load balancer's security group or subnets keep clients out; the database's
  or cache's security group keeps the tasks out, so the app's ``/health`` fails).

Each check is a runtime rule of ``docs/fidelity.md``, with its AWS source. A stack the
simulator does not find (tests that build their own resources) is not judged here.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from moto.backends import get_backend
from moto.ecs.exceptions import TaskDefinitionNotFoundException

from infra.embedded import wiring
from infra.embedded.moto_ext._rules import rule
from infra.embedded.moto_state import ACCOUNT

__all__ = ["serving_problems", "task_start_problems"]

_ECS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide"

PULL_ROUTE = rule("ECS-RT-IMAGE-ROUTE", "a task reaches its image registry: a NAT route, or "
                  "an internet gateway route with a public IP",
                  f"{_ECS}/task_cannot_pull_image.html")
ROLE_TRUST = rule("ECS-RT-ROLE-TRUST", "a task's execution and task roles exist and trust "
                  "ecs-tasks.amazonaws.com", f"{_ECS}/task_execution_IAM_role.html")
LOG_GROUP = rule("ECS-RT-LOG-GROUP", "an awslogs container's log group exists (or "
                 "awslogs-create-group is true)", f"{_ECS}/using_awslogs.html")
EFS_MOUNT = rule("ECS-RT-EFS-MOUNT", "an EFS volume has a mount target in the task's zone that "
                 "admits the task on NFS (2049)", f"{_ECS}/efs-volumes.html")
ALB_CLIENTS = rule("NET-ALB-SG-CLIENTS", "an internet-facing load balancer's security group "
                   "admits clients on the listener port", "https://docs.aws.amazon.com/"
                   "elasticloadbalancing/latest/application/load-balancer-update-security-groups.html")
ALB_PUBLIC = rule("NET-ALB-PUBLIC-SUBNETS", "an internet-facing load balancer's subnets route "
                  "0.0.0.0/0 to an internet gateway", "https://docs.aws.amazon.com/"
                  "elasticloadbalancing/latest/application/application-load-balancers.html")
DB_ACCESS = rule("NET-DB-FROM-TASKS", "the database's security group admits the tasks on its "
                 "port", "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
                 "Overview.RDSSecurityGroups.html")
CACHE_ACCESS = rule("NET-CACHE-FROM-TASKS", "the cache's security group admits the tasks on "
                    "its port", "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/"
                    "elasticache-vpc-accessing.html")


def _backend(service: str, region: str) -> Any:
    return get_backend(service)[ACCOUNT][region]  # type: ignore[call-overload]


def _route_table(region: str, subnet_id: str, vpc_id: str) -> Any:
    ec2 = _backend("ec2", region)
    tables = ec2.route_tables.values()
    for table in tables:
        if subnet_id in table._associations.values():
            return table
    # CloudFormation's SubnetRouteTableAssociation is kept apart from the API's associations.
    for association in ec2.subnet_associations.values():
        if association.subnet_id == subnet_id and association.route_table_id in ec2.route_tables:
            return ec2.route_tables[association.route_table_id]
    return next((t for t in tables if t.vpc_id == vpc_id and t.main_association_id), None)


def _default_route(region: str, subnet: Any) -> str:
    """``nat``, ``igw`` or ``""``: where the subnet's 0.0.0.0/0 route leads."""
    table = _route_table(region, subnet.id, subnet.vpc_id)
    for route in getattr(table, "routes", []):
        if route.destination_cidr_block != "0.0.0.0/0":
            continue
        if route.nat_gateway is not None:
            return "nat"
        if str(getattr(route.gateway, "id", route.gateway) or "").startswith("igw-"):
            return "igw"
    return ""


def _subnet(region: str, subnet_id: str) -> Any:
    return next((z[subnet_id] for z in _backend("ec2", region).subnets.values()
                 if subnet_id in z), None)


def _admits(region: str, group_id: str, port: int, source_groups: set[str], *,
            anywhere: bool) -> bool:
    """Whether security group ``group_id`` lets TCP ``port`` in from ``source_groups``.

    ``anywhere``: only a rule open to 0.0.0.0/0 counts as a CIDR rule (clients on the
    internet); otherwise any CIDR rule does (the VPC's own range reaches the tasks).
    """
    group = wiring.security_group_of(region, group_id)
    if group is None:
        return True  # not found: not ours to judge
    for permission in group.ingress_rules:
        if str(permission.ip_protocol) not in ("-1", "tcp", "6"):
            continue
        if str(permission.ip_protocol) != "-1" and not (
                int(permission.from_port or 0) <= port <= int(permission.to_port or 0)):
            continue
        cidrs = {(getattr(permission, "ip_range", None) or {}).get("CidrIp")} - {None}
        source = (getattr(permission, "source_group", None) or {}).get("GroupId")
        if "0.0.0.0/0" in cidrs or (not anywhere and cidrs) or source in source_groups:
            return True
    return False


def _stopped(reason: str) -> tuple[str, ...]:
    return (reason,)


def _network(service: Any) -> tuple[list[str], list[str], bool]:
    config = (service.network_configuration or {}).get("awsvpcConfiguration") or {}
    return (list(config.get("subnets") or []), list(config.get("securityGroups") or []),
            config.get("assignPublicIp") == "ENABLED")


def _image_problems(region: str, service: Any, images: list[str]) -> tuple[str, ...]:
    subnets, _groups, public_ip = _network(service)
    for subnet_id in subnets:
        subnet = _subnet(region, subnet_id)
        route = _default_route(region, subnet) if subnet is not None else "nat"
        if route == "nat" or (route == "igw" and public_ip):
            continue
        return _stopped(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
            f"failed to resolve ref {images[0]}: failed to do request: Head "
            f"\"{_manifest_url(images[0])}\": dial tcp: i/o timeout")
    return ()


def _manifest_url(image: str) -> str:
    """The registry URL a pull of ``image`` asks first, as containerd names it."""
    name, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "latest")
    registry, _, repository = name.partition("/")
    return f"https://{registry}/v2/{repository}/manifests/{tag or 'latest'}"


def _trusts_ecs(document: str) -> bool:
    try:
        policy = json.loads(unquote(document))
    except ValueError:
        return False
    for statement in policy.get("Statement", []):
        services = (statement.get("Principal") or {}).get("Service") or []
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") == "Allow" and "ecs-tasks.amazonaws.com" in services and \
                any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            return True
    return False


def _role_problems(definition: Any) -> tuple[str, ...]:
    iam = get_backend("iam")[ACCOUNT]["aws"]  # type: ignore[index]
    for arn in (definition.execution_role_arn, definition.task_role_arn):
        if not arn:
            continue
        role = next((r for r in iam.get_roles() if r.arn == arn), None)
        if role is None or not _trusts_ecs(role.assume_role_policy_document):
            return _stopped(
                f"ECS was unable to assume the role '{arn}' that was provided for this task. "
                "Please verify that the role being passed has the proper trust relationship "
                "and permissions and that your IAM user has permissions to pass this role.")
    return ()


def _log_problems(region: str, definition: Any) -> tuple[str, ...]:
    for container in definition.container_definitions:
        config = container.get("logConfiguration") or {}
        options = config.get("options") or {}
        if config.get("logDriver") != "awslogs" or \
                str(options.get("awslogs-create-group")).lower() == "true":
            continue
        group, where = options.get("awslogs-group"), options.get("awslogs-region") or region
        if group and group not in _backend("logs", where).groups:
            return _stopped(
                "ResourceInitializationError: failed to validate logger args: create stream has "
                "been retried 1 times: failed to create Cloudwatch log stream: "
                "ResourceNotFoundException: The specified log group does not exist. : exit "
                "status 1")
    return ()


def _efs_problems(region: str, service: Any, definition: Any) -> tuple[str, ...]:
    subnets, groups, _public = _network(service)
    efs = _backend("efs", region)
    for volume in definition.volumes or []:
        fs_id = (volume.get("efsVolumeConfiguration") or {}).get("fileSystemId")
        if not fs_id:
            continue
        targets = [t for t in efs.mount_targets_by_id.values() if t.file_system_id == fs_id]
        for subnet_id in subnets:
            subnet = _subnet(region, subnet_id)
            zone = getattr(subnet, "availability_zone", None)
            target = next((t for t in targets if t._subnet.availability_zone == zone), None)
            if target is None:
                return _stopped(
                    "ResourceInitializationError: failed to invoke EFS utils commands to set up "
                    f"EFS volumes: stderr: Failed to resolve \"{fs_id}.efs.{region}."
                    "amazonaws.com\" - check that your file system ID is correct")
            if not any(_admits(region, g, 2049, set(groups), anywhere=False)
                       for g in target.security_groups or []):
                return _stopped(
                    "ResourceInitializationError: failed to invoke EFS utils commands to set up "
                    "EFS volumes: stderr: mount.nfs4: Connection timed out : unsuccessful EFS "
                    "utils command execution; code: 32")
    return ()


def task_start_problems(region: str, cluster: str, service_name: str) -> tuple[str, ...]:
    """ECS's ``stoppedReason`` for a new task of the service, if it would stop at start."""
    ecs = _backend("ecs", region)
    service = ecs.services.get(f"{cluster}:{service_name}")
    if service is None or not service.task_definition:
        return ()
    try:
        definition = ecs.describe_task_definition(str(service.task_definition))
    except TaskDefinitionNotFoundException:  # a missing definition is wiring's finding
        return ()
    images = [str(c.get("image")) for c in definition.container_definitions if c.get("image")]
    return (_role_problems(definition) or _image_problems(region, service, images)
            or _log_problems(region, definition) or _efs_problems(region, service, definition))


def _client_problems(region: str, lb: Any) -> tuple[str, ...]:
    if lb.scheme == "internal":
        return ()
    for listener in lb.listeners.values():
        port = int(listener.port)
        if not any(_admits(region, g, port, set(), anywhere=True) for g in lb.security_groups):
            return (f"the security groups {lb.security_groups} of load balancer {lb.name!r} "
                    f"admit no client on port {port}: requests from the internet time out",)
    for subnet in lb.subnets:
        if _default_route(region, subnet) != "igw":
            return (f"subnet {subnet.id} of internet-facing load balancer {lb.name!r} has no "
                    "route to an internet gateway: clients cannot reach it",)
    return ()


def _dependency_problems(region: str, stack: str, task_groups: set[str]) -> tuple[str, ...]:
    found: list[tuple[str, list[str], int]] = []
    db_id = wiring.stack_resource_id(region, stack, "Database")
    database = _backend("rds", region).databases.get(db_id or "")
    if database is not None:
        found.append((f"database {db_id}", list(database.vpc_security_group_ids),
                      int(database.port or 3306)))
    cache_id = wiring.stack_resource_id(region, stack, "CacheReplicationGroup")
    cache = _backend("elasticache", region).replication_groups.get(cache_id or "")
    if cache is not None:
        found.append((f"cache {cache_id}", list(cache.security_group_ids), int(cache.port)))
    for what, groups, port in found:
        if groups and not any(_admits(region, g, port, task_groups, anywhere=False)
                              for g in groups):
            return (f"the security groups {groups} of the {what} admit nothing from the tasks "
                    f"on port {port}: the app cannot connect, so /health fails",)
    return ()


def serving_problems(region: str, stack: str) -> tuple[str, ...]:
    """Why clients cannot reach the stack, or its tasks cannot reach their database or cache."""
    lb_arn = wiring.stack_resource_id(region, stack, "LoadBalancer")
    lb = _backend("elbv2", region).load_balancers.get(lb_arn or "")
    problems = _client_problems(region, lb) if lb is not None else ()
    task_group = wiring.stack_resource_id(region, stack, "TaskSecurityGroup")
    return problems or (_dependency_problems(region, stack, {task_group}) if task_group
                        else ())
