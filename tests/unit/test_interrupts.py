"""Signals: SIGINT/SIGTERM unwind a drill, and are held while it reverts."""

from __future__ import annotations

import json
import signal
from typing import ClassVar

import pytest

from drills.run.engine import Drill
from drills.safety.interrupts import Interrupted, claim_sigterm, held_signals, install_handlers
from drills.settings.config import load_settings

__all__: list[str] = []


@pytest.fixture
def restore_handlers():
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


class _SelfInterruptingFault:
    """A fault whose revert is hit by Ctrl-C, as an operator pressing it twice would."""

    name: ClassVar[str] = "self-interrupting"
    target = "eu-west-2"

    def __init__(self, *, fail: bool = False) -> None:
        self.active = True
        self.fail = fail

    def inject(self) -> None:
        self.active = True

    def revert(self) -> None:
        signal.raise_signal(signal.SIGINT)
        if self.fail:
            raise RuntimeError("the API refused the revert")
        self.active = False

    def is_active(self) -> bool:
        return self.active


def _drill(tmp_path) -> Drill:
    settings = load_settings(overrides={"runs_dir": tmp_path / "runs", "seed": 7})
    return Drill(settings, scenario="interrupt unit test")


def _journal(drill: Drill) -> list[dict]:
    lines = (drill.run_dir / "timeline.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_installed_handlers_raise_interrupted_naming_the_signal(signum, restore_handlers):
    install_handlers()
    with pytest.raises(Interrupted) as info:
        signal.raise_signal(signum)
    assert isinstance(info.value, KeyboardInterrupt)
    assert info.value.signal == signal.Signals(signum).name


def test_held_signals_record_instead_of_raising_and_restore_the_handler(restore_handlers):
    install_handlers()
    seen = []
    with held_signals(seen.append) as held:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGTERM)
    assert held == [signal.SIGINT, signal.SIGTERM] == seen
    with pytest.raises(Interrupted):
        signal.raise_signal(signal.SIGINT)


def test_a_second_ctrl_c_during_revert_does_not_abandon_it(tmp_path, restore_handlers):
    install_handlers()
    drill = _drill(tmp_path)
    fault = _SelfInterruptingFault()
    drill.faults.append(fault)
    drill.close(Interrupted(signal.SIGINT))

    assert not fault.active
    events = _journal(drill)
    kinds = [e["kind"] for e in events]
    assert kinds.index("fault.reverted") < kinds.index("interrupt.deferred") < kinds.index(
        "run.finished")
    assert next(e for e in events if e["kind"] == "fault.reverted")["verified"] is True
    finished = events[-1]
    assert (finished["verdict"], finished["exit_code"]) == ("aborted", 3)
    assert finished["reason"] == "interrupted by SIGINT; 1 fault(s) reverted and verified"
    assert drill.interrupted and drill.exit_code == 3
    with pytest.raises(Interrupted):  # the raising handler is back once close() is done
        signal.raise_signal(signal.SIGINT)


def test_a_signal_held_during_close_turns_a_finished_run_into_an_aborted_one(
        tmp_path, restore_handlers):
    drill = _drill(tmp_path)
    drill.faults.append(_SelfInterruptingFault())
    drill.close()
    finished = _journal(drill)[-1]
    assert (finished["verdict"], finished["exit_code"]) == ("aborted", 3)
    assert drill.interrupted


def test_an_interrupt_whose_revert_fails_says_so_and_points_at_cleanup(
        tmp_path, restore_handlers):
    drill = _drill(tmp_path)
    drill.faults.append(_SelfInterruptingFault(fail=True))
    drill.close(Interrupted(signal.SIGTERM))
    events = _journal(drill)
    failed = next(e for e in events if e["kind"] == "fault.revert_failed")
    assert failed["error"] == "RuntimeError: the API refused the revert"
    reason = events[-1]["reason"]
    assert reason.startswith("interrupted by SIGTERM; faults still active after revert: "
                             "self-interrupting"), reason
    assert f"drill cleanup --run {drill.run_dir}" in reason
    assert events[-1]["exit_code"] == 3


def test_a_drill_outside_the_cli_claims_sigterm_only_while_nothing_else_has(restore_handlers):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    release = claim_sigterm()
    with pytest.raises(Interrupted, match="SIGTERM"):
        signal.raise_signal(signal.SIGTERM)
    release()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

    def own(_signum, _frame):
        pass

    signal.signal(signal.SIGTERM, own)
    claim_sigterm()()
    assert signal.getsignal(signal.SIGTERM) is own
