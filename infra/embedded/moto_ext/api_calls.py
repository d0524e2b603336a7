"""The API calls people make through the embedded AWS, reported to one observer.

``drill up`` lets people run the deployment guide's commands against the embedded endpoint
while the drill's own clients use it too. Every client the drill makes carries
:data:`~infra.aws.DRILL_USER_AGENT` in its User-Agent; every other request moto serves is
someone else's, and is reported to the active :class:`CallObserver` with the service,
operation and region moto understood and how it ended. The observer may also refuse a call
before moto runs it (a regional endpoint of a lost region): the caller then gets a
``ServiceUnavailable`` (HTTP 503) in its service's protocol, as from a dead endpoint.

moto's backends are process-wide, so this hook is too: one observer at a time. With none,
requests are served as stock moto serves them.
"""

from __future__ import annotations

import re
import time
import warnings
from dataclasses import dataclass
from typing import Any, Protocol

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse

from infra.aws import DRILL_USER_AGENT
from infra.embedded.moto_ext._one_active import OneActive

__all__ = ["ApiCall", "ApiOutcome", "CallObserver", "apply", "error_code", "observe", "unobserve"]

_stock_call_action = BaseResponse.call_action
_observer: OneActive[CallObserver] = OneActive("API call observer")

_XML_CODE = re.compile(rb"<Code>([^<]+)</Code>")
_JSON_TYPE = re.compile(rb'"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"')
_ATTEMPT = re.compile(r"attempt=(\d+)")


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request as moto understood it (service as boto3 names it).

    ``attempt`` is the SDK's own count (header ``amz-sdk-request``): 2 and on are retries.
    """

    service: str
    operation: str
    region: str
    user_agent: str
    attempt: int = 1


@dataclass(frozen=True, slots=True)
class ApiOutcome:
    """How a call ended: HTTP status, AWS error code if any, real seconds it took."""

    status: int
    error_code: str | None
    elapsed_s: float

    @property
    def ok(self) -> bool:
        """Whether the call succeeded (2xx/3xx)."""
        return self.status < 400


class CallObserver(Protocol):
    """Sees every call that is not the drill's own."""

    def admit(self, call: ApiCall) -> str | None:
        """None to serve the call; a message to refuse it as unreachable."""

    def finished(self, call: ApiCall, outcome: ApiOutcome) -> None:
        """The call has been answered."""


def observe(observer: CallObserver) -> None:
    """Make ``observer`` the one that sees people's calls; only one may be active."""
    _observer.take(observer)


def unobserve(observer: CallObserver) -> None:
    """Undo :func:`observe` for ``observer`` (no-op if another one is active)."""
    _observer.release(observer)


def error_code(body: Any) -> str | None:
    """The AWS error code in a query/XML or JSON error body, if there is one."""
    data = body.encode() if isinstance(body, str) else bytes(body or b"")
    found = _XML_CODE.search(data) or _JSON_TYPE.search(data)
    return found.group(1).decode(errors="replace") if found else None


class _Unreachable(ServiceException):
    """A lost region's endpoint, in the caller's protocol (no service model names it)."""

    code = "ServiceUnavailable"


def _refuse(response: BaseResponse, message: str) -> Any:
    # moto warns that no service model has this error shape; it is meant to have none.
    # (catch_warnings swaps process-wide state, but nothing else edits warning filters
    # while a drill serves requests.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _status, headers, body = response.serialized(ActionResult(_Unreachable(message)))
    return 503, headers, body


def _call_action(self: BaseResponse) -> Any:
    observer = _observer.get()
    agent = str(self.headers.get("User-Agent", "") or "")
    if observer is None or DRILL_USER_AGENT in agent:
        return _stock_call_action(self)
    attempt = _ATTEMPT.search(str(self.headers.get("amz-sdk-request", "") or ""))
    call = ApiCall(self.boto3_service_name, str(self._get_action() or ""), self.region, agent,
                   int(attempt.group(1)) if attempt else 1)
    started, status = time.monotonic(), 500
    body: Any = b""
    try:
        refusal = observer.admit(call)
        result = _refuse(self, refusal) if refusal else _stock_call_action(self)
        status, body = int(result[0]), result[2]
        return result
    finally:
        code = error_code(body) if status >= 400 else None
        observer.finished(call, ApiOutcome(status, code, time.monotonic() - started))


def apply() -> None:
    """Report every request that is not the drill's own to the active observer."""
    global _stock_call_action
    # Wraps whatever is installed when applied (actions_unknown sorts before this module).
    _stock_call_action = BaseResponse.call_action
    BaseResponse.call_action = _call_action  # type: ignore[method-assign]
