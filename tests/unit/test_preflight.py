"""The preflight gate's judgements, on recorded observations (no AWS, no clock)."""

from __future__ import annotations

import pytest

from drills.measure.probes import ProbeSample
from drills.safety.preflight import Check, PreflightReport, replication_check, steady_state_check
from infra.core.errors import SafetyRefusal

__all__: list[str] = []


def _sample(seq: int, ok: bool, region: str = "eu-west-2") -> ProbeSample:
    status, error = (200, "") if ok else (503, "database is read-only")
    return ProbeSample(seq, 10.0 * seq, "", region, status, ok, 40.0, error)


@pytest.mark.parametrize(("lag", "ok", "says"), [
    (-1.0, False, "is not replicating (ReplicaLag -1: replication stopped)"),
    (None, False, "could not read ReplicaLag"),
    (6.5, False, "lags 6.5s, more than the RPO objective of 5s"),
    (0.0, True, "replicating, lag 0.0s"),
    (5.0, True, "replicating, lag 5.0s"),
], ids=["stopped-is-not-zero-lag", "unknown", "over-rpo", "caught-up", "at-rpo"])
def test_replication_check(lag, ok, says):
    check = replication_check(lag, rpo_seconds=5.0, replica="streamflix-db-replica-dev")
    assert check.ok is ok
    assert says in check.detail, check.detail


def test_steady_state_needs_the_last_samples_healthy_from_the_primary():
    healthy = [_sample(i, True) for i in range(1, 4)]
    assert steady_state_check(healthy, need=3, region="eu-west-2").ok
    sick = [*healthy, _sample(4, False)]
    check = steady_state_check(sick, need=3, region="eu-west-2")
    assert not check.ok
    assert check.detail == ("the application is not healthy in eu-west-2: of the last 3 probes "
                            "2 were healthy, the newest saw HTTP 503 from eu-west-2 (database "
                            "is read-only)")
    assert not steady_state_check([_sample(1, True, "us-east-1")] * 3, need=3,
                                  region="eu-west-2").ok
    assert "never checked" in steady_state_check([], need=3, region="eu-west-2").detail


def test_a_refusal_lists_every_failed_check():
    report = PreflightReport((Check("steady-state", True, "fine"), Check("replication", False,
                              "replication stopped"), Check("dr-service", False, "missing")))
    with pytest.raises(SafetyRefusal) as info:
        report.raise_if_refused()
    assert info.value.reasons == ("replication stopped", "missing")
    assert info.value.exit_code == 3
    assert str(info.value) == ("preflight refused to inject a fault: replication stopped; "
                               "missing")
