"""``drill audit`` against a real deployment on the session's moto server, over HTTP.

One deployment serves the module. Each test breaks one thing with a plain boto3 call, as an
operator's mistake would, expects the audit to name it by finding id, and puts it back; the
one break that cannot be undone (a promoted replica) is followed by a fresh deployment.
"""

from __future__ import annotations

import io
import json
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from rich.console import Console

from drills.app.audit_command import audit_and_show
from drills.audit.auditor import AuditReport, run_audit
from drills.audit.facts import AUDIT_CALLS
from drills.faults.breakages import BREAKAGES
from drills.faults.breakages import apply as apply_breakage
from drills.settings.config import Settings, load_settings
from infra.aws import ClientFactory
from infra.core.actions import is_mutating
from infra.core.errors import ConfigError
from infra.deploy import Deployment, deploy
from infra.embedded.moto_server import MotoServer
from infra.iam_policy import iam_action
from tests.drillcli import drill_command, drill_env

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first

ENV = "audit"
# What a fresh deployment on the embedded AWS always shows: known gaps (minor) and notes.
FRESH = {"DR-EFS-RPO", "DR-CACHE-NOT-REPLICATED", "DR-REPLICA-LAG-UNKNOWN",
         "DR-RTO-SLOW-PROMOTION"}


@dataclass
class _Stack:
    """The module's deployment; ``deployment`` changes when a test has it redeployed."""

    server: MotoServer
    settings: Settings
    clients: ClientFactory
    deployment: Deployment

    def boto(self, service: str, region: str) -> Any:
        """A plain boto3 client, as an operator's own script would make."""
        return boto3.client(service, region_name=region, endpoint_url=self.server.endpoint_url,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def audit(self, **overrides: object) -> AuditReport:
        """The audit, with settings ``overrides`` (e.g. a tighter RTO objective)."""
        return run_audit(self.settings.model_copy(update=overrides), self.clients)

    def redeploy(self) -> None:
        """Start again from an empty embedded AWS and a fresh deployment."""
        self.server.reset()
        self.deployment = deploy(self.settings, self.clients)


@pytest.fixture(scope="module")
def stack(moto_server: MotoServer) -> Iterator[_Stack]:
    """Both stacks deployed once for the module on the emptied session server."""
    settings = load_settings(overrides={"environment_suffix": ENV, "time_scale": 120.0})
    clients = ClientFactory(endpoint_url=moto_server.endpoint_url,
                            api_timeout_s=settings.api_timeout_s)
    moto_server.reset()
    yield _Stack(moto_server, settings, clients, deploy(settings, clients))
    moto_server.reset()


def _ids(report: AuditReport) -> set[str]:
    return {f.id for f in report.findings}


def _assert_found(report: AuditReport, finding_id: str, severity: str) -> None:
    found = [f for f in report.findings if f.id == finding_id]
    assert found, f"{finding_id} missing from {sorted(_ids(report))}"
    assert found[0].severity == severity, found[0]
    assert not report.passed and report.exit_code == 1


def test_a_fresh_deployment_audits_clean_and_only_reads(stack):
    sent: list[tuple[str, str, str]] = []
    clients = ClientFactory(endpoint_url=stack.server.endpoint_url, observers=(sent.append,))
    report = run_audit(stack.settings, clients)
    assert report.passed and report.exit_code == 0, report.findings
    assert _ids(report) == FRESH
    assert {f.severity for f in report.findings} == {"minor", "info"}
    # 10 s x 3 detection, 300 + 40 + 20 + 30 s typical steps, TTL 60 s.
    assert report.rto_budget is not None and report.rto_budget.total_s == 480.0
    assert [op for _, op, _ in sent if is_mutating(op)] == []
    assert {iam_action(s, op) for s, op, _ in sent} == {
        iam_action(c.service, c.operation) for c in AUDIT_CALLS}


def test_a_promoted_replica_is_not_a_replica(stack):
    rds = stack.boto("rds", stack.settings.dr_region)
    rds.promote_read_replica(DBInstanceIdentifier=stack.settings.replica_id)
    try:
        report = stack.audit()
        _assert_found(report, "DR-REPLICA-NOT-A-REPLICA", "critical")
        assert "DR-REPLICA-LAG-UNKNOWN" not in _ids(report)  # no replica to read a lag for
    finally:
        stack.redeploy()  # a promoted instance cannot become a replica again


def test_a_deleted_efs_replication_is_missing(stack):
    efs = stack.boto("efs", stack.settings.primary_region)
    source, target = stack.deployment.primary.EFSFileSystemId, stack.deployment.dr.EFSFileSystemId
    efs.delete_replication_configuration(SourceFileSystemId=source)
    try:
        _assert_found(stack.audit(), "DR-EFS-REPLICATION-MISSING", "critical")
    finally:
        efs.create_replication_configuration(SourceFileSystemId=source, Destinations=[
            {"Region": stack.settings.dr_region, "FileSystemId": target}])


def test_a_dr_target_group_checking_another_path_is_found(stack):
    elb, arn = stack.boto("elbv2", stack.settings.dr_region), stack.deployment.dr.TargetGroupArn
    elb.modify_target_group(TargetGroupArn=arn, HealthCheckPath="/")
    try:
        report = stack.audit()
        _assert_found(report, "DR-TG-HEALTH-PATH", "major")
        assert "'/'" in next(f.message for f in report.findings if f.id == "DR-TG-HEALTH-PATH")
    finally:
        elb.modify_target_group(TargetGroupArn=arn, HealthCheckPath="/health")


def _set_ttl(stack: _Stack, ttl: int) -> None:
    primary = stack.deployment.primary
    stack.boto("route53", "us-east-1").change_resource_record_sets(
        HostedZoneId=primary.HostedZoneId, ChangeBatch={"Changes": [{
            "Action": "UPSERT", "ResourceRecordSet": {
                "Name": primary.AppDNSName, "Type": "CNAME", "TTL": ttl,
                "ResourceRecords": [{"Value": primary.ALBDNSName}]}}]})


def _set_threshold(stack: _Stack, threshold: int) -> None:
    stack.boto("route53", "us-east-1").update_health_check(
        HealthCheckId=stack.deployment.primary.PrimaryHealthCheckId, FailureThreshold=threshold)


# (break, undo, RTO objective, budget once broken). No FailureThreshold alone can break the
# default 900 s objective (at most 10 x 30 s of detection), so that case audits against 500 s,
# which the fresh budget of 480 s still fits.
RTO_BREAKS = {
    "record-ttl": (lambda st: _set_ttl(st, 600), lambda st: _set_ttl(st, 60), 900.0, 1020.0),
    "health-check-threshold": (lambda st: _set_threshold(st, 10),
                               lambda st: _set_threshold(st, 3), 500.0, 550.0),
}


@pytest.mark.parametrize("case", RTO_BREAKS, ids=list(RTO_BREAKS))
def test_an_rto_budget_that_no_longer_fits_is_found(stack, case):
    brk, undo, objective, total = RTO_BREAKS[case]
    assert "DR-RTO-BUDGET-EXCEEDED" not in _ids(stack.audit(rto_objective_s=objective))
    brk(stack)
    try:
        report = stack.audit(rto_objective_s=objective)
        _assert_found(report, "DR-RTO-BUDGET-EXCEEDED", "major")
        assert report.rto_budget is not None and report.rto_budget.total_s == total
    finally:
        undo(stack)


def test_a_deleted_dr_service_is_missing(stack):
    s = stack.settings
    ecs = stack.boto("ecs", s.dr_region)
    service = ecs.describe_services(cluster=s.dr_cluster, services=[s.dr_service])["services"][0]
    ecs.delete_service(cluster=s.dr_cluster, service=s.dr_service, force=True)
    try:
        _assert_found(stack.audit(), "DR-SERVICE-MISSING", "critical")
    finally:
        # As the stack made it: ECS refuses an awsvpc service without its network settings.
        ecs.create_service(cluster=s.dr_cluster, serviceName=s.dr_service, desiredCount=0,
                           taskDefinition=service["taskDefinition"],
                           launchType=service["launchType"],
                           networkConfiguration=service["networkConfiguration"],
                           loadBalancers=service["loadBalancers"])


@pytest.mark.parametrize(("lag", "finding_id", "severity"), [
    (-1.0, "DR-REPLICATION-STOPPED", "critical"),
    (30.0, "DR-REPLICA-LAG-OVER-RPO", "major"),
], ids=["minus-one-is-stopped", "over-rpo"])
def test_replica_lag_is_judged_where_cloudwatch_has_it(stack, lag, finding_id, severity):
    # moto publishes no RDS metrics, so the datapoint is put the way RDS would publish it.
    # Each case gets its own hour in the past, so the datapoints never meet each other or
    # the other tests' audits, which look at the last minutes before now.
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2 if lag < 0 else 3)
    stack.boto("cloudwatch", stack.settings.dr_region).put_metric_data(
        Namespace="AWS/RDS", MetricData=[{
            "MetricName": "ReplicaLag", "Value": lag, "Unit": "Seconds", "Timestamp": at,
            "Dimensions": [{"Name": "DBInstanceIdentifier",
                            "Value": stack.settings.replica_id}]}])
    report = run_audit(stack.settings, stack.clients, now=at + timedelta(minutes=1))
    _assert_found(report, finding_id, severity)
    assert "DR-REPLICA-LAG-UNKNOWN" not in _ids(report)


def test_without_an_endpoint_a_throwaway_deployment_audits_clean(stack):
    # In this process the throwaway moto server shares the session server's state, so the
    # deployment gets its own suffix; the module's teardown empties both.
    out, err = (Console(file=io.StringIO(), width=200) for _ in range(2))
    settings = stack.settings.model_copy(update={"environment_suffix": "throwaway"})
    code = audit_and_show(settings, endpoint_url=None, as_json=False, out=out, err=err)
    printed = out.file.getvalue()
    assert code == 0, printed
    for expected in ("embedded AWS started", "deployment verified", "embedded AWS stopped",
                     "ready: no critical or major finding (0 critical, 0 major, 2 minor, 2 info)",
                     *FRESH):
        assert expected in printed, f"{expected!r} missing from:\n{printed}"


def test_the_cli_exits_1_and_prints_json_when_a_finding_blocks(stack):
    s = stack.settings
    efs = stack.boto("efs", s.primary_region)
    source, dest = stack.deployment.primary.EFSFileSystemId, stack.deployment.dr.EFSFileSystemId
    efs.delete_replication_configuration(SourceFileSystemId=source)
    try:
        result = subprocess.run(
            drill_command("audit", "--env", ENV, "--endpoint-url", stack.server.endpoint_url,
                          "--json"),
            capture_output=True, text=True, env=drill_env(), timeout=120, check=False)
    finally:
        efs.create_replication_configuration(SourceFileSystemId=source, Destinations=[
            {"Region": s.dr_region, "FileSystemId": dest}])
    assert result.returncode == 1, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["passed"] is False
    assert document["counts"] == {"critical": 1, "major": 0, "minor": 1, "info": 2}
    assert document["rto_budget"]["total_seconds"] == 480.0
    [missing] = [f for f in document["findings"] if f["id"] == "DR-EFS-REPLICATION-MISSING"]
    assert missing["severity"] == "critical" and source in missing["message"] and missing["fix"]


def _cli_audit(stack: _Stack) -> tuple[int, dict]:
    """`drill audit --endpoint-url ... --json` as the command runs it, in this process
    (the subprocess path is test_the_cli_exits_1_and_prints_json_when_a_finding_blocks)."""
    out, err = (Console(file=io.StringIO(), width=200) for _ in range(2))
    code = audit_and_show(stack.settings, endpoint_url=stack.server.endpoint_url, as_json=True,
                          out=out, err=err)
    return code, json.loads(out.file.getvalue())


def test_the_cli_names_every_breakage_of_the_broken_setup_table(stack):
    """features/broken_dr/: `drill audit` reports each row's finding, blocking, by id."""
    s = stack.settings
    # Deleting the task definition hides what is wrong with its image, so it goes alone.
    rounds = [[n for n in BREAKAGES if n != "dr-task-definition-deleted"],
              ["dr-task-definition-deleted"]]
    try:
        for names in rounds:
            stack.redeploy()
            for name in names:
                apply_breakage(name, stack.clients, s, stack.deployment)
            code, document = _cli_audit(stack)
            blocking = {f["id"] for f in document["findings"]
                        if f["severity"] in ("critical", "major")}
            assert code == 1 and document["passed"] is False
            assert {BREAKAGES[n].finding for n in names} <= blocking, (names, blocking)
    finally:
        stack.redeploy()  # the healthy stack's audit: test_a_fresh_deployment_audits_clean


def test_breakages_are_refused_off_the_embedded_backend(stack):
    aws = stack.settings.model_copy(update={"backend": "aws"})
    with pytest.raises(ConfigError, match="only done on the embedded backend"):
        apply_breakage("dr-cache-deleted", stack.clients, aws, stack.deployment)
    with pytest.raises(ConfigError, match="unknown DR breakage 'nope'; known: "):
        apply_breakage("nope", stack.clients, stack.settings, stack.deployment)


def test_an_endpoint_that_does_not_answer_is_bad_input():
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    out, err = (Console(file=io.StringIO()) for _ in range(2))
    with pytest.raises(ConfigError, match=f"the AWS endpoint {url} did not answer"):
        audit_and_show(load_settings(), endpoint_url=url, as_json=True, out=out, err=err)
    assert out.file.getvalue() == ""
