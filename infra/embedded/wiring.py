"""Whether a region's deployed stack is wired so that it can serve: read from moto's state.

The simulator's health (``docs/simulator.md``) comes from the deployed state, so a DR setup
that is broken in the stack really fails a drill rather than passing on the simulator's
goodwill. Each function names what stops the region serving, or returns nothing:

- :func:`routing_problems`: the load balancer has a listener forwarding to the stack's
  target group, and the tasks' security group admits the load balancer on the target port
  (otherwise its health checks and requests time out: clients get 503 or 504);
- :func:`cache_problems`: the stack's cache replication group exists (the app's ``/health``
  needs it);
- :func:`task_start_problems`: the service's task definition exists, is not being deleted,
  names an image, and the image's registry is reachable. A task that cannot start keeps the
  service below its desired count, as ECS does, and says why in the service's events.

Resources are found through the stack (their logical ids in ``infra/templates``), so the
checks follow the template. A stack the simulator does not find (tests that build their own
resources) is not judged here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from moto.backends import get_backend

from infra.embedded.moto_state import ACCOUNT

__all__ = ["cache_problems", "key_state", "routing_problems", "security_group_of",
           "stack_resource_id", "task_start_problems"]

_LIVE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "CREATE_IN_PROGRESS",
         "UPDATE_IN_PROGRESS")
# <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag]
_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/")


def _backend(service: str, region: str) -> Any:
    return get_backend(service)[ACCOUNT][region]  # type: ignore[call-overload]


def stack_resource_id(region: str, stack: str, logical_id: str) -> str | None:
    """The physical id of ``logical_id`` in the live stack ``stack``, if both exist."""
    for found in _backend("cloudformation", region).stacks.values():
        if found.name == stack and found.status in _LIVE:
            # Only resources already created: iterating moto's resource map would create the
            # rest, from inside the very stack operation that is creating them.
            created = getattr(found.resource_map, "_parsed_resources", {})
            resource = created.get(logical_id)
            physical = getattr(resource, "physical_resource_id", None)
            return str(physical) if physical else None
    return None


def _forwards_to(action: Any, target_group: str) -> bool:
    data = getattr(action, "data", {}) or {}
    if data.get("TargetGroupArn") == target_group:
        return True
    groups = (data.get("ForwardConfig") or {}).get("TargetGroups") or []
    return any(g.get("TargetGroupArn") == target_group for g in groups)


def _admits(rule: Any, source_group: str, port: int) -> bool:
    protocol = str(getattr(rule, "ip_protocol", ""))
    if protocol not in ("-1", "tcp", "6"):
        return False
    if protocol != "-1" and not (int(rule.from_port or 0) <= port <= int(rule.to_port or 0)):
        return False
    source = (getattr(rule, "source_group", None) or {}).get("GroupId")
    # A CIDR rule (the VPC's range, or anywhere) also lets the load balancer in.
    return source == source_group or bool(getattr(rule, "ip_range", None))


def routing_problems(region: str, stack: str) -> tuple[str, ...]:
    """Why the stack's load balancer cannot reach its tasks, if it cannot."""
    lb_arn = stack_resource_id(region, stack, "LoadBalancer")
    tg_arn = stack_resource_id(region, stack, "TargetGroup")
    if lb_arn is None or tg_arn is None:
        return ()
    elbv2 = _backend("elbv2", region)
    lb = elbv2.load_balancers.get(lb_arn)
    tg = elbv2.target_groups.get(tg_arn)
    if lb is None or tg is None:
        return (f"load balancer or target group of stack {stack!r} not found in {region}",)
    if not any(_forwards_to(action, tg_arn) for listener in lb.listeners.values()
               for action in listener.default_actions):
        return (f"no listener of load balancer {lb.name!r} forwards to target group "
                f"{tg.name!r}",)
    task_sg = stack_resource_id(region, stack, "TaskSecurityGroup")
    lb_sg = stack_resource_id(region, stack, "ALBSecurityGroup")
    if task_sg is None or lb_sg is None:
        return ()
    group = _security_group(region, task_sg)
    port = int(tg.port or 0)
    if group is not None and not any(_admits(r, lb_sg, port) for r in group.ingress_rules):
        return (f"security group {task_sg} of the tasks admits nothing from the load "
                f"balancer's {lb_sg} on port {port}: its requests time out",)
    return ()


def security_group_of(region: str, group_id: str) -> Any:
    """moto's security group ``group_id`` in ``region``, or None."""
    return _security_group(region, group_id)


def _security_group(region: str, group_id: str) -> Any:
    for groups in _backend("ec2", region).groups.values():
        if group_id in groups:
            return groups[group_id]
    return None


def cache_problems(region: str, stack: str) -> tuple[str, ...]:
    """Why the stack's cache is missing, if its replication group no longer exists."""
    group = stack_resource_id(region, stack, "CacheReplicationGroup")
    if group is None or group in _backend("elasticache", region).replication_groups:
        return ()
    return (f"cache replication group {group!r} not found in {region}",)


def task_start_problems(region: str, cluster: str, service: str,
                        region_down: Callable[[str], bool]) -> tuple[str, ...]:
    """Why the service cannot start a task now (``region_down``: is a region's data plane lost)."""
    ecs = _backend("ecs", region)
    found = ecs.services.get(f"{cluster}:{service}")
    if found is None or not found.task_definition:
        return ()
    arn = str(found.task_definition)
    family, _, revision = arn.split("/")[-1].partition(":")
    definition = ecs.task_definitions.get(family, {}).get(int(revision or 0))
    if definition is None or definition.status == "DELETE_IN_PROGRESS":
        return (f"task definition {arn.split('/')[-1]} does not exist",)
    images = [c.get("image") for c in definition.container_definitions]
    if not any(images):
        return (f"task definition {arn.split('/')[-1]} has a container without an image",)
    for image in images:
        match = _ECR_IMAGE.match(image or "")
        if match and region_down(match.group(1)):
            return (f"CannotPullContainerError: image {image} is in {match.group(1)}'s "
                    "registry, which cannot be reached",)
    return ()


def key_state(region: str, key: str | None) -> str | None:
    """The KMS key's state (``Enabled``, ``Disabled``, ``PendingDeletion``...), None if unknown.

    ``key`` is an id or ARN in ``region``; an unencrypted resource has none.
    """
    if not key:
        return None
    found = _backend("kms", region).keys.get(key.split("/")[-1])
    return None if found is None else str(found.key_state)
