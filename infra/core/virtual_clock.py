"""Virtual (discrete-event) drill time: it moves only while every participant waits on it.

A *participant* is a thread that waits on drill time: the thread that made the clock, and
every thread made with :meth:`VirtualClock.thread` (registered in ``start()``, by the thread
that starts it, so it counts before it has run a line; gone once its target returns). One
participant runs at a time (it holds the *baton*); the others wait inside a clock call
(``sleep``, ``wait``, ``wait_for``, ``poll``, ``join``). When the running one waits, the clock
hands the baton to the waiter due first: one whose condition already holds is due now,
otherwise at its deadline, and drill time jumps there. Waiters due at the same instant run
one at a time in the order they became participants, each until it waits again, so a seed
gives one outcome whatever the host's thread scheduling. A participant that must see the
whole of an instant (a reading of "the state at t" that the ground truth computes from
times alone, which cannot order two things at one instant) calls :meth:`VirtualClock.settle`:
it runs again only once nobody else is due at that instant. Work between waits (HTTP to moto
and the canaries, SQLite, parsing) takes no drill time: a participant blocked in a request
or on a lock is running, and time stands still until it waits.

How a new thread becomes a participant::

    worker = clock.thread(run_step, name="runbook-step-dns", args=(step,))
    worker.start()            # registered now; it runs once this thread waits
    clock.join(worker, real_timeout_s=30)   # a wait on the clock, never thread.join()

Rules for code that runs on it: never block on a thread.join(), a bare Event.wait() or a
lock that a waiting participant holds (time cannot move and the drill hangs); a predicate
given to ``wait_for`` is called by the clock and must be quick and must not wait. A thread
that is not a participant (an HTTP server's handler) may change state a waiter watches
only while a participant waits on its answer, or must call :meth:`notify`.

A participant made with ``background=True`` (the prober, the marker writer, the scheduler
of delayed effects) ticks for as long as the drill runs. A deadlock is every other
(*foreground*) participant waiting on a condition with no deadline while time would move
only for background ticks (or every participant waiting so, with no background one): it
raises :class:`VirtualDeadlock` in the oldest foreground waiter, naming who waits on what,
at once rather than after ticking through drill time. So does a wake-up past the horizon
(``horizon_s`` drill seconds), which bounds the real time any wait can spin.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from infra.core.clock import Clock

__all__ = ["VirtualClock", "VirtualDeadlock", "make_clock"]

log = logging.getLogger(__name__)

# Real seconds a request or join may block in virtual time: it costs no drill time, so its
# budget need not be tight; generous enough that a loaded host never turns a healthy answer
# into a timeout (which would make the outcome depend on the host).
REQUEST_BUDGET_S = 10.0
_STALL_WARN_S = 60.0  # a participant that has run this long without waiting is reported


class VirtualDeadlock(RuntimeError):
    """Every participant waits on something with no deadline (or past the horizon)."""


def _never() -> bool:
    return False


@dataclass(eq=False, slots=True)
class _Participant:
    name: str
    seq: int
    predicate: Callable[[], bool] = _never
    deadline: float = math.inf
    what: str = ""
    waiting: bool = False
    error: BaseException | None = None
    background: bool = False
    settling: bool = False  # due now, but after every other waiter due now

    def due(self, now: float) -> float:
        """When this waiter should run: now if its condition holds, else its deadline."""
        if self.error is not None:
            return now
        try:
            ready = self.predicate()
        except Exception as exc:  # the waiter re-raises it when it runs
            self.error = exc
            return now
        return now if ready else self.deadline

    def describe(self) -> str:
        """``name`` and what it waits on, for a deadlock report."""
        until = "no deadline" if math.isinf(self.deadline) else f"until t={self.deadline:g}s"
        return f"{self.name} waits for {self.what or 'an unnamed condition'} ({until})"


class _ParticipantThread(threading.Thread):
    """A thread registered with its clock when started, unregistered when its target ends."""

    def __init__(self, clock: VirtualClock, target: Callable[..., Any], name: str,
                 args: tuple[Any, ...], background: bool) -> None:
        super().__init__(name=name, daemon=True)
        self._clock, self._target_fn, self._args = clock, target, args
        self._background = background
        self.participant: _Participant | None = None

    def start(self) -> None:
        """Register with the clock (in the starting thread), then start."""
        self.participant = self._clock._register(self.name, self._background)
        super().start()

    def run(self) -> None:
        """Wait for the baton, run the target, leave the clock."""
        assert self.participant is not None
        self._clock._enter(self.participant)
        try:
            self._target_fn(*self._args)
        finally:
            self._clock._leave(self.participant)


class VirtualClock(Clock):
    """Discrete-event drill time; the thread that makes it is its first participant."""

    kind = "virtual"

    def __init__(self, *, horizon_s: float = 86_400.0, name: str = "main") -> None:
        super().__init__(scale=1.0)
        self.horizon_s = horizon_s
        self._now = 0.0
        self._wall0 = super().wall()
        self._cv = threading.Condition(threading.Lock())
        self._seq = itertools.count()
        self._parts: dict[int, _Participant] = {}  # by thread ident, once entered
        self._order: list[_Participant] = []  # every participant, oldest first
        self._holder: _Participant | None = None
        first = _Participant(name, next(self._seq))
        self._order.append(first)
        self._parts[threading.get_ident()] = first
        self._holder = first

    def now(self) -> float:
        """Drill seconds since the clock was made (moves only when every participant waits)."""
        return self._now

    def wall(self) -> datetime:
        """A UTC label: the clock's start plus drill time (real wall time is never used)."""
        return self._wall0 + timedelta(seconds=self._now)

    def real(self, drill_seconds: float) -> float:
        """Real seconds a blocking call may take: a fixed budget, as it costs no drill time."""
        return REQUEST_BUDGET_S

    def drill(self, real_seconds: float) -> float:
        """Real time has no drill length here; a real budget stands for the horizon."""
        return self.horizon_s

    def sleep(self, drill_seconds: float) -> None:
        """Wait ``drill_seconds`` of drill time (time jumps when every participant waits)."""
        self._block(_never, self._now + max(0.0, drill_seconds), "a sleep")

    def sleep_until(self, drill_t: float) -> None:
        """Wait until drill time ``drill_t``."""
        self._block(_never, max(self._now, drill_t), "a sleep")

    def wait(self, event: threading.Event, drill_seconds: float) -> bool:
        """Wait for ``event`` at most ``drill_seconds`` drill seconds; True if it was set."""
        return self._block(event.is_set, self._now + max(0.0, drill_seconds), "an event")

    def wait_for(self, predicate: Callable[[], bool], *, timeout_s: float, what: str = "",
                 cond: threading.Condition | None = None) -> bool:
        """Wait until ``predicate()`` holds, at most ``timeout_s`` drill seconds; its value."""
        return self._block(predicate, self._now + max(0.0, timeout_s), what or "a condition")

    def settle(self) -> None:
        """Let every other participant due at this instant run first, each until it waits
        for a later time; drill time does not move. Afterwards everything due at ``now()``
        (a marker written, a delayed effect landing) has happened, so a reading taken next
        sees the state at the end of the instant, as a check that compares times with
        ``<= now()`` counts it."""
        with self._cv:
            part = self._participant()
            part.predicate, part.deadline, part.what, part.waiting, part.settling = (
                lambda: True, self._now, "the rest of this instant", True, True)
            try:
                if self._holder is part:
                    self._holder = None
                    self._dispatch()
                self._await_baton(part)
            finally:
                part.settling = False
            error, part.error = part.error, None
            if error is not None:
                raise error

    def thread(self, target: Callable[..., Any], *, name: str, args: tuple[Any, ...] = (),
               background: bool = False) -> threading.Thread:
        """A participant thread (not started); see the module docstring."""
        return _ParticipantThread(self, target, name, args, background)

    def join(self, thread: threading.Thread, *, real_timeout_s: float) -> bool:
        """Wait on the clock until ``thread``'s target has returned, then join it."""
        part = getattr(thread, "participant", None)
        if part is not None:
            self._block(lambda: part not in self._order, math.inf, f"{thread.name} to end")
        thread.join(real_timeout_s)
        return not thread.is_alive()

    def notify(self) -> None:
        """Re-check the waiters (a non-participant changed what one of them watches)."""
        with self._cv:
            if self._holder is None:
                self._dispatch()

    def _pause(self, drill_seconds: float, what: str) -> None:
        self._block(_never, self._now + max(0.0, drill_seconds), what or "a poll")

    # -- the baton -------------------------------------------------------------------------

    def _register(self, name: str, background: bool = False) -> _Participant:
        with self._cv:
            part = _Participant(name, next(self._seq), predicate=lambda: True,
                                deadline=self._now, what="its start", waiting=True,
                                background=background)
            self._order.append(part)
            if self._holder is None and not self._running_elsewhere():
                self._dispatch()
            return part

    def _running_elsewhere(self) -> bool:
        return any(not p.waiting for p in self._order)

    def _enter(self, part: _Participant) -> None:
        with self._cv:
            self._parts[threading.get_ident()] = part
            self._await_baton(part)

    def _leave(self, part: _Participant) -> None:
        with self._cv:
            self._parts.pop(threading.get_ident(), None)
            self._order.remove(part)
            if self._holder is part:
                self._holder = None
                self._dispatch()

    def _participant(self) -> _Participant:
        part = self._parts.get(threading.get_ident())
        if part is None:
            raise RuntimeError(
                f"thread {threading.current_thread().name!r} waits on the virtual clock "
                "but is not a participant: make it with clock.thread()")
        return part

    def _block(self, predicate: Callable[[], bool], deadline: float, what: str) -> bool:
        with self._cv:
            part = self._participant()
            if predicate():
                return True
            if deadline <= self._now:
                return False
            part.predicate, part.deadline, part.what, part.waiting = (
                predicate, deadline, what, True)
            if self._holder is part:
                self._holder = None
                self._dispatch()
            self._await_baton(part)
            error, part.error = part.error, None
            if error is not None:
                raise error
            return bool(predicate())

    def _await_baton(self, part: _Participant) -> None:
        interrupted: BaseException | None = None
        while self._holder is not part:
            try:
                if not self._cv.wait(timeout=_STALL_WARN_S) and self._holder is not None:
                    log.warning("virtual clock: %s has run %gs of real time without waiting "
                                "(blocked outside the clock?)", self._holder.name, _STALL_WARN_S)
            except BaseException as exc:  # a signal: take the baton back first, then raise
                interrupted = exc
                part.predicate = lambda: True
        part.waiting = False
        if interrupted is not None:
            raise interrupted

    def _dispatch(self) -> None:
        """Hand the baton to the waiter due first (lock held, nobody running)."""
        waiting = [p for p in self._order if p.waiting]
        if not waiting or len(waiting) < len(self._order):
            return
        dues = {p.seq: p.due(self._now) for p in waiting}
        chosen = min(waiting, key=lambda p: (dues[p.seq], p.settling, p.seq))
        due = dues[chosen.seq]
        why = self._stuck(waiting, dues, due)
        if why:
            fore = [p for p in waiting if not p.background]
            chosen = (fore or waiting)[0]
            chosen.error = VirtualDeadlock(
                f"virtual-time deadlock at drill t={self._now:g}s: {why}: "
                + "; ".join(p.describe() for p in waiting))
            due = self._now
        self._now = max(self._now, due)
        self._holder = chosen
        self._cv.notify_all()

    def _stuck(self, waiting: list[_Participant], dues: dict[int, float], due: float) -> str:
        """Why moving time to ``due`` cannot help anyone ('' if it can)."""
        if due <= self._now:
            return ""
        if due > self.horizon_s:
            return (f"every participant waits and the next wake-up (t={due:g}s) is past the "
                    f"horizon ({self.horizon_s:g}s)")
        fore = [p for p in waiting if not p.background]
        if all(math.isinf(dues[p.seq]) for p in fore) and (fore or math.isinf(due)):
            return ("every participant waits with no deadline" if math.isinf(due) else
                    "every foreground participant waits with no deadline; only background "
                    "ticks are left")
        return ""



def make_clock(kind: str | None, *, scale: float) -> Clock:
    """The clock a run's settings ask for: ``virtual``, or ``scaled`` at ``scale``."""
    return VirtualClock() if kind == "virtual" else Clock(scale=scale)
