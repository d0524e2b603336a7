"""Faults on the aws backend as AWS Fault Injection Service experiment templates.

Each fault name maps to a :class:`FisTemplate` (typed records) that renders to the exact
keyword arguments of ``fis.create_experiment_template``. Every template carries stop
conditions on the CloudWatch alarms of ``settings.stop_alarm_arns``: when one goes to ALARM
FIS stops the experiment, and the timed network actions restore what they changed.

What FIS cannot do, said plainly in each template's ``limitations``: there is no FIS action
that takes a whole region away. ``region-outage`` isolates the primary region's subnets
(``aws:network:disrupt-connectivity`` scope ``all``), which takes the application down from
the user's side, but the region's AWS API endpoints keep answering, and RDS cross-region
read replication and EFS replication are run by AWS outside your subnets, so they keep
copying data: the experiment does not exercise RPO the way a real region loss would.
Faults FIS has no action for at all are listed in :data:`FIS_UNSUPPORTED` with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drills.settings.config import Settings
from infra.core.actions import ApiCall, FaultEffects
from infra.core.errors import ConfigError

__all__ = [
    "EXPERIMENT_EFFECTS",
    "FIS_FAULTS",
    "FIS_UNSUPPORTED",
    "FisAction",
    "FisTarget",
    "FisTemplate",
    "fis_template",
    "iso_duration",
]

_STACK_TAG = "aws:cloudformation:stack-name"  # CloudFormation tags what it creates with this

# How a fault runs as a FIS experiment, in the template's region: for `drill plan` and the
# IAM policy (infra/iam/drill-runner-policy.json).
EXPERIMENT_EFFECTS = FaultEffects(
    inject="create the experiment template, start the experiment and wait until it runs",
    revert="stop the experiment (FIS undoes what its actions changed), wait until it has "
           "stopped, and delete the template",
    inject_calls=(
        ApiCall("fis", "CreateExperimentTemplate", "the fault's template"),
        ApiCall("fis", "StartExperiment", "<experiment template id>"),
        ApiCall("fis", "GetExperiment", "<experiment id> (until running)"),
    ),
    revert_calls=(
        ApiCall("fis", "StopExperiment", "<experiment id>"),
        ApiCall("fis", "GetExperiment", "<experiment id> (until stopped)"),
        ApiCall("fis", "DeleteExperimentTemplate", "<experiment template id>"),
        ApiCall("fis", "GetExperimentTemplate", "<experiment template id> (read back: gone)"),
    ),
)


@dataclass(frozen=True, slots=True)
class FisTarget:
    """A FIS target: resources of one type, picked by tags or filters."""

    name: str
    resource_type: str
    resource_tags: tuple[tuple[str, str], ...]
    selection_mode: str = "ALL"
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()

    def to_request(self) -> dict[str, Any]:
        """The ``targets[name]`` value of CreateExperimentTemplate."""
        out: dict[str, Any] = {"resourceType": self.resource_type,
                               "resourceTags": dict(self.resource_tags),
                               "selectionMode": self.selection_mode}
        if self.filters:
            out["filters"] = [{"path": p, "values": list(v)} for p, v in self.filters]
        if self.parameters:
            out["parameters"] = dict(self.parameters)
        return out


@dataclass(frozen=True, slots=True)
class FisAction:
    """A FIS action applied to targets: ``targets`` maps the action's key to a target name."""

    name: str
    action_id: str
    description: str
    targets: tuple[tuple[str, str], ...]
    parameters: tuple[tuple[str, str], ...] = ()

    def to_request(self) -> dict[str, Any]:
        """The ``actions[name]`` value of CreateExperimentTemplate."""
        return {"actionId": self.action_id, "description": self.description,
                "parameters": dict(self.parameters), "targets": dict(self.targets)}


@dataclass(frozen=True, slots=True)
class FisTemplate:
    """One fault as a FIS experiment template, created in ``region``."""

    fault: str
    region: str
    description: str
    role_arn: str
    stop_alarm_arns: tuple[str, ...]
    targets: tuple[FisTarget, ...]
    actions: tuple[FisAction, ...]
    tags: tuple[tuple[str, str], ...]
    limitations: tuple[str, ...] = ()

    def to_request(self) -> dict[str, Any]:
        """Keyword arguments of ``fis.create_experiment_template`` (clientToken left to boto3)."""
        return {
            "description": self.description,
            "roleArn": self.role_arn,
            "stopConditions": [{"source": "aws:cloudwatch:alarm", "value": arn}
                               for arn in self.stop_alarm_arns],
            "targets": {t.name: t.to_request() for t in self.targets},
            "actions": {a.name: a.to_request() for a in self.actions},
            "tags": dict(self.tags),
        }


def iso_duration(seconds: float) -> str:
    """``seconds`` as the ISO 8601 duration FIS takes, rounded up to whole minutes."""
    return f"PT{max(1, math.ceil(seconds / 60))}M"


def _subnets(stack: str, az: str | None = None) -> FisTarget:
    filters = (("AvailabilityZone", (az,)),) if az else ()
    return FisTarget("subnets", "aws:ec2:subnet", ((_STACK_TAG, stack),), filters=filters)


def _region_outage(s: Settings, region: str | None = None) -> _Parts:
    target = region or s.primary_region
    if target == s.dr_region:
        raise ConfigError(f"region-outage takes the primary down; {target!r} is the DR region")
    stack = s.primary_stack if target == s.primary_region else s.dr_stack
    isolate = FisAction(
        "isolate-region-subnets", "aws:network:disrupt-connectivity",
        f"deny all traffic in and out of every subnet of {stack}",
        (("Subnets", "subnets"),),
        (("scope", "all"), ("duration", iso_duration(s.fault_duration_s))))
    limits = (
        f"the AWS API endpoints of {target} keep answering; the drill must not rely on them "
        "being down (the embedded backend cuts them off, FIS cannot)",
        "RDS cross-region replication and EFS replication run outside your subnets and keep "
        "copying data, so RPO is not exercised as in a real region loss",
        "Route 53 health checks see the ALB fail only because its subnets are isolated")
    return target, f"StreamFlix region outage of {target}", (_subnets(stack),), (isolate,), limits


def _region_partition(s: Settings, seconds: float | None = None) -> _Parts:
    cut = FisAction(
        "cut-cross-region", "aws:network:route-table-disrupt-cross-region-connectivity",
        f"block traffic from the primary subnets to {s.dr_region}",
        (("Subnets", "subnets"),),
        (("region", s.dr_region), ("duration", iso_duration(seconds or s.fault_duration_s))))
    limits = ("AWS-managed replication (RDS, EFS) does not use your route tables and is not "
              "cut: FIS cannot stop it, so RPO is not exercised (the embedded backend holds "
              "replication for the partition's length); only the application's own "
              "cross-region traffic is blocked",)
    return (s.primary_region, f"StreamFlix partition {s.primary_region} -x- {s.dr_region}",
            (_subnets(s.primary_stack),), (cut,), limits)


def _az_loss(s: Settings, az: str) -> _Parts:
    db = FisTarget("database", "aws:rds:db", ((_STACK_TAG, s.primary_stack),))
    cache, power = _cache_power(s, az)
    actions = (
        FisAction("isolate-az", "aws:network:disrupt-connectivity",
                  f"deny traffic between {az} and the other zones",
                  (("Subnets", "subnets"),),
                  (("scope", "availability-zone"),
                   ("duration", iso_duration(s.fault_duration_s)))),
        FisAction("fail-over-database", "aws:rds:reboot-db-instances",
                  "reboot the Multi-AZ writer with a forced failover to its standby",
                  (("DBInstances", "database"),), (("forceFailover", "true"),)),
        power,
    )
    limits = ("scope availability-zone partitions the zone from the others; scope all would "
              "black-hole it entirely",
              "the database failover is one-shot: a stop condition does not undo it, and it "
              "fails the writer over whichever zone it is in",
              "ECS tasks in the zone are cut off, not stopped: they fail their ALB health "
              "checks and ECS replaces them, possibly in the same isolated zone")
    return (s.primary_region, f"StreamFlix loss of {az}",
            (_subnets(s.primary_stack, az), db, cache), actions, limits)


def _cache_power(s: Settings, az: str) -> tuple[FisTarget, FisAction]:
    group = FisTarget("cache", "aws:elasticache:replicationgroup",
                      ((_STACK_TAG, s.primary_stack),),
                      parameters=(("availabilityZoneIdentifier", az),))
    power = FisAction("interrupt-cache-az-power",
                      "aws:elasticache:replicationgroup-interrupt-az-power",
                      f"power off the cache nodes in {az}", (("ReplicationGroups", "cache"),),
                      (("duration", iso_duration(s.fault_duration_s)),))
    return group, power


def _database_failure(s: Settings) -> _Parts:
    db = FisTarget("database", "aws:rds:db", ((_STACK_TAG, s.primary_stack),))
    reboot = FisAction("fail-over-database", "aws:rds:reboot-db-instances",
                       "reboot the primary database with a forced Multi-AZ failover",
                       (("DBInstances", "database"),), (("forceFailover", "true"),))
    limits = ("one-shot: a stop condition cannot stop or undo a failover once it started",
              "Multi-AZ DB instances only (aws:rds:failover-db-cluster is for DB clusters)")
    return s.primary_region, "StreamFlix primary database failure", (db,), (reboot,), limits


def _cache_node_failure(s: Settings, node_group: str = "0001", az: str | None = None) -> _Parts:
    zone = az or f"{s.primary_region}a"
    group, power = _cache_power(s, zone)
    limits = (f"FIS has no action for one node: it cuts power to every node of the group in "
              f"{zone} (give az= the primary node's zone); the embedded backend uses "
              f"ElastiCache's TestFailover on node group {node_group}, which FIS does not call",
              "Multi-AZ replication groups only; replacements are blocked while it runs")
    return (s.primary_region, f"StreamFlix cache primary lost ({zone})", (group,), (power,),
            limits)


def _ecs_task_crash(s: Settings, count: int = 1) -> _Parts:
    tasks = FisTarget("tasks", "aws:ecs:task", ((_STACK_TAG, s.primary_stack),),
                      selection_mode=f"COUNT({count})",
                      parameters=(("cluster", s.primary_cluster), ("service", s.primary_service)))
    stop = FisAction("stop-tasks", "aws:ecs:stop-task",
                     f"stop {count} task(s) of {s.primary_service}", (("Tasks", "tasks"),))
    limits = ("one-shot: the service replaces the tasks itself; nothing to revert",)
    return s.primary_region, f"StreamFlix stop {count} ECS task(s)", (tasks,), (stop,), limits


_Parts = tuple[str, str, tuple[FisTarget, ...], tuple[FisAction, ...], tuple[str, ...]]

# Fault name -> builder; a builder takes the settings and the fault's options.
FIS_FAULTS: dict[str, Callable[..., _Parts]] = {
    "region-outage": _region_outage,
    "region-partition": _region_partition,
    "az-loss": _az_loss,
    "database-failure": _database_failure,
    "cache-node-failure": _cache_node_failure,
    "ecs-task-crash": _ecs_task_crash,
}

# Faults FIS cannot express, and why: on the aws backend they are refused, not approximated.
FIS_UNSUPPORTED: dict[str, str] = {
    "replication-lag": "FIS has no action that slows or stalls an RDS cross-region read "
                       "replica; a heavy write load or a long transaction on the primary is "
                       "the only way to make real replica lag",
    "dns-change-slow": "FIS has no Route 53 action: nothing can make Route 53 propagate a "
                       "change later",
    "dns-change-failing": "FIS has no Route 53 action: nothing can make Route 53 refuse a "
                          "change on purpose",
}


def fis_template(fault: str, settings: Settings, **options: Any) -> FisTemplate:
    """The FIS experiment template for ``fault`` with the settings' names, role and alarms.

    Raises:
        ConfigError: unknown fault, bad options, or no FIS role or stop alarm configured.
    """
    builder = FIS_FAULTS.get(fault)
    if fault in FIS_UNSUPPORTED:
        raise ConfigError(f"fault {fault!r} cannot run as a FIS experiment: "
                          f"{FIS_UNSUPPORTED[fault]}")
    if builder is None:
        raise ConfigError(f"fault {fault!r} has no FIS experiment template; faults with one: "
                          f"{', '.join(sorted(FIS_FAULTS))}")
    if not settings.fis_role_arn or not settings.stop_alarm_arns:
        raise ConfigError("FIS experiments need fis_role_arn (the role FIS runs as) and at "
                          "least one stop_alarm_arns entry (a CloudWatch alarm that stops the "
                          "experiment); set both in drill.toml")
    try:
        region, description, targets, actions, limits = builder(settings, **options)
    except TypeError as exc:
        raise ConfigError(f"bad options {options!r} for fault {fault!r}: {exc}") from None
    tags = (("Application", "StreamFlix"), ("Environment", settings.environment_suffix),
            ("ManagedBy", "streamflix-drill"), ("Fault", fault))
    return FisTemplate(fault, region, description, settings.fis_role_arn,
                       settings.stop_alarm_arns, targets, actions, tags, limits)
