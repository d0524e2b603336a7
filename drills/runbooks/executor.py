"""Runs a runbook's steps as their dependencies allow, timing and journaling each one.

Each step names the steps it waits for (``after``; by default the step before it). A runbook
whose every step waits for the one before it runs in order on the caller's thread; one with
independent steps runs each step on its own thread as soon as what it waits for is done
(the critical path then sets the runbook's duration). A step that raises stops the runbook:
no further step starts, the running ones finish, and the failure is journaled with the
step's name and re-raised as :class:`RunbookStepFailed`, so the drill fails and says which
step. A call to a region that is down surfaces as ``EndpointConnectionError``.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import requests
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from drills.journal.timeline import Timeline
from drills.measure.context import RunContext
from drills.settings.config import Settings
from infra.core.actions import ApiCall
from infra.core.clock import Clock
from infra.core.errors import DrillError, RunbookStepFailed
from infra.retry import RetryPolicy, seeded_jitter

__all__ = ["FailbackTarget", "FailoverTarget", "RunbookContext", "RunbookStep", "StepResult",
           "dependencies", "describe_order", "execute", "is_sequential", "runbook_context"]


@dataclass(frozen=True, slots=True)
class FailoverTarget:
    """What the runbook acts on, read from the deployment before anything was lost."""

    replica_id: str
    dr_cluster: str
    dr_service: str
    dr_alb_dns: str
    hosted_zone_id: str
    app_dns_name: str
    health_check_id: str | None


@dataclass(frozen=True, slots=True)
class FailbackTarget(FailoverTarget):
    """What the failback acts on besides the failover's targets, read from the deployment."""

    primary_db_id: str = ""
    primary_alb_dns: str = ""
    primary_efs_id: str = ""
    dr_efs_id: str = ""
    # Each region's stack key: a cross-region replica of an encrypted source needs its own.
    primary_kms_key: str = ""
    dr_kms_key: str = ""


@dataclass(frozen=True, slots=True)
class RunbookContext:
    """Everything a step may use."""

    settings: Settings
    clients: Any
    clock: Clock
    target: FailoverTarget
    resolve: Callable[[str], str]
    http: requests.Session
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def call(self, client: Any, operation: str, /, **kwargs: Any) -> Any:
        """One AWS call under the drill's retry policy (throttling and 5xx, each journaled)."""
        service = client.meta.service_model.service_name
        return self.retry.call(service, operation, getattr(client, operation), **kwargs)

    def wait(self, client: Any, waiter: str, /, **kwargs: Any) -> None:
        """A boto3 waiter with the step's poll budget, restarted after a transient error."""
        self.retry.wait(client.meta.service_model.service_name, waiter, client,
                        WaiterConfig=_waiter_config(self), **kwargs)


def _waiter_config(ctx: RunbookContext) -> dict[str, Any]:
    delay = ctx.settings.poll_interval_s  # drill seconds: the retry policy sleeps on the clock
    attempts = max(1, int(ctx.settings.step_timeout_s / ctx.settings.poll_interval_s))
    return {"Delay": delay, "MaxAttempts": attempts}


@dataclass(frozen=True, slots=True)
class RunbookStep:
    """One step: a name, the region it acts in ("global" for Route 53) and its action."""

    name: str
    region: str
    action: Callable[[RunbookContext], None]
    description: str
    # The AWS calls the action makes, as data, for `drill plan` and the IAM audit.
    calls: tuple[ApiCall, ...] = ()
    # Names of the steps this one waits for; None: the step before it (a sequential runbook).
    after: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class StepResult:
    """How a step went, in drill seconds."""

    name: str
    region: str
    status: Literal["ok", "failed"]
    started_at: float
    finished_at: float
    error: str | None = None

    @property
    def duration_s(self) -> float:
        """How long the step took."""
        return self.finished_at - self.started_at


def _explain(exc: BaseException) -> tuple[str, str | None]:
    if isinstance(exc, EndpointConnectionError):
        return f"the region's API is unreachable ({exc})", "EndpointConnectionError"
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code')}: {err.get('Message')}", err.get("Code")
    return str(exc), None


def _run_step(step: RunbookStep, ctx: RunbookContext, timeline: Timeline,
              progress: Callable[[str], None], after: tuple[str, ...] = ()) -> StepResult:
    started = timeline.record("runbook.step.started", step=step.name, region=step.region,
                              after=list(after)).t
    try:
        progress(f"runbook step {step.name} in {step.region}: {step.description}")
        step.action(ctx)
    except (BotoCoreError, ClientError, DrillError, requests.RequestException) as exc:
        message, code = _explain(exc)
        end = ctx.clock.now()
        timeline.record("runbook.step.finished", step=step.name, region=step.region,
                        status="failed", duration_s=round(end - started, 3), error=message)
        progress(f"runbook step {step.name} FAILED after {end - started:.0f}s: {message}")
        raise RunbookStepFailed(message, step=step.name, code=code) from exc
    except BaseException as exc:  # interrupted or crashed: the journal still closes the step
        status = "aborted" if isinstance(exc, KeyboardInterrupt) else "crashed"
        timeline.record("runbook.step.finished", step=step.name, region=step.region,
                        status=status, duration_s=round(ctx.clock.now() - started, 3),
                        error=f"{type(exc).__name__}: {exc}")
        raise
    end = ctx.clock.now()
    timeline.record("runbook.step.finished", step=step.name, region=step.region, status="ok",
                    duration_s=round(end - started, 3))
    progress(f"runbook step {step.name} done in {end - started:.0f}s (drill time)")
    return StepResult(step.name, step.region, "ok", started, end)


def dependencies(steps: Sequence[RunbookStep]) -> dict[str, tuple[str, ...]]:
    """Each step's name -> the names it waits for; ConfigError for an unknown or later one."""
    from infra.core.errors import ConfigError

    found: dict[str, tuple[str, ...]] = {}
    for i, step in enumerate(steps):
        after = step.after if step.after is not None else (
            (steps[i - 1].name,) if i else ())
        unknown = [name for name in after if name not in found]
        if unknown:  # only earlier steps: a runbook's order is a topological order
            raise ConfigError(f"runbook step {step.name!r} waits for {unknown}, which is not a "
                              "step before it in the runbook")
        found[step.name] = tuple(after)
    return found


def is_sequential(steps: Sequence[RunbookStep]) -> bool:
    """Whether every step waits for exactly the step before it (the runbook runs in order)."""
    deps = dependencies(steps)
    return all(deps[s.name] == ((steps[i - 1].name,) if i else ()) for i, s in enumerate(steps))


def describe_order(steps: Sequence[RunbookStep]) -> str:
    """The steps' names in order, each independent one with what it waits for."""
    if is_sequential(steps):
        return ", ".join(step.name for step in steps)
    deps = dependencies(steps)
    return ", ".join(f"{s.name} (after {' and '.join(deps[s.name])})" if deps[s.name]
                     else s.name for s in steps) + "; independent steps at once"


def execute(
    steps: Sequence[RunbookStep], ctx: RunbookContext, *, timeline: Timeline,
    progress: Callable[[str], None] = lambda _msg: None,
) -> tuple[StepResult, ...]:
    """Run ``steps`` as their dependencies allow; the first failure raises RunbookStepFailed."""
    deps = dependencies(steps)
    if is_sequential(steps):
        return tuple(_run_step(step, ctx, timeline, progress, deps[step.name])
                     for step in steps)
    return _execute_graph(steps, deps, ctx, timeline, progress)


def _execute_graph(steps: Sequence[RunbookStep], deps: dict[str, tuple[str, ...]],
                   ctx: RunbookContext, timeline: Timeline,
                   progress: Callable[[str], None]) -> tuple[StepResult, ...]:
    """Start each step on its own thread once its dependencies are done; wait for all."""
    done: dict[str, StepResult] = {}
    errors: list[BaseException] = []
    finished: queue.SimpleQueue[tuple[str, StepResult | BaseException]] = queue.SimpleQueue()
    changed = threading.Event()
    pending, running = list(steps), set[str]()

    def run(step: RunbookStep) -> None:
        try:
            finished.put((step.name, _run_step(step, ctx, timeline, progress,
                                               deps[step.name])))
        except BaseException as exc:  # handed to the caller's thread, which raises it
            finished.put((step.name, exc))
        changed.set()

    while pending or running:
        for step in [s for s in pending if not errors and set(deps[s.name]) <= done.keys()]:
            pending.remove(step)
            running.add(step.name)
            # A participant of the clock: on virtual time its waits move drill time too.
            ctx.clock.thread(run, name=f"runbook-{step.name}", args=(step,)).start()
        if not running:
            break
        changed.clear()  # before draining: a step finishing after the drain sets it again
        while not finished.empty():
            name, outcome = finished.get()
            running.discard(name)
            if isinstance(outcome, BaseException):
                errors.append(outcome)
            else:
                done[name] = outcome
        if running and finished.empty():
            ctx.clock.wait(changed, ctx.settings.step_timeout_s)  # each step has that bound
    if errors:
        raise errors[0]
    return tuple(done[s.name] for s in steps)


def runbook_context(drill: RunContext) -> RunbookContext:
    """The context a drill's runbooks run in: its clients, clock, HTTP session and retries."""
    d, s = drill.backend.deployment, drill.settings
    target = FailoverTarget(
        replica_id=s.replica_id, dr_cluster=s.dr_cluster, dr_service=s.dr_service,
        dr_alb_dns=d.dr.ALBDNSName, hosted_zone_id=d.primary.HostedZoneId,
        app_dns_name=d.primary.AppDNSName, health_check_id=d.primary.PrimaryHealthCheckId)
    # Backoff waits are drill seconds: on the embedded backend a retry costs what it would
    # on AWS (seconds), not seconds of real time multiplied by the time scale.
    retry = RetryPolicy(max_attempts=s.api_max_attempts, on_retry=drill.journal_retry,
                        sleep=drill.clock.sleep, jitter=seeded_jitter(s.seed, "runbook"))
    return RunbookContext(s, drill.backend.clients, drill.clock, target, drill.backend.resolve,
                          drill.http, retry)
