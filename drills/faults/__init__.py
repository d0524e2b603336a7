"""Faults: small classes with ``inject()``, ``revert()`` and ``is_active()``, found by name.

A :class:`FaultRegistry` maps names to fault classes. It validates each class when it is
registered and refuses a second class under a name already taken, naming both. The
registry is an object the drill builds (:func:`default_registry`), not module state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from infra.core.errors import ConfigError

if TYPE_CHECKING:
    from drills.settings.config import Settings

__all__ = ["Dataplane", "Fault", "FaultContext", "FaultRegistry", "default_registry",
           "revert_all"]


@runtime_checkable
class Dataplane(Protocol):
    """The application side of a region: what a region outage takes away."""

    def region_down(self, region: str) -> None:
        """Make ``region``'s application unreachable and stop replication out of it."""

    def region_up(self, region: str) -> None:
        """Undo :meth:`region_down`."""

    def is_region_down(self, region: str) -> bool:
        """Whether ``region`` is currently down."""


@dataclass(frozen=True, slots=True)
class FaultContext:
    """What a fault may act on: the client factory and, on the embedded backend, the data plane.

    ``settings`` names the stack's resources (database, cache, service) and bounds the waits
    of a revert; faults that act on one resource need it, a region outage does not.
    """

    clients: Any
    dataplane: Dataplane | None
    primary_region: str
    dr_region: str
    settings: Settings | None = None


class Fault(Protocol):
    """A reversible fault."""

    @property
    def name(self) -> str:
        """The fault's registered name (a class attribute on registered faults)."""

    target: str

    def inject(self) -> None:
        """Apply the fault."""

    def revert(self) -> None:
        """Undo the fault; safe to call when it is not active."""

    def is_active(self) -> bool:
        """Read the state back: True while any part of the fault is in effect."""


FaultFactory = Callable[..., Fault]


class FaultRegistry:
    """Name -> fault class, validated on registration."""

    def __init__(self) -> None:
        self._faults: dict[str, type] = {}

    def register(self, cls: type) -> type:
        """Add ``cls`` under ``cls.name``; usable as a class decorator."""
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise TypeError(f"fault class {cls.__qualname__!r} has no 'name'")
        missing = [m for m in ("inject", "revert", "is_active")
                   if not callable(getattr(cls, m, None))]
        if missing:
            raise TypeError(f"fault class {cls.__qualname__!r} lacks {', '.join(missing)}")
        if name in self._faults:
            other = self._faults[name].__qualname__
            raise ValueError(f"fault name {name!r} is taken by {other!r}; cannot also use it for "
                             f"{cls.__qualname__!r}")
        self._faults[name] = cls
        return cls

    def create(self, name: str, ctx: FaultContext, **options: Any) -> Fault:
        """A new fault instance by name.

        Raises:
            ConfigError: no fault of that name is registered.
        """
        try:
            cls = self._faults[name]
        except KeyError:
            known = ", ".join(sorted(self._faults)) or "none"
            raise ConfigError(f"unknown fault {name!r}; known faults: {known}") from None
        fault: Fault = cls(ctx, **options)
        return fault

    def effects(self, name: str) -> Any:
        """The ``effects`` (what it does, how it is undone) of fault ``name``; None if unknown."""
        return getattr(self._faults.get(name), "effects", None)

    def __contains__(self, name: object) -> bool:
        return name in self._faults

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._faults))


def default_registry() -> FaultRegistry:
    """A registry holding every built-in fault (the catalogue: docs/faults.md)."""
    from drills.faults.az import AzLoss
    from drills.faults.cache import CacheNodeFailure
    from drills.faults.database import DatabaseFailure
    from drills.faults.dns import DnsChangeFailing, DnsChangeSlow
    from drills.faults.ecs import EcsTaskCrash
    from drills.faults.network import RegionPartition
    from drills.faults.region import RegionOutage
    from drills.faults.replication import ReplicationLag

    registry = FaultRegistry()
    for cls in (RegionOutage, AzLoss, DatabaseFailure, CacheNodeFailure, EcsTaskCrash,
                ReplicationLag, RegionPartition, DnsChangeSlow, DnsChangeFailing):
        registry.register(cls)
    return registry


def revert_all(faults: list[Fault], timeline: Any) -> None:
    """Revert ``faults`` newest first, each read back; journal each; RevertError if any stays.

    Every fault is reverted even when one of them fails, and one is journaled as
    ``fault.reverted`` only when ``is_active()`` reads false: checked, not assumed.
    """
    from infra.core.errors import RevertError

    if not faults:  # e.g. the deploy failed: said, so the journal shows nothing was left
        timeline.record("revert.nothing", reason="no fault was injected: nothing to revert")
    failed = []
    for fault in reversed(faults):
        try:
            fault.revert()
            verified = not fault.is_active()
        except Exception as exc:  # revert every fault even when one of them fails
            timeline.record("fault.revert_failed", fault=fault.name, target=fault.target,
                            error=f"{type(exc).__name__}: {exc}")
            failed.append(fault.name)
            continue
        kind = "fault.reverted" if verified else "fault.revert_failed"
        timeline.record(kind, fault=fault.name, target=fault.target, verified=verified)
        if not verified:
            failed.append(fault.name)
    if failed:
        raise RevertError(f"faults still active after revert: {', '.join(failed)}")
