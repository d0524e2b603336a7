"""ECS service task counts that take Fargate start and ALB registration time to converge.

Stock moto sets ``runningCount = desiredCount`` the moment ``update_service`` is called and
leaves a new service at 0 running forever. Here a scale-up keeps the running count where it
was, the rest pending, until the latency model's ``fargate_start`` + ``alb_target_healthy``
have passed (E1-E5, E10): the count means "tasks serving behind the ALB", which is what the
canary's health needs. A scale-down drops at once: the ALB stops routing new requests to a
draining target immediately (E7); the 300 s deregistration delay only lets in-flight
requests finish, which no drill measures. With no simulator active, everything is at once.

Tasks that stop on their own (a crash, a lost zone: :func:`stop_tasks`) leave the running
count at once and are replaced by the service scheduler after the same start time.

A task that cannot start (the simulator's ``task_start_problems``: its task definition is
gone, it has no image, the image's registry is unreachable) does not: the service stays
below its desired count, says why in its events as ECS does, and tries again after another
start time, for as long as the desired count stands.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.ecs.models import EC2ContainerServiceBackend, Service

from infra.embedded.latency import Transition
from infra.embedded.moto_ext import transitions

__all__ = ["SCALE", "SCALED_DOWN", "apply", "stop_tasks"]

SCALE = "ecs.tasks_running"
SCALED_DOWN = "ecs.tasks_scaled_down"
_TASK_START = (Transition.FARGATE_START, Transition.ALB_TARGET_HEALTHY)

_stock_update = EC2ContainerServiceBackend.update_service
_stock_create = EC2ContainerServiceBackend.create_service


def _set_counts(service: Service, running: int) -> None:
    """Set running/pending on the service and its primary deployment alike."""
    service.running_count = running
    service.pending_count = max(service.desired_count - running, 0)
    for deployment in service.deployments:
        deployment["desiredCount"] = service.desired_count
        deployment["runningCount"] = running
        deployment["pendingCount"] = service.pending_count
        deployment["rolloutState"] = (
            "COMPLETED" if running >= service.desired_count else "IN_PROGRESS"
        )


def _unable(service: Service, reason: str) -> None:
    """Put ECS's "unable to start a task" event first in the service's events (once)."""
    message = f"(service {service.name}) was unable to start a task. Reason: {reason}."
    if service.events and service.events[0].get("message") == message:
        return
    service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": datetime.now(UTC),
                              "message": message})


def _start_tasks(service: Service, region: str, subject: str, desired: int,
                 place: Callable[[], None]) -> None:
    """Start tasks after the modelled start time; retry while the simulator says they cannot.

    ``place`` sets the counts once they start; nothing happens if a later update or a
    delete changed the desired count meanwhile.
    """

    def complete() -> bool:
        if service.desired_count != desired or service.status != "ACTIVE":
            return False  # a later update or a delete overtook this one
        problems = transitions.task_start_problems(region, service.cluster_name, service.name)
        if problems:
            _unable(service, problems[0])
            transitions.start(_TASK_START, kind=SCALE, subject=subject, region=region,
                              complete=complete)
            return False
        place()
        return True

    transitions.start(_TASK_START, kind=SCALE, subject=subject, region=region,
                      complete=complete)


def _converge(backend: EC2ContainerServiceBackend, service: Service, running: int) -> None:
    """Hold ``running`` tasks now; reach the desired count after the modelled start time."""
    target = service.desired_count
    subject = f"{service.cluster_name}/{service.name}"
    if target <= running:
        _set_counts(service, target)
        transitions.report(SCALED_DOWN, subject=subject, region=backend.region_name,
                           detail=f"running={target}")
        return
    _set_counts(service, running)

    _start_tasks(service, backend.region_name, subject, target,
                 lambda: _set_counts(service, target))


def stop_tasks(service: Service, count: int, *, region: str) -> int:
    """Stop ``count`` of the service's running tasks; the scheduler replaces them later.

    Returns how many stopped (at most the running count).
    """
    stopped = min(max(count, 0), service.running_count)
    if not stopped:
        return 0
    subject = f"{service.cluster_name}/{service.name}"
    _set_counts(service, service.running_count - stopped)
    transitions.report(SCALED_DOWN, subject=subject, region=region,
                       detail=f"running={service.running_count}")
    desired = service.desired_count

    _start_tasks(service, region, subject, desired,
                 lambda: _set_counts(service, min(desired, service.running_count + stopped)))
    return stopped


def _update(self: EC2ContainerServiceBackend, service_properties: dict[str, Any]) -> Service:
    cluster = service_properties.get("cluster", "default")
    name = str(service_properties["service"]).split("/")[-1]
    before = self._get_service(cluster, name).running_count
    service = _stock_update(self, service_properties)
    if service_properties.get("desired_count") is not None:
        _converge(self, service, before)
    return service


def _create(self: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> Service:
    service = _stock_create(self, *args, **kwargs)
    _converge(self, service, service.running_count)
    return service


def apply() -> None:
    """Make ECS task counts converge on the latency model's schedule."""
    EC2ContainerServiceBackend.update_service = _update  # type: ignore[method-assign]
    EC2ContainerServiceBackend.create_service = _create  # type: ignore[method-assign]
