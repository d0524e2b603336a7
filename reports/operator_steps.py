"""The runbook people executed by hand (``drill up``), from the journal's ``operator.call``s.

Each API call a person made through the embedded endpoint is one runbook step with
``actor="operator"``, named ``"<service> <Operation>"``, in the order the calls were
answered. An SDK's retries (attempt 2 and on) fold into the call they retry: one command,
one step, spanning every attempt and ending with the last one's outcome. What people
fetched through the proxy (``operator.http``) shows as ``"GET <url> -> HTTP <status>"``: a
check, not an action, so its status stays "ok" whatever the application answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports.records import StepRecord
from reports.sources import Journal

__all__ = ["operator_steps"]


def _offset(value: Any, t0: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return round(float(value) - t0, 6)  # rounded as JSON holds it, like evidence.py


def _step(event: Mapping[str, Any], t0: float, start: float | None, error: Any) -> StepRecord:
    end = _offset(event.get("t"), t0)
    return StepRecord(
        step=f"{event.get('service', '')} {event.get('operation', '')}",
        region=str(event.get("region", "")), end=event.get("wall"), start_offset_s=start,
        end_offset_s=end, status=str(event.get("status", "ok")),
        duration_seconds=None if end is None or start is None else round(end - start, 3),
        error=None if error is None else str(error), actor="operator")


def _check(event: Mapping[str, Any], t0: float) -> StepRecord:
    """An HTTP request through the proxy: an observation, so its status is in its name."""
    end, start = _offset(event.get("t"), t0), _offset(event.get("started_at"), t0)
    return StepRecord(
        step=f"{event.get('method', '')} {event.get('url', '')} -> HTTP "
             f"{event.get('http_status', '')}", region="", end=event.get("wall"),
        start_offset_s=start, end_offset_s=end, status="ok", actor="operator",
        duration_seconds=None if end is None or start is None else round(end - start, 3))


def operator_steps(journal: Journal, t0: float) -> tuple[StepRecord, ...]:
    """Every call people made, as runbook steps, retries folded into their first attempt."""
    steps: list[StepRecord] = []
    for event in journal.events:
        if event.get("kind") == "operator.http":
            steps.append(_check(event, t0))
        if event.get("kind") != "operator.call":
            continue
        start, error = _offset(event.get("started_at"), t0), event.get("error")
        step = _step(event, t0, start, error)
        attempt = event.get("attempt")
        if isinstance(attempt, int) and attempt > 1 and steps and (
                steps[-1].step, steps[-1].region) == (step.step, step.region):
            note = f"{error} (after {attempt} attempts)" if error else None
            step = _step(event, t0, steps.pop().start_offset_s, note)
        steps.append(step)
    return tuple(steps)
