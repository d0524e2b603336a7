"""The readiness audit's judgements, on recorded describe answers (no AWS, no clock)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from drills.audit.auditor import Finding, judge
from drills.audit.catalogue import CATALOGUE
from drills.audit.facts import AuditFacts, LagReading
from drills.settings.config import load_settings

__all__: list[str] = []

ROOT = Path(__file__).resolve().parents[2]
S = load_settings(overrides={"environment_suffix": "qa"})
PRIMARY_ARN = "arn:aws:rds:eu-west-2:123456789012:db:streamflix-db-qa"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/sfx-tg-dr-qa/1"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1"
TD_ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/streamflix-dr-qa:1"
APP = "app.qa.streamflix-dr.example.com"


def _stack(**outputs: str) -> dict:
    return {"StackStatus": "CREATE_COMPLETE",
            "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()]}


def _cache(group_id: str, **extra: object) -> dict:
    return {"ReplicationGroupId": group_id, "AtRestEncryptionEnabled": True,
            "TransitEncryptionEnabled": True, **extra}


# What a healthy deployment answers, cut down to the fields the checks read.
HEALTHY = AuditFacts(
    primary_stack=_stack(EFSFileSystemId="fs-p", HostedZoneId="Z1", AppDNSName=APP,
                         PrimaryHealthCheckId="hc-1", RDSInstanceId="streamflix-db-qa"),
    dr_stack=_stack(EFSFileSystemId="fs-d", TargetGroupArn=TG_ARN, KMSKeyId=KEY_ARN),
    primary_db={"DBInstanceIdentifier": "streamflix-db-qa", "DBInstanceArn": PRIMARY_ARN,
                "DBInstanceStatus": "available", "StorageEncrypted": True},
    replica={"DBInstanceIdentifier": S.replica_id, "DBInstanceStatus": "available",
             "ReadReplicaSourceDBInstanceIdentifier": PRIMARY_ARN, "StorageEncrypted": True},
    replica_lag=LagReading(0.8, "CloudWatch"),
    dr_service={"status": "ACTIVE", "desiredCount": 0, "taskDefinition": TD_ARN},
    task_definition={"status": "ACTIVE", "containerDefinitions": [{"image": "app:1"}]},
    target_group={"HealthCheckPath": "/health", "HealthCheckEnabled": True,
                  "LoadBalancerArns": ["arn:alb"], "Port": 8080},
    task_security_group={"GroupId": "sg-tasks", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "UserIdGroupPairs": [{"GroupId": "sg-alb"}], "IpRanges": []}]},
    alb_security_group_id="sg-alb",
    app_record={"Name": APP, "Type": "CNAME", "TTL": 60},
    health_check={"RequestInterval": 10, "FailureThreshold": 3},
    dr_key={"KeyState": "Enabled", "Enabled": True},
    efs_replications=({"Destinations": [{"FileSystemId": "fs-d", "Region": "us-east-1",
                                         "Status": "ENABLED"}]},),
    primary_fs={"FileSystemId": "fs-p", "Encrypted": True},
    dr_fs={"FileSystemId": "fs-d", "Encrypted": True},
    primary_cache=_cache("streamflix-cache-qa"),
    dr_cache=_cache("streamflix-cache-dr-qa"),
)
# A healthy deployment with an RPO objective above EFS's 15 minutes, a replicated cache and a
# budget with room for a slow promotion: nothing at all to say.
SILENT = dataclasses.replace(
    HEALTHY, dr_cache=_cache("streamflix-cache-dr-qa", GlobalReplicationGroupInfo={
        "GlobalReplicationGroupId": "ldgnf-streamflix", "GlobalReplicationGroupMemberRole":
        "SECONDARY"}))
ROOMY = S.model_copy(update={"rpo_objective_s": 900.0, "rto_objective_s": 1800.0})


def _ids(facts: AuditFacts, settings=S) -> list[str]:
    return [f.id for f in judge(facts, settings).findings]


def _with(**changes: object) -> AuditFacts:
    return dataclasses.replace(SILENT, **changes)


def _merged(field: str, **changes: object) -> AuditFacts:
    return _with(**{field: {**getattr(SILENT, field), **changes}})


def test_a_healthy_deployment_says_nothing_with_room_in_the_objectives():
    report = judge(SILENT, ROOMY)
    assert report.findings == () and report.passed and report.exit_code == 0
    assert report.rto_budget is not None and report.rto_budget.total_s == 480.0


def test_the_deployment_as_designed_has_only_known_gaps():
    report = judge(HEALTHY, S)
    assert [(f.id, f.severity) for f in report.findings] == [
        ("DR-EFS-RPO", "minor"), ("DR-CACHE-NOT-REPLICATED", "minor"),
        ("DR-RTO-SLOW-PROMOTION", "info")]
    assert report.passed
    cache = report.findings[1].message
    assert "streamflix-cache-dr-qa" in cache and "cannot meet a near-zero RPO" in cache


CASES = {
    # id: (facts, settings, expected finding id, severity)
    "replica-missing": (_with(replica=None, replica_lag=None), "DR-REPLICA-MISSING", "critical"),
    "stack-create-failed": (_with(dr_stack={**SILENT.dr_stack, "StackStatus": "ROLLBACK_COMPLETE"},
                                  creation_failures={S.dr_stack: "stack x did not create"}),
                            "DR-STACK-CREATE-FAILED", "critical"),
    "lint-warning": (_with(lint_warnings=("W3005 t.yaml:3 resource Db: obsolete DependsOn",)),
                     "DR-TEMPLATE-LINT", "minor"),
    "promoted": (_merged("replica", ReadReplicaSourceDBInstanceIdentifier=None),
                 "DR-REPLICA-NOT-A-REPLICA", "critical"),
    "wrong-source": (_merged("replica", ReadReplicaSourceDBInstanceIdentifier=PRIMARY_ARN + "x"),
                     "DR-REPLICA-WRONG-SOURCE", "critical"),
    "storage-full": (_merged("replica", DBInstanceStatus="storage-full"),
                     "DR-REPLICA-NOT-REPLICATING", "critical"),
    "replication-error": (_merged("replica", StatusInfos=[
        {"StatusType": "read replication", "Status": "error", "Normal": False}]),
        "DR-REPLICA-NOT-REPLICATING", "critical"),
    "backing-up": (_merged("replica", DBInstanceStatus="backing-up"),
                   "DR-REPLICA-NOT-AVAILABLE", "major"),
    "lag-stopped": (_with(replica_lag=LagReading(-1.0, "x")), "DR-REPLICATION-STOPPED",
                    "critical"),
    "lag-over-rpo": (_with(replica_lag=LagReading(1000.0, "x")), "DR-REPLICA-LAG-OVER-RPO",
                     "major"),
    "lag-unknown": (_with(replica_lag=LagReading(None, "no datapoint")),
                    "DR-REPLICA-LAG-UNKNOWN", "info"),
    "service-inactive": (_merged("dr_service", status="INACTIVE"), "DR-SERVICE-MISSING",
                         "critical"),
    "taskdef-deleted": (_with(task_definition=None), "DR-TASKDEF-MISSING", "critical"),
    "taskdef-inactive": (_merged("task_definition", status="INACTIVE"),
                         "DR-TASKDEF-INACTIVE", "major"),
    "no-image": (_merged("task_definition", containerDefinitions=[{"image": ""}]),
                 "DR-TASKDEF-NO-IMAGE", "critical"),
    "image-in-primary": (_merged("task_definition", containerDefinitions=[
        {"image": "123456789012.dkr.ecr.eu-west-2.amazonaws.com/streamflix:1"}]),
        "DR-TASK-IMAGE-IN-PRIMARY", "critical"),
    "sg-blocks-alb": (_merged("task_security_group", IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "UserIdGroupPairs": [{"GroupId": "sg-other"}], "IpRanges": []},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]),
        "DR-TASK-SG-BLOCKS-ALB", "critical"),
    "cache-missing": (_with(dr_cache=None), "DR-CACHE-MISSING", "critical"),
    "running": (_merged("dr_service", desiredCount=2), "DR-SERVICE-NOT-STANDBY", "info"),
    "tg-missing": (_with(target_group=None), "DR-TG-MISSING", "critical"),
    "tg-detached": (_merged("target_group", LoadBalancerArns=[]), "DR-TG-NOT-ATTACHED",
                    "critical"),
    "tg-checks-off": (_merged("target_group", HealthCheckEnabled=False), "DR-TG-HEALTH-PATH",
                      "major"),
    "record-missing": (_with(app_record=None), "DR-DNS-RECORD-MISSING", "critical"),
    "health-check-missing": (_with(health_check=None), "DR-HEALTH-CHECK-MISSING", "major"),
    "key-missing": (_with(dr_key=None), "DR-KMS-KEY-MISSING", "critical"),
    "key-pending-deletion": (_with(dr_key={"KeyState": "PendingDeletion", "Enabled": False}),
                             "DR-KMS-KEY-UNUSABLE", "critical"),
    "efs-not-replicated": (_with(efs_replications=()), "DR-EFS-REPLICATION-MISSING",
                           "critical"),
    "efs-syncing": (_with(efs_replications=({"Destinations": [
        {"FileSystemId": "fs-d", "Region": "us-east-1", "Status": "ENABLING"}]},)),
        "DR-EFS-REPLICATION-SYNCING", "major"),
    "efs-error": (_with(efs_replications=({"Destinations": [
        {"FileSystemId": "fs-d", "Region": "us-east-1", "Status": "ERROR"}]},)),
        "DR-EFS-REPLICATION-NOT-ENABLED", "critical"),
    "rds-unencrypted": (_merged("replica", StorageEncrypted=False), "DR-RDS-UNENCRYPTED",
                        "major"),
    "efs-unencrypted": (_merged("primary_fs", Encrypted=False), "DR-EFS-UNENCRYPTED", "major"),
    "cache-at-rest": (_merged("dr_cache", AtRestEncryptionEnabled=False),
                      "DR-CACHE-UNENCRYPTED-AT-REST", "major"),
    "cache-in-transit": (_merged("primary_cache", TransitEncryptionEnabled=False),
                         "DR-CACHE-UNENCRYPTED-IN-TRANSIT", "major"),
    "stack-rolled-back": (_merged("dr_stack", StackStatus="ROLLBACK_COMPLETE"),
                          "DR-STACK-NOT-READY", "critical"),
}


@pytest.mark.parametrize(("overrides", "finding_id"), [
    ({"efs_rpo_objective_s": 60.0}, "DR-EFS-RPO-OBJECTIVE"),
    ({"cache_rpo_objective_s": 5.0}, "DR-CACHE-RPO-OBJECTIVE")], ids=["efs", "cache"])
def test_a_store_objective_the_store_cannot_meet_is_major(overrides, finding_id):
    settings = ROOMY.model_copy(update=overrides)
    report = judge(HEALTHY, settings)
    assert [(f.id, f.severity) for f in report.findings if f.id == finding_id] == [
        (finding_id, "major")]
    assert not report.passed


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_one_broken_thing_gives_exactly_its_finding(case):
    facts, finding_id, severity = CASES[case]
    report = judge(facts, ROOMY)
    assert [(f.id, f.severity) for f in report.findings] == [(finding_id, severity)]
    assert report.passed is (severity in ("minor", "info"))
    finding = report.findings[0]
    assert finding.message and finding.fix


def test_stopped_replication_is_not_zero_lag():
    [finding] = judge(_with(replica_lag=LagReading(-1.0, "CloudWatch")), ROOMY).findings
    assert "-1 means replication has stopped, not that the replica is caught up" in \
        finding.message


def test_an_unread_lag_says_why_on_the_embedded_backend():
    [finding] = judge(_with(replica_lag=LagReading(None, "no datapoint")), ROOMY).findings
    assert "publishes no RDS metrics" in finding.message
    aws = ROOMY.model_copy(update={"backend": "aws", "allowed_accounts": ("123456789012",)})
    [finding] = judge(_with(replica_lag=LagReading(None, "no datapoint")), aws).findings
    assert "moto" not in finding.message


def test_the_rto_budget_adds_detection_steps_and_dns():
    slow_dns = _with(app_record={"Name": APP, "Type": "CNAME", "TTL": 600},
                     health_check={"RequestInterval": 30, "FailureThreshold": 10})
    settings = S.model_copy(update={"decide_delay_s": 120.0})
    report = judge(slow_dns, settings)
    assert report.rto_budget is not None
    assert dict(report.rto_budget.parts) == {
        "detect": 300.0, "decide": 120.0, "promote": 300.0, "start tasks": 40.0,
        "ALB healthy": 20.0, "DNS propagation": 30.0, "DNS TTL": 600.0}
    assert "DR-RTO-BUDGET-EXCEEDED" in [f.id for f in report.findings]
    assert not report.passed


def test_an_alias_record_counts_the_load_balancers_60_second_ttl():
    alias = _with(app_record={"Name": APP, "Type": "A", "AliasTarget": {"DNSName": "alb"}})
    report = judge(alias, ROOMY)
    assert report.rto_budget is not None and dict(report.rto_budget.parts)["DNS TTL"] == 60.0


def test_an_empty_account_is_reported_without_errors():
    nothing = AuditFacts(*([None] * 13), (), None, None, None, None)
    assert _ids(nothing) == ["DR-STACK-MISSING", "DR-STACK-MISSING", "DR-REPLICA-MISSING",
                             "DR-SERVICE-MISSING", "DR-KMS-KEY-MISSING"]


def test_findings_come_most_severe_first():
    facts = _with(dr_key=None, target_group={**SILENT.target_group, "HealthCheckPath": "/"},
                  dr_service={**SILENT.dr_service, "desiredCount": 2})
    assert [f.severity for f in judge(facts, ROOMY).findings] == ["critical", "major", "info"]


@pytest.mark.parametrize(("fid", "severity"), [("DR-X", "fatal"), ("replica missing", "major")],
                         ids=["unknown-severity", "malformed-id"])
def test_a_finding_needs_a_known_severity_and_a_dr_id(fid, severity):
    with pytest.raises(ValueError, match="DR-REPLICA-MISSING"):
        Finding(fid, severity, "message", "fix")


def test_every_finding_id_is_documented_with_its_severity():
    doc = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| `(DR-[A-Z0-9-]+)` \| (critical|major|minor|info) \|",
                                 doc, re.MULTILINE))
    assert documented == {fid: kind.severity for fid, kind in CATALOGUE.items()}


def test_every_catalogued_finding_can_be_reported():
    reported = {fid for _, fid, _ in CASES.values()} | {f.id for f in judge(HEALTHY, S).findings}
    budget_over = _with(app_record={"Name": APP, "Type": "CNAME", "TTL": 3600})
    reported |= {f.id for f in judge(budget_over, S).findings}
    reported |= {f.id for f in judge(_with(primary_stack=None), S).findings}
    strict = S.model_copy(update={"efs_rpo_objective_s": 60.0, "cache_rpo_objective_s": 5.0})
    reported |= {f.id for f in judge(HEALTHY, strict).findings}
    assert reported == set(CATALOGUE)
