"""Retry policy for AWS calls: throttling and transient 5xx only, with backoff and jitter.

botocore's own retries are off (``infra.aws``); every retry goes through here so callers can
journal it. Client errors such as ``ValidationError`` are never retried: repeating a wrong
request cannot make it right.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore import xform_name
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ReadTimeoutError,
    WaiterError,
)
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

__all__ = ["RetryHook", "RetryPolicy", "describe_error", "is_transient", "run_waiter",
           "seeded_jitter"]

T = TypeVar("T")
RetryHook = Callable[[str, str, int, BaseException], None]

_THROTTLING = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "RequestLimitExceeded", "SlowDown", "PriorRequestNotComplete",
})  # fmt: skip


def _transient_response(response: Any) -> bool:
    if not isinstance(response, dict) or "Error" not in response:
        return False
    code = response.get("Error", {}).get("Code", "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return code in _THROTTLING or int(status or 0) >= 500


def is_transient(exc: BaseException) -> bool:
    """True for throttling, HTTP 5xx and dropped connections; False for client errors.

    A waiter that stopped on a throttled or 5xx poll is transient too: the state it waits
    for may still come, so the wait is started again.
    """
    if isinstance(exc, ClientError):
        return _transient_response(exc.response)
    if isinstance(exc, WaiterError):
        return _transient_response(exc.last_response)
    return isinstance(exc, ConnectionClosedError | ReadTimeoutError)


def seeded_jitter(seed: int | None, purpose: str) -> Callable[[], float]:
    """Backoff jitter drawn from ``seed`` and ``purpose`` (the global random without a seed)."""
    return random.random if seed is None else random.Random(f"{seed}:{purpose}").random


def describe_error(error: BaseException) -> str:
    """A short text for a retried error: the AWS code and HTTP status, or type and text."""
    response = getattr(error, "response", None) or getattr(error, "last_response", None)
    if isinstance(response, dict) and "Error" in response:
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return f"{response['Error'].get('Code')} (HTTP {status})"
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter for one AWS call at a time.

    ``jitter`` draws the share of each backoff waited (0-1): a drill passes
    :func:`seeded_jitter`, so on virtual time a seed retries after the same waits every run.
    """

    max_attempts: int = 3
    max_delay_s: float = 30.0
    initial_wait_s: float = 0.2
    max_wait_s: float = 5.0
    on_retry: RetryHook | None = None
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts!r}")

    def call(self, service: str, operation: str, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Call ``fn(**kwargs)``, retrying transient failures; the last error is re-raised."""
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts) | stop_after_delay(self.max_delay_s),
            wait=self._backoff,
            retry=retry_if_exception(is_transient),
            before_sleep=lambda state: self._report(service, operation, state),
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(fn, **kwargs)

    def wait(self, service: str, waiter_name: str, client: Any, /, **kwargs: Any) -> None:
        """Run a boto3 waiter, starting it again when a poll was throttled or got a 5xx.

        The waiter's acceptors are botocore's; its pauses go through ``sleep`` (the drill's
        clock), so ``WaiterConfig``'s ``Delay`` is in ``sleep``'s seconds.
        """
        # The waiter's own MaxAttempts bounds each wait; the time budget of a single call
        # would cut a long, healthy wait short, so only the attempt count applies here.
        patient = dataclasses.replace(self, max_delay_s=float("inf"))
        patient.call(service, f"wait:{waiter_name}", lambda: run_waiter(
            client, waiter_name, self.sleep, **kwargs))

    def _backoff(self, state: Any) -> float:
        # Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter",
        # https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/): a uniform
        # share of min(cap, base * 2^(attempt-1)), as tenacity's wait_random_exponential,
        # whose draw from the global random a run's seed cannot reach.
        cap = min(self.max_wait_s, self.initial_wait_s * 2 ** (state.attempt_number - 1))
        return cap * self.jitter()

    def _report(self, service: str, operation: str, state: Any) -> None:
        if self.on_retry is not None and state.outcome is not None:
            error = state.outcome.exception()
            if error is not None:
                self.on_retry(service, operation, state.attempt_number, error)


def _answer(operation: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    try:
        return operation(**kwargs)
    except ClientError as exc:  # botocore's waiters match error codes in the response
        return exc.response


def run_waiter(client: Any, waiter_name: str, sleep: Callable[[float], None], /,
               **kwargs: Any) -> None:
    """botocore's waiter loop (acceptors, MaxAttempts) with ``sleep`` between polls.

    Raises:
        WaiterError: a failure acceptor matched, an unmatched error, or attempts ran out.
    """
    waiter = client.get_waiter(waiter_name)
    config = kwargs.pop("WaiterConfig", {})
    delay, attempts = config.get("Delay", waiter.config.delay), config.get(
        "MaxAttempts", waiter.config.max_attempts)
    operation = getattr(client, xform_name(waiter.config.operation))
    for attempt in range(1, attempts + 1):
        response = _answer(operation, kwargs)
        state = next((a.state for a in waiter.config.acceptors if a.matcher_func(response)),
                     None)
        if state == "success":
            return
        if state == "failure" or (state is None and "Error" in response):
            error = response.get("Error", {})
            reason = (f"An error occurred ({error.get('Code', 'Unknown')}): "
                      f"{error.get('Message', 'Unknown')}" if state is None
                      else "Waiter encountered a terminal failure state")
            raise WaiterError(name=waiter_name, reason=reason, last_response=response)
        if attempt < attempts:
            sleep(delay)
    raise WaiterError(name=waiter_name, reason="Max attempts exceeded", last_response=response)
