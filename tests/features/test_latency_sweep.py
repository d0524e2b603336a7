"""The latency sweep (features/sweeps/): where the runbook stops meeting the 15-minute RTO.

Each example pins the replica promotion time and states whether the RTO objective is met.
The test also checks what the sweep rests on: every run's measured RTO is within one probe
interval of the simulator's ground truth, and no run recovers before its promotion ends.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_bdd import scenarios

from drills.settings.config import load_settings

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first

SWEEP = Path(__file__).resolve().parents[2] / "features" / "sweeps" / "promotion_latency.feature"
# As in the accuracy test: fast, while the probes keep their cadence even on a busy machine,
# so each run's RTO stays within one probe interval of the truth.
TIME_SCALE = 200.0

scenarios(str(SWEEP))


@pytest.fixture(scope="module")
def sweep_runs(tmp_path_factory):
    """The runs folder all examples share, to compare them after the last one."""
    return tmp_path_factory.mktemp("sweep")


@pytest.fixture
def settings(sweep_runs):
    """Fast, seeded embedded settings; every example's run folder in one place."""
    return load_settings(overrides={"runs_dir": sweep_runs, "time_scale": TIME_SCALE,
                                    "seed": 7})


def _journal(run_dir: Path) -> list[dict]:
    return [json.loads(x) for x in (run_dir / "timeline.jsonl").read_text().splitlines()]


def test_rto_follows_the_promotion_time_and_matches_ground_truth(sweep_runs):
    runs = []
    for run_dir in sorted(p for p in sweep_runs.glob("[!.]*") if p.is_dir()):
        events = _journal(run_dir)
        pinned = next(e for e in events if e["kind"] == "run.started")["latency"]
        measured = next(e for e in events if e["kind"] == "measurement")["rto_seconds"]
        truth = next(e for e in events if e["kind"] == "ground_truth")["rto_seconds"]
        assert abs(measured - truth) <= 10.0, (run_dir.name, measured, truth)
        runs.append((pinned["rds_promote"], measured))
    assert len(runs) == 3, f"expected the 3 examples' runs (run the whole module): {runs}"
    # The other transitions are drawn from the model, so RTOs need not be in order; but no
    # run recovers before its promotion has finished.
    for promotion, rto in runs:
        assert rto > promotion, f"RTO {rto:.0f}s with a {promotion:.0f}s promotion"
