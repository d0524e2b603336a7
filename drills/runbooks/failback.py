"""The deployment guide's failback, made explicit: back to the primary region, no write lost.

The guide lists five lines ("Ensure Primary Region is Healthy, Create New RDS Read Replica,
Synchronize EFS Data, Scale Down DR ECS Service, Update DNS Back"). Spelled out, with the
primary region back and DR serving:

1. Replace the stale primary instance (final snapshot kept) by a cross-region read replica
   of the promoted DR database, under the same identifier so the primary stack's endpoint
   holds; wait until it is available.
2. Replicate EFS back: delete the primary -> DR configuration, create DR -> primary.
3. Freeze writes: scale the DR service to 0 (warm standby again). Downtime starts here.
4. Wait until the primary-region replica reports ReplicaLag 0 after the freeze.
5. Promote it, wait until it is available and no longer a replica.
6. ``GET /health`` through the primary ALB answers 200.
7. Point the application's DNS name and its health check back at the primary ALB.
8. Re-create the DR read replica from the primary (DR's instance is deleted, snapshot kept).
9. Restore EFS replication primary -> DR.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from drills.runbooks.executor import FailbackTarget, RunbookContext, RunbookStep
from drills.runbooks.failover import SWITCH_DNS_CALLS, await_health, point_dns
from infra.core.actions import ApiCall, RegionRole
from infra.core.errors import ProbeTimeout

__all__ = ["FAILBACK_FREEZE_STEP", "failback_steps"]

FAILBACK_FREEZE_STEP = "freeze-writes"
_LAG_SLACK_S = 60.0  # wall seconds past now: the newest datapoint may be stamped just after


def _replace_calls(db: str, source: str, where: RegionRole) -> tuple[ApiCall, ...]:
    return (
        ApiCall("rds", "DeleteDBInstance", f"{db} (final snapshot {db}-pre-failback-<time>)",
                where),
        ApiCall("rds", "DescribeDBInstances", f"{db} (until deleted)", where),
        ApiCall("rds", "CreateDBInstanceReadReplica", f"{db} <- {source}", where),
        ApiCall("rds", "DescribeDBInstances", f"{db} (until available)", where),
    )


def _efs_calls(source: str, dest: str, where: RegionRole) -> tuple[ApiCall, ...]:
    return (
        ApiCall("efs", "DeleteReplicationConfiguration", f"<{dest} EFSFileSystemId output>",
                "primary" if where == "dr" else "dr"),
        ApiCall("efs", "CreateReplicationConfiguration",
                f"<{source} EFSFileSystemId output> -> <{dest} EFSFileSystemId output>", where),
    )


def _target(ctx: RunbookContext) -> FailbackTarget:
    if not isinstance(ctx.target, FailbackTarget):
        raise TypeError(f"the failback needs a FailbackTarget, got {type(ctx.target).__name__}")
    return ctx.target


def _replace_with_replica(ctx: RunbookContext, region: str, db_id: str, source_arn: str,
                          source_region: str, key: str) -> None:
    """Delete ``db_id`` (final snapshot kept), then re-create it as a replica of the source.

    ``key`` is the KMS key of ``region``'s stack: RDS refuses an encrypted cross-region
    replica without one of its own region (API_CreateDBInstanceReadReplica, KmsKeyId).
    """
    rds = ctx.clients.client("rds", region)
    stamp = ctx.clock.wall().strftime("%Y%m%d%H%M%S")
    ctx.call(rds, "delete_db_instance", DBInstanceIdentifier=db_id, SkipFinalSnapshot=False,
             FinalDBSnapshotIdentifier=f"{db_id}-pre-failback-{stamp}")
    ctx.wait(rds, "db_instance_deleted", DBInstanceIdentifier=db_id)
    ctx.call(rds, "create_db_instance_read_replica", DBInstanceIdentifier=db_id,
             SourceDBInstanceIdentifier=source_arn, SourceRegion=source_region,
             **({"KmsKeyId": key} if key else {}))
    ctx.wait(rds, "db_instance_available", DBInstanceIdentifier=db_id)


def replicate_to_primary(ctx: RunbookContext) -> None:
    """Replace the stale primary database by a read replica of the promoted DR database."""
    t, s = _target(ctx), ctx.settings
    rds = ctx.clients.client("rds", s.dr_region)
    arn = ctx.call(rds, "describe_db_instances",
                   DBInstanceIdentifier=t.replica_id)["DBInstances"][0]["DBInstanceArn"]
    _replace_with_replica(ctx, s.primary_region, t.primary_db_id, arn, s.dr_region,
                          t.primary_kms_key)


def _move_efs_replication(ctx: RunbookContext, *, old_source: tuple[str, str],
                          new_source: tuple[str, str], dest: tuple[str, str]) -> None:
    old_efs = ctx.clients.client("efs", old_source[1])
    ctx.call(old_efs, "delete_replication_configuration", SourceFileSystemId=old_source[0])
    new_efs = ctx.clients.client("efs", new_source[1])
    ctx.call(new_efs, "create_replication_configuration", SourceFileSystemId=new_source[0],
             Destinations=[{"Region": dest[1], "FileSystemId": dest[0]}])


def replicate_efs_back(ctx: RunbookContext) -> None:
    """EFS failback (F3, F4): replicate DR's file system to the primary's, differences only."""
    t, s = _target(ctx), ctx.settings
    _move_efs_replication(ctx, old_source=(t.primary_efs_id, s.primary_region),
                          new_source=(t.dr_efs_id, s.dr_region),
                          dest=(t.primary_efs_id, s.primary_region))


def freeze_writes(ctx: RunbookContext) -> None:
    """Scale the DR service to 0: no more writes in DR, and DR is a warm standby again."""
    ecs = ctx.clients.client("ecs", ctx.settings.dr_region)
    t = ctx.target
    ctx.call(ecs, "update_service", cluster=t.dr_cluster, service=t.dr_service, desiredCount=0)
    ctx.wait(ecs, "services_stable", cluster=t.dr_cluster, services=[t.dr_service])


def _lag_zero_since(ctx: RunbookContext, cloudwatch: Any, since: Any) -> bool:
    end = ctx.clock.wall() + timedelta(seconds=_LAG_SLACK_S)
    answer = ctx.call(cloudwatch, "get_metric_statistics", Namespace="AWS/RDS",
                      MetricName="ReplicaLag", StartTime=since, EndTime=end, Period=60,
                      Dimensions=[{"Name": "DBInstanceIdentifier",
                                   "Value": _target(ctx).primary_db_id}],
                      Statistics=["Minimum"])
    return any(p["Minimum"] == 0 for p in answer.get("Datapoints") or [])


def _next_whole_second(wall: datetime) -> datetime:
    """The first whole second at or after ``wall``: a CloudWatch StartTime after the freeze."""
    # CloudWatch drops StartTime's fraction of a second, so "now" would also count a lag of 0
    # published earlier in this second (by a new replica, or while the writer paused) and
    # promote before the last writes before the freeze have landed.
    whole = wall.replace(microsecond=0)
    return whole if whole == wall else whole + timedelta(seconds=1)


def await_caught_up(ctx: RunbookContext) -> None:
    """Wait until the primary-region replica reports ReplicaLag 0 after the freeze."""
    cloudwatch = ctx.clients.client("cloudwatch", ctx.settings.primary_region)
    since = _next_whole_second(ctx.clock.wall())
    polled = ctx.clock.poll(lambda: _lag_zero_since(ctx, cloudwatch, since),
                            timeout_s=ctx.settings.step_timeout_s,
                            every_s=ctx.settings.poll_interval_s, what="ReplicaLag 0")
    if not polled.done:
        raise ProbeTimeout(f"{_target(ctx).primary_db_id!r} never reported ReplicaLag 0 "
                           "after the write freeze", last=polled.value)


def promote_primary(ctx: RunbookContext) -> None:
    """Promote the primary-region replica and wait until it is a writable, available instance."""
    rds = ctx.clients.client("rds", ctx.settings.primary_region)
    db_id = _target(ctx).primary_db_id
    ctx.call(rds, "promote_read_replica", DBInstanceIdentifier=db_id)
    ctx.wait(rds, "db_instance_available", DBInstanceIdentifier=db_id)
    instance = ctx.call(rds, "describe_db_instances", DBInstanceIdentifier=db_id)["DBInstances"][0]
    if instance.get("ReadReplicaSourceDBInstanceIdentifier"):
        raise ProbeTimeout(f"{db_id!r} is available but still a replica", last=instance)


def verify_primary_health(ctx: RunbookContext) -> None:
    """``GET /health`` through the primary ALB answers 200."""
    await_health(ctx, _target(ctx).primary_alb_dns)


def switch_dns_back(ctx: RunbookContext) -> None:
    """Point the application's DNS name and its health check back at the primary ALB."""
    point_dns(ctx, _target(ctx).primary_alb_dns,
              "DR failback: serve the application from the primary region again")


def recreate_dr_replica(ctx: RunbookContext) -> None:
    """Re-create the DR read replica from the primary database (warm standby restored)."""
    t, s = _target(ctx), ctx.settings
    rds = ctx.clients.client("rds", s.primary_region)
    arn = ctx.call(rds, "describe_db_instances",
                   DBInstanceIdentifier=t.primary_db_id)["DBInstances"][0]["DBInstanceArn"]
    _replace_with_replica(ctx, s.dr_region, t.replica_id, arn, s.primary_region,
                          t.dr_kms_key)


def restore_efs_replication(ctx: RunbookContext) -> None:
    """EFS replication primary -> DR again, as deployed (guide step 5)."""
    t, s = _target(ctx), ctx.settings
    _move_efs_replication(ctx, old_source=(t.dr_efs_id, s.dr_region),
                          new_source=(t.primary_efs_id, s.primary_region),
                          dest=(t.dr_efs_id, s.dr_region))


def failback_steps(primary: str, dr: str) -> tuple[RunbookStep, ...]:
    """The failback runbook, in order; the freeze step starts the failback's downtime."""
    p_db, dr_db = "{s.primary_db_id}", "{s.replica_id}"
    return (
        RunbookStep("replicate-to-primary", primary, replicate_to_primary,
                    "Replace the stale primary database by a read replica of the DR database",
                    (ApiCall("rds", "DescribeDBInstances", f"{dr_db} (its ARN)", "dr"),
                     *_replace_calls(p_db, dr_db + " (ARN)", "primary"))),
        RunbookStep("replicate-efs-back", dr, replicate_efs_back,
                    "Replicate the DR file system back to the primary's",
                    _efs_calls("DR", "primary", "dr")),
        RunbookStep(FAILBACK_FREEZE_STEP, dr, freeze_writes,
                    "Scale the DR ECS service to 0: writes stop, DR is a warm standby again",
                    (ApiCall("ecs", "UpdateService", "{s.dr_cluster}/{s.dr_service} "
                             "desiredCount=0", "dr"),
                     ApiCall("ecs", "DescribeServices", "{s.dr_cluster}/{s.dr_service} "
                             "(until stable)", "dr"))),
        RunbookStep("await-replica-caught-up", primary, await_caught_up,
                    "Wait for ReplicaLag 0 on the primary-region replica",
                    (ApiCall("cloudwatch", "GetMetricStatistics",
                             f"AWS/RDS ReplicaLag of {p_db}", "primary"),)),
        RunbookStep("promote-primary", primary, promote_primary,
                    "Promote the primary-region replica to the writer",
                    (ApiCall("rds", "PromoteReadReplica", p_db, "primary"),
                     ApiCall("rds", "DescribeDBInstances", f"{p_db} (until available)",
                             "primary"))),
        RunbookStep("verify-primary-health", primary, verify_primary_health,
                    "GET /health through the primary ALB answers 200"),
        RunbookStep("switch-dns-back", "global", switch_dns_back,
                    "Point the application DNS name and its health check at the primary ALB",
                    tuple(ApiCall(c.service, c.operation,
                                  c.target.replace("<DR ALBDNSName output>",
                                                   "<primary ALBDNSName output>"), c.region)
                          for c in SWITCH_DNS_CALLS)),
        RunbookStep("recreate-dr-replica", dr, recreate_dr_replica,
                    "Re-create the DR read replica from the primary database",
                    (ApiCall("rds", "DescribeDBInstances", f"{p_db} (its ARN)", "primary"),
                     *_replace_calls(dr_db, p_db + " (ARN)", "dr"))),
        RunbookStep("restore-efs-replication", primary, restore_efs_replication,
                    "Replicate the primary file system to DR again",
                    _efs_calls("primary", "DR", "primary")),
    )
