"""SIGINT and SIGTERM: how a drill is interrupted, and how its revert is shielded from both.

The CLI installs :func:`raise_interrupted` for both signals, so either one unwinds the main
thread with :class:`Interrupted`, a ``KeyboardInterrupt``: pytest, which runs the
scenarios, stops the session on it as it does on Ctrl-C, and every ``finally`` on the way
reverts what it changed. While :meth:`drills.run.engine.Drill.close` reverts faults and stops
everything, :func:`held_signals` swaps both handlers for one that only records the signal,
so a second Ctrl-C (or a ``drill abort`` sent twice) cannot abandon the revert half-way.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

__all__ = ["HANDLED_SIGNALS", "Interrupted", "claim_sigterm", "held_signals",
           "install_handlers", "raise_interrupted", "signal_name"]

HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def signal_name(signum: int) -> str:
    """``"SIGINT"`` for 2, and so on."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class Interrupted(KeyboardInterrupt):
    """The drill was interrupted by a signal; a ``KeyboardInterrupt`` so pytest stops too."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum

    @property
    def signal(self) -> str:
        """The signal's name, e.g. ``"SIGTERM"``."""
        return signal_name(self.signum)


def raise_interrupted(signum: int, _frame: FrameType | None) -> None:
    """Signal handler: unwind the main thread with :class:`Interrupted`."""
    raise Interrupted(signum)


def install_handlers() -> None:
    """Make SIGINT and SIGTERM raise :class:`Interrupted` (main thread only)."""
    for signum in HANDLED_SIGNALS:
        signal.signal(signum, raise_interrupted)


def claim_sigterm() -> Callable[[], None]:
    """Make SIGTERM raise :class:`Interrupted` if nothing handles it yet; returns the undo.

    A drill run from any process (tests, benchmarks) is then stopped by ``drill abort`` the
    way ``drill run`` is, instead of being killed without reverting.
    """
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return lambda: None
    signal.signal(signal.SIGTERM, raise_interrupted)

    def release() -> None:
        if signal.getsignal(signal.SIGTERM) is raise_interrupted:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return release


@contextlib.contextmanager
def held_signals(on_signal: Callable[[int], None] = lambda _s: None) -> Iterator[list[int]]:
    """Record SIGINT/SIGTERM instead of acting on them while the block runs.

    Yields the list the signals that arrive are appended to; the previous handlers are back
    when the block ends, and nothing is re-raised: the caller decides what a held signal
    means. Outside the main thread, where handlers cannot be changed, it holds nothing.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def hold(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        on_signal(signum)

    previous = {signum: signal.signal(signum, hold) for signum in HANDLED_SIGNALS}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            # None: the old handler was not set from Python; the default is the closest match.
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
