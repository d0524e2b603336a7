"""The deployment guide's failover procedure, step for step, using only the DR region.

1. Promote ``streamflix-db-replica-{suffix}`` and wait until it is available and writable.
2. Scale ``streamflix-service-dr-{suffix}`` to 2 and wait until the service is stable.
3. Point the application's DNS name at the DR ALB and move its health check to DR.
4. Verify ``GET /health`` through the DR ALB answers 200.

Route 53 is a global service, so step 3 does not need the lost region. Everything the
steps act on comes from :class:`FailoverTarget`, read while the primary was still up.

:func:`parallel_failover_steps` is the same four steps with only the dependencies that are
real: the promotion and the scale-up touch different services and neither needs the other,
so they run at once; DNS moves only once both are done (users must never reach a DR that
cannot take writes, nor one with no task to serve them), and verification comes last.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import requests
from botocore.exceptions import WaiterError

from drills.runbooks.executor import RunbookContext, RunbookStep
from infra.core.actions import ApiCall
from infra.core.errors import ProbeTimeout

__all__ = [
    "DESIRED_DR_TASKS",
    "FAILOVER_STEPS",
    "PROMOTE_CALLS",
    "SCALE_CALLS",
    "SWITCH_DNS_CALLS",
    "await_health",
    "failover_steps",
    "parallel_failover_steps",
    "point_dns",
]

DESIRED_DR_TASKS = 2

# The AWS calls each step's action makes, waiters' polls included, in order of first use.
# Checked against the calls a drill really makes by tests/integration/test_iam_policy.py.
PROMOTE_CALLS = (
    ApiCall("rds", "PromoteReadReplica", "{s.replica_id}"),
    ApiCall("rds", "DescribeDBInstances", "{s.replica_id} (until available)"),
    ApiCall("rds", "DescribeDBInstances", "{s.replica_id} (no longer a replica)"),
)
SCALE_CALLS = (
    ApiCall("ecs", "UpdateService",
            f"{{s.dr_cluster}}/{{s.dr_service}} desiredCount={DESIRED_DR_TASKS}"),
    ApiCall("ecs", "DescribeServices", "{s.dr_cluster}/{s.dr_service} (until stable)"),
)
SWITCH_DNS_CALLS = (
    ApiCall("route53", "ListResourceRecordSets",
            "<HostedZoneId output> <AppDNSName output> (its TTL)", "global"),
    ApiCall("route53", "ChangeResourceRecordSets", "<HostedZoneId output>: UPSERT CNAME "
            "<AppDNSName output> -> <DR ALBDNSName output>", "global"),
    ApiCall("route53", "GetChange", "<change id> (until INSYNC)", "global"),
    ApiCall("route53", "UpdateHealthCheck",
            "<PrimaryHealthCheckId output> -> <DR ALBDNSName output>", "global"),
)


def promote_replica(ctx: RunbookContext) -> None:
    """Promote the DR read replica and wait until it is available and no longer a replica."""
    rds = ctx.clients.client("rds", ctx.settings.dr_region)
    db_id = ctx.target.replica_id
    ctx.call(rds, "promote_read_replica", DBInstanceIdentifier=db_id)
    try:
        ctx.wait(rds, "db_instance_available", DBInstanceIdentifier=db_id)
    except WaiterError as exc:  # say what the instance is stuck in, not just "max attempts"
        last = (exc.last_response or {}).get("DBInstances") or [{}]
        raise ProbeTimeout(f"{db_id!r} never became available after its promotion: it is "
                           f"{last[0].get('DBInstanceStatus', 'unknown')}", last=last[0]) from exc
    instance = ctx.call(rds, "describe_db_instances", DBInstanceIdentifier=db_id)["DBInstances"][0]
    if instance.get("ReadReplicaSourceDBInstanceIdentifier"):
        raise ProbeTimeout(f"{db_id!r} is available but still a replica of "
                           f"{instance['ReadReplicaSourceDBInstanceIdentifier']!r}", last=instance)


def scale_dr_service(ctx: RunbookContext) -> None:
    """Scale the DR ECS service to two tasks and wait until it is stable."""
    ecs = ctx.clients.client("ecs", ctx.settings.dr_region)
    t = ctx.target
    ctx.call(ecs, "update_service", cluster=t.dr_cluster, service=t.dr_service,
             desiredCount=DESIRED_DR_TASKS)
    try:
        ctx.wait(ecs, "services_stable", cluster=t.dr_cluster, services=[t.dr_service])
    except WaiterError as exc:  # ECS says why in the service's newest event
        found = ((exc.last_response or {}).get("services") or [{}])[0]
        events = found.get("events") or [{}]
        raise ProbeTimeout(
            f"{t.dr_service!r} never became stable: {found.get('runningCount', '?')} of "
            f"{found.get('desiredCount', '?')} tasks running; newest service event: "
            f"{events[0].get('message', 'none')}", last=found) from exc


def _current_ttl(ctx: RunbookContext, route53: Any, zone_id: str, name: str) -> int:
    records = ctx.call(route53, "list_resource_record_sets", HostedZoneId=zone_id,
                       StartRecordName=name, StartRecordType="CNAME", MaxItems="1")
    for record in records["ResourceRecordSets"]:
        if record["Name"].rstrip(".") == name.rstrip(".") and "TTL" in record:
            return int(record["TTL"])
    return 60


def switch_dns(ctx: RunbookContext) -> None:
    """UPSERT the application's CNAME to the DR ALB and point its health check at DR."""
    point_dns(ctx, ctx.target.dr_alb_dns,
              "DR failover: serve the application from the DR region")


def point_dns(ctx: RunbookContext, alb_dns: str, comment: str) -> None:
    """UPSERT the application's CNAME to ``alb_dns`` and point its health check there."""
    route53 = ctx.clients.client("route53", "us-east-1")
    t = ctx.target
    ttl = _current_ttl(ctx, route53, t.hosted_zone_id, t.app_dns_name)
    change = ctx.call(
        route53, "change_resource_record_sets",
        HostedZoneId=t.hosted_zone_id,
        ChangeBatch={
            "Comment": comment,
            "Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
                "Name": t.app_dns_name, "Type": "CNAME",
                "TTL": ttl,
                "ResourceRecords": [{"Value": alb_dns}]}}],
        },
    )
    ctx.wait(route53, "resource_record_sets_changed", Id=change["ChangeInfo"]["Id"])
    if t.health_check_id:
        ctx.call(route53, "update_health_check", HealthCheckId=t.health_check_id,
                 FullyQualifiedDomainName=alb_dns)


def verify_dr_health(ctx: RunbookContext) -> None:
    """``GET /health`` through the DR ALB until it answers 200 (bounded by the step timeout)."""
    await_health(ctx, ctx.target.dr_alb_dns)


def await_health(ctx: RunbookContext, alb_dns: str) -> None:
    """``GET /health`` through ``alb_dns`` until it answers 200 (bounded by the step timeout)."""
    url = ctx.resolve(alb_dns) + "/health"
    # At least half a real second: at a high time scale a busy machine would otherwise turn
    # a slow 503 into "no answer", and lose the reasons the app gives.
    timeout = max(0.5, ctx.clock.real(min(ctx.settings.probe_timeout_s,
                                          ctx.settings.poll_interval_s)))

    def get() -> tuple[int, str]:
        try:
            answer = ctx.http.get(url, timeout=timeout)
        except requests.RequestException as exc:
            return 0, type(exc).__name__
        return answer.status_code, _reasons(answer)

    polled = ctx.clock.poll(get, until=lambda answer: answer[0] == 200,
                            timeout_s=ctx.settings.step_timeout_s,
                            every_s=ctx.settings.poll_interval_s, what=f"GET {url} to answer 200")
    if not polled.done:
        status, why = polled.value
        raise ProbeTimeout(f"GET {url} never answered 200 (last: {status or 'no answer'}"
                           f"{': ' + why if why else ''})", last=status)


def _reasons(answer: requests.Response) -> str:
    """The reasons an unhealthy ``/health`` gives in its body (the app's contract), if any."""
    if answer.status_code == 200:
        return ""
    try:
        body = answer.json()
    except ValueError:
        return ""
    reasons = body.get("reasons") if isinstance(body, dict) else None
    return "; ".join(str(r) for r in reasons) if isinstance(reasons, list) else ""


def failover_steps(dr_region: str) -> tuple[RunbookStep, ...]:
    """The failover runbook for a DR region, in the guide's order (each step after the last)."""
    return (
        RunbookStep("promote-replica", dr_region, promote_replica,
                    "Promote the RDS read replica to a standalone writer", PROMOTE_CALLS,
                    after=()),
        RunbookStep("scale-dr-service", dr_region, scale_dr_service,
                    f"Scale the DR ECS service to {DESIRED_DR_TASKS} tasks", SCALE_CALLS,
                    after=("promote-replica",)),
        RunbookStep("switch-dns", "global", switch_dns,
                    "Point the application DNS name and its health check at the DR ALB",
                    SWITCH_DNS_CALLS, after=("scale-dr-service",)),
        RunbookStep("verify-dr-health", dr_region, verify_dr_health,
                    "GET /health through the DR ALB answers 200", after=("switch-dns",)),
    )


def parallel_failover_steps(dr_region: str) -> tuple[RunbookStep, ...]:
    """The failover runbook with promotion and scale-up at once; DNS after both, verify last."""
    promote, scale, dns, verify = failover_steps(dr_region)
    return (promote, replace(scale, after=()),
            replace(dns, after=(promote.name, scale.name)), verify)


FAILOVER_STEPS = failover_steps("us-east-1")
