"""The preflight gate on a real embedded drill: refuse to inject unless it is safe to.

Each test opens a drill (moto, simulator, deployed stack, probes in steady state), breaks
one precondition through the real API or the data plane, and expects the first injection
to be refused with exit code 3, the reason journaled, and no fault touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from drills.run.engine import Drill
from drills.settings.config import load_settings
from infra.core.errors import SafetyRefusal

__all__: list[str] = []

pytestmark = [pytest.mark.slow]


@pytest.fixture
def steady(tmp_path) -> Iterator[Drill]:
    """A drill opened and in steady state, closed by the test (or here if it fails)."""
    settings = load_settings(overrides={"runs_dir": tmp_path / "runs", "time_scale": 300.0,
                                        "seed": 7})
    drill = Drill(settings, scenario="preflight gate")
    try:
        drill.open()
        drill.steady_state()
        yield drill
    finally:
        drill.close()


def _refused(drill: Drill) -> tuple[SafetyRefusal, list[dict]]:
    with pytest.raises(SafetyRefusal) as info:
        drill.inject("region-outage", region=drill.settings.primary_region)
    drill.close(info.value)
    lines = (drill.run_dir / "timeline.jsonl").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    [gate] = [e for e in events if e["kind"] == "preflight"]
    assert gate["passed"] is False and gate["reasons"] == list(info.value.reasons)
    assert not [e for e in events if e["kind"].startswith("fault.")], "a fault was touched"
    assert drill.exit_code == 3 and events[-1]["verdict"] == "aborted"
    assert not drill.backend.clients.lost_regions
    return info.value, events


def test_refused_when_the_replica_is_not_replicating(steady):
    # The DR side's data plane goes away: the primary's writes no longer reach the replica.
    steady.backend.dataplane.region_down(steady.settings.dr_region)
    assert steady.backend.replica_lag_seconds() == -1.0
    refusal, _ = _refused(steady)
    assert refusal.reasons == (f"replica {steady.settings.replica_id!r} is not replicating "
                               "(ReplicaLag -1: replication stopped)",)


def test_refused_when_the_app_is_unhealthy_before_the_fault(steady):
    s = steady.settings
    steady.backend.clients.client("ecs", s.primary_region).update_service(
        cluster=s.primary_cluster, service=s.primary_service, desiredCount=0)
    assert steady.prober is not None
    steady.prober.wait_for(lambda xs: bool(xs) and not xs[-1].ok, timeout_s=s.step_timeout_s)
    refusal, _ = _refused(steady)
    [reason] = refusal.reasons
    assert reason.startswith("the application is not healthy in eu-west-2"), reason
    assert "has no running tasks" in reason


def test_refused_when_the_dr_service_is_missing(steady):
    s = steady.settings
    steady.backend.clients.client("ecs", s.dr_region).delete_service(
        cluster=s.dr_cluster, service=s.dr_service, force=True)
    refusal, _ = _refused(steady)
    assert refusal.reasons == (f"DR service {s.dr_service!r} is 'INACTIVE', expected 'ACTIVE'",)
