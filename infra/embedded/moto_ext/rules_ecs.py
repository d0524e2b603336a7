"""ECS's documented rules for task definitions and services, enforced as ECS enforces them.

Stock moto registers any task definition and creates any service: a Fargate task of 256 CPU
and 4096 MiB, a Fargate task in ``bridge`` mode, an ``awsvpc`` service with no network
configuration or behind an ``instance`` target group all "work", where ECS refuses each at
``RegisterTaskDefinition`` / ``CreateService`` / ``UpdateService``. Each check below cites
the page that documents it and refuses with ECS's error code and message (the catalogue is
``docs/fidelity.md``). CloudFormation creates both resources through the same backend
methods (``ecs_cfn``), so a template that breaks a rule fails its stack as on AWS.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from moto.backends import get_backend
from moto.ecs.exceptions import EcsClientException, InvalidParameterException
from moto.ecs.models import EC2ContainerServiceBackend, TaskDefinition

from infra.embedded.moto_ext._rules import constraint, refuse, rule, wrap_methods

__all__ = ["FARGATE_SIZES", "apply", "fargate_size_ok"]

_TD = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html"
_SIZE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html"
_EXEC = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html"
_SVC = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html"
_LB = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb.html"

NETWORK_MODE = rule("ECS-FARGATE-AWSVPC", "a Fargate task definition uses network mode awsvpc",
                    f"{_TD}#network_mode")
TASK_CPU = rule("ECS-FARGATE-CPU", "a Fargate task definition sets task-level cpu",
                f"{_TD}#task_size")
TASK_MEMORY = rule("ECS-FARGATE-MEMORY", "a Fargate task definition sets task-level memory",
                   f"{_TD}#task_size")
CPU_VALUE = rule("ECS-FARGATE-CPU-VALUE", "Fargate task cpu is one of 256 ... 16384 units",
                 _SIZE)
SIZE = rule("ECS-FARGATE-SIZE", "Fargate task cpu and memory are a supported combination",
            _SIZE)
LOGS_ROLE = rule("ECS-EXEC-ROLE-AWSLOGS",
                 "a Fargate task with the awslogs log driver has an execution role", _EXEC)
ECR_ROLE = rule("ECS-EXEC-ROLE-ECR",
                "a Fargate task pulling a private ECR image has an execution role", _EXEC)
HOST_PORT = rule("ECS-AWSVPC-HOST-PORT", "with awsvpc, a port mapping's hostPort equals its "
                 "containerPort", "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"
                 "API_PortMapping.html")
EFS_IAM = rule("ECS-EFS-IAM-TRANSIT", "EFS IAM authorization needs transit encryption ENABLED",
               "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"
               "API_EFSAuthorizationConfig.html")
HEALTH = rule("ECS-HEALTHCHECK-RANGE", "container health check interval 5-300 s, timeout "
              "2-60 s, retries 1-10, startPeriod 0-300 s",
              "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html")
NET_CONFIG = rule("ECS-SVC-NETWORK-CONFIG", "a service of an awsvpc task definition has a "
                  "networkConfiguration", f"{_SVC}#ECS-CreateService-request-networkConfiguration")
LAUNCH = rule("ECS-SVC-LAUNCH-COMPAT", "a FARGATE service's task definition is compatible "
              "with FARGATE", f"{_SVC}#ECS-CreateService-request-launchType")
LB_PORT = rule("ECS-SVC-LB-CONTAINER", "a service's load balancer names a container and port "
               "of its task definition", "https://docs.aws.amazon.com/AmazonECS/latest/"
               "APIReference/API_LoadBalancer.html")
TG_IP = rule("ECS-SVC-TG-IP", "awsvpc tasks behind a load balancer use a target group of "
             "target type ip", _LB)
TG_LB = rule("ECS-SVC-TG-ATTACHED", "a service's target group is attached to a load balancer",
             _LB)
INACTIVE = rule("ECS-SVC-TASKDEF-INACTIVE", "services are not created or updated with an "
                "INACTIVE task definition", "https://docs.aws.amazon.com/AmazonECS/latest/"
                "developerguide/deregister-task-definition-v2.html")

# cpu units -> the memory sizes (MiB) Fargate offers with it (the table of _SIZE).
FARGATE_SIZES: dict[int, frozenset[int]] = {
    256: frozenset({512, 1024, 2048}),
    512: frozenset(range(1024, 4097, 1024)),
    1024: frozenset(range(2048, 8193, 1024)),
    2048: frozenset(range(4096, 16385, 1024)),
    4096: frozenset(range(8192, 30721, 1024)),
    8192: frozenset(range(16384, 61441, 4096)),
    16384: frozenset(range(32768, 122881, 8192)),
}
_UNITS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(vcpu|gb)?\s*$", re.IGNORECASE)
_PRIVATE_ECR = re.compile(r"^\d{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com/")


def _units(value: str) -> int | None:
    """cpu units or MiB from "1024", "1 vCPU" or "2 GB", as ECS converts them."""
    match = _UNITS.match(value)
    if match is None:
        return None
    number, unit = float(match.group(1)), match.group(2)
    return int(number * 1024) if unit else int(number)


def fargate_size_ok(cpu: str, memory: str) -> bool:
    """Whether Fargate runs a task of ``cpu`` units and ``memory`` MiB."""
    units, mib = _units(cpu), _units(memory)
    return units in FARGATE_SIZES and mib in FARGATE_SIZES[units]  # type: ignore[index]


def _fargate(cpu: str | None, memory: str | None, network_mode: str | None) -> None:
    if network_mode != "awsvpc":
        refuse(NETWORK_MODE, EcsClientException("Fargate only supports network mode 'awsvpc'."))
    if cpu is None:
        refuse(TASK_CPU, EcsClientException(
            "Fargate requires that 'cpu' be defined at the task level."))
    if memory is None:
        refuse(TASK_MEMORY, EcsClientException(
            "Fargate requires that 'memory' be defined at the task level."))
    if _units(cpu) not in FARGATE_SIZES:
        refuse(CPU_VALUE, EcsClientException("Invalid 'cpu' setting for task."))
    if not fargate_size_ok(cpu, memory):
        refuse(SIZE, EcsClientException(
            f"No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. "
            "See the Amazon ECS documentation for the valid values."))


def _fargate_roles(containers: list[dict[str, Any]], execution_role: str | None) -> None:
    if execution_role:
        return
    for container in containers:
        if (container.get("logConfiguration") or {}).get("logDriver") == "awslogs":
            refuse(LOGS_ROLE, EcsClientException(
                "Fargate requires task definition to have execution role ARN to support log "
                "driver awslogs."))
        if _PRIVATE_ECR.match(str(container.get("image") or "")):
            refuse(ECR_ROLE, EcsClientException(
                "Fargate requires task definition to have execution role ARN to support ECR "
                "images."))


_HEALTH_RANGES = (("interval", 5, 300), ("timeout", 2, 60), ("retries", 1, 10),
                  ("startPeriod", 0, 300))


def _containers(containers: list[dict[str, Any]], network_mode: str | None) -> None:
    for i, container in enumerate(containers):
        for mapping in container.get("portMappings") or []:
            host = mapping.get("hostPort")
            if network_mode == "awsvpc" and host not in (None, 0, mapping.get("containerPort")):
                refuse(HOST_PORT, EcsClientException(
                    "When networkMode=awsvpc, the host ports and container ports in port "
                    "mappings must match."))
        for field, low, high in _HEALTH_RANGES:
            value = (container.get("healthCheck") or {}).get(field)
            problem = None if value is None else constraint(
                value, f"containerDefinitions.{i + 1}.member.healthCheck.{field}", low, high)
            if problem:
                refuse(HEALTH, EcsClientException(problem))


def _volumes(volumes: list[dict[str, Any]]) -> None:
    for volume in volumes:
        efs = volume.get("efsVolumeConfiguration") or {}
        iam = (efs.get("authorizationConfig") or {}).get("iam")
        if iam == "ENABLED" and efs.get("transitEncryption") != "ENABLED":
            refuse(EFS_IAM, EcsClientException(
                f"Invalid EFS volume configuration for volume '{volume.get('name')}': IAM "
                "authorization requires transitEncryption to be ENABLED."))  # est. wording


def _registering(inner: Callable[..., TaskDefinition]) -> Callable[..., TaskDefinition]:
    def register_task_definition(self: EC2ContainerServiceBackend, family: str,
                                 container_definitions: list[dict[str, Any]],
                                 *args: Any, **kwargs: Any) -> TaskDefinition:
        network_mode = kwargs.get("network_mode")
        if "FARGATE" in (kwargs.get("requires_compatibilities") or []):
            _fargate(kwargs.get("cpu"), kwargs.get("memory"), network_mode)
            _fargate_roles(container_definitions, kwargs.get("execution_role_arn"))
        _containers(container_definitions, network_mode)
        _volumes(kwargs.get("volumes") or [])
        return inner(self, family, container_definitions, *args, **kwargs)
    return register_task_definition


def _target_group(region: str, account: str, arn: str) -> Any:
    return get_backend("elbv2")[account][region].target_groups.get(arn)  # type: ignore[index]


def _load_balancers(backend: EC2ContainerServiceBackend, definition: TaskDefinition,
                    load_balancers: list[dict[str, Any]]) -> None:
    for entry in load_balancers:
        name, port = entry.get("containerName"), entry.get("containerPort")
        container: dict[str, Any] | None = next(
            (c for c in definition.container_definitions if c.get("name") == name), None)
        mappings: list[dict[str, Any]] = (container or {}).get("portMappings") or []
        ports = [m.get("containerPort") for m in mappings]
        if container is None or int(port or 0) not in [int(p or 0) for p in ports]:
            refuse(LB_PORT, InvalidParameterException(
                f"The container {name} did not have a container port {port} defined."))
        arn = entry.get("targetGroupArn") or ""
        group = _target_group(backend.region_name, backend.account_id, arn)
        if group is None:
            continue  # moto's own answer for an unknown target group stands
        if definition.network_mode == "awsvpc" and group.target_type != "ip":
            refuse(TG_IP, InvalidParameterException(
                f"The provided target group {arn} has target type {group.target_type}, which "
                "is incompatible with the awsvpc network mode specified in the task "
                "definition."))
        if not group.load_balancer_arns:
            refuse(TG_LB, InvalidParameterException(
                f"The target group with targetGroupArn {arn} does not have an associated "
                "load balancer."))


def _usable(definition: TaskDefinition) -> None:
    if definition.status == "INACTIVE":
        refuse(INACTIVE, EcsClientException("TaskDefinition is inactive"))


def _check_service(backend: EC2ContainerServiceBackend, task_definition: str | None,
                   kwargs: dict[str, Any]) -> None:
    if not task_definition:
        return
    definition = backend.describe_task_definition(task_definition)
    _usable(definition)
    if definition.network_mode == "awsvpc" and not kwargs.get("network_configuration"):
        refuse(NET_CONFIG, InvalidParameterException(
            "Network Configuration must be provided when networkMode 'awsvpc' is specified."))
    if kwargs.get("launch_type") == "FARGATE" and "FARGATE" not in (
            definition.requires_compatibilities or []):
        refuse(LAUNCH, InvalidParameterException(
            "Task definition does not support launch_type FARGATE."))
    _load_balancers(backend, definition, kwargs.get("load_balancers") or [])


# moto's create_service parameters in order (moto 5.2): its responses pass them by position.
_CREATE_SERVICE_ARGS = ("cluster_str", "service_name", "desired_count", "task_definition_str",
                        "load_balancers", "scheduling_strategy", "tags",
                        "deployment_controller", "launch_type")


def _creating(inner: Callable[..., Any]) -> Callable[..., Any]:
    def create_service(self: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> Any:
        named = dict(zip(_CREATE_SERVICE_ARGS, args, strict=False)) | kwargs
        _check_service(self, named.get("task_definition_str"), named)
        return inner(self, *args, **kwargs)
    return create_service


def _updating(inner: Callable[..., Any]) -> Callable[..., Any]:
    def update_service(self: EC2ContainerServiceBackend, service_properties: dict[str, Any]
                       ) -> Any:
        if service_properties.get("task_definition"):
            _usable(self.describe_task_definition(service_properties["task_definition"]))
        return inner(self, service_properties)
    return update_service


def apply() -> None:
    """Check ECS's rules before moto registers a task definition or creates a service."""
    wrap_methods(EC2ContainerServiceBackend, register_task_definition=_registering,
                 create_service=_creating, update_service=_updating)


