"""One clock for the whole drill: monotonic drill time, wall-time labels, scaled waits.

Drill time is real monotonic time multiplied by the time scale: at 60x one real second is
one drill minute. Every duration the drill reports is a difference of two :meth:`Clock.now`
readings; wall time only labels evidence and is never subtracted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "FakeClock"]


class Clock:
    """Scaled monotonic clock; ``now()`` is drill seconds since the clock was made."""

    def __init__(
        self,
        *,
        scale: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not scale > 0:
            raise ValueError(f"time scale must be > 0, got {scale!r}")
        self.scale = float(scale)
        self._monotonic = monotonic
        self._sleep = sleep
        self._t0 = monotonic()

    def now(self) -> float:
        """Drill seconds elapsed since the clock started (monotonic, scaled)."""
        return (self._monotonic() - self._t0) * self.scale

    def wall(self) -> datetime:
        """Current UTC wall time, for labelling records only."""
        return datetime.now(UTC)

    def real(self, drill_seconds: float) -> float:
        """Real seconds that ``drill_seconds`` of drill time take."""
        return drill_seconds / self.scale

    def drill(self, real_seconds: float) -> float:
        """Drill seconds that ``real_seconds`` of real time represent."""
        return real_seconds * self.scale

    def sleep(self, drill_seconds: float) -> None:
        """Sleep for ``drill_seconds`` of drill time."""
        if drill_seconds > 0:
            self._sleep(self.real(drill_seconds))

    def sleep_until(self, drill_t: float) -> None:
        """Sleep until drill time ``drill_t`` (returns at once if it has passed)."""
        self.sleep(drill_t - self.now())

    def wait(self, event: threading.Event, drill_seconds: float) -> bool:
        """Wait for ``event`` at most ``drill_seconds`` of drill time; True if it was set."""
        return event.wait(max(0.0, self.real(drill_seconds)))


class FakeClock(Clock):
    """A clock that only moves when slept on or advanced: for exact-duration tests."""

    def __init__(self, *, scale: float = 1.0, start: float = 0.0) -> None:
        self._now = start
        super().__init__(scale=scale, monotonic=lambda: self._now, sleep=self.advance)
        self._t0 = 0.0

    def advance(self, real_seconds: float) -> None:
        """Move real time forward by ``real_seconds``."""
        self._now += real_seconds

    def wait(self, event: threading.Event, drill_seconds: float) -> bool:
        """Return at once: set events are True, otherwise the clock jumps the timeout."""
        if event.is_set():
            return True
        self.sleep(drill_seconds)
        return event.is_set()
