"""Interrupting a real ``drill run`` process: Ctrl-C pressed twice, and ``drill abort``.

Each case starts the CLI as a subprocess in a session of its own, polls ``timeline.jsonl``
(with a deadline) for the event that marks the point, interrupts the drill there, and checks
what an operator relies on: the exit code, a verified ``fault.reverted`` for every
``fault.injected``, ``run.finished`` in the journal, and nothing of the drill left running
or listening once its process is gone.
"""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import pytest
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from drills.journal.active import ACTIVE_DIR
from drills.journal.runinfo import PROJECT_ROOT
from tests.drillcli import BackgroundDrill, drill_command, drill_env
from tests.leftovers import listening_ports

__all__: list[str] = []

pytestmark = [pytest.mark.slow, pytest.mark.drill]

REGION_LOSS = PROJECT_ROOT / "features" / "region_loss.feature"
TIMEOUT_S = 240.0
# Slow enough that every runbook step lasts long enough to be interrupted in its middle.
RUN_ARGS = ("--time-scale", "120", "--seed", "7")
# `drill abort` only has to land before the drill ends: the failover alone still takes
# seconds at 200x, several times the abort command's start-up.
ABORT_RUN_ARGS = ("--time-scale", "200", "--seed", "7")
# Polled this often: a phase lasts a few hundred milliseconds at 120x.
POLL_S = 0.01

Point = tuple[str, str, str]  # (event kind, field, value) marking where to interrupt


class _NotYet(Exception):
    """The event polled for is not in the journal yet."""


class RunningDrill(BackgroundDrill):
    """``drill run`` in the background, in its own session; output goes to a file."""

    def __init__(self, base: Path, feature: Path, env: dict[str, str],
                 run_args: tuple[str, ...] = RUN_ARGS) -> None:
        super().__init__(base, ("run", str(feature)), run_args, env=env, log_name="drill.log")

    def wait_for(self, point: Point) -> None:
        """Poll the journal until the event marking ``point`` is there."""
        kind, key, value = point

        def check() -> None:
            if any(e["kind"] == kind and e.get(key) == value for e in self.events()):
                return
            if self.process.poll() is not None:
                raise AssertionError(f"drill exited {self.process.returncode} before {point}:\n"
                                     + self.output()[-3000:])
            raise _NotYet(point)

        Retrying(stop=stop_after_delay(TIMEOUT_S), wait=wait_fixed(POLL_S),
                 retry=retry_if_exception_type(_NotYet), reraise=True)(check)

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the drill's process."""
        self.process.send_signal(signum)

    def finish(self) -> int:
        """Wait for the drill to exit; its exit code."""
        try:
            return self.process.wait(timeout=TIMEOUT_S)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=30)


def _session_members(sid: int) -> list[int]:
    """Pids of live processes in session ``sid`` (the drill's children would be there)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii").rsplit(")", 1)[-1].split()
        except (OSError, UnicodeDecodeError):
            continue
        if int(fields[3]) == sid:
            found.append(int(stat.parent.name))
    return found


def _ports_used(drill: RunningDrill, run_dir: Path) -> set[int]:
    """moto's port (from the progress output) and each canary's (from ground truth)."""
    text = drill.output()
    truth = run_dir / "ground_truth.jsonl"
    if truth.exists():
        text += truth.read_text(encoding="utf-8")
    return {int(p) for p in re.findall(r"http://127\.0\.0\.1:(\d+)", text)}


def _assert_reverted_and_gone(drill: RunningDrill, code: int, expected: int) -> list[dict]:
    events = drill.events()
    assert code == expected, f"exit code {code}, expected {expected}:\n{drill.output()[-3000:]}"
    finished = [e for e in events if e["kind"] == "run.finished"]
    assert len(finished) == 1 and finished[0]["exit_code"] == expected, finished
    for injected in (e for e in events if e["kind"] == "fault.injected"):
        reverted = [e for e in events if e["kind"] == "fault.reverted" and e["seq"] > injected[
            "seq"] and (e["fault"], e["target"]) == (injected["fault"], injected["target"])]
        assert reverted and reverted[0]["verified"] is True, (injected, reverted)
    assert not [e for e in events if e["kind"] == "fault.revert_failed"]
    assert {"kind": "teardown", "status": "ok"} in [
        {"kind": e.get("phase"), "status": e.get("status")} for e in events
        if e["kind"] == "phase.finished"], "the backend was not stopped"
    assert not list((drill.runs_dir / ACTIVE_DIR).glob("*.json")), "active entry left behind"
    assert _session_members(drill.process.pid) == []
    run_dir = drill.run_dir()
    assert run_dir is not None
    ports = _ports_used(drill, run_dir)
    assert ports, "found no port the drill listened on"
    assert not ports & listening_ports()
    return events


# What needs a process of its own; every phase and step by SIGINT, SIGTERM and an exception,
# in-process, is the interrupt matrix (interrupt_matrix.py).
CASES = {
    # (feature, [(point, signal), ...], exit code)
    # Ctrl-C pressed twice, as people do: the second lands in pytest's own interrupt
    # handling, before the drill's close() has begun, and must not keep it from closing.
    "sigint-twice-at-deploy": (REGION_LOSS, [
        (("phase.started", "phase", "deploy"), signal.SIGINT),
        (("phase.finished", "phase", "deploy"), signal.SIGINT)], 3),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_an_interrupted_drill_reverts_journals_and_exits(case, tmp_path):
    feature, signals, expected = CASES[case]
    drill = RunningDrill(tmp_path, feature, drill_env())
    try:
        for point, signum in signals:
            drill.wait_for(point)
            drill.signal(signum)
    finally:
        code = drill.finish()
    events = _assert_reverted_and_gone(drill, code, expected)
    verdict = next(e for e in events if e["kind"] == "run.finished")
    assert verdict["verdict"] == "aborted"
    assert verdict["reason"].startswith(f"interrupted by {signals[0][1].name}"), verdict


def test_drill_abort_from_another_shell_stops_the_drill(tmp_path):
    drill = RunningDrill(tmp_path, REGION_LOSS, drill_env(), ABORT_RUN_ARGS)
    try:
        drill.wait_for(("runbook.step.started", "step", "promote-replica"))
        run_dir = drill.run_dir()
        assert run_dir is not None
        abort = subprocess.run(drill_command("abort", "--run", str(run_dir), "--timeout", "120"),
                               capture_output=True, text=True, timeout=180, env=drill_env())
    finally:
        code = drill.finish()
    assert abort.returncode == 0, abort.stdout + abort.stderr
    assert "region-outage on eu-west-2: reverted" in abort.stdout, abort.stdout
    assert "verdict aborted, exit code 3" in abort.stdout, abort.stdout
    events = _assert_reverted_and_gone(drill, code, 3)
    assert next(e for e in events if e["kind"] == "run.finished")["reason"].startswith(
        "interrupted by SIGTERM")
