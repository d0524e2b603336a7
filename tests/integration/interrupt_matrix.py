"""The interrupt matrix: the region-loss drill stopped at every phase and mid every step.

Each case runs the whole drill in this process (``drills.run.scenario.region_loss``) and stops
it at one point, in one way:

- at the start of every phase (the phase's progress line, printed inside the phase), and
- in the middle of every runbook step: on the step's first poll after its changing call
  (the promotion, the scale-out, the DNS change has been sent and is being waited on);
  ``verify-dr-health`` makes no AWS call, so it is stopped as its progress line prints,
  inside the step;

by a real SIGINT or SIGTERM sent to this process (through the handlers ``drill run``
installs) or by an exception raised right there, as a bug in that code would.

Afterwards every case checks what an operator relies on: the exit code and verdict, a
closed journal (every phase and step that started has finished, ``run.finished`` once), a
verified revert for every fault that was injected, and nothing left running or listening.
Where the interruption lands in the revert itself, ``drill cleanup`` completes the job.
The subprocess cases in ``test_interrupts.py`` cover what needs a separate process
(Ctrl-C twice, ``drill abort`` from another shell).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from drills.run.engine import Drill
from drills.run.scenario import region_loss
from drills.safety.cleanup import cleanup_run
from drills.safety.interrupts import install_handlers
from drills.settings.config import load_settings
from infra.aws import CallRecord
from tests.leftovers import Leftovers, journal

__all__ = ["CASES", "HOWS", "drill_signal_handlers", "matrix_test", "run_case"]

How = Literal["SIGINT", "SIGTERM", "exception"]
HOWS: tuple[How, ...] = ("SIGINT", "SIGTERM", "exception")

PHASES = ("setup", "deploy", "steady-state", "preflight", "inject", "detect", "decide",
          "failover", "recovery", "measure", "revert", "teardown")
# The first poll after each step's changing call: the change is in flight.
STEP_POLLS = {"promote-replica": ("PromoteReadReplica", "DescribeDBInstances"),
              "scale-dr-service": ("UpdateService", "DescribeServices"),
              "switch-dns": ("ChangeResourceRecordSets", "GetChange"),
              "verify-dr-health": None}
# Phases run by close(), which holds signals until the revert and teardown are done.
CLOSING = ("revert", "teardown")
TIME_SCALE = 600.0
CRASH = "crashed on purpose by the interrupt matrix"

CASES = [f"phase-{p}" for p in PHASES] + [f"mid-{s}" for s in STEP_POLLS]


@dataclass
class Trigger:
    """Fires once, in the main thread, when the drill reaches the case's point."""

    point: str
    how: How
    fired: bool = False
    _step: str | None = None
    _changed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_progress(self, message: str) -> None:
        """Progress lines mark phase starts and step starts."""
        if message.startswith("runbook step ") and " in " in message:
            self._step = message.split()[2]
            self._changed = False
        kind, _, name = self.point.partition("-")
        if kind == "phase" and message.startswith(f"phase {name} "):
            self._fire()
        elif self.point == "mid-verify-dr-health" and self._step == "verify-dr-health":
            self._fire()

    def on_call(self, call: CallRecord) -> None:
        """AWS calls mark the middle of a step: its first poll after its changing call."""
        step = self.point.removeprefix("mid-")
        poll = STEP_POLLS.get(step)
        if poll is None or self._step != step:
            return
        if call[1] == poll[0]:
            self._changed = True
        elif call[1] == poll[1] and self._changed:
            self._fire()

    def _fire(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        with self._lock:
            if self.fired:
                return
            self.fired = True
        if self.how == "exception":
            raise RuntimeError(f"{CRASH} at {self.point}")
        os.kill(os.getpid(), getattr(signal, self.how))


@pytest.fixture
def drill_signal_handlers() -> Iterator[None]:
    """The handlers ``drill run`` installs, for the test's duration (then the old ones)."""
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    install_handlers()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def run_case(point: str, how: How, tmp_path: Path) -> None:
    """Run the drill, stop it at ``point`` by ``how``, and check what it left."""
    leftovers = Leftovers()
    trigger = Trigger(point, how)
    # EFS is not judged here: its baseline wait before the fault (a first file synced to DR)
    # is no interrupt point, and the accuracy tests judge EFS.
    settings = load_settings(overrides={"runs_dir": tmp_path / "runs",
                                        "time_scale": TIME_SCALE, "seed": 11,
                                        "efs_rpo_objective_s": None})
    drills: list[Drill] = []
    try:
        drills.append(region_loss(settings, progress=trigger.on_progress,
                                  observers=(trigger.on_call,)))
    except KeyboardInterrupt:
        assert how != "exception"
    run_dir = _only_run(tmp_path / "runs")
    assert trigger.fired, f"the drill never reached {point}: " + "; ".join(
        str(e.get("reason")) for e in _events(run_dir) if e["kind"] == "run.finished")
    events = _events(run_dir)
    _check_verdict(events, point, how)
    _check_journal_closed(events, point)
    crashed_revert = how == "exception" and point == "phase-revert"
    if crashed_revert:
        _check_cleanup_completes(run_dir, events)
    else:
        _check_reverted(events)
    leftovers.assert_nothing_running_since(_RunView(run_dir, drills),
                                           reverted=not crashed_revert)



def matrix_test(how: How) -> Callable[..., None]:
    """The matrix's test for one way of stopping, for a test module to bind to a ``test_`` name.

    Each way has its own module, so the suite's workers (``--dist loadfile``) share the three.
    """

    @pytest.mark.parametrize("point", CASES)
    def test(point: str, tmp_path: Path, drill_signal_handlers: None) -> None:
        run_case(point, how, tmp_path)

    return test

@dataclass
class _RunView:
    """What Leftovers needs from a drill: its run folder and (if returned) backend."""

    run_dir: Path
    drills: list[Drill]

    @property
    def backend(self) -> object:
        # Not Drill.backend, which raises when the drill stopped before making one.
        return self.drills[0]._backend if self.drills else None


def _only_run(runs: Path) -> Path:
    found = [p for p in runs.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(found) == 1, found
    return found[0]


def _events(run_dir: Path) -> list[dict]:
    return journal(_RunView(run_dir, []))


def _check_verdict(events: list[dict], point: str, how: How) -> None:
    finished = [e for e in events if e["kind"] == "run.finished"]
    assert len(finished) == 1, finished
    verdict = finished[0]
    if how == "exception":
        assert (verdict["verdict"], verdict["exit_code"]) == ("error", 1), verdict
        assert CRASH in verdict["reason"], verdict
    else:
        assert (verdict["verdict"], verdict["exit_code"]) == ("aborted", 3), verdict
        assert verdict["reason"].startswith(f"interrupted by {how}"), verdict
    held = [e["signal"] for e in events if e["kind"] == "interrupt.deferred"]
    closing = point.removeprefix("phase-") in CLOSING
    assert held == ([how] if closing and how != "exception" else []), held


def _check_journal_closed(events: list[dict], point: str) -> None:
    for kind, key in (("phase", "phase"), ("runbook.step", "step")):
        started = [e[key] for e in events if e["kind"] == f"{kind}.started"]
        finished = [e[key] for e in events if e["kind"] == f"{kind}.finished"]
        assert sorted(started) == sorted(finished), f"{kind}: started {started}, " \
                                                    f"finished {finished}"
    teardown = [e for e in events if e["kind"] == "phase.finished" and e["phase"] == "teardown"]
    # Stopped at the start of setup, the drill had no backend yet: nothing to tear down.
    assert len(teardown) == (0 if point == "phase-setup" else 1), teardown


def _check_reverted(events: list[dict]) -> None:
    for injected in (e for e in events if e["kind"] == "fault.injecting"):
        key = (injected["fault"], injected["target"])
        reverted = [e for e in events if e["kind"] == "fault.reverted"
                    and (e["fault"], e["target"]) == key and e["seq"] > injected["seq"]]
        assert reverted and reverted[0]["verified"] is True, (injected, reverted)
    assert not [e for e in events if e["kind"] == "fault.revert_failed"]


def _check_cleanup_completes(run_dir: Path, events: list[dict]) -> None:
    """The revert itself crashed: the journal says so, and cleanup finishes the job."""
    assert not [e for e in events if e["kind"] == "fault.reverted"]
    revert = [e for e in events if e["kind"] == "phase.finished" and e["phase"] == "revert"]
    assert revert and revert[0]["status"] == "failed", revert
    finished = next(e for e in events if e["kind"] == "run.finished")
    assert "drill cleanup --run" in finished["reason"], finished
    first = cleanup_run(run_dir)
    assert first.resolved and [o.record.state for o in first.outcomes] == ["not_reverted"]
    again = cleanup_run(run_dir)
    assert again.already_done and again.resolved
