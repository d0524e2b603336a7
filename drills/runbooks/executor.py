"""Runs a runbook's steps in order, timing and journaling each one.

A step that raises stops the runbook: the failure is journaled with the step's name and
re-raised as :class:`RunbookStepFailed`, so the drill fails and says which step. A call to a
region that is down surfaces as ``EndpointConnectionError`` and is named as such.
"""

from __future__ import annotations

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
from infra.retry import RetryPolicy

__all__ = ["FailbackTarget", "FailoverTarget", "RunbookContext", "RunbookStep", "StepResult",
           "execute", "runbook_context"]


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
    delay = ctx.clock.real(ctx.settings.poll_interval_s)
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
              progress: Callable[[str], None]) -> StepResult:
    started = timeline.record("runbook.step.started", step=step.name, region=step.region).t
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


def execute(
    steps: Sequence[RunbookStep], ctx: RunbookContext, *, timeline: Timeline,
    progress: Callable[[str], None] = lambda _msg: None,
) -> tuple[StepResult, ...]:
    """Run ``steps`` in order; the first failure raises :class:`RunbookStepFailed`."""
    return tuple(_run_step(step, ctx, timeline, progress) for step in steps)


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
                        sleep=drill.clock.sleep)
    return RunbookContext(s, drill.backend.clients, drill.clock, target, drill.backend.resolve,
                          drill.http, retry)
