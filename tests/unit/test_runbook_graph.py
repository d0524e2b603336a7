"""The runbook executor runs independent steps at once, on virtual time, to the second."""

from __future__ import annotations

import pytest

from drills.journal.timeline import Timeline, read_events
from drills.runbooks.executor import RunbookContext, RunbookStep, execute
from drills.settings.config import load_settings
from infra.core.errors import ProbeTimeout, RunbookStepFailed
from infra.core.virtual_clock import VirtualClock

__all__: list[str] = []


def _sleeps(seconds: float, fail: bool = False):
    def action(ctx: RunbookContext) -> None:
        ctx.clock.sleep(seconds)
        if fail:
            raise ProbeTimeout(f"gave up after {seconds:g}s")
    return action


def _run(steps, tmp_path):
    clock = VirtualClock()
    ctx = RunbookContext(load_settings(), None, clock, None, str, None)  # steps use the clock
    timeline = Timeline(tmp_path / "timeline.jsonl", clock)
    try:
        return execute(steps, ctx, timeline=timeline), list(read_events(timeline.path))
    except RunbookStepFailed as exc:
        return exc, list(read_events(timeline.path))
    finally:
        timeline.close()


def test_independent_steps_run_at_once_and_the_join_waits_for_the_slower(tmp_path):
    steps = (RunbookStep("promote", "dr", _sleeps(300), "", after=()),
             RunbookStep("scale", "dr", _sleeps(80), "", after=()),
             RunbookStep("dns", "global", _sleeps(40), "", after=("promote", "scale")),
             RunbookStep("verify", "dr", _sleeps(1), "", after=("dns",)))
    results, events = _run(steps, tmp_path)
    spans = {r.name: (r.started_at, r.finished_at) for r in results}
    assert spans == {"promote": (0, 300), "scale": (0, 80), "dns": (300, 340),
                     "verify": (340, 341)}
    started = [e for e in events if e["kind"] == "runbook.step.started"]
    assert [e["after"] for e in started if e["step"] == "dns"] == [["promote", "scale"]]


def test_the_guides_order_runs_one_step_after_another(tmp_path):
    steps = (RunbookStep("promote", "dr", _sleeps(300), ""),
             RunbookStep("scale", "dr", _sleeps(80), ""))
    results, _ = _run(steps, tmp_path)
    assert [(r.started_at, r.finished_at) for r in results] == [(0, 300), (300, 380)]


def test_a_failed_step_starts_nothing_more_and_lets_the_running_one_finish(tmp_path):
    steps = (RunbookStep("promote", "dr", _sleeps(300), "", after=()),
             RunbookStep("scale", "dr", _sleeps(80, fail=True), "", after=()),
             RunbookStep("dns", "global", _sleeps(40), "", after=("promote", "scale")))
    error, events = _run(steps, tmp_path)
    assert isinstance(error, RunbookStepFailed) and error.step == "scale"
    finished = {e["step"]: (e["status"], e["t"]) for e in events
                if e["kind"] == "runbook.step.finished"}
    assert finished == {"scale": ("failed", 80), "promote": ("ok", 300)}
    assert not any(e.get("step") == "dns" for e in events)


@pytest.mark.parametrize("seconds", [0.0, 5.0])
def test_steps_with_no_wait_still_join(tmp_path, seconds):
    steps = (RunbookStep("a", "dr", _sleeps(seconds), "", after=()),
             RunbookStep("b", "dr", _sleeps(seconds), "", after=()))
    results, _ = _run(steps, tmp_path)
    assert [r.finished_at for r in results] == [seconds, seconds]
