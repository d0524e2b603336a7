"""One thread that runs callbacks at drill times on the shared clock.

Every delayed effect of the embedded backend (a promotion finishing, tasks starting, a
replicated write landing) is a callback due at a drill time. A single thread runs them in
due order, so effects that are due in order happen in order.
"""

from __future__ import annotations

import heapq
import itertools
import logging
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
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Scheduler:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def at(self, due: float, action: Callable[[float], None], *, label: str = "") -> None:
        """Run ``action(due)`` at drill time ``due`` (soon, if it has passed)."""
        with self._cond:
            heapq.heappush(self._jobs, _Job(due, next(self._order), action, label))
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
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    @property
    def pending(self) -> int:
        """Jobs not yet run."""
        with self._cond:
            return len(self._jobs)

    def _next(self) -> _Job | None:
        with self._cond:
            while not self._stopping:
                if not self._jobs:
                    self._cond.wait()
                    continue
                wait = self.clock.real(self._jobs[0].due - self.clock.now())
                if wait <= 0:
                    return heapq.heappop(self._jobs)
                self._cond.wait(timeout=wait)
            return None

    def _run(self) -> None:
        while (job := self._next()) is not None:
            try:
                job.action(job.due)
            except Exception:
                # One failed effect must not stop every later one; it is logged with its label
                # so the failure is visible, and the scheduler carries on.
                log.exception("scheduled action %r failed", job.label)
