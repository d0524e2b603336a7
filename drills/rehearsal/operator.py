"""What people do through the embedded endpoint during ``drill up``, journaled call by call.

:class:`OperatorJournal` is the API call observer of a rehearsal (see
``infra/embedded/moto_ext/api_calls.py``): each call that is not the drill's own becomes one
``operator.call`` event (service, operation, region, start and end in drill time, outcome),
so the report shows the runbook people ran, step by step; what they ``curl`` through the
proxy is journaled too (``operator.http``). While a region is lost it also
refuses people's calls to that region's regional endpoints, as the drill's own clients are
refused (``ClientFactory.lose_region``); global services (Route 53, IAM, STS) still answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from drills.journal.timeline import Timeline
from infra.aws import GLOBAL_SERVICES
from infra.core.clock import Clock

__all__ = ["OperatorCall", "OperatorJournal"]


@dataclass(frozen=True, slots=True)
class OperatorCall:
    """One API call a person made, in drill seconds."""

    service: str
    operation: str
    region: str
    started_at: float
    finished_at: float
    status: Literal["ok", "failed"]
    http_status: int
    error: str | None
    client: str
    attempt: int = 1


class OperatorJournal:
    """Journals people's API calls and refuses those to a lost region."""

    def __init__(self, timeline: Timeline, clock: Clock, *,
                 lost_regions: Callable[[], frozenset[str]],
                 progress: Callable[[str], None] = lambda _msg: None) -> None:
        self._timeline = timeline
        self._clock = clock
        self._lost = lost_regions
        self._progress = progress
        self._calls: list[OperatorCall] = []
        self._lock = threading.Lock()

    def admit(self, call: Any) -> str | None:
        """Refuse a regional call to a lost region, as its dead endpoint would."""
        if call.service in GLOBAL_SERVICES or call.region not in self._lost():
            return None
        return (f"Could not connect to the {call.service} endpoint in {call.region}: the "
                f"region is lost (drill fault region-outage)")

    def finished(self, call: Any, outcome: Any) -> None:
        """Journal the call and show it to the room."""
        end = self._clock.now()
        start = max(0.0, end - self._clock.drill(outcome.elapsed_s))
        region = "global" if call.service in GLOBAL_SERVICES else call.region
        code = outcome.error_code or "HTTP error"
        error = None if outcome.ok else f"{code} (HTTP {outcome.status})"
        record = OperatorCall(call.service, call.operation, region, start, end,
                              "ok" if outcome.ok else "failed", outcome.status, error,
                              call.user_agent.split(" ", 1)[0], call.attempt)
        with self._lock:
            self._calls.append(record)
        self._timeline.record(
            "operator.call", service=record.service, operation=record.operation,
            region=region, started_at=round(start, 6), duration_s=round(end - start, 3),
            status=record.status, http_status=record.http_status, error=error,
            client=record.client, attempt=record.attempt)
        retry = f", attempt {record.attempt}" if record.attempt > 1 else ""
        self._progress(f"operator: {record.service} {record.operation} ({region}{retry}) "
                       f"{'ok' if outcome.ok else 'FAILED: ' + str(error)}")

    def http(self, request: Any) -> None:
        """Journal one request people sent through the proxy (``curl http://<ALB>/health``)."""
        end = self._clock.now()
        start = max(0.0, end - self._clock.drill(request.elapsed_s))
        self._timeline.record("operator.http", method=request.method, url=request.url,
                              http_status=request.status, started_at=round(start, 6),
                              duration_s=round(end - start, 3))
        self._progress(f"operator: {request.method} {request.url} -> HTTP {request.status}")

    def calls(self) -> tuple[OperatorCall, ...]:
        """Every call so far, in the order they were answered."""
        with self._lock:
            return tuple(self._calls)

    def first_call_since(self, t: float, *, service: str | None = None,
                         operation: str | None = None, region: str | None = None
                         ) -> float | None:
        """When the first call (of ``service``/``operation``/``region``, if given) that
        started at or after drill time ``t`` began, if any did."""
        starts = [c.started_at for c in self.calls() if c.started_at >= t
                  and service in (None, c.service) and operation in (None, c.operation)
                  and region in (None, c.region)]
        return min(starts, default=None)
