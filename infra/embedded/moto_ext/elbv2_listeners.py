"""A target group's ``LoadBalancerArns`` follow its listeners, as AWS reports them.

Stock moto adds a load balancer's ARN to a target group when a listener forwards to it, but
never takes it away: after ``delete_listener`` (or a ``modify_listener`` that forwards
elsewhere) ``DescribeTargetGroups`` still says the group is behind that load balancer. AWS
derives the list from the listeners and rules that forward to the group, so the readiness
audit's ``DR-TG-NOT-ATTACHED`` relies on it. Here the list is recomputed after either call.
"""

from __future__ import annotations

from typing import Any

from moto.elbv2.models import ELBv2Backend

__all__ = ["apply"]

_stock_delete = ELBv2Backend.delete_listener
_stock_modify = ELBv2Backend.modify_listener


def _targets(action: Any) -> set[str]:
    data = getattr(action, "data", {}) or {}
    found = {data["TargetGroupArn"]} if data.get("TargetGroupArn") else set()
    groups = (data.get("ForwardConfig") or {}).get("TargetGroups") or []
    return found | {g["TargetGroupArn"] for g in groups if g.get("TargetGroupArn")}


def _forwarded(backend: ELBv2Backend, lb: Any) -> set[str]:
    """Every target group a listener (or one of its rules) of ``lb`` forwards to."""
    found: set[str] = set()
    for listener in lb.listeners.values():
        for action in listener.default_actions:
            found |= _targets(action)
        for rule in listener.rules.values():
            for action in getattr(rule, "actions", []):
                found |= _targets(action)
    return found


def _recompute(backend: ELBv2Backend) -> None:
    forwarded = {arn: _forwarded(backend, lb) for arn, lb in backend.load_balancers.items()}
    for group in backend.target_groups.values():
        group.load_balancer_arns[:] = [arn for arn in group.load_balancer_arns
                                       if group.arn in forwarded.get(arn, set())]


def _delete(self: ELBv2Backend, listener_arn: str) -> Any:
    listener = _stock_delete(self, listener_arn)
    _recompute(self)
    return listener


def _modify(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
    listener = _stock_modify(self, *args, **kwargs)
    _recompute(self)
    return listener


def apply() -> None:
    """Keep target groups' load balancer lists in step with the listeners."""
    ELBv2Backend.delete_listener = _delete  # type: ignore[method-assign]
    ELBv2Backend.modify_listener = _modify  # type: ignore[method-assign]
