"""Route 53 refusing record changes while a fault says so (``dns-change-failing``).

Route 53 answers ``ChangeResourceRecordSets`` with ``PriorRequestNotComplete`` (HTTP 400)
when it is still busy with an earlier change of the zone, and with throttling when changes
come too fast: a failover runbook has to retry them. Stock moto never refuses a change. Here,
while a simulator is active, each change first asks the simulator's API faults; a refused
change is not applied (and starts no propagation). With no simulator, stock behaviour.

This wraps whatever ``change_resource_record_sets`` is in place when it is applied, so it
must be applied after ``route53_health`` (extensions apply in name order): a refused change
never reaches the propagation model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.route53.exceptions import Route53ClientError
from moto.route53.models import Route53Backend

from infra.embedded.moto_ext import transitions

__all__ = ["apply"]

Change = Callable[[Route53Backend, str, list[dict[str, Any]]], Any]


def _refusing(inner: Change) -> Change:
    def change(self: Route53Backend, zoneid: str, change_list: list[dict[str, Any]]) -> Any:
        context = transitions.active()
        faults = context.api_faults if context is not None else None
        refused = faults.rejection("route53", "ChangeResourceRecordSets") if faults else None
        if refused is not None:
            raise Route53ClientError(*refused)
        return inner(self, zoneid, change_list)
    return change


def apply() -> None:
    """Let the active simulator refuse Route 53 record changes."""
    current = Route53Backend.change_resource_record_sets
    Route53Backend.change_resource_record_sets = _refusing(current)  # type: ignore[method-assign,assignment]
