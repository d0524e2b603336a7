"""The deployment guide's steps 1-6 and its cleanup, against either backend.

``deploy()`` creates (or finds) the primary stack, resolves the primary database's ARN,
creates (or finds) the DR stack with it, configures EFS replication primary -> DR, and
verifies the result; ``teardown()`` undoes it in the guide's order. The read-only queries
(``inspect()``, ``leftovers()``) live in :mod:`infra.deploy_inspect`, the shared call wrapper
in :mod:`infra.deploy_common`.

Templates are sent as JSON produced by cfn-lint's CloudFormation-aware YAML loader: AWS
accepts JSON and YAML alike, and the short forms (``!GetAtt Db.Endpoint.Address``) are then
resolved by the same loader that linted them instead of by each endpoint's YAML parser
(moto's splits dotted attribute names apart).

Secret hygiene: ``DescribeStacks`` answers NoEcho parameters in clear text on some endpoints,
so stack descriptions never leave these modules; only outputs, status and tags do, and every
error message is scrubbed of the settings' secrets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from pydantic import ValidationError

from infra.aws import ClientFactory
from infra.core.actions import ApiCall
from infra.core.clock import Clock
from infra.core.errors import ConfigError, DeployError
from infra.core.settings import InfraSettings
from infra.deploy_common import (
    FAILURE_CALLS,
    AwsCalls,
    Progress,
    creation_failure,
    optional,
    stack_summary,
)
from infra.deploy_inspect import INSPECT_CALLS, Inspection, inspect
from infra.retry import RetryHook
from infra.template_gate import TEMPLATES, CheckedTemplates, check_templates

__all__ = [
    "DEPLOY_CALLS",
    "FAILURE_CALLS",
    "TEARDOWN_CALLS",
    "TEMPLATES",
    "Deployment",
    "DrOutputs",
    "PrimaryOutputs",
    "deploy",
    "find_deployment",
    "teardown",
    "template_body",
]

_DONE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")

_CFN, _PRIMARY_FS = "cloudformation", "<primary EFSFileSystemId output>"
# The calls deploy() makes, in order, when nothing exists yet (a found stack skips its
# CreateStack); then step 6, inspect(). `drill plan` and the IAM policy are built from these.
DEPLOY_CALLS = (
    ApiCall(_CFN, "DescribeStacks", "{s.primary_stack}", "primary"),
    ApiCall(_CFN, "CreateStack", "{s.primary_stack}", "primary"),
    ApiCall(_CFN, "DescribeStacks", "{s.primary_stack} (until CREATE_COMPLETE)", "primary"),
    ApiCall("rds", "DescribeDBInstances", "{s.primary_db_id}", "primary"),
    ApiCall(_CFN, "DescribeStacks", "{s.dr_stack}", "dr"),
    ApiCall(_CFN, "CreateStack", "{s.dr_stack}", "dr"),
    ApiCall(_CFN, "DescribeStacks", "{s.dr_stack} (until CREATE_COMPLETE)", "dr"),
    ApiCall("efs", "DescribeReplicationConfigurations", _PRIMARY_FS, "primary"),
    ApiCall("efs", "CreateReplicationConfiguration", f"{_PRIMARY_FS} -> DR", "primary"),
    *INSPECT_CALLS,
)
TEARDOWN_CALLS = (
    ApiCall(_CFN, "DescribeStacks", "{s.primary_stack}", "primary"),
    ApiCall("efs", "DescribeReplicationConfigurations", _PRIMARY_FS, "primary"),
    ApiCall("efs", "DeleteReplicationConfiguration", _PRIMARY_FS, "primary"),
    ApiCall(_CFN, "DeleteStack", "{s.dr_stack}", "dr"),
    ApiCall(_CFN, "DescribeStacks", "{s.dr_stack} (until DELETE_COMPLETE)", "dr"),
    ApiCall(_CFN, "DeleteStack", "{s.primary_stack}", "primary"),
    ApiCall(_CFN, "DescribeStacks", "{s.primary_stack} (until DELETE_COMPLETE)", "primary"),
)


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


def _validate(settings: InfraSettings) -> None:
    """Re-check settings (a model_copy skips validation) before any request is made."""
    try:
        type(settings).model_validate(settings.model_dump())
    except ValidationError as exc:
        bad = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
        raise ConfigError(f"invalid settings for deploy: {bad} (check the values given "
                          "for the environment suffix, regions and database credentials)"
                          ) from None
    if not settings.db_password.get_secret_value():
        raise ConfigError("a database password is required to deploy the primary stack")


def template_body(checked: CheckedTemplates, name: str) -> str:
    """A checked template as compact JSON, as cfn-lint's CloudFormation-aware loader read it."""
    return json.dumps(checked.body(name), separators=(",", ":"))


def _params(pairs: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in pairs.items()]


def _tags(environment: str) -> list[dict[str, str]]:
    return [{"Key": "Environment", "Value": environment},
            {"Key": "Application", "Value": "StreamFlix"}, {"Key": "CostCenter", "Value": "Media"}]



def _ensure_stack(aws: AwsCalls, region: str, name: str, template: str,
                  params: dict[str, str], environment: str) -> tuple[dict[str, Any], bool]:
    """Create the stack unless it exists; returns its summary and whether it was created.

    Raises:
        StackCreateFailed: the stack did not create (found so, or created so now): names
            the resource that failed and AWS's reason, from the stack's events.
    """
    found = stack_summary(aws, region, name)
    if found is not None and found["StackStatus"] in _DONE:
        aws.say(f"stack {name} already exists in {region} ({found['StackStatus']})")
        return found, False
    if found is not None:
        failed = creation_failure(aws, region, name, found["StackStatus"])
        if failed is not None:
            raise failed
        raise DeployError(f"stack is {found['StackStatus']!r}, expected one of {_DONE}; "
                          "delete it and deploy again", stack=name)
    aws.say(f"creating stack {name} in {region}")
    role = aws.settings.cloudformation_role_arn
    aws.call("cloudformation", region, "create_stack", StackName=name,
             TemplateBody=template, Parameters=_params(params),
             Capabilities=["CAPABILITY_NAMED_IAM"], Tags=_tags(environment),
             # CloudFormation then acts with the service role, for this and the delete.
             **({"RoleARN": role} if role else {}))
    try:
        aws.wait(region, "stack_create_complete", name)
    except DeployError:
        summary = stack_summary(aws, region, name)
        failed = creation_failure(aws, region, name, (summary or {}).get("StackStatus"))
        if failed is not None:
            raise failed from None
        raise
    summary = stack_summary(aws, region, name)
    assert summary is not None, f"stack {name} vanished after create"
    aws.say(f"stack {name} is {summary['StackStatus']}")
    return summary, True


def _outputs(cls: type[Any], summary: dict[str, Any], stack: str) -> Any:
    values = {o["OutputKey"]: o["OutputValue"] for o in summary.get("Outputs") or []}
    missing = [f.name for f in fields(cls) if f.name not in values]
    if missing:
        raise DeployError(f"stack outputs {missing!r} are missing", stack=stack)
    return cls(**{f.name: values[f.name] for f in fields(cls)})


def _replicate(aws: AwsCalls, primary_fs: str, dr_fs: str) -> bool:
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


def deploy(settings: InfraSettings, factory: ClientFactory, *, progress: Progress | None = None,
           on_retry: RetryHook | None = None, clock: Clock | None = None) -> Deployment:
    """Deploy (or find) both stacks and EFS replication, then verify them (guide steps 1-6)."""
    _validate(settings)
    checked = check_templates(settings)  # before any AWS call: contract and cfn-lint
    aws, s, created = AwsCalls(settings, factory, progress, on_retry, clock), settings, []
    aws.say(f"step 1: primary stack in {s.primary_region}")
    params = {"environmentSuffix": s.environment_suffix, "DBUsername": s.db_username,
              "DBPassword": s.db_password.get_secret_value()}
    summary, new = _ensure_stack(aws, s.primary_region, s.primary_stack,
                                 template_body(checked, "streamflix-dr-primary"), params,
                                 s.environment_suffix)
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
    summary, new = _ensure_stack(aws, s.dr_region, s.dr_stack,
                                 template_body(checked, "streamflix-dr-secondary"), params,
                                 f"{s.environment_suffix}-dr")
    created += [s.dr_stack] if new else []
    dr = _outputs(DrOutputs, summary, s.dr_stack)
    aws.say("step 5: EFS replication primary -> DR")
    if _replicate(aws, primary.EFSFileSystemId, dr.EFSFileSystemId):
        created.append(f"efs-replication:{primary.EFSFileSystemId}")
    aws.say("step 6: verifying the deployment")
    _check(inspect(settings, factory), arn)
    aws.say("deployment verified")
    return Deployment(primary=primary, dr=dr, primary_rds_arn=arn, created=tuple(created))


def find_deployment(settings: InfraSettings, factory: ClientFactory, *,
                    progress: Progress | None = None,
                    on_retry: RetryHook | None = None) -> Deployment:
    """Read the already deployed stacks and verify them (guide step 6); creates nothing.

    Raises:
        ConfigError: a stack does not exist (deploy it first, or fix the config's names).
        DeployError: a stack is not complete, its outputs are missing, or verification fails.
    """
    check_templates(settings)  # what is deployed is meant to be these: linted all the same
    aws, s = AwsCalls(settings, factory, progress, on_retry), settings
    summaries = []
    for region, stack in ((s.primary_region, s.primary_stack), (s.dr_region, s.dr_stack)):
        found = stack_summary(aws, region, stack)
        if found is None:
            raise ConfigError(f"stack {stack!r} does not exist in {region}: deploy the stacks "
                              "first (`drill deploy`, or steps 1-6 of the guide), or fix "
                              "environment_suffix and the regions in the config")
        failed = creation_failure(aws, region, stack, found["StackStatus"])
        if failed is not None:
            raise failed
        if found["StackStatus"] not in _DONE:
            raise DeployError(f"stack is {found['StackStatus']!r}, expected one of {_DONE}",
                              stack=stack)
        aws.say(f"found stack {stack} in {region} ({found['StackStatus']})")
        summaries.append(found)
    primary = _outputs(PrimaryOutputs, summaries[0], s.primary_stack)
    dr = _outputs(DrOutputs, summaries[1], s.dr_stack)
    db = aws.call("rds", s.primary_region, "describe_db_instances",
                  DBInstanceIdentifier=primary.RDSInstanceId)["DBInstances"][0]
    _check(inspect(settings, factory), db["DBInstanceArn"])
    aws.say("deployment verified")
    return Deployment(primary=primary, dr=dr, primary_rds_arn=db["DBInstanceArn"], created=())


def _check(found: Inspection, primary_arn: str) -> None:
    problems = []
    if found.incomplete_resources:
        problems.append(f"resources not complete: {found.incomplete_resources!r}")
    if found.replica_status != "available" or found.replica_source != primary_arn:
        problems.append(f"replica is {found.replica_status!r} from {found.replica_source!r}, "
                        f"expected 'available' from {primary_arn!r}")
    if problems:
        raise DeployError("verification failed: " + "; ".join(problems))


def teardown(settings: InfraSettings, factory: ClientFactory, *, progress: Progress | None = None,
             on_retry: RetryHook | None = None, clock: Clock | None = None) -> None:
    """Remove EFS replication, then the DR stack, then the primary stack (guide's cleanup)."""
    _validate(settings)
    aws, s = AwsCalls(settings, factory, progress, on_retry, clock), settings
    primary = stack_summary(aws, s.primary_region, s.primary_stack)
    fs_id = next((o["OutputValue"] for o in (primary or {}).get("Outputs") or []
                  if o["OutputKey"] == "EFSFileSystemId"), None)
    if fs_id and optional(aws, "efs", s.primary_region,
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


