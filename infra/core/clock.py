"""One clock for the whole drill: monotonic drill time, wall-time labels, waits on drill time.

Drill time is real monotonic time multiplied by the time scale on :class:`Clock` (at 60x one
real second is one drill minute); :class:`infra.core.virtual_clock.VirtualClock` is the other
implementation, where drill time moves only while every participant waits. Every duration
the drill reports is a difference of two :meth:`Clock.now` readings; wall time only labels
evidence and is never subtracted.

Every wait in a drill path goes through a clock, so either clock can run it:

- ``sleep(s)`` / ``sleep_until(t)``: a pause in drill seconds;
- ``wait(event, s)``: a :class:`threading.Event` with a drill-time timeout;
- ``wait_for(predicate, timeout_s=...)``: a condition with a drill-time deadline (pass the
  :class:`threading.Condition` that is notified when it may have changed, if there is one);
- ``poll(fn, until=..., timeout_s=..., every_s=...)``: call ``fn`` on a fixed drill-time
  cadence until ``until(result)``, the one polling primitive (waiting on AWS, on a fault to
  settle, on a canary to answer);
- ``settle()``: let everything else due at this instant happen first (virtual time, where
  several participants act at one drill instant, one after another);
- ``thread(target, name=..., background=...)`` and ``join(thread, ...)``: a thread that waits
  on the clock
  must be made here (it becomes a *participant*: the virtual clock counts it as busy from
  ``start()`` until it waits, and as gone once its target returns), and is joined here.
  See :mod:`infra.core.virtual_clock` for the rules a participant follows.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

__all__ = ["Clock", "FakeClock", "Polled"]

T = TypeVar("T")
# How often a condition without a threading.Condition is re-checked on the scaled clock.
_RECHECK_REAL_S = 0.01


@dataclass(frozen=True, slots=True)
class Polled(Generic[T]):
    """What :meth:`Clock.poll` ended with: whether ``until`` held, and the last result."""

    done: bool
    value: T


class Clock:
    """Scaled monotonic clock; ``now()`` is drill seconds since the clock was made."""

    kind = "scaled"

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

    def wait_for(self, predicate: Callable[[], bool], *, timeout_s: float, what: str = "",
                 cond: threading.Condition | None = None) -> bool:
        """Wait until ``predicate()`` holds, at most ``timeout_s`` drill seconds; its value.

        ``cond``, when given, is notified by whoever changes what ``predicate`` reads; without
        it the predicate is re-checked every few real milliseconds. ``what`` names the wait
        (the virtual clock reports it in a deadlock).
        """
        real = None if math.isinf(timeout_s) else max(0.0, self.real(timeout_s))
        if cond is not None:
            with cond:
                return bool(cond.wait_for(predicate, timeout=real))
        deadline = math.inf if real is None else self._monotonic() + real
        while not predicate():
            left = deadline - self._monotonic()
            if left <= 0:
                return False
            self._sleep(min(_RECHECK_REAL_S, left))
        return True

    def poll(self, fn: Callable[[], T], *, until: Callable[[T], bool] = bool,
             timeout_s: float, every_s: float, what: str = "") -> Polled[T]:
        """Call ``fn`` every ``every_s`` drill seconds until ``until(result)``, at most
        ``timeout_s`` (a last call is made at the deadline); the outcome and last result."""
        if not every_s > 0:
            raise ValueError(f"every_s must be > 0, got {every_s!r}")
        deadline = self.now() + timeout_s
        while True:
            value = fn()
            if until(value):
                return Polled(True, value)
            left = deadline - self.now()
            if left <= 0:
                return Polled(False, value)
            self._pause(min(every_s, left), what)

    def thread(self, target: Callable[..., Any], *, name: str, args: tuple[Any, ...] = (),
               background: bool = False) -> threading.Thread:
        """A daemon thread (not started) that may wait on this clock: a participant.

        ``background``: it ticks for as long as the drill runs (a prober, the scheduler), so
        the virtual clock does not count its ticks as progress when looking for a deadlock.
        """
        return threading.Thread(target=target, name=name, args=args, daemon=True)

    def join(self, thread: threading.Thread, *, real_timeout_s: float) -> bool:
        """Join ``thread`` (made by :meth:`thread`); True if it ended within the timeout."""
        thread.join(real_timeout_s)
        return not thread.is_alive()

    def notify(self) -> None:
        """Say that something a waiter watches changed (for threads that never wait here)."""

    def settle(self) -> None:
        """Let whatever else is due at this drill instant happen first. Nothing to do in real
        time, where no two threads act at one instant; see :meth:`VirtualClock.settle
        <infra.core.virtual_clock.VirtualClock.settle>`."""

    def _pause(self, drill_seconds: float, what: str) -> None:
        self.sleep(drill_seconds)


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
