"""The AWS call wrapper the deployer and the inspector share.

Every call goes through the retry policy; a ``ClientError`` becomes a :class:`DeployError`
that keeps the AWS code and is scrubbed of the settings' secrets. Stack descriptions are cut
down to status, outputs and tags here, because ``DescribeStacks`` answers NoEcho parameters
in clear text on some endpoints.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError, WaiterError

from infra.aws import ClientFactory
from infra.core.actions import ApiCall
from infra.core.clock import Clock
from infra.core.errors import DeployError, StackCreateFailed
from infra.core.settings import InfraSettings
from infra.retry import RetryHook, RetryPolicy, seeded_jitter

__all__ = ["FAILED_STATES", "FAILURE_CALLS", "AwsCalls", "Progress", "creation_failure",
           "error_code", "optional", "scrub", "stack_summary"]

log = logging.getLogger("infra.deploy")
Progress = Callable[[str], None]

_POLL_DRILL_S = 30.0  # how often CloudFormation is polled, in drill seconds
_STACK_TIMEOUT_DRILL_S = 3600.0  # a stack that takes longer than an hour has failed

# The states of a stack whose create failed.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html
FAILED_STATES = ("CREATE_FAILED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE")
# Made only when a stack did not create, to name the resource that failed and why.
FAILURE_CALLS = (
    ApiCall("cloudformation", "DescribeStackEvents", "{s.primary_stack} (if it failed)",
            "primary"),
    ApiCall("cloudformation", "DescribeStackEvents", "{s.dr_stack} (if it failed)", "dr"),
)
_CANCELLED = "Resource creation cancelled"


class AwsCalls:
    """Clients, retries, waiter budgets and progress for one deploy/inspect/teardown call."""

    def __init__(self, settings: InfraSettings, factory: ClientFactory, progress: Progress | None,
                 on_retry: RetryHook | None, clock: Clock | None = None) -> None:
        self.settings = settings
        self.factory = factory
        self.progress = progress or (lambda _msg: None)
        # With the drill's clock, waits are drill seconds on it (virtual time included);
        # without one, real seconds scaled by the settings' time scale.
        self.retry = RetryPolicy(max_attempts=settings.api_max_attempts,
                                 max_delay_s=settings.api_timeout_s * 3, on_retry=on_retry,
                                 sleep=clock.sleep if clock is not None else time.sleep,
                                 jitter=seeded_jitter(settings.seed, "deploy"))
        delay = _POLL_DRILL_S if clock is not None else _POLL_DRILL_S / settings.time_scale
        self.waiter = {"Delay": delay, "MaxAttempts": int(_STACK_TIMEOUT_DRILL_S // _POLL_DRILL_S)}

    def call(self, service: str, region: str, operation: str, **kwargs: Any) -> Any:
        """One AWS call with the retry policy; ClientError becomes DeployError."""
        client = self.factory.client(service, region)
        try:
            return self.retry.call(service, operation, getattr(client, operation), **kwargs)
        except ClientError as exc:
            message = exc.response.get("Error", {}).get("Message", "")
            raise DeployError(
                scrub(self.settings, f"{service}.{operation} in {region} failed: {message}"),
                stack=kwargs.get("StackName"), code=error_code(exc)) from exc

    def wait(self, region: str, waiter: str, stack: str) -> None:
        """Wait for a CloudFormation waiter on ``stack`` within the stack budget."""
        client = self.factory.client("cloudformation", region)
        try:
            self.retry.wait("cloudformation", waiter, client, StackName=stack,
                            WaiterConfig=self.waiter)
        except WaiterError as exc:
            raise DeployError(scrub(self.settings, f"{waiter} did not pass: {exc}"),
                              stack=stack, code=error_code(exc)) from exc

    def say(self, message: str) -> None:
        """Report progress to the caller and the log."""
        log.info("%s", message)
        self.progress(message)


def scrub(settings: InfraSettings, text: str) -> str:
    """``text`` with every secret of the settings masked."""
    for secret in settings.secrets():
        if secret:
            text = text.replace(secret, "****")
    return text


def error_code(exc: BaseException) -> str | None:
    """The AWS error code a botocore exception carries, if any."""
    response = getattr(exc, "response", None) or getattr(exc, "last_response", None) or {}
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


def stack_summary(aws: AwsCalls, region: str, name: str) -> dict[str, Any] | None:
    """The stack's summary (status, outputs, tags; never its parameters), or None."""
    try:
        stacks = aws.call("cloudformation", region, "describe_stacks", StackName=name)["Stacks"]
    except DeployError as exc:
        if exc.code == "ValidationError":
            return None
        raise
    keep = ("StackStatus", "Outputs", "Tags")
    return {k: stacks[0].get(k) for k in keep} if stacks else None


def optional(aws: AwsCalls, service: str, region: str, operation: str, key: str,
             **kwargs: Any) -> list[Any]:
    """A describe call that answers [] when the thing is not there."""
    try:
        return list(aws.call(service, region, operation, **kwargs)[key])
    except DeployError as exc:
        if exc.code and ("NotFound" in exc.code or exc.code == "ValidationError"):
            return []
        raise


def creation_failure(aws: AwsCalls, region: str, name: str,
                     status: str | None) -> StackCreateFailed | None:
    """Why stack ``name`` did not create (its first failed resource), or None if it did not fail.

    The first ``CREATE_FAILED`` resource event is the cause; later ones are resources
    CloudFormation cancelled because of it.
    """
    if status not in FAILED_STATES:
        return None
    events: list[dict[str, Any]] = []
    token: str | None = None
    for _page in range(50):  # bounded: 50 pages of 100 events is far beyond these stacks
        page = aws.call("cloudformation", region, "describe_stack_events", StackName=name,
                        **({"NextToken": token} if token else {}))
        events += page.get("StackEvents") or []
        token = page.get("NextToken")
        if not token:
            break
    failed = [e for e in reversed(events)  # oldest first
              if e.get("ResourceStatus") == "CREATE_FAILED"
              and e.get("ResourceType") != "AWS::CloudFormation::Stack"]
    first = next((e for e in failed if e.get("ResourceStatusReason") != _CANCELLED),
                 failed[0] if failed else None)
    if first is None:
        return StackCreateFailed(stack=name, region=region, status=str(status))
    return StackCreateFailed(stack=name, region=region, status=str(status),
                             logical_id=first.get("LogicalResourceId"),
                             resource_type=first.get("ResourceType"),
                             reason=scrub(aws.settings, str(first.get("ResourceStatusReason"))))
