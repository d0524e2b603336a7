"""Every finding the readiness audit can report: its id, severity, message and fix.

The catalogue is data: each entry's message and fix are ``str.format`` templates that the
checks in :mod:`drills.audit.auditor` fill with the resource's name and what was seen, so one id
always has one severity and ``docs/audit.md`` can be checked against :data:`CATALOGUE`.

Severities:

- ``critical``: the failover would fail, or DR holds no copy of some data;
- ``major``: the failover would work but miss an objective, or a stated requirement
  (encryption, the ``/health`` contract) does not hold;
- ``minor``: a known, accepted gap (a store that cannot meet a near-zero RPO by design);
- ``info``: worth knowing, nothing to fix (a figure that could not be read, a slow tail).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["BLOCKING", "CATALOGUE", "SEVERITIES", "Finding", "FindingKind", "Severity",
           "finding"]

Severity = Literal["critical", "major", "minor", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "major", "minor", "info")
BLOCKING: frozenset[Severity] = frozenset({"critical", "major"})
_ID = re.compile(r"^DR-[A-Z0-9]+(?:-[A-Z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the audit found: id, severity, what (naming the resource) and the fix."""

    id: str
    severity: Severity
    message: str
    fix: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES or not _ID.match(self.id):
            raise ValueError(f"a finding needs an id like 'DR-REPLICA-MISSING' and a severity "
                             f"in {SEVERITIES!r}; got {self.id!r}, {self.severity!r}")


@dataclass(frozen=True, slots=True)
class FindingKind:
    """A catalogue entry: the severity, and templates of the message and the fix."""

    severity: Severity
    message: str
    fix: str


_K = FindingKind
_REDEPLOY_REPLICA = ("Delete {replica} and the DR stack {dr_stack}, then deploy again so "
                     "CloudFormation re-creates it as a cross-region read replica of the "
                     "primary.")
_ENCRYPT = "{name} is not encrypted {what}, as the deployment guide requires of every data store."

CATALOGUE: Mapping[str, FindingKind] = {
    "DR-STACK-MISSING": _K(
        "critical", "Stack {stack} does not exist in {region}: the checks that need its "
        "outputs were skipped.", "Deploy it: drill deploy --env {env}."),
    "DR-STACK-NOT-READY": _K(
        "critical", "Stack {stack} in {region} is {status}, not a completed create or update: "
        "its resources cannot be relied on.", "Wait for the stack operation to finish; if it "
        "failed, read the stack events, fix the cause, delete and deploy again."),
    "DR-STACK-CREATE-FAILED": _K(
        "critical", "The {why}: nothing of it is deployed, so there is nothing to fail over "
        "to or from.", "Fix the cause AWS names in the template, delete the rolled-back stack "
        "(drill teardown, or aws cloudformation delete-stack) and deploy again."),
    "DR-TEMPLATE-LINT": _K(
        "minor", "cfn-lint warns: {warning}.", "Fix the template where cfn-lint points; if "
        "the warning is accepted, suppress the rule for that resource in its Metadata "
        "(cfn-lint: config: ignore_checks) or in .cfnlintrc.yaml, saying why."),
    "DR-REPLICA-MISSING": _K(
        "critical", "{name} does not exist: a failover has no database to promote, so DR "
        "cannot serve.", _REDEPLOY_REPLICA),
    "DR-REPLICA-NOT-A-REPLICA": _K(
        "critical", "{name} is a standalone instance, not a read replica (it was promoted, or "
        "made on its own): the primary's writes no longer reach it, and a failover would serve "
        "stale data.", _REDEPLOY_REPLICA + " A promoted instance cannot become a replica again."),
    "DR-REPLICA-WRONG-SOURCE": _K(
        "critical", "{name} replicates from {source}, not from the primary database {primary}: "
        "a failover would serve another database's data.", _REDEPLOY_REPLICA),
    "DR-REPLICA-NOT-REPLICATING": _K(
        "critical", "{name} {state}: it is not replicating, so it falls behind the primary and "
        "may not be promotable.", "Read the replica's events and its replication error (RDS "
        "console, or describe-events), fix the cause (storage, parameters, KMS key access), or "
        "re-create the replica."),
    "DR-REPLICA-NOT-AVAILABLE": _K(
        "major", "{name} {state}, not available: a promotion would have to wait until it is.",
        "Let the current operation (backup, modification, reboot) finish and audit again; "
        "schedule maintenance outside the hours a failover is likely."),
    "DR-REPLICATION-STOPPED": _K(
        "critical", "{name} reports ReplicaLag {lag:g} ({detail}): -1 means replication has "
        "stopped, not that the replica is caught up. Writes made since are not in DR.",
        "Find why replication stopped (RDS events, the replica's replication error) and "
        "restart it, or re-create the replica."),
    "DR-REPLICA-LAG-OVER-RPO": _K(
        "major", "{name} lags {lag:g} s behind the primary ({detail}), more than the {rpo:g} s "
        "RPO objective: a failover now would lose that many seconds of writes.", "Find what "
        "slows the replica (long transactions, write bursts, an undersized replica class) and "
        "fix it before relying on the RPO objective."),
    "DR-REPLICA-LAG-UNKNOWN": _K(
        "info", "The replication lag of {name} was not checked against the {rpo:g} s RPO "
        "objective: {detail}{why}.", "None on the embedded backend. On AWS, check that the "
        "replica publishes ReplicaLag and that the audit may read CloudWatch "
        "(cloudwatch:GetMetricStatistics)."),
    "DR-SERVICE-MISSING": _K(
        "critical", "{name} ({region}) {state}: the failover runbook scales this service up, it "
        "does not create it, so no task would serve in DR.", "Re-create the service from the "
        "DR stack {dr_stack} (delete the stack and deploy again) with desired count 0."),
    "DR-TASKDEF-MISSING": _K(
        "critical", "The task definition {arn} of {name} no longer exists: ECS cannot start its "
        "tasks.", "Register the task definition again and point the service at it (update the "
        "DR stack), then audit again."),
    # AWS lets an existing service scale with a deregistered revision, so the failover
    # itself would still start tasks: major, not critical.
    "DR-TASKDEF-INACTIVE": _K(
        "major", "The task definition {arn} of {name} is deregistered (INACTIVE): the service "
        "can still scale up with it, but a re-created service cannot use it and it can be "
        "deleted at any time.", "Register a new revision and update the service to it (update "
        "the DR stack)."),
    "DR-TASKDEF-NO-IMAGE": _K(
        "critical", "The task definition {arn} of {name} has no container with an image: no "
        "task can start.", "Set the application image (the DR stack's ContainerImage "
        "parameter) and update the stack."),
    "DR-TASK-IMAGE-IN-PRIMARY": _K(
        "critical", "The task definition {arn} of {name} pulls its image {image} from "
        "{primary_region}'s registry: when {primary_region} is lost, no DR task can pull it, "
        "so none starts.", "Replicate the repository to {dr_region} (ECR replication) and "
        "point the DR stack's ContainerImage at the {dr_region} copy."),
    "DR-TASK-SG-BLOCKS-ALB": _K(
        "critical", "Security group {task_sg} of the DR tasks admits nothing from the DR load "
        "balancer's group {alb_sg} on port {port}: every request and health check through the "
        "DR ALB would time out.", "Restore the ingress rule from the DR stack "
        "(TaskSecurityGroup: tcp {port} from ALBSecurityGroup)."),
    "DR-SERVICE-NOT-STANDBY": _K(
        "info", "{name} wants {count} tasks, not 0: it is running rather than a warm standby "
        "(a faster failover, at full cost).", "None if intended; otherwise scale it to 0."),
    "DR-TG-MISSING": _K(
        "critical", "{name} does not exist: the DR load balancer has nowhere to send requests.",
        "Re-create it from the DR stack (delete the stack and deploy again)."),
    "DR-TG-NOT-ATTACHED": _K(
        "critical", "No load balancer forwards to {name}: DNS would point at a DR ALB that "
        "serves nothing.", "Restore the DR ALB's listener default action (forward to this "
        "target group) from the DR stack."),
    "DR-TG-HEALTH-PATH": _K(
        "major", "{name} {what}, not '/health': tasks can be marked healthy while the database "
        "or cache is down, or never healthy if the path does not answer 200.", "Set the "
        "health-check path back to /health (update the DR stack, or modify-target-group "
        "--health-check-path /health)."),
    "DR-DNS-RECORD-MISSING": _K(
        "critical", "The application record {record} is missing: clients cannot reach the "
        "application in either region.", "Re-create the CNAME from the primary stack (TTL 60, "
        "pointing at the primary ALB)."),
    "DR-HEALTH-CHECK-MISSING": _K(
        "major", "The Route 53 health check {check} of the primary is missing: nothing detects "
        "a regional outage, so the RTO budget could not be worked out and detection waits for "
        "a human.", "Re-create it from the primary stack (HTTP /health on the primary ALB, "
        "every 10 s, 3 failures)."),
    "DR-RTO-BUDGET-EXCEEDED": _K(
        "major", "A typical failover takes {total:g} s, more than the {rto:g} s RTO objective: "
        "{parts} (detect: the health check's RequestInterval x FailureThreshold; DNS TTL: "
        "{record}).", "Shorten what dominates: the record's TTL (60 s) and the health check's "
        "interval and failure threshold (10 s x 3)."),
    "DR-RTO-SLOW-PROMOTION": _K(
        "info", "A typical failover fits ({total:g} s of {rto:g} s), but the slowest promotion "
        "the latency model allows ({high:g} s instead of {typical:g} s, about 1 in 1000) would "
        "make it {slow:g} s.", "None in the stack; keep the TTL and detection short to leave "
        "margin, and rehearse: promotion time grows with load and size."),
    "DR-KMS-KEY-MISSING": _K(
        "critical", "KMS key {key} does not exist in {region}: it encrypts the DR replica, file "
        "system and cache, which cannot be read without it.", "Restore the key if it is "
        "pending deletion (cancel-key-deletion); otherwise the DR data encrypted with it is "
        "lost: re-create the DR stack."),
    "DR-KMS-KEY-UNUSABLE": _K(
        "critical", "KMS key {key} in {region} is {state}: it encrypts the DR replica, file "
        "system and cache, which cannot be read while it is.", "Enable the key, or cancel its "
        "deletion (cancel-key-deletion, then enable-key)."),
    "DR-EFS-REPLICATION-MISSING": _K(
        "critical", "EFS file system {src} ({primary_region}) is not replicated to {dst} "
        "({dr_region}): DR holds no copy of the application's files.", "Configure it: drill "
        "deploy --env {env} creates the replication when it is missing (the DR file system "
        "must have replication overwrite protection off)."),
    "DR-EFS-REPLICATION-SYNCING": _K(
        "major", "EFS replication {src} -> {dst} is still making its first copy: DR's files "
        "are incomplete.", "Wait until the replication is ENABLED, then audit again."),
    "DR-EFS-REPLICATION-NOT-ENABLED": _K(
        "critical", "EFS replication {src} -> {dst} is {status}: files written since are not "
        "copied to DR.", "Read the replication's status message, fix the cause (KMS key "
        "access, deleted destination) or delete and re-create the replication."),
    "DR-EFS-RPO": _K(
        "minor", "EFS replication {src} -> {dst} is asynchronous: AWS states an RPO of up to "
        "15 minutes for most file systems, above the {rpo:g} s RPO objective. Files written in "
        "the last minutes before a regional loss can be lost.", "Accept a file RPO of up to 15 "
        "minutes, or keep what must not be lost in the database; watch the TimeSinceLastSync "
        "metric."),
    "DR-EFS-RPO-OBJECTIVE": _K(
        "major", "The EFS RPO objective is {rpo:g} s, but EFS replication {src} -> {dst} is "
        "asynchronous with an RPO of up to 15 minutes for most file systems (AWS): a drill "
        "judging EFS against {rpo:g} s can fail on a healthy setup, and a real failover can "
        "lose more files than that.", "Set efs_rpo_objective_s to 900 (AWS's figure), or keep "
        "what must not be lost in the database."),
    "DR-RDS-UNENCRYPTED": _K(
        "major", _ENCRYPT, "Encryption cannot be turned on in place: restore an encrypted copy "
        "of a snapshot and re-create the replica."),
    "DR-EFS-UNENCRYPTED": _K(
        "major", _ENCRYPT, "Create an encrypted file system, copy the data (or replicate into "
        "it) and switch the stacks to it."),
    "DR-CACHE-UNENCRYPTED-AT-REST": _K(
        "major", _ENCRYPT, "Re-create the replication group with encryption at rest on (update "
        "the stack)."),
    "DR-CACHE-UNENCRYPTED-IN-TRANSIT": _K(
        "major", _ENCRYPT, "Re-create the replication group with encryption in transit on "
        "(update the stack)."),
    "DR-CACHE-MISSING": _K(
        "critical", "The DR cache {cache} {state} in {region}: the application's "
        "/health needs its cache, so DR cannot serve.", "Re-create it from the DR stack "
        "(update the stack, or delete and deploy it again)."),
    "DR-CACHE-RPO-OBJECTIVE": _K(
        "major", "The cache has an RPO objective of {rpo:g} s, but the DR cache {cache} "
        "({region}) receives nothing from the primary: every cached key is lost in a "
        "failover, so no drill can meet it.", "Unset cache_rpo_objective_s (the app rebuilds "
        "the cache from the database), or join both caches in a Global Datastore (not t3 "
        "nodes; RPO under 1 s)."),
    "DR-CACHE-NOT-REPLICATED": _K(
        "minor", "The DR cache {cache} ({region}) {state}: nothing copies the primary cache to "
        "it, so every cached key (sessions, catalogue) is gone after a failover. The cache "
        "cannot meet a near-zero RPO; the application must rebuild it from the database.",
        "Accept it (the cache is an accelerator), or move both caches to a node type that "
        "Global Datastore supports (m5, r5, m6g, r6g and up; not t3) and join them in one "
        "Global Datastore (RPO under 1 s)."),
}


def finding(fid: str, **values: Any) -> Finding:
    """The catalogue's finding ``fid`` with its templates filled from ``values``."""
    kind = CATALOGUE[fid]
    return Finding(fid, kind.severity, kind.message.format(**values), kind.fix.format(**values))
