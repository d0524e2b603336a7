"""Checks of a finished fault scenario against the region simulator's ground truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drills.settings.config import Settings, load_settings

__all__ = ["FAULTS", "failed_over_as_truth_says", "recovered_in_region_as_truth_says",
           "risk_matches_truth", "rto_matches_truth", "seeded_settings", "stayed_up_as_truth_says",
           "truth_events"]

FAULTS = Path(__file__).resolve().parents[2] / "features" / "faults"
EPS = 1e-6


def seeded_settings(time_scale: float) -> Any:
    """A ``settings`` fixture for a test module: seeded embedded settings at ``time_scale``."""

    @pytest.fixture
    def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
        """Seeded embedded settings for the fault drills."""
        return load_settings(overrides={"runs_dir": tmp_path_factory.mktemp("runs"),
                                        "time_scale": time_scale, "seed": 7})

    return settings


def truth_events(drill, kind):
    """The ground-truth log's events of ``kind``, in order."""
    lines = (drill.run_dir / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["kind"] == kind]


def _recovery_sample(drill, rto_seconds):
    at = drill.outage_start + rto_seconds
    return next(x for x in drill.prober.samples() if abs(x.t - at) < EPS)


def rto_matches_truth(drill):
    """Measured RTO within the probes' resolution of the simulator's, both ways.

    The resolution is one probe interval plus the recovering probe's own latency: a probe
    is stamped when it is sent and sees whatever serves when its request arrives.
    """
    r = drill.require_result()
    truth = r.ground_truth
    assert truth is not None and truth.rto_seconds is not None, "the simulator saw no recovery"
    latency = _recovery_sample(drill, r.rto_seconds).latency_ms / 1000 if r.rto_seconds else 0
    error = r.rto_seconds - truth.rto_seconds
    bound = drill.settings.probe_interval_s + latency
    assert -latency - EPS <= error <= bound, (
        f"measured RTO {r.rto_seconds:.2f}s, truth {truth.rto_seconds:.2f}s, "
        f"probe latency {latency:.2f}s")
    return r, truth


def recovered_in_region_as_truth_says(drill):
    r, truth = rto_matches_truth(drill)
    assert truth.rto_seconds > 0, "the simulator says users never saw the fault"
    assert truth.lost_seqs == () and r.lost_markers == (), (truth.lost_seqs, r.lost_markers)


def stayed_up_as_truth_says(drill):
    r, truth = rto_matches_truth(drill)
    assert (r.rto_seconds, truth.rto_seconds) == (0.0, 0.0)


def risk_matches_truth(drill, watch):
    """Each sample of the data at risk in DR lies within what the simulator knows of it
    between the sample's two instants (the databases were read in between). On virtual time
    both are one instant, read after everything else due at it: the simulator's bounds,
    inclusive, count the writes committed and applied at that instant too."""
    sim = drill.backend.dataplane
    for x in watch.samples:
        high = sim.data_at_risk(x.t, committed_by=x.read_at)
        low = sim.data_at_risk(x.t, applied_by=x.read_at)
        assert low - EPS <= x.at_risk_seconds <= high + EPS, (
            f"at t={x.t:.1f} measured {x.at_risk_seconds:.2f}s, truth {low:.2f}..{high:.2f}s")
    released = truth_events(drill, "replication.released")[0]["t"]
    back = next(x for x in watch.samples if x.t == watch.back_within_at)
    interval = drill.settings.probe_interval_s
    assert released - EPS <= back.read_at and back.t <= released + 2 * interval, (
        f"back within the objective at {back}, replication released at {released:.1f}")


def failed_over_as_truth_says(drill):
    r, truth = rto_matches_truth(drill)
    acked = [x.seq for x in drill.writer.records() if x.acked]
    true_rpo = truth.rpo_over(acked)
    assert true_rpo is not None and abs(r.rpo_seconds - true_rpo) <= (
        drill.settings.marker_interval_s), f"RPO {r.rpo_seconds:.2f}s, truth {true_rpo:.2f}s"
