"""The deployment guide's steps 1-6 and its cleanup, against either backend.

``deploy()`` creates (or finds) the primary stack, resolves the primary database's ARN,
creates (or finds) the DR stack with it, configures EFS replication primary -> DR, and
verifies the result; ``teardown()`` undoes it in the guide's order. ``inspect()`` and
``leftovers()`` are the read-only queries the scenarios and tests assert on.

Templates are sent as JSON produced by cfn-lint's CloudFormation-aware YAML loader: AWS
accepts JSON and YAML alike, and the short forms (``!GetAtt Db.Endpoint.Address``) are then
resolved by the same loader that linted them instead of by each endpoint's YAML parser
(moto's splits dotted attribute names apart).

Secret hygiene: ``DescribeStacks`` answers NoEcho parameters in clear text on some endpoints,
so stack descriptions never leave this module; only outputs, status and tags do, and every
error message is scrubbed of the settings' secrets.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, WaiterError
from cfnlint.decode import cfn_yaml
from pydantic import ValidationError

from drills.config import Settings
from drills.errors import ConfigError, DeployError
from infra.aws import ClientFactory
from infra.retry import RetryHook, RetryPolicy

__all__ = [
    "TEMPLATES",
    "Deployment",
    "DrOutputs",
    "Inspection",
    "Leftovers",
    "PrimaryOutputs",
    "deploy",
    "inspect",
    "leftovers",
    "teardown",
]

log = logging.getLogger(__name__)
Progress = Callable[[str], None]

TEMPLATES = Path(__file__).parent / "templates"
_POLL_DRILL_S = 30.0  # how often CloudFormation is polled, in drill seconds
_STACK_TIMEOUT_DRILL_S = 3600.0  # a stack that takes longer than an hour has failed
_DONE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")


@dataclass(frozen=True, slots=True)
class PrimaryOutputs:
    """Outputs of the primary stack (the guide's eight, plus what the drills need)."""

    VPCId: str
    RDSEndpoint: str
    RDSInstanceId: str
    RDSInstanceArn: str
    EFSFileSystemId: str
    CacheEndpoint: str
    ECSClusterName: str
    ECSServiceName: str
    ALBDNSName: str
    TargetGroupArn: str
    KMSKeyId: str
    LogGroupName: str
    HostedZoneId: str
    AppDNSName: str
    PrimaryHealthCheckId: str


@dataclass(frozen=True, slots=True)
class DrOutputs:
    """Outputs of the DR stack (the guide's six, plus what the drills need)."""

    VPCId: str
    RDSReplicaEndpoint: str
    RDSReplicaInstanceId: str
    EFSFileSystemId: str
    CacheEndpoint: str
    ECSClusterName: str
    ECSServiceName: str
    ALBDNSName: str
    TargetGroupArn: str
    KMSKeyId: str
    LogGroupName: str


@dataclass(frozen=True, slots=True)
class Deployment:
    """A deployed (or found) warm-standby pair and how it was reached."""

    primary: PrimaryOutputs
    dr: DrOutputs
    primary_rds_arn: str
    created: tuple[str, ...]  # what this call created; empty when everything was found


@dataclass(frozen=True, slots=True)
class Inspection:
    """What the two regions report about the deployment, for verification."""

    primary_status: str | None
    dr_status: str | None
    primary_tags: tuple[tuple[str, str], ...]
    dr_tags: tuple[tuple[str, str], ...]
    incomplete_resources: tuple[str, ...]
    replica_status: str | None
    replica_source: str | None
    replication_destinations: tuple[tuple[str, str], ...]  # (file system id, region)
    rds_encrypted: bool
    efs_encrypted: bool
    cache_encrypted_at_rest: bool
    cache_encrypted_in_transit: bool
    primary_desired_count: int | None
    dr_desired_count: int | None
    log_retention_days: tuple[int | None, ...]  # primary, DR


@dataclass(frozen=True, slots=True)
class Leftovers:
    """What is still there in one region after a teardown."""

    region: str
    stacks: tuple[str, ...]
    db_instances: tuple[str, ...]
    file_systems: tuple[str, ...]
    replication_configurations: tuple[str, ...]
    active_services: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """True when nothing of the deployment is left in the region."""
        return not (self.stacks or self.db_instances or self.file_systems
                    or self.replication_configurations or self.active_services)


class _Aws:
    """Clients, retries, waiter budgets and progress for one deploy/teardown call."""

    def __init__(self, settings: Settings, factory: ClientFactory, progress: Progress | None,
                 on_retry: RetryHook | None) -> None:
        self.settings = settings
        self.factory = factory
        self.progress = progress or (lambda _msg: None)
        self.retry = RetryPolicy(max_attempts=settings.api_max_attempts,
                                 max_delay_s=settings.api_timeout_s * 3, on_retry=on_retry)
        delay = _POLL_DRILL_S / settings.time_scale
        self.waiter = {"Delay": delay, "MaxAttempts": int(_STACK_TIMEOUT_DRILL_S // _POLL_DRILL_S)}

    def call(self, service: str, region: str, operation: str, **kwargs: Any) -> Any:
        """One AWS call with the retry policy; ClientError becomes DeployError."""
        client = self.factory.client(service, region)
        try:
            return self.retry.call(service, operation, getattr(client, operation), **kwargs)
        except ClientError as exc:
            raise _deploy_error(self.settings, f"{service}.{operation} in {region} failed",
                                exc, stack=kwargs.get("StackName")) from exc

    def wait(self, region: str, waiter: str, stack: str) -> None:
        """Wait for a CloudFormation waiter on ``stack`` within the stack budget."""
        client = self.factory.client("cloudformation", region)
        try:
            client.get_waiter(waiter).wait(StackName=stack, WaiterConfig=self.waiter)
        except WaiterError as exc:
            raise DeployError(_scrub(self.settings, f"{waiter} did not pass: {exc}"),
                              stack=stack, code=_code(exc)) from exc

    def say(self, message: str) -> None:
        """Report progress to the caller and the log."""
        log.info("%s", message)
        self.progress(message)


def _scrub(settings: Settings, text: str) -> str:
    for secret in settings.secrets():
        if secret:
            text = text.replace(secret, "****")
    return text


def _code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None) or getattr(exc, "last_response", None) or {}
    return response.get("Error", {}).get("Code")


def _deploy_error(settings: Settings, what: str, exc: ClientError, *,
                  stack: str | None = None) -> DeployError:
    message = exc.response.get("Error", {}).get("Message", "")
    return DeployError(_scrub(settings, f"{what}: {message}"), stack=stack, code=_code(exc))


def _validate(settings: Settings) -> None:
    """Re-check settings (a model_copy skips validation) before any request is made."""
    try:
        Settings.model_validate(settings.model_dump())
    except ValidationError as exc:
        bad = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
        raise ConfigError(f"invalid settings for deploy: {bad} (check the values given "
                          "for the environment suffix, regions and database credentials)"
                          ) from None
    if not settings.db_password.get_secret_value():
        raise ConfigError("a database password is required to deploy the primary stack")
    for name in ("streamflix-dr-primary", "streamflix-dr-secondary"):
        if not (TEMPLATES / f"{name}.yaml").is_file():
            raise ConfigError(f"template {name}.yaml is missing from {str(TEMPLATES)!r}")


@cache
def template_body(name: str) -> str:
    """A template as compact JSON, parsed by cfn-lint's CloudFormation-aware loader."""
    return json.dumps(cfn_yaml.load(str(TEMPLATES / f"{name}.yaml")), separators=(",", ":"))



def _params(pairs: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in pairs.items()]


def _tags(environment: str) -> list[dict[str, str]]:
    return [{"Key": "Environment", "Value": environment},
            {"Key": "Application", "Value": "StreamFlix"}, {"Key": "CostCenter", "Value": "Media"}]


def _stack(aws: _Aws, region: str, name: str) -> dict[str, Any] | None:
    """The stack's summary (status, outputs, tags; never its parameters), or None."""
    try:
        stacks = aws.call("cloudformation", region, "describe_stacks", StackName=name)["Stacks"]
    except DeployError as exc:
        if exc.code == "ValidationError":
            return None
        raise
    keep = ("StackStatus", "Outputs", "Tags")
    return {k: stacks[0].get(k) for k in keep} if stacks else None


def _ensure_stack(aws: _Aws, region: str, name: str, template: str,
                  params: dict[str, str], environment: str) -> tuple[dict[str, Any], bool]:
    """Create the stack unless it exists; returns its summary and whether it was created."""
    found = _stack(aws, region, name)
    if found is not None and found["StackStatus"] in _DONE:
        aws.say(f"stack {name} already exists in {region} ({found['StackStatus']})")
        return found, False
    if found is not None:
        raise DeployError(f"stack is {found['StackStatus']!r}, expected one of {_DONE}; "
                          "delete it and deploy again", stack=name)
    aws.say(f"creating stack {name} in {region}")
    aws.call("cloudformation", region, "create_stack", StackName=name,
             TemplateBody=template_body(template), Parameters=_params(params),
             Capabilities=["CAPABILITY_NAMED_IAM"], Tags=_tags(environment))
    aws.wait(region, "stack_create_complete", name)
    summary = _stack(aws, region, name)
    assert summary is not None, f"stack {name} vanished after create"
    aws.say(f"stack {name} is {summary['StackStatus']}")
    return summary, True


def _outputs(cls: type[Any], summary: dict[str, Any], stack: str) -> Any:
    values = {o["OutputKey"]: o["OutputValue"] for o in summary.get("Outputs") or []}
    missing = [f.name for f in fields(cls) if f.name not in values]
    if missing:
        raise DeployError(f"stack outputs {missing!r} are missing", stack=stack)
    return cls(**{f.name: values[f.name] for f in fields(cls)})


def _replicate(aws: _Aws, primary_fs: str, dr_fs: str) -> bool:
    """Configure EFS replication primary -> DR unless it already is; True if created."""
    s = aws.settings
    try:
        found = aws.call("efs", s.primary_region, "describe_replication_configurations",
                         FileSystemId=primary_fs)["Replications"]
    except DeployError as exc:
        if exc.code != "ReplicationNotFound":
            raise
        found = []
    if any(d["FileSystemId"] == dr_fs for r in found for d in r["Destinations"]):
        aws.say(f"EFS replication {primary_fs} -> {dr_fs} already configured")
        return False
    aws.call("efs", s.primary_region, "create_replication_configuration",
             SourceFileSystemId=primary_fs,
             Destinations=[{"Region": s.dr_region, "FileSystemId": dr_fs}])
    aws.say(f"EFS replication configured from {primary_fs} to {dr_fs}")
    return True


def deploy(settings: Settings, factory: ClientFactory, *, progress: Progress | None = None,
           on_retry: RetryHook | None = None) -> Deployment:
    """Deploy (or find) both stacks and EFS replication, then verify them (guide steps 1-6)."""
    _validate(settings)
    aws, s, created = _Aws(settings, factory, progress, on_retry), settings, []
    aws.say(f"step 1: primary stack in {s.primary_region}")
    params = {"environmentSuffix": s.environment_suffix, "DBUsername": s.db_username,
              "DBPassword": s.db_password.get_secret_value()}
    summary, new = _ensure_stack(aws, s.primary_region, s.primary_stack,
                                 "streamflix-dr-primary", params, s.environment_suffix)
    created += [s.primary_stack] if new else []
    primary = _outputs(PrimaryOutputs, summary, s.primary_stack)
    aws.say("step 2: resolving the primary database ARN")
    db = aws.call("rds", s.primary_region, "describe_db_instances",
                  DBInstanceIdentifier=primary.RDSInstanceId)["DBInstances"][0]
    arn = db["DBInstanceArn"]
    aws.say(f"step 3: primary EFS file system {primary.EFSFileSystemId}")
    aws.say(f"step 4: DR stack in {s.dr_region}")
    params = {"environmentSuffix": s.environment_suffix, "PrimaryRegion": s.primary_region,
              "PrimaryRDSArn": arn}
    summary, new = _ensure_stack(aws, s.dr_region, s.dr_stack, "streamflix-dr-secondary",
                                 params, f"{s.environment_suffix}-dr")
    created += [s.dr_stack] if new else []
    dr = _outputs(DrOutputs, summary, s.dr_stack)
    aws.say("step 5: EFS replication primary -> DR")
    if _replicate(aws, primary.EFSFileSystemId, dr.EFSFileSystemId):
        created.append(f"efs-replication:{primary.EFSFileSystemId}")
    aws.say("step 6: verifying the deployment")
    _check(inspect(settings, factory), arn)
    aws.say("deployment verified")
    return Deployment(primary=primary, dr=dr, primary_rds_arn=arn, created=tuple(created))


def _check(found: Inspection, primary_arn: str) -> None:
    problems = []
    if found.incomplete_resources:
        problems.append(f"resources not complete: {found.incomplete_resources!r}")
    if found.replica_status != "available" or found.replica_source != primary_arn:
        problems.append(f"replica is {found.replica_status!r} from {found.replica_source!r}, "
                        f"expected 'available' from {primary_arn!r}")
    if problems:
        raise DeployError("verification failed: " + "; ".join(problems))


def _resources(aws: _Aws, region: str, stack: str) -> list[str]:
    """Logical ids of the stack's resources that are not *_COMPLETE."""
    rows = aws.call("cloudformation", region, "describe_stack_resources",
                    StackName=stack)["StackResources"]
    return [f"{stack}/{r['LogicalResourceId']}" for r in rows
            if not str(r.get("ResourceStatus", "")).endswith("_COMPLETE")]


def _optional(aws: _Aws, service: str, region: str, operation: str, key: str,
              **kwargs: Any) -> list[Any]:
    """A describe call that answers [] when the thing is not there."""
    try:
        return list(aws.call(service, region, operation, **kwargs)[key])
    except DeployError as exc:
        if exc.code and ("NotFound" in exc.code or exc.code == "ValidationError"):
            return []
        raise


def inspect(settings: Settings, factory: ClientFactory) -> Inspection:
    """Read what both regions report about the deployment (read-only)."""
    aws, s = _Aws(settings, factory, None, None), settings
    p, d = _stack(aws, s.primary_region, s.primary_stack), _stack(aws, s.dr_region, s.dr_stack)
    incomplete = [*(_resources(aws, s.primary_region, s.primary_stack) if p else []),
                  *(_resources(aws, s.dr_region, s.dr_stack) if d else [])]
    dbs = [*_optional(aws, "rds", s.primary_region, "describe_db_instances", "DBInstances"),
           *_optional(aws, "rds", s.dr_region, "describe_db_instances", "DBInstances")]
    replica = next((db for db in dbs if db["DBInstanceIdentifier"] == s.replica_id), {})
    fss = [*_optional(aws, "efs", s.primary_region, "describe_file_systems", "FileSystems"),
           *_optional(aws, "efs", s.dr_region, "describe_file_systems", "FileSystems")]
    caches = [g for r in (s.primary_region, s.dr_region) for g in _optional(
        aws, "elasticache", r, "describe_replication_groups", "ReplicationGroups")]
    return Inspection(
        primary_status=p and p["StackStatus"], dr_status=d and d["StackStatus"],
        primary_tags=_pairs(p), dr_tags=_pairs(d), incomplete_resources=tuple(incomplete),
        replica_status=replica.get("DBInstanceStatus"),
        replica_source=replica.get("ReadReplicaSourceDBInstanceIdentifier"),
        replication_destinations=_destinations(aws),
        rds_encrypted=bool(dbs) and all(db.get("StorageEncrypted") for db in dbs),
        efs_encrypted=bool(fss) and all(fs.get("Encrypted") for fs in fss),
        cache_encrypted_at_rest=bool(caches) and all(g.get("AtRestEncryptionEnabled")
                                                     for g in caches),
        cache_encrypted_in_transit=bool(caches) and all(g.get("TransitEncryptionEnabled")
                                                        for g in caches),
        primary_desired_count=_desired(aws, s.primary_region, s.primary_cluster,
                                       s.primary_service),
        dr_desired_count=_desired(aws, s.dr_region, s.dr_cluster, s.dr_service),
        log_retention_days=tuple(_retention(aws, r) for r in (s.primary_region, s.dr_region)),
    )


def _pairs(summary: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((t["Key"], t["Value"]) for t in (summary or {}).get("Tags") or []))


def _destinations(aws: _Aws) -> tuple[tuple[str, str], ...]:
    configs = _optional(aws, "efs", aws.settings.primary_region,
                        "describe_replication_configurations", "Replications")
    return tuple((d["FileSystemId"], d["Region"]) for c in configs for d in c["Destinations"])


def _desired(aws: _Aws, region: str, cluster: str, service: str) -> int | None:
    found = _optional(aws, "ecs", region, "describe_services", "services",
                      cluster=cluster, services=[service])
    active = [svc for svc in found if svc.get("status") == "ACTIVE"]
    return int(active[0]["desiredCount"]) if active else None


def _retention(aws: _Aws, region: str) -> int | None:
    name = f"/ecs/streamflix-{aws.settings.environment_suffix}"
    groups = _optional(aws, "logs", region, "describe_log_groups", "logGroups",
                       logGroupNamePrefix=name)
    return next((g.get("retentionInDays") for g in groups if g["logGroupName"] == name), None)


def teardown(settings: Settings, factory: ClientFactory, *, progress: Progress | None = None,
             on_retry: RetryHook | None = None) -> None:
    """Remove EFS replication, then the DR stack, then the primary stack (guide's cleanup)."""
    _validate(settings)
    aws, s = _Aws(settings, factory, progress, on_retry), settings
    primary = _stack(aws, s.primary_region, s.primary_stack)
    fs_id = next((o["OutputValue"] for o in (primary or {}).get("Outputs") or []
                  if o["OutputKey"] == "EFSFileSystemId"), None)
    if fs_id and _optional(aws, "efs", s.primary_region,
                           "describe_replication_configurations", "Replications",
                           FileSystemId=fs_id):
        aws.say(f"deleting EFS replication of {fs_id}")
        aws.call("efs", s.primary_region, "delete_replication_configuration",
                 SourceFileSystemId=fs_id)
    for region, stack in ((s.dr_region, s.dr_stack), (s.primary_region, s.primary_stack)):
        aws.say(f"deleting stack {stack} in {region}")
        aws.call("cloudformation", region, "delete_stack", StackName=stack)
        aws.wait(region, "stack_delete_complete", stack)
        aws.say(f"stack {stack} deleted")


def leftovers(settings: Settings, factory: ClientFactory) -> tuple[Leftovers, ...]:
    """What of the deployment is still there, region by region (read-only)."""
    aws, s = _Aws(settings, factory, None, None), settings
    return tuple(_region_leftovers(aws, region, cluster, service) for region, cluster, service
                 in ((s.primary_region, s.primary_cluster, s.primary_service),
                     (s.dr_region, s.dr_cluster, s.dr_service)))


def _region_leftovers(aws: _Aws, region: str, cluster: str, service: str) -> Leftovers:
    stacks = _optional(aws, "cloudformation", region, "describe_stacks", "Stacks")
    fss = _optional(aws, "efs", region, "describe_file_systems", "FileSystems")
    repl = _optional(aws, "efs", region, "describe_replication_configurations", "Replications")
    dbs = _optional(aws, "rds", region, "describe_db_instances", "DBInstances")
    services = _optional(aws, "ecs", region, "describe_services", "services",
                         cluster=cluster, services=[service])
    return Leftovers(
        region=region,
        stacks=tuple(st["StackName"] for st in stacks if st["StackStatus"] != "DELETE_COMPLETE"),
        db_instances=tuple(db["DBInstanceIdentifier"] for db in dbs),
        file_systems=tuple(fs["FileSystemId"] for fs in fss),
        replication_configurations=tuple(r["SourceFileSystemId"] for r in repl),
        active_services=tuple(svc["serviceName"] for svc in services
                              if svc.get("status") == "ACTIVE"),
    )
