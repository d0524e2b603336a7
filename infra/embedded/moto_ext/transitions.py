"""The process-wide hook through which moto's patched behaviour reaches the active simulator.

moto keeps its backends in process-wide state, so the patches in this package are
process-wide too; they cannot be handed a simulator. Instead a running
:class:`~infra.embedded.simulator.RegionSimulator` *activates* a :class:`TransitionContext`
here (one at a time) and deactivates it on stop. The patches then ask this module for
durations and schedule their delayed effects on the context's scheduler, and report what
happened to the context's observer (the simulator's ground-truth log).

With no context active, every transition completes at once, which is stock moto's
behaviour, so the extensions never leave a resource stuck in a transient state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from infra.core.clock import Clock
from infra.embedded.latency import LatencyModel, Transition
from infra.embedded.moto_ext._one_active import OneActive
from infra.embedded.scheduler import Scheduler

__all__ = [
    "ApiFaults",
    "HealthView",
    "TaskStarts",
    "TransitionContext",
    "TransitionEvent",
    "activate",
    "active",
    "deactivate",
    "notify",
    "report",
    "start",
    "task_start_problems",
]

_active: OneActive[TransitionContext] = OneActive("simulator")


@dataclass(frozen=True, slots=True)
class TransitionEvent:
    """A transition that started (``completed_at`` None) or completed, in drill seconds."""

    kind: str
    subject: str
    region: str
    started_at: float
    completed_at: float | None
    detail: str = ""
    due_at: float | None = None


class HealthView(Protocol):
    """What the simulator knows about an endpoint a Route 53 health check probes."""

    def health_check_failing(self, fqdn: str, interval_s: float, threshold: int) -> bool | None:
        """True/False once known; None when the endpoint is not one the simulator serves."""


class ApiFaults(Protocol):
    """API errors a fault makes the embedded AWS answer with (see ``dns_rejections``)."""

    def rejection(self, service: str, operation: str) -> tuple[str, str] | None:
        """``(code, message)`` to refuse this call with, or None to let it through."""


class TaskStarts(Protocol):
    """Whether ECS can start a service's task now (its task definition, image, registry)."""

    def task_start_problems(self, region: str, cluster: str, service: str) -> tuple[str, ...]:
        """Why no task of the service can start now; empty when one can."""


@dataclass(frozen=True, slots=True)
class TransitionContext:
    """The active simulator's clock, latency model, scheduler, observer and fault views."""

    clock: Clock
    latency: LatencyModel
    scheduler: Scheduler
    observer: Callable[[TransitionEvent], None]
    health: HealthView | None = None
    api_faults: ApiFaults | None = None
    tasks: TaskStarts | None = None


def activate(context: TransitionContext) -> None:
    """Make ``context`` the one the moto patches use; only one may be active."""
    _active.take(context)


def deactivate(context: TransitionContext) -> None:
    """Undo :func:`activate` for ``context`` (no-op if another one is active)."""
    _active.release(context)


def active() -> TransitionContext | None:
    """The active context, if a simulator is running."""
    return _active.get()


def notify(event: TransitionEvent) -> None:
    """Report ``event`` to the active simulator, if any."""
    context = active()
    if context is not None:
        context.observer(event)


def report(kind: str, *, subject: str, region: str, detail: str = "") -> None:
    """Report a transition that completed the moment it started (now, on the active clock)."""
    context = active()
    if context is not None:
        now = context.clock.now()
        context.observer(TransitionEvent(kind, subject, region, now, now, detail, now))


def task_start_problems(region: str, cluster: str, service: str) -> tuple[str, ...]:
    """Why the active simulator says no task of the service can start (none when inactive)."""
    context = active()
    if context is None or context.tasks is None:
        return ()
    return context.tasks.task_start_problems(region, cluster, service)


def start(
    transitions: Sequence[Transition],
    *,
    kind: str,
    subject: str,
    region: str,
    complete: Callable[[], bool],
) -> float | None:
    """Begin a transition; ``complete()`` runs after the modelled duration.

    ``complete`` returns False when the transition was overtaken (for example a later API
    call changed the resource again) so no completion is reported. With no simulator active
    it runs at once. Returns the drill time it is due, or None when it ran at once.
    """
    context = active()
    if context is None:
        complete()
        return None
    now = context.clock.now()
    duration = sum(context.latency.draw(t) for t in transitions)
    detail = "+".join(t.value for t in transitions)
    due = now + duration
    context.observer(TransitionEvent(kind, subject, region, now, None, detail, due))

    def finish(at: float) -> None:
        if complete():
            context.observer(TransitionEvent(kind, subject, region, now, at, detail, at))

    context.scheduler.at(due, finish, label=f"{kind} {subject}")
    return due
