"""Container faults."""

from __future__ import annotations

from typing import ClassVar

from drills.faults import FaultContext
from drills.faults._common import SERVICE_RUNNING, FaultApi, OneShot, plane, require_settings
from infra.core.actions import FaultEffects
from infra.core.errors import FaultInjectionError

__all__ = ["EcsTaskCrash"]


class EcsTaskCrash(OneShot):
    """Tasks of the primary ECS service crash; the service scheduler starts replacements."""

    name: ClassVar[str] = "ecs-task-crash"
    # moto runs no tasks for a service, so the simulator stops them inside its ECS state; on
    # the aws backend it is FIS's aws:ecs:stop-task.
    effects: ClassVar[FaultEffects] = FaultEffects(
        inject="stop running tasks of the primary service, as a crash does; the scheduler "
               "replaces them (image pull, start, first passing ALB health check)",
        revert="nothing to undo (one-shot); wait until the service runs its desired count",
        revert_calls=(SERVICE_RUNNING,))

    def __init__(self, ctx: FaultContext, *, count: int = 1) -> None:
        s = require_settings(ctx, self.name)
        if count < 1:
            raise FaultInjectionError(f"count must be >= 1 task, got {count!r}", fault=self.name)
        self._ctx = ctx
        self._api = FaultApi(ctx, self.name)
        self.count = count
        self.target = f"{s.primary_cluster}/{s.primary_service}"

    def inject(self) -> None:
        """Crash the tasks."""
        plane(self._ctx, self.name).crash_tasks(self._ctx.primary_region, self.count)

    def _problems(self) -> tuple[str, ...]:
        """The service, while it runs fewer tasks than it wants."""
        cluster, service = self.target.split("/")
        found = self._api.call("ecs", "describe_services", cluster=cluster,
                               services=[service])["services"]
        return tuple(f"service {x['serviceName']!r} runs {x['runningCount']} of "
                     f"{x['desiredCount']}" for x in found
                     if x["runningCount"] < x["desiredCount"])
