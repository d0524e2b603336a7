"""The failback scenario in-process, judged against the region simulator's ground truth.

The drill fails over to DR, brings the primary region back and runs the failback runbook;
afterwards the test checks the measured downtime and data loss against what the simulator
knows happened, and that no fault is active and nothing is left running.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pytest_bdd import scenario

from drills.settings.config import load_settings
from reports import load_evidence, publish
from tests.features.fault_truth import truth_events

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first

FEATURE = Path(__file__).resolve().parents[2] / "features" / "failback.feature"
TIME_SCALE = 200.0
EPS = 1e-6


@pytest.fixture
def settings(tmp_path_factory):
    """Seeded embedded settings for the failback drill."""
    return load_settings(overrides={"runs_dir": tmp_path_factory.mktemp("runs"),
                                    "time_scale": TIME_SCALE, "seed": 7})


def _downtime_matches_truth(drill, result):
    truth = result.ground_truth
    assert truth is not None and truth.rto_seconds is not None, "the simulator saw no recovery"
    at = result.freeze_at + result.downtime_seconds
    latency = next(x.latency_ms for x in drill.prober.samples() if abs(x.t - at) < EPS) / 1000
    error = result.downtime_seconds - truth.rto_seconds
    assert -latency - EPS <= error <= drill.settings.probe_interval_s + latency, (
        f"failback downtime {result.downtime_seconds:.2f}s, truth {truth.rto_seconds:.2f}s")


@scenario(str(FEATURE), "Fail back to eu-west-2 after a regional failover, no data lost")
def test_failback(request):
    drill = request.getfixturevalue("drill")
    result = request.getfixturevalue("failback_result")
    _downtime_matches_truth(drill, result)
    truth = result.ground_truth
    assert truth.rto_seconds > 0, "the simulator says users never saw the switch"
    assert (truth.lost_seqs, result.lost_markers) == ((), ())
    assert truth.rpo_seconds == result.rpo_seconds == 0.0
    assert result.written_after_failover > 10, result
    assert [e["source"] for e in truth_events(drill, "replication.created")] == ["us-east-1"]
    assert [e["source"] for e in truth_events(drill, "replication.resumed")] == ["eu-west-2"]
    drill.close()
    _published(drill.run_dir, result)
    assert not drill.faults or not any(f.is_active() for f in drill.faults)
    names = {t.name for t in threading.enumerate()}
    assert not names & {"MarkerWriter", "Prober", "embedded-scheduler"}, names


def _published(run_dir, result):
    """The failback's downtime and RPO reach evidence.json, the report and the metrics."""
    publish(run_dir)
    fb = load_evidence(run_dir / "evidence.json").failback
    assert fb is not None, "evidence.json has no failback record"
    assert fb.downtime_seconds == pytest.approx(result.downtime_seconds, abs=1e-3)
    assert fb.true_downtime_seconds == pytest.approx(result.ground_truth.rto_seconds, abs=1e-3)
    assert (fb.rpo_seconds, fb.lost_markers, fb.served_region) == (0.0, (), "eu-west-2")
    assert fb.written_after_failover == result.written_after_failover
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'id="failback"' in report and f'data-seconds="{fb.downtime_seconds}"' in report
    metrics = (run_dir / "metrics.prom").read_text(encoding="utf-8")
    line = next(x for x in metrics.splitlines()
                if x.startswith("dr_drill_failback_downtime_seconds{"))
    assert float(line.rsplit(" ", 1)[1]) == pytest.approx(fb.downtime_seconds)
