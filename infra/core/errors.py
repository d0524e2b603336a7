"""The drill's exception tree.

Every error the drill raises on purpose derives from :class:`DrillError`, so the CLI can map
it to an exit code and a one-paragraph message without a traceback::

    DrillError
    ├── ConfigError            bad input: settings, arguments, feature files (exit 2)
    ├── DeployError            a stack or deployment step failed (carries stack, AWS code)
    │   └── StackCreateFailed  a stack did not create: the failed resource and AWS's reason
    ├── SafetyRefusal          a guard refused the target or the preflight gate failed (exit 3)
    ├── DrillAborted           interrupted (SIGINT/SIGTERM/abort) after reverting (exit 3)
    ├── FaultInjectionError    a fault could not be injected
    ├── RevertError            a fault or runbook change could not be reverted
    ├── ProbeTimeout           a condition was not reached before its deadline
    ├── RunbookStepFailed      a failover/failback step failed (carries the step name)
    └── MeasurementError       RTO/RPO could not be measured from what was recorded

SIGINT and SIGTERM (and so ``drill abort``) raise :class:`drills.safety.interrupts.Interrupted`
instead: a ``KeyboardInterrupt``, not a DrillError, so that pytest, which runs the scenarios,
stops the whole session on it; the drill reverts, journals "aborted" and exits 3.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DeployError",
    "DrillAborted",
    "DrillError",
    "FaultInjectionError",
    "MeasurementError",
    "ProbeTimeout",
    "RevertError",
    "RunbookStepFailed",
    "SafetyRefusal",
    "StackCreateFailed",
]


class DrillError(Exception):
    """Base class of every error the drill raises on purpose."""

    exit_code = 1


class ConfigError(DrillError):
    """Bad input: settings, CLI arguments, feature files or credentials."""

    exit_code = 2


class DeployError(DrillError):
    """A deployment or teardown step failed."""

    def __init__(self, message: str, *, stack: str | None = None, code: str | None = None):
        super().__init__(message)
        self.stack = stack
        self.code = code

    def __str__(self) -> str:
        parts = [self.args[0]]
        if self.stack:
            parts.append(f"(stack {self.stack!r})")
        if self.code:
            parts.append(f"[AWS {self.code}]")
        return " ".join(parts)


class StackCreateFailed(DeployError):
    """A stack did not create: the resource that failed first and AWS's reason for it.

    The setup is broken, not the input: a drill ends ``failed`` (exit 1) with this as its
    verdict. ``logical_id``, ``resource_type`` and ``reason`` come from the stack's events
    (None when no resource event says why, e.g. a stack rolled back on a timeout).
    """

    def __init__(self, *, stack: str, region: str, status: str, logical_id: str | None = None,
                 resource_type: str | None = None, reason: str | None = None):
        what = (f"{resource_type} {logical_id} failed: {reason}" if logical_id
                else "no resource event says why (read the stack's events)")
        super().__init__(f"stack {stack} in {region} did not create ({status}): {what}",
                         stack=stack)
        self.region, self.status = region, status
        self.logical_id, self.resource_type, self.reason = logical_id, resource_type, reason

    def __str__(self) -> str:
        return str(self.args[0])


class SafetyRefusal(DrillError):
    """A safety guard or the preflight gate refused to go on."""

    exit_code = 3

    def __init__(self, message: str, *, reasons: tuple[str, ...] = ()):
        super().__init__(message)
        self.reasons = reasons

    def __str__(self) -> str:
        if not self.reasons:
            return str(self.args[0])
        return f"{self.args[0]}: " + "; ".join(self.reasons)


class DrillAborted(DrillError):
    """The drill was interrupted and stopped after reverting what it had changed."""

    exit_code = 3


class FaultInjectionError(DrillError):
    """A fault could not be injected."""

    def __init__(self, message: str, *, fault: str):
        super().__init__(message)
        self.fault = fault


class RevertError(DrillError):
    """A fault or a runbook change could not be reverted."""

    def __init__(self, message: str, *, fault: str | None = None):
        super().__init__(message)
        self.fault = fault


class ProbeTimeout(DrillError):
    """A condition was not reached before its deadline; carries the last observation."""

    def __init__(self, message: str, *, last: object = None):
        super().__init__(message)
        self.last = last


class RunbookStepFailed(DrillError):
    """A runbook step failed; ``step`` names it."""

    def __init__(self, message: str, *, step: str, code: str | None = None):
        super().__init__(message)
        self.step = step
        self.code = code

    def __str__(self) -> str:
        return f"runbook step {self.step!r} failed: {self.args[0]}"


class MeasurementError(DrillError):
    """RTO or RPO could not be measured from the recorded samples."""
