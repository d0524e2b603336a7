"""A failback by hand: ``drill up --scenario failback``, the test as the people failing back.

The drill fails over by itself once the region is lost, then brings eu-west-2 back; the
test types the guide's five failback lines as docs/rehearsal.md spells them out
(``tests/guide/failback.sh``: replace the stale primary by a replica of DR, replicate EFS
back, scale DR to 0, promote once caught up, DNS back) with the aws CLI. The run must
measure that failback as the failback drill does: downtime from people's write freeze to
the primary serving again, and the writes made after the failover the primary lacks, both
in evidence.json and both against the simulator's ground truth.
"""

from __future__ import annotations

import json

import pytest

from tests.upcli import UpProcess, journal

__all__: list[str] = []

pytestmark = [pytest.mark.slow, pytest.mark.drill, pytest.mark.failback]

# The new replica's creation is pinned short (it is no part of what the failback measures):
# at 60x its typical 15 drill minutes would be 15 real seconds of waiting, twice.
UP_ARGS = ("--scenario", "failback", "--time-scale", "60", "--seed", "7",
           "--latency", "rds_promote=240", "--latency", "rds_create_replica=120",
           "--linger", "0")


@pytest.fixture(scope="module")
def failed_back(tmp_path_factory) -> dict:
    """One rehearsal: the drill fails over, the test fails back by hand."""
    up = UpProcess(tmp_path_factory.mktemp("failback"), *UP_ARGS)
    seen: dict = {}
    try:
        up.env()
        injected = up.drill("inject")
        assert injected.returncode == 0, injected.stdout + injected.stderr
        up.wait_for("rehearsal.failback_awaited")
        typed = up.shell("failback.sh")
        assert typed.returncode == 0, typed.stdout[-1500:] + typed.stderr[-2000:]
        seen["exit_code"] = up.finish()  # --linger 0: it ends once the failback is measured
    finally:
        up.kill()
        seen["log"], seen["run_dir"] = up.output(), up.run_dir()
    return seen



def test_the_drill_failed_over_and_then_waited_for_people(failed_back):
    assert failed_back["exit_code"] in (0, 1), failed_back["log"][-3000:]
    events = journal(failed_back["run_dir"])
    kinds = [e["kind"] for e in events]
    assert kinds.index("measurement") < kinds.index("rehearsal.failback_awaited") < kinds.index(
        "failback.measurement")
    steps = [e["step"] for e in events if e["kind"] == "runbook.step.finished"]
    assert steps and all(e["status"] == "ok" for e in events
                         if e["kind"] == "runbook.step.finished"), steps


def test_the_write_freeze_is_peoples_scale_down_of_dr(failed_back):
    events = journal(failed_back["run_dir"])
    awaited = next(e for e in events if e["kind"] == "rehearsal.failback_awaited")
    scaled = [e for e in events if e["kind"] == "operator.call" and e["seq"] > awaited["seq"]
              and (e["service"], e["operation"], e["region"]) == (
                  "ecs", "UpdateService", "us-east-1")]
    measured = next(e for e in events if e["kind"] == "failback.measurement")
    assert scaled and measured["freeze_at"] == pytest.approx(scaled[0]["started_at"], abs=1e-3)
    people = {(e["service"], e["operation"]) for e in events if e["kind"] == "operator.call"}
    assert {("rds", "CreateDBInstanceReadReplica"), ("rds", "PromoteReadReplica"),
            ("efs", "CreateReplicationConfiguration"),
            ("route53", "ChangeResourceRecordSets")} <= people


def test_evidence_holds_the_failbacks_downtime_and_lost_writes_against_truth(failed_back):
    ev = json.loads((failed_back["run_dir"] / "evidence.json").read_text(encoding="utf-8"))
    fb = ev["failback"]
    assert fb["served_region"] == "eu-west-2" and fb["written_after_failover"] > 0
    assert fb["downtime_seconds"] > 0 and fb["true_downtime_seconds"] is not None
    assert abs(fb["downtime_seconds"] - fb["true_downtime_seconds"]) <= (
        ev["probe_interval_seconds"])
    assert fb["lost_markers"] == fb["true_lost_markers"]
    assert fb["rpo_seconds"] == fb["true_rpo_seconds"]
