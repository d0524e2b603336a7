"""Virtual time end to end: one seed, one answer, however busy the host; deadlocks end.

The region-loss drill runs on the virtual clock (the embedded default): the same seed must
give exactly equal figures (RTO, RPO, RPO per store, phase durations, lost markers) while
two processes burn both cores, and a runbook step that waits for something nobody will do
must end the drill with an error naming it, its fault reverted, instead of hanging.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

import pytest

from bench.determinism import busy_host as burning_cores
from drills.run.scenario import region_loss
from drills.runbooks.executor import RunbookContext, RunbookStep
from drills.settings.config import load_settings
from reports import publish
from tests.leftovers import journal

__all__: list[str] = []

pytestmark = [pytest.mark.drill, pytest.mark.region_loss]

SEED = 4


@pytest.fixture
def busy_host() -> Iterator[None]:
    """Two CPU-burning processes for the length of the test; always stopped."""
    with burning_cores(2):
        yield


def _figures(drill) -> dict:
    """What a seed must reproduce, read from the published evidence.json."""
    ev = json.loads(publish(drill.run_dir).evidence.read_text(encoding="utf-8"))
    return {
        "clock": ev["clock"], "rto": ev["rto_seconds"], "rpo": ev["rpo_seconds"],
        "lost": ev["lost_markers"],
        "stores": [(s["store"], s["rpo_seconds"], s["lost_markers"]) for s in ev["stores"]],
        "phases": [(p["name"], p["duration_seconds"]) for p in ev["phases"]],
        "truth": (ev["ground_truth"] or {}).get("rto_seconds"),
    }


def test_one_seed_gives_equal_figures_with_both_cores_busy(tmp_path, busy_host):
    runs = [region_loss(load_settings(overrides={"runs_dir": tmp_path / f"run{i}",
                                                 "seed": SEED})) for i in (1, 2)]
    first, second = (_figures(d) for d in runs)
    assert first["clock"] == "virtual"
    assert first["rto"] is not None and first["rpo"] is not None
    assert first == second
    # The report says which clock it was, not a time scale that did not pace anything.
    page = (runs[0].run_dir / "report.html").read_text(encoding="utf-8")
    assert "(virtual time: the simulated AWS's durations" in page and "the clock ran" not in page


def test_a_runbook_step_waiting_forever_ends_the_drill_naming_it(tmp_path):
    def await_approval(ctx: RunbookContext) -> None:  # nobody ever approves
        ctx.clock.wait_for(lambda: False, timeout_s=math.inf, what="a change approval")

    step = RunbookStep("await-approval", "global", await_approval, "wait for an approval")
    settings = load_settings(overrides={"runs_dir": tmp_path / "runs", "seed": SEED})
    drill = region_loss(settings, runbook=(step,))
    assert drill.exit_code == 1
    events = journal(drill)
    [finished] = [e for e in events if e["kind"] == "runbook.step.finished"]
    assert finished["status"] == "crashed"
    assert "virtual-time deadlock" in finished["error"]
    assert "main waits for a change approval (no deadline)" in finished["error"]
    assert "Prober waits for an event" in finished["error"]  # who else waits, and on what
    assert [e["fault"] for e in events if e["kind"] == "fault.reverted"] == ["region-outage"]
    [run_finished] = [e for e in events if e["kind"] == "run.finished"]
    assert run_finished["exit_code"] == 1
