"""Route 53 as the drill sees it: record changes that take time, health checks that look.

Stock moto reports every change ``INSYNC`` at once (under one fixed change id) and every
health check healthy. Here, with a simulator active:

- a record change is reported to the simulator with its drill time and a propagation delay
  from the latency model (``route53_propagation``, D1); ``ChangeInfo`` carries a unique id
  and is ``PENDING`` until that delay has passed, so ``resource_record_sets_changed`` waits;
- ``get_health_check_status`` reports the simulator's view of the checked endpoint: failing
  once the endpoint has been down for request interval x failure threshold (D2, D3).

With no simulator active both behave as stock moto.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.route53.models import Route53Backend
from moto.route53.responses import Route53

from infra.embedded.latency import Transition
from infra.embedded.moto_ext import transitions

__all__ = ["CHANGE", "apply"]

CHANGE = "route53.change"

_stock_change = Route53Backend.change_resource_record_sets
_stock_change_response = Route53.change_resource_record_sets
_stock_status = Route53.get_health_check_status
_stock_get_change = Route53.get_change

_local = threading.local()
_changes: dict[str, float] = {}  # change id -> drill time it is INSYNC
_ids = itertools.count(1)
_lock = threading.Lock()


def _change(self: Route53Backend, zoneid: str, change_list: list[dict[str, Any]]) -> None:
    _stock_change(self, zoneid, change_list)
    # The change is live in moto from here; the simulator snapshots the zone when told
    # and makes it visible to resolvers at the due time.
    _local.due = transitions.start(
        (Transition.ROUTE53_PROPAGATION,), kind=CHANGE,
        subject=zoneid.replace("/hostedzone/", ""), region="global", complete=lambda: True,
    )


def _change_response(self: Route53) -> ActionResult:
    _local.due = None
    result = _stock_change_response(self)
    due = _local.due
    context = transitions.active()
    if due is None or context is None:
        return result
    change_id = f"/change/C{next(_ids):012d}"
    with _lock:
        _changes[change_id] = due
    info = result.result["ChangeInfo"]  # type: ignore[index]
    info["Id"], info["Status"] = change_id, "PENDING"
    return result


def _get_change(self: Route53) -> ActionResult:
    change_id = self._get_param("Id")
    full_id = change_id if change_id.startswith("/change/") else f"/change/{change_id}"
    with _lock:
        due = _changes.get(full_id)
    context = transitions.active()
    if due is None or context is None:
        return _stock_get_change(self)
    status = "INSYNC" if context.clock.now() >= due else "PENDING"
    return ActionResult(
        {"ChangeInfo": {"Id": full_id, "Status": status, "SubmittedAt": utcnow()}}
    )


def _failure_observation() -> dict[str, Any]:
    report = "Failure: Connection timed out. The endpoint or the internet connection is down."
    return {"Region": "us-east-1", "IPAddress": "127.0.0.1",
            "StatusReport": {"Status": report, "CheckedTime": utcnow()}}


def _health_status(self: Route53) -> ActionResult:
    check = self.backend.get_health_check(self._get_param("HealthCheckId"))
    context = transitions.active()
    if context is None or context.health is None or not check.fqdn:
        return _stock_status(self)
    failing = context.health.health_check_failing(
        check.fqdn, float(check.request_interval), int(check.failure_threshold)
    )
    if not failing:
        return _stock_status(self)
    return ActionResult({"HealthCheckObservations": [_failure_observation()]})


def apply() -> None:
    """Route 53 changes with propagation time, health checks from the simulator."""
    Route53Backend.change_resource_record_sets = _change  # type: ignore[method-assign]
    Route53.change_resource_record_sets = _change_response  # type: ignore[method-assign]
    Route53.get_change = _get_change  # type: ignore[method-assign]
    Route53.get_health_check_status = _health_status  # type: ignore[method-assign]
