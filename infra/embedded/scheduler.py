"""One thread that runs callbacks at drill times on the shared clock.

Every delayed effect of the embedded backend (a promotion finishing, tasks starting, a
replicated write landing) is a callback due at a drill time. A single thread runs them in
due order, so effects that are due in order happen in order.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from infra.core.clock import Clock

__all__ = ["Scheduler"]

log = logging.getLogger(__name__)


@dataclass(order=True, slots=True)
class _Job:
    due: float
    order: int
    action: Callable[[float], None] = field(compare=False)
    label: str = field(compare=False, default="")


class Scheduler:
    """Runs ``action(due)`` once the clock reaches ``due``; ``stop()`` joins the thread."""

    def __init__(self, clock: Clock, *, name: str = "embedded-scheduler") -> None:
        self.clock = clock
        self._jobs: list[_Job] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._changes = 0  # bumped by at() and stop(): a waiting _next() looks again
        self._thread = clock.thread(self._run, name=name, background=True)

    def start(self) -> Scheduler:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def at(self, due: float, action: Callable[[float], None], *, label: str = "") -> None:
        """Run ``action(due)`` at drill time ``due`` (soon, if it has passed)."""
        with self._cond:
            heapq.heappush(self._jobs, _Job(due, next(self._order), action, label))
            self._changes += 1
            self._cond.notify()

    def after(self, delay: float, action: Callable[[float], None], *, label: str = "") -> float:
        """Run ``action(due)`` ``delay`` drill seconds from now; returns ``due``."""
        due = self.clock.now() + max(0.0, delay)
        self.at(due, action, label=label)
        return due

    def stop(self) -> None:
        """Drop pending jobs and join the thread."""
        with self._cond:
            self._stopping = True
            self._jobs.clear()
            self._changes += 1
            self._cond.notify()
        if self._thread.is_alive():
            self.clock.join(self._thread, real_timeout_s=10)

    @property
    def pending(self) -> int:
        """Jobs not yet run."""
        with self._cond:
            return len(self._jobs)

    def _next(self) -> _Job | None:
        while True:
            with self._cond:
                if self._stopping:
                    return None
                now = self.clock.now()
                if self._jobs and self._jobs[0].due <= now:
                    return heapq.heappop(self._jobs)
                wait = self._jobs[0].due - now if self._jobs else math.inf
                seen = self._changes
            # Outside the lock: on the virtual clock another participant may add a job
            # while this one waits (a new job wakes it, so an earlier due is not missed).
            def changed(seen: int = seen) -> bool:
                return self._stopping or self._changes != seen

            self.clock.wait_for(changed, timeout_s=wait, what="its next delayed effect",
                                cond=self._cond)

    def _run(self) -> None:
        while (job := self._next()) is not None:
            try:
                job.action(job.due)
            except Exception:
                # One failed effect must not stop every later one; it is logged with its label
                # so the failure is visible, and the scheduler carries on.
                log.exception("scheduled action %r failed", job.label)
