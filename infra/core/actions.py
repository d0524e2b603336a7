"""AWS API calls and fault effects declared as data, so they can be planned and audited.

A runbook step, a fault and the deployer each declare which API operations they make; the
plan (``drill plan``), the target guard and the IAM audit read these declarations instead
of each keeping its own list. An operation name is the API's own (``PromoteReadReplica``),
which is also the IAM action name for nearly every service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["READ_ONLY_PREFIXES", "ApiCall", "FaultEffects", "RegionRole", "is_mutating"]

RegionRole = Literal["primary", "dr", "global"]

# Fail closed: an operation is mutating unless its name says it only reads. A new verb
# (Failover*, Reboot*, Test*) is then refused by the guard rather than let through.
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Head", "Lookup", "Search", "BatchGet")


def is_mutating(operation: str) -> bool:
    """True unless ``operation`` (PascalCase API name) only reads."""
    return not operation.startswith(READ_ONLY_PREFIXES)


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One AWS API operation an action makes, on what, in which region.

    ``target`` is a ``str.format`` template over the settings (``"{s.replica_id}"``); text
    in angle brackets names a value only known at run time (``"<HostedZoneId output>"``).
    ``region`` None means the region of the step that declares the call.
    """

    service: str
    operation: str
    target: str = ""
    region: RegionRole | None = None

    def __post_init__(self) -> None:
        if not self.operation[:1].isupper():
            raise ValueError(f"operation {self.operation!r} must be the API's PascalCase name "
                             "(e.g. 'PromoteReadReplica')")

    @property
    def mutating(self) -> bool:
        """Whether the operation changes anything."""
        return is_mutating(self.operation)

    def resolve_target(self, settings: Any) -> str:
        """The target with the settings' names filled in."""
        return self.target.format(s=settings)

    def resolve_region(self, settings: Any, default: str) -> str:
        """The concrete region (or "global") for ``settings``."""
        if self.region is None:
            return default
        if self.region == "global":
            return "global"
        return str(settings.primary_region if self.region == "primary" else settings.dr_region)


@dataclass(frozen=True, slots=True)
class FaultEffects:
    """What a fault does and how it is undone, in words and as the API calls it makes.

    Empty call tuples mean the fault acts without AWS calls (the embedded backend cuts the
    region off inside the client factory and the simulator).
    """

    inject: str
    revert: str
    inject_calls: tuple[ApiCall, ...] = ()
    revert_calls: tuple[ApiCall, ...] = ()
