"""What the readiness audit reads: both regions' DR-relevant resources, once, read-only.

:func:`read_facts` makes only ``Describe``/``List``/``Get`` calls (declared in
:data:`AUDIT_CALLS`) and returns an :class:`AuditFacts`; the checks in :mod:`drills.audit.auditor`
judge that record without making any call of their own. A resource that is not there is
``None`` (or an empty tuple), never an error: saying it is missing is the checks' job.
:func:`rto_budget` adds up what those facts imply for a failover's duration.

Resource ids come from the stacks' outputs where only AWS knows them (file systems, target
group, hosted zone, health check, KMS key) and from the names in ``docs/contracts.md``
otherwise, so a stack that lost an output still gets its database and service checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from drills.settings.config import Settings
from infra.aws import ClientFactory
from infra.core.actions import ApiCall
from infra.core.errors import DeployError
from infra.deploy_common import AwsCalls, creation_failure, stack_summary
from infra.embedded.latency import DEFAULT_SPECS, Transition

__all__ = ["AUDIT_CALLS", "LAG_WINDOW", "AuditFacts", "LagReading", "Record", "RtoBudget",
           "read_facts", "replica_lag", "rto_budget"]

Record = Mapping[str, Any]
# How far back the audit looks for a ReplicaLag datapoint: RDS publishes it every minute,
# and CloudWatch can take a few minutes to show the newest one.
LAG_WINDOW = timedelta(minutes=10)
_SOURCE = "ReadReplicaSourceDBInstanceIdentifier"
_CFN = "cloudformation"
_ROUTE53_REGION = "us-east-1"  # Route 53 is global; its API lives in us-east-1

# Every call read_facts() makes, in order; all read-only. The audit's own test checks the
# calls it really makes against these.
AUDIT_CALLS = (
    ApiCall(_CFN, "DescribeStacks", "{s.primary_stack}", "primary"),
    ApiCall(_CFN, "DescribeStacks", "{s.dr_stack}", "dr"),
    ApiCall("rds", "DescribeDBInstances", "{s.primary_db_id}", "primary"),
    ApiCall("rds", "DescribeDBInstances", "{s.replica_id}", "dr"),
    ApiCall("cloudwatch", "GetMetricStatistics", "AWS/RDS ReplicaLag of {s.replica_id}", "dr"),
    ApiCall("ecs", "DescribeServices", "{s.dr_cluster}/{s.dr_service}", "dr"),
    ApiCall("ecs", "DescribeTaskDefinition", "<the DR service's task definition>", "dr"),
    ApiCall("elbv2", "DescribeTargetGroups", "<DR TargetGroupArn output>", "dr"),
    ApiCall(_CFN, "DescribeStackResources", "{s.dr_stack} (its security groups)", "dr"),
    ApiCall("ec2", "DescribeSecurityGroups", "<DR stack's TaskSecurityGroup>", "dr"),
    ApiCall("route53", "ListResourceRecordSets", "<HostedZoneId output> <AppDNSName output>",
            "global"),
    ApiCall("route53", "GetHealthCheck", "<PrimaryHealthCheckId output>", "global"),
    ApiCall("kms", "DescribeKey", "<DR KMSKeyId output>", "dr"),
    ApiCall("efs", "DescribeReplicationConfigurations", "<primary EFSFileSystemId output>",
            "primary"),
    ApiCall("efs", "DescribeFileSystems", "<primary EFSFileSystemId output>", "primary"),
    ApiCall("efs", "DescribeFileSystems", "<DR EFSFileSystemId output>", "dr"),
    ApiCall("elasticache", "DescribeReplicationGroups", "{s.primary_cache_id}",
            "primary"),
    ApiCall("elasticache", "DescribeReplicationGroups",
            "{s.dr_cache_id}", "dr"),
)


@dataclass(frozen=True, slots=True)
class LagReading:
    """The DR replica's newest CloudWatch ReplicaLag (-1: stopped), or None and why not."""

    seconds: float | None
    detail: str


@dataclass(frozen=True, slots=True)
class AuditFacts:
    """What both regions report about the DR setup, read once."""

    primary_stack: Record | None  # status, outputs and tags only (never parameters)
    dr_stack: Record | None
    primary_db: Record | None
    replica: Record | None
    replica_lag: LagReading | None  # None: not read, there is no replica to read it for
    dr_service: Record | None
    task_definition: Record | None  # None: missing, or not read (no DR service)
    target_group: Record | None
    task_security_group: Record | None  # the DR stack's TaskSecurityGroup, as EC2 has it
    alb_security_group_id: str | None  # the DR stack's ALBSecurityGroup
    app_record: Record | None
    health_check: Record | None  # the check's HealthCheckConfig
    dr_key: Record | None  # KeyMetadata
    efs_replications: tuple[Record, ...]
    primary_fs: Record | None
    dr_fs: Record | None
    primary_cache: Record | None
    dr_cache: Record | None
    # Why a stack did not create (stack name -> the failed resource and AWS's reason), read
    # from its events only when it failed (infra.deploy_common.FAILURE_CALLS).
    creation_failures: Mapping[str, str] = field(default_factory=dict)
    # cfn-lint's warnings on the templates the stacks are deployed from (one line each).
    lint_warnings: tuple[str, ...] = ()

    def output(self, stack: Literal["primary", "dr"], key: str) -> str | None:
        """A stack output's value, or None when the stack or the output is not there."""
        return _output(self.primary_stack if stack == "primary" else self.dr_stack, key)


def _output(summary: Record | None, key: str) -> str | None:
    outputs = (summary or {}).get("Outputs") or []
    return next((o["OutputValue"] for o in outputs if o["OutputKey"] == key), None)


@dataclass(frozen=True, slots=True)
class RtoBudget:
    """How long a failover takes: detection, the runbook's typical steps, DNS; in seconds."""

    parts: tuple[tuple[str, float], ...]
    objective_s: float

    @property
    def total_s(self) -> float:
        """The whole failover, outage to clients on DR."""
        return sum(seconds for _, seconds in self.parts)

    @property
    def fits(self) -> bool:
        """Whether it fits in the RTO objective."""
        return self.total_s <= self.objective_s

    def describe(self) -> str:
        """``detect 30 s + promote 300 s + ... = 480 s``."""
        return " + ".join(f"{name} {s:g} s" for name, s in self.parts) + f" = {self.total_s:g} s"


def rto_budget(f: AuditFacts, settings: Settings, *,
               promote_s: float | None = None) -> RtoBudget | None:
    """Detection + the runbook's typical durations + DNS; None without record or check.

    The step durations are the latency model's typical figures (``DEFAULT_SPECS``, with
    their sources); ``promote_s`` replaces the promotion's, to price a slow one.
    """
    record, check = f.app_record, f.health_check
    if record is None or check is None:
        return None
    # An alias to a load balancer has no TTL of its own; resolvers see the ELB's 60 s.
    ttl = float(record.get("TTL", 60))
    detect = float(check.get("RequestInterval", 30)) * float(check.get("FailureThreshold", 3))
    typical = {t: DEFAULT_SPECS[t].typical for t in Transition}
    # The runbook's steps run one after the other (drills/runbooks/failover.py).
    parts = (("detect", detect), ("decide", settings.decide_delay_s),
             ("promote", typical[Transition.RDS_PROMOTE] if promote_s is None else promote_s),
             ("start tasks", typical[Transition.FARGATE_START]),
             ("ALB healthy", typical[Transition.ALB_TARGET_HEALTHY]),
             ("DNS propagation", typical[Transition.ROUTE53_PROPAGATION]), ("DNS TTL", ttl))
    return RtoBudget(parts=parts, objective_s=settings.rto_objective_s)


def read_facts(settings: Settings, factory: ClientFactory, *, now: datetime) -> AuditFacts:
    """Read everything the audit judges from both regions (read-only); ``now`` is UTC."""
    aws, s = AwsCalls(settings, factory, None, None), settings
    p = stack_summary(aws, s.primary_region, s.primary_stack)
    d = stack_summary(aws, s.dr_region, s.dr_stack)
    failures = {name: str(failed) for summary, name, region in (
        (p, s.primary_stack, s.primary_region), (d, s.dr_stack, s.dr_region))
        if summary and (failed := creation_failure(aws, region, name,
                                                   summary.get("StackStatus")))}
    primary_db_id = _output(p, "RDSInstanceId") or s.primary_db_id
    primary_db = _first(aws, "rds", s.primary_region, "describe_db_instances", "DBInstances",
                        DBInstanceIdentifier=primary_db_id)
    replica = _first(aws, "rds", s.dr_region, "describe_db_instances", "DBInstances",
                     DBInstanceIdentifier=s.replica_id)
    lag = replica_lag(aws, s.replica_id, now) if replica and replica.get(_SOURCE) else None
    service = _first(aws, "ecs", s.dr_region, "describe_services", "services",
                     cluster=s.dr_cluster, services=[s.dr_service])
    groups = _stack_groups(aws, d)
    return AuditFacts(
        creation_failures=failures, lint_warnings=_lint_warnings(settings),
        primary_stack=p, dr_stack=d, primary_db=primary_db, replica=replica, replica_lag=lag,
        dr_service=service, task_definition=_task_definition(aws, service),
        target_group=_target_group(aws, _output(d, "TargetGroupArn")),
        task_security_group=_security_group(aws, groups.get("TaskSecurityGroup")),
        alb_security_group_id=groups.get("ALBSecurityGroup"),
        app_record=_app_record(aws, _output(p, "HostedZoneId"), _output(p, "AppDNSName")),
        health_check=_health_check(aws, _output(p, "PrimaryHealthCheckId")),
        dr_key=_get(aws, "kms", s.dr_region, "describe_key", "KeyMetadata",
                    KeyId=_output(d, "KMSKeyId")
                    or s.dr_kms_alias),
        efs_replications=_replications(aws, _output(p, "EFSFileSystemId")),
        primary_fs=_file_system(aws, s.primary_region, _output(p, "EFSFileSystemId")),
        dr_fs=_file_system(aws, s.dr_region, _output(d, "EFSFileSystemId")),
        primary_cache=_cache(aws, s.primary_region, s.primary_cache_id),
        dr_cache=_cache(aws, s.dr_region, s.dr_cache_id),
    )


def _lint_warnings(settings: Settings) -> tuple[str, ...]:
    from infra.template_gate import check_templates

    return tuple(w.describe() for w in check_templates(settings).warnings)


def _get(aws: AwsCalls, service: str, region: str, operation: str, key: str, *,
         missing: tuple[str, ...] = (), **kwargs: Any) -> Any:
    """``answer[key]`` of one describe call, or None when the thing asked about is not there."""
    try:
        return aws.call(service, region, operation, **kwargs).get(key)
    except DeployError as exc:
        code = exc.code or ""
        if "NotFound" in code or code.startswith("NoSuch") or code in missing:
            return None
        raise


def _first(aws: AwsCalls, service: str, region: str, operation: str, key: str,
           **kwargs: Any) -> Record | None:
    found = _get(aws, service, region, operation, key, **kwargs)
    return found[0] if found else None


def replica_lag(aws: AwsCalls, replica_id: str, now: datetime) -> LagReading:
    """The newest ``AWS/RDS ReplicaLag`` datapoint of the replica in the last LAG_WINDOW."""
    answer = aws.call("cloudwatch", aws.settings.dr_region, "get_metric_statistics",
                      Namespace="AWS/RDS", MetricName="ReplicaLag",
                      Dimensions=[{"Name": "DBInstanceIdentifier", "Value": replica_id}],
                      StartTime=now - LAG_WINDOW, EndTime=now, Period=60,
                      Statistics=["Maximum"])
    points = answer.get("Datapoints") or []
    minutes = int(LAG_WINDOW.total_seconds() // 60)
    if not points:
        return LagReading(None, f"CloudWatch has no AWS/RDS ReplicaLag datapoint for it in "
                          f"the {minutes} minutes before {now:%H:%M} UTC")
    newest = max(points, key=lambda point: point["Timestamp"])
    return LagReading(float(newest["Maximum"]), f"CloudWatch AWS/RDS ReplicaLag, maximum of "
                      f"the minute from {newest['Timestamp']:%H:%M} UTC")


def _task_definition(aws: AwsCalls, service: Record | None) -> Record | None:
    if service is None or service.get("status") != "ACTIVE":
        return None
    # ECS answers a deleted revision with a bare ClientException, not a NotFound code.
    found: Record | None = _get(aws, "ecs", aws.settings.dr_region, "describe_task_definition",
                                "taskDefinition", missing=("ClientException",),
                                taskDefinition=service["taskDefinition"])
    return found


def _target_group(aws: AwsCalls, arn: str | None) -> Record | None:
    if arn is None:
        return None
    return _first(aws, "elbv2", aws.settings.dr_region, "describe_target_groups",
                  "TargetGroups", TargetGroupArns=[arn])


def _stack_groups(aws: AwsCalls, stack: Record | None) -> dict[str, str]:
    """The DR stack's security groups by logical id (template names), from its resources."""
    if stack is None:
        return {}
    resources = _get(aws, _CFN, aws.settings.dr_region, "describe_stack_resources",
                     "StackResources", missing=("ValidationError",),
                     StackName=aws.settings.dr_stack) or []
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources
            if r.get("ResourceType") == "AWS::EC2::SecurityGroup" and r.get("PhysicalResourceId")}


def _security_group(aws: AwsCalls, group_id: str | None) -> Record | None:
    if group_id is None:
        return None
    return _first(aws, "ec2", aws.settings.dr_region, "describe_security_groups",
                  "SecurityGroups", missing=("InvalidGroup.NotFound",), GroupIds=[group_id])


def _app_record(aws: AwsCalls, zone_id: str | None, name: str | None) -> Record | None:
    if zone_id is None or name is None:
        return None
    records = _get(aws, "route53", _ROUTE53_REGION, "list_resource_record_sets",
                   "ResourceRecordSets", HostedZoneId=zone_id, StartRecordName=name,
                   MaxItems="10") or []
    want = name.rstrip(".").lower()
    found = [r for r in records if r["Name"].rstrip(".").lower() == want
             and r["Type"] in ("CNAME", "A", "AAAA")]
    # AWS holds one CNAME per name, but moto keeps an UPSERT of a record its CloudFormation
    # made as a second one (the name gains a trailing dot). The longest TTL is the worst a
    # resolver can be holding, so that one counts.
    return max(found, key=lambda r: float(r.get("TTL", 60)), default=None)


def _health_check(aws: AwsCalls, check_id: str | None) -> Record | None:
    if check_id is None:
        return None
    found: Record | None = _get(aws, "route53", _ROUTE53_REGION, "get_health_check",
                                "HealthCheck", HealthCheckId=check_id)
    return None if found is None else found.get("HealthCheckConfig")


def _replications(aws: AwsCalls, fs_id: str | None) -> tuple[Record, ...]:
    if fs_id is None:
        return ()
    return tuple(_get(aws, "efs", aws.settings.primary_region,
                      "describe_replication_configurations", "Replications",
                      FileSystemId=fs_id) or ())


def _file_system(aws: AwsCalls, region: str, fs_id: str | None) -> Record | None:
    if fs_id is None:
        return None
    return _first(aws, "efs", region, "describe_file_systems", "FileSystems",
                  FileSystemId=fs_id)


def _cache(aws: AwsCalls, region: str, group_id: str) -> Record | None:
    return _first(aws, "elasticache", region, "describe_replication_groups",
                  "ReplicationGroups", ReplicationGroupId=group_id)
