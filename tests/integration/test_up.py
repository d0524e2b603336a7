"""A rehearsal by hand: ``drill up --scenario region-loss`` with the test as the operator.

One ``drill up`` serves the whole module. With its env.sh sourced, the test types the
deployment guide's commands through the aws CLI (each in its own subprocess, unchanged):
the stacks' outputs, the replica's status and source, then the region is lost with
``drill inject`` and the test runs the failover (promote, scale to 2, move the DNS name and
health check) and curls the DR ALB until it answers. The run measures once the app
is served from DR (then lingers until ``drill down``); its folder must time it as any
drill is timed, and list what the operator did, in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from tests.upcli import TIMEOUT_S, UpProcess, journal

__all__: list[str] = []

pytestmark = [pytest.mark.slow, pytest.mark.drill, pytest.mark.region_loss]

# Fast enough that promotion takes 4 s; slow enough that the aws CLI's own start-up (about
# a second, 60 drill seconds) leaves the recovery well inside the 15-minute objective.
UP_ARGS = ("--scenario", "region-loss", "--time-scale", "60", "--seed", "7",
           "--latency", "rds_promote=240", "--linger", "120")
SUFFIX = "dev"
PRIMARY = f"streamflix-dr-primary-{SUFFIX}"
SECONDARY = f"streamflix-dr-secondary-{SUFFIX}"


def _output(key: str) -> str:
    return f"Stacks[0].Outputs[?OutputKey==`{key}`].OutputValue"


@dataclass
class Rehearsal:
    """What the operator typed, what they saw, and what the run left."""

    outputs: dict[str, str] = field(default_factory=dict)
    curl_before: int = 0
    curl_mid: int = 0
    curl_after: int = 0
    exit_code: int | None = None
    down: str = ""
    run_dir: Path | None = None
    log: str = ""


def _ok(done, what):
    assert done.returncode == 0, f"{what}: exit {done.returncode}\n{done.stderr[-2000:]}"
    return done.stdout.strip()


def _before_the_outage(up: UpProcess, seen: Rehearsal) -> None:
    """Step 1, 2, 4 and 6 of the guide, as typed (the DR ALB is fetched once, here)."""
    seen.outputs["primary_table"] = _ok(up.aws(
        "cloudformation", "describe-stacks", "--stack-name", PRIMARY, "--region", "eu-west-2",
        "--query", "Stacks[0].Outputs", "--output", "table"), "primary outputs")
    seen.outputs["rds_id"] = _ok(up.aws(
        "cloudformation", "describe-stacks", "--stack-name", PRIMARY, "--region", "eu-west-2",
        "--query", _output("RDSInstanceId"), "--output", "text"), "RDSInstanceId")
    seen.outputs["dr_alb"] = _ok(up.aws(
        "cloudformation", "describe-stacks", "--stack-name", SECONDARY, "--region", "us-east-1",
        "--query", _output("ALBDNSName"), "--output", "text"), "DR ALBDNSName")
    seen.outputs["replica"] = _ok(up.aws(
        "rds", "describe-db-instances", "--db-instance-identifier",
        f"streamflix-db-replica-{SUFFIX}", "--region", "us-east-1", "--query",
        "DBInstances[0].[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier]",
        "--output", "table"), "replica status")
    dns = _ok(up.aws("cloudformation", "describe-stacks", "--stack-name", PRIMARY, "--query",
                     "Stacks[0].Outputs[?OutputKey==`HostedZoneId`||OutputKey==`AppDNSName`"
                     "||OutputKey==`PrimaryHealthCheckId`].[OutputKey,OutputValue]",
                     "--output", "text"), "DNS outputs")
    seen.outputs.update(dict(line.split("\t") for line in dns.splitlines()))
    seen.curl_before = up.curl_status(f"http://{seen.outputs['dr_alb']}/health")


def _failover(up: UpProcess, seen: Rehearsal) -> None:
    """The guide's failover procedure, steps 1-4."""
    out, dr_alb = seen.outputs, seen.outputs["dr_alb"]
    _ok(up.aws("rds", "promote-read-replica", "--db-instance-identifier",
               f"streamflix-db-replica-{SUFFIX}", "--region", "us-east-1"), "promote")
    _ok(up.aws("ecs", "update-service", "--cluster", f"streamflix-cluster-dr-{SUFFIX}",
               "--service", f"streamflix-service-dr-{SUFFIX}", "--desired-count", "2",
               "--region", "us-east-1"), "scale")
    seen.curl_mid = up.curl_status(f"http://{dr_alb}/health")
    batch = {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": out["AppDNSName"], "Type": "CNAME", "TTL": 60,
        "ResourceRecords": [{"Value": dr_alb}]}}]}
    _ok(up.aws("route53", "change-resource-record-sets", "--hosted-zone-id",
               out["HostedZoneId"], "--change-batch", json.dumps(batch)), "DNS")
    _ok(up.aws("route53", "update-health-check", "--health-check-id",
               out["PrimaryHealthCheckId"], "--fully-qualified-domain-name", dr_alb),
        "health check")
    retrying = Retrying(stop=stop_after_delay(TIMEOUT_S), wait=wait_fixed(0.2),
                        retry=retry_if_result(lambda status: status != 200))
    seen.curl_after = retrying(lambda: up.curl_status(f"http://{dr_alb}/health"))


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory) -> Rehearsal:
    """One rehearsal from `drill up` to its end, with the test typing the runbook."""
    seen = Rehearsal()
    up = UpProcess(tmp_path_factory.mktemp("up"), *UP_ARGS)
    try:
        _before_the_outage(up, seen)
        injected = up.drill("inject")
        assert injected.returncode == 0, injected.stdout + injected.stderr
        _failover(up, seen)
        up.wait_for("measurement")  # recovered; it lingers for the last checks
        down = up.drill("down", "--timeout", "120")
        assert down.returncode == 0, down.stdout + down.stderr
        seen.down, seen.exit_code = down.stdout, up.finish()
    finally:
        up.kill()
        seen.log, seen.run_dir = up.output(), up.run_dir()
    return seen



def test_the_guides_describe_commands_read_both_stacks(rehearsal):
    out = rehearsal.outputs
    assert "ALBDNSName" in out["primary_table"] and "eu-west-2.elb" in out["primary_table"]
    assert out["rds_id"] == f"streamflix-db-{SUFFIX}"
    assert out["dr_alb"].endswith(".us-east-1.elb.amazonaws.com"), out["dr_alb"]
    assert out["AppDNSName"] == f"app.{SUFFIX}.streamflix-dr.example.com"


def test_the_replica_is_available_and_replicates_the_primary(rehearsal):
    replica = rehearsal.outputs["replica"]
    assert "available" in replica, replica
    assert f"arn:aws:rds:eu-west-2:123456789012:db:streamflix-db-{SUFFIX}" in replica, replica


def test_curl_through_the_proxy_gets_200_from_dr_after_failover_and_not_before(rehearsal):
    assert (rehearsal.curl_before, rehearsal.curl_mid, rehearsal.curl_after) == (503, 503, 200)


def test_once_dr_serves_it_measures_and_drill_down_ends_the_linger(rehearsal):
    assert rehearsal.exit_code in (0, 1), rehearsal.log[-3000:]  # 1: the RTO was missed
    run_dir = rehearsal.run_dir
    for name in ("evidence.json", "report.html", "metrics.prom", "MANIFEST.sha256", "env.sh"):
        assert (run_dir / name).is_file(), name
    events = journal(run_dir)
    assert [e["by"] for e in events if e["kind"] == "rehearsal.linger_ended"] == ["SIGTERM"]
    finished = [e for e in events if e["kind"] == "run.finished"]
    assert [e["verdict"] for e in finished] in (["passed"], ["failed"]), finished
    assert "region-outage on eu-west-2: reverted" in rehearsal.down, rehearsal.down


def test_rto_matches_ground_truth_within_one_probe_interval(rehearsal):
    ev = json.loads((rehearsal.run_dir / "evidence.json").read_text(encoding="utf-8"))
    truth = ev["ground_truth"]
    assert ev["rto_seconds"] is not None and truth["rto_seconds"] is not None
    assert abs(ev["rto_seconds"] - truth["rto_seconds"]) <= ev["probe_interval_seconds"], (
        f"measured RTO {ev['rto_seconds']}s, truth {truth['rto_seconds']}s")
    assert ev["time_scale"] == 60.0 and any(f["id"] == "REH-1" for f in ev["findings"])


def test_the_journal_lists_the_operators_calls_in_order(rehearsal):
    events = journal(rehearsal.run_dir)
    calls = [(e["service"], e["operation"], e["region"], e["status"])
             for e in events if e["kind"] == "operator.call"]
    assert calls == [
        ("cloudformation", "DescribeStacks", "eu-west-2", "ok"),
        ("cloudformation", "DescribeStacks", "eu-west-2", "ok"),
        ("cloudformation", "DescribeStacks", "us-east-1", "ok"),
        ("rds", "DescribeDBInstances", "us-east-1", "ok"),
        ("cloudformation", "DescribeStacks", "eu-west-2", "ok"),
        ("rds", "PromoteReadReplica", "us-east-1", "ok"),
        ("ecs", "UpdateService", "us-east-1", "ok"),
        ("route53", "ChangeResourceRecordSets", "global", "ok"),
        ("route53", "UpdateHealthCheck", "global", "ok"),
    ]
    injected = next(e["seq"] for e in events if e["kind"] == "fault.injected")
    promote = next(e for e in events if e.get("operation") == "PromoteReadReplica")
    assert promote["seq"] > injected and promote["client"].startswith("aws-cli/")


def test_the_report_shows_the_operators_runbook_as_executed(rehearsal):
    ev = json.loads((rehearsal.run_dir / "evidence.json").read_text(encoding="utf-8"))
    steps = [s["step"] for s in ev["runbook"] if s["actor"] == "operator"]
    calls = [step for step in steps if not step.startswith("GET ")]
    assert calls[5:] == ["rds PromoteReadReplica", "ecs UpdateService",
                         "route53 ChangeResourceRecordSets", "route53 UpdateHealthCheck"]
    dr_health = f"GET http://{rehearsal.outputs['dr_alb']}/health -> HTTP"
    checks = [step.rsplit(" ", 1)[1] for step in steps if step.startswith(dr_health)]
    assert checks[:2] == ["503", "503"] and checks[-1] == "200", checks
    assert ev["rto_split"]["execute_seconds"] is not None
    html = (rehearsal.run_dir / "report.html").read_text(encoding="utf-8")
    assert "rds PromoteReadReplica" in html and "Run by hand" in html and "\u00d760" in html
