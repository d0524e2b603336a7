"""``AWS::ECS::TaskDefinition`` and ``::Service`` created with every property the stack sets.

Stock moto's CloudFormation models pass only the family, containers, volumes and memory of a
task definition, and only the cluster, name, count and task definition of a service: the
Fargate size, network mode, roles, launch type, network configuration and load balancers of
the template are dropped, so no rule about them could ever be checked and ``Describe*`` shows
a different service than AWS would. Here both models hand the backend what the template
says, with CloudFormation's PascalCase keys in the API's camelCase
(``EFSVolumeConfiguration`` -> ``efsVolumeConfiguration``, as the ECS API spells it).
"""

from __future__ import annotations

import re
from typing import Any

from moto.ecs.models import Cluster, Service, TaskDefinition, ecs_backends

from infra.embedded.moto_ext._cfn import set_attr

__all__ = ["apply", "camel"]

_LEADING_CAPS = re.compile(r"^([A-Z]+)(?=[A-Z][a-z]|$)|^[A-Z]")
# CloudFormation spellings that are not the API's name with its first letters lowered.
_RENAMES = {"FilesystemId": "fileSystemId"}
# Maps whose keys are data, not property names (log options, labels): kept as they are.
_OPAQUE = frozenset({"Options", "DockerLabels", "DriverOpts", "Labels"})


def camel(value: Any) -> Any:
    """CloudFormation's PascalCase keys, recursively, as the ECS API's camelCase."""
    if isinstance(value, list):
        return [camel(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {_key(k): (v if k in _OPAQUE else camel(v)) for k, v in value.items()}


def _key(key: str) -> str:
    if key in _RENAMES:
        return _RENAMES[key]
    return _LEADING_CAPS.sub(lambda m: m.group(0).lower(), key, count=1)


def _create_task_definition(cls: type, resource_name: str, cloudformation_json: Any,
                            account_id: str, region_name: str, **kwargs: Any) -> Any:
    props = cloudformation_json["Properties"]
    backend = ecs_backends[account_id][region_name]
    return backend.register_task_definition(
        family=props.get("Family", resource_name),
        container_definitions=camel(props.get("ContainerDefinitions", [])),
        volumes=camel(props.get("Volumes", [])),
        network_mode=props.get("NetworkMode"),
        requires_compatibilities=props.get("RequiresCompatibilities"),
        cpu=None if props.get("Cpu") is None else str(props["Cpu"]),
        memory=None if props.get("Memory") is None else str(props["Memory"]),
        task_role_arn=props.get("TaskRoleArn"),
        execution_role_arn=props.get("ExecutionRoleArn"),
    )


def _name(value: Any, cls: type) -> str:
    if isinstance(value, cls):
        return str(value.family if cls is TaskDefinition else value.name)  # type: ignore[attr-defined]
    return str(value)


def _create_service(cls: type, resource_name: str, cloudformation_json: Any,
                    account_id: str, region_name: str, **kwargs: Any) -> Any:
    props = cloudformation_json["Properties"]
    backend = ecs_backends[account_id][region_name]
    return backend.create_service(
        _name(props["Cluster"], Cluster), props.get("ServiceName", resource_name),
        int(props.get("DesiredCount", 0) or 0),
        task_definition_str=_name(props["TaskDefinition"], TaskDefinition),
        load_balancers=camel(props.get("LoadBalancers")) or None,
        launch_type=props.get("LaunchType"),
        network_configuration=camel(props.get("NetworkConfiguration")) or None,
    )


def apply() -> None:
    """Make the two ECS models pass the template's properties to moto's ECS backend."""
    set_attr(TaskDefinition, "create_from_cloudformation_json",
             classmethod(_create_task_definition))
    set_attr(Service, "create_from_cloudformation_json", classmethod(_create_service))
