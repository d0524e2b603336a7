"""A stack's creation reported to the active simulator, so its health facts start out true.

moto creates a stack's resources inside ``create_stack``: a database, a cache or a service
is simply there when the call returns, with no transition of its own. The simulator takes
its starting facts when it starts, which is before the drill deploys; this report lets it
record, at the moment the stack was created, what the new resources made healthy (the
primary database accepting writes, above all). With no simulator active it does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.models import CloudFormationBackend

from infra.embedded.moto_ext import transitions

__all__ = ["STACK_CREATED", "apply"]

STACK_CREATED = "cloudformation.stack_created"


def _reporting(inner: Callable[..., Any]) -> Callable[..., Any]:
    def create_stack(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Any:
        stack = inner(self, *args, **kwargs)
        transitions.report(STACK_CREATED, subject=stack.name, region=self.region_name,
                           detail=stack.status)
        return stack
    return create_stack


def apply() -> None:
    """Report every created stack to the active simulator."""
    current = CloudFormationBackend.create_stack
    CloudFormationBackend.create_stack = _reporting(current)  # type: ignore[method-assign]
