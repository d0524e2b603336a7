"""The one object a moto patch reports to in this process (no ``apply()``: not an extension).

moto's backends are process-wide, so each patch that calls out (the API call observer, the
simulator's transition context) has one slot: one object is active at a time, and a second
that tries to take the slot while the first holds it is refused.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

__all__ = ["OneActive"]

T = TypeVar("T")


class OneActive(Generic[T]):
    """A process-wide slot for at most one active ``T``, read and changed under a lock."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._lock = threading.Lock()
        self._held: T | None = None

    def take(self, held: T) -> None:
        """Make ``held`` the active one; RuntimeError if another one is active."""
        with self._lock:
            if self._held is not None and self._held is not held:
                raise RuntimeError(f"another {self._what} is already active in this process")
            self._held = held

    def release(self, held: T) -> None:
        """Undo :meth:`take` for ``held`` (no-op if another one is active)."""
        with self._lock:
            if self._held is held:
                self._held = None

    def get(self) -> T | None:
        """The active one, if any."""
        with self._lock:
            return self._held
