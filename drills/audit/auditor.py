"""The readiness audit: what would make a failover fail or miss its objectives, found early.

``drill audit`` reads the deployed stacks once (:mod:`drills.audit.facts`, read-only) and
runs every check in :data:`CHECKS` on what it read. Each check is a small function of the
facts and the settings that returns findings from the catalogue
(:mod:`drills.audit.catalogue`, which defines the severities); none makes a call. The audit
passes (exit 0) when no finding is critical or major. ``docs/audit.md`` lists every id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from drills.audit.catalogue import BLOCKING, SEVERITIES, Finding, finding
from drills.audit.facts import AuditFacts, Record, RtoBudget, read_facts, rto_budget
from drills.safety.preflight import REPLICATION_STOPPED
from drills.settings.config import Settings
from infra.aws import ClientFactory
from infra.embedded.latency import DEFAULT_SPECS, Transition

__all__ = ["CHECKS", "AuditReport", "Finding", "judge", "run_audit"]

_STABLE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")
_SOURCE = "ReadReplicaSourceDBInstanceIdentifier"
# Instance states a replica does not leave by itself; anything else but "available" passes.
_BROKEN_DB = ("failed", "stopped", "stopping", "storage-full", "restore-error", "deleting",
              "incompatible-network", "incompatible-parameters", "incompatible-restore",
              "inaccessible-encryption-credentials", "inaccessible-encryption-credentials-"
              "recoverable")
_BROKEN_REPLICATION = ("error", "stopped", "terminated")  # StatusInfos "read replication"
# AWS: "most Amazon EFS file systems will have a recovery point objective (RPO) of 15 minutes
# or less" (latency-model.md, F1).
_EFS_RPO_S = 900.0
_PROMOTE = DEFAULT_SPECS[Transition.RDS_PROMOTE]
_GONE_CACHE = ("deleting", "deleted", "create-failed")  # replication group states
# <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag]: a private ECR image's region.
_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/")

Check = Callable[[AuditFacts, Settings], list[Finding]]


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Every finding, most severe first, and the RTO budget when it could be worked out."""

    findings: tuple[Finding, ...]
    rto_budget: RtoBudget | None

    @property
    def passed(self) -> bool:
        """True when no finding is critical or major."""
        return not any(f.severity in BLOCKING for f in self.findings)

    @property
    def exit_code(self) -> int:
        """0 when the audit passed, else 1."""
        return 0 if self.passed else 1


def stack_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """Both stacks exist and are in a stable, complete state."""
    found = []
    for summary, stack, region in ((f.primary_stack, s.primary_stack, s.primary_region),
                                   (f.dr_stack, s.dr_stack, s.dr_region)):
        if summary is None:
            found.append(finding("DR-STACK-MISSING", stack=stack, region=region,
                                 env=s.environment_suffix))
        elif stack in f.creation_failures:
            found.append(finding("DR-STACK-CREATE-FAILED", why=f.creation_failures[stack]))
        elif summary.get("StackStatus") not in _STABLE:
            found.append(finding("DR-STACK-NOT-READY", stack=stack, region=region,
                                 status=summary.get("StackStatus")))
    return found


def template_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """cfn-lint's warnings on the templates (its errors stop a deploy before it starts)."""
    return [finding("DR-TEMPLATE-LINT", warning=w) for w in f.lint_warnings]


def replica_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """The DR database exists, is a read replica of the primary, and is replicating."""
    r = f.replica
    names = {"name": f"DR database {s.replica_id} ({s.dr_region})", "replica": s.replica_id,
             "dr_stack": s.dr_stack}
    if r is None:
        return [finding("DR-REPLICA-MISSING", **names)]
    source, primary = r.get(_SOURCE), (f.primary_db or {}).get("DBInstanceArn")
    if not source:
        return [finding("DR-REPLICA-NOT-A-REPLICA", **names)]
    if primary and source != primary:
        return [finding("DR-REPLICA-WRONG-SOURCE", source=source, primary=primary, **names)]
    return _replica_state(r, names["name"])


def _replica_state(r: Record, name: str) -> list[Finding]:
    status = r.get("DBInstanceStatus")
    replication = next((i.get("Status") for i in r.get("StatusInfos") or []
                        if i.get("StatusType") == "read replication"), None)
    state = f"is {status}" + (f", read replication {replication}" if replication else "")
    if status in _BROKEN_DB or replication in _BROKEN_REPLICATION:
        return [finding("DR-REPLICA-NOT-REPLICATING", name=name, state=state)]
    if status != "available" or replication not in (None, "replicating"):
        return [finding("DR-REPLICA-NOT-AVAILABLE", name=name, state=state)]
    return []


def replica_lag_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """ReplicaLag, where CloudWatch has it, is running (-1 means stopped) and within the RPO."""
    lag, name = f.replica_lag, f"DR database {s.replica_id}"
    if lag is None:
        return []  # no replica to read it for: replica_findings says so
    if lag.seconds is None:
        why = (" (the embedded AWS, moto, publishes no RDS metrics; a drill's preflight gate "
               "reads the lag from the region simulator instead)"
               if s.backend == "embedded" else "")
        return [finding("DR-REPLICA-LAG-UNKNOWN", name=name, rpo=s.rpo_objective_s,
                        detail=lag.detail, why=why)]
    if lag.seconds == REPLICATION_STOPPED or lag.seconds < 0:
        return [finding("DR-REPLICATION-STOPPED", name=name, lag=lag.seconds, detail=lag.detail)]
    if lag.seconds > s.rpo_objective_s:
        return [finding("DR-REPLICA-LAG-OVER-RPO", name=name, lag=lag.seconds,
                        detail=lag.detail, rpo=s.rpo_objective_s)]
    return []


def dr_service_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """The DR ECS service exists and its task definition can start a task."""
    svc, name = f.dr_service, f"DR ECS service {s.dr_service} in cluster {s.dr_cluster}"
    if svc is None or svc.get("status") != "ACTIVE":
        state = "does not exist" if svc is None else f"is {svc.get('status')}"
        return [finding("DR-SERVICE-MISSING", name=name, region=s.dr_region, state=state,
                        dr_stack=s.dr_stack)]
    found, td = [], f.task_definition
    names = {"arn": svc.get("taskDefinition"), "name": name}
    if td is None or td.get("status") == "DELETE_IN_PROGRESS":
        found.append(finding("DR-TASKDEF-MISSING", **names))
    elif td.get("status") == "INACTIVE":
        found.append(finding("DR-TASKDEF-INACTIVE", **names))
    elif not [c for c in td.get("containerDefinitions") or [] if c.get("image")]:
        found.append(finding("DR-TASKDEF-NO-IMAGE", **names))
    for image in [c.get("image") or "" for c in (td or {}).get("containerDefinitions") or []]:
        match = _ECR_IMAGE.match(image)
        if match and match.group(1) == s.primary_region:
            found.append(finding("DR-TASK-IMAGE-IN-PRIMARY", image=image, dr_region=s.dr_region,
                                 primary_region=s.primary_region, **names))
    if svc.get("desiredCount", 0) != 0:
        found.append(finding("DR-SERVICE-NOT-STANDBY", name=name, count=svc["desiredCount"]))
    return found


def target_group_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """The DR target group exists, is behind the DR ALB and health-checks ``/health``."""
    arn = f.output("dr", "TargetGroupArn")
    if arn is None:
        return []  # no DR stack outputs: stack_findings says so
    tg, name = f.target_group, f"DR target group {arn}"
    if tg is None:
        return [finding("DR-TG-MISSING", name=name)]
    found = [] if tg.get("LoadBalancerArns") else [finding("DR-TG-NOT-ATTACHED", name=name)]
    path, enabled = tg.get("HealthCheckPath"), tg.get("HealthCheckEnabled", True)
    if path != "/health" or not enabled:
        what = f"health-checks {path!r}" if enabled else "has health checks disabled"
        found.append(finding("DR-TG-HEALTH-PATH", name=name, what=what))
    return found


def _admits(permission: Record, group_id: str, port: int) -> bool:
    protocol = str(permission.get("IpProtocol", ""))
    if protocol not in ("-1", "tcp", "6"):
        return False
    if protocol != "-1" and not (int(permission.get("FromPort", 0)) <= port
                                 <= int(permission.get("ToPort", 0))):
        return False
    pairs = permission.get("UserIdGroupPairs") or []
    # A CIDR rule (the VPC's range, or anywhere) lets the load balancer in too.
    return any(p.get("GroupId") == group_id for p in pairs) or bool(permission.get("IpRanges"))


def task_network_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """The DR tasks' security group admits the DR load balancer on the target group's port."""
    group, alb = f.task_security_group, f.alb_security_group_id
    if group is None or alb is None:
        return []  # not read (no DR stack, or not our template's groups): nothing to judge
    port = int((f.target_group or {}).get("Port") or 8080)
    if any(_admits(p, alb, port) for p in group.get("IpPermissions") or []):
        return []
    return [finding("DR-TASK-SG-BLOCKS-ALB", task_sg=group.get("GroupId"), alb_sg=alb,
                    port=port)]


def rto_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """The app record and health check exist, and a typical failover fits in the RTO."""
    record = f.output("primary", "AppDNSName")
    if record is None:
        return []  # no primary stack outputs: stack_findings says so
    found = [] if f.app_record else [finding("DR-DNS-RECORD-MISSING", record=record)]
    if f.health_check is None:
        found.append(finding("DR-HEALTH-CHECK-MISSING",
                             check=f.output("primary", "PrimaryHealthCheckId")))
    budget = rto_budget(f, s)
    slow = rto_budget(f, s, promote_s=_PROMOTE.high)
    if budget is None or slow is None:
        return found
    if not budget.fits:
        found.append(finding("DR-RTO-BUDGET-EXCEEDED", total=budget.total_s, rto=budget.objective_s,
                             parts=budget.describe(), record=record))
    elif not slow.fits:
        found.append(finding("DR-RTO-SLOW-PROMOTION", total=budget.total_s,
                             rto=budget.objective_s, high=_PROMOTE.high,
                             typical=_PROMOTE.typical, slow=slow.total_s))
    return found


def kms_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """The DR region's KMS key, which encrypts the replica, EFS and cache, is usable."""
    key = f.output("dr", "KMSKeyId") or s.dr_kms_alias
    if f.dr_key is None:
        return [finding("DR-KMS-KEY-MISSING", key=key, region=s.dr_region)]
    state = f.dr_key.get("KeyState", "Enabled" if f.dr_key.get("Enabled") else "Disabled")
    if state != "Enabled":
        return [finding("DR-KMS-KEY-UNUSABLE", key=key, region=s.dr_region, state=state)]
    return []


def efs_replication_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """EFS replicates the primary file system to the DR one, and how far it can lag."""
    src, dst = f.output("primary", "EFSFileSystemId"), f.output("dr", "EFSFileSystemId")
    if src is None or dst is None:
        return []  # a stack or its outputs are missing: stack_findings says so
    found = [d for r in f.efs_replications for d in r.get("Destinations") or []
             if d.get("FileSystemId") == dst and d.get("Region") == s.dr_region]
    names = {"src": src, "dst": dst}
    if not found:
        return [finding("DR-EFS-REPLICATION-MISSING", primary_region=s.primary_region,
                        dr_region=s.dr_region, env=s.environment_suffix, **names)]
    status = found[0].get("Status")
    if status == "ENABLING":
        return [finding("DR-EFS-REPLICATION-SYNCING", **names)]
    if status != "ENABLED":
        return [finding("DR-EFS-REPLICATION-NOT-ENABLED", status=status, **names)]
    if s.efs_rpo_objective_s is not None and s.efs_rpo_objective_s < _EFS_RPO_S:
        # The drill judges EFS against this: a healthy replication can miss it.
        return [finding("DR-EFS-RPO-OBJECTIVE", rpo=s.efs_rpo_objective_s, **names)]
    if s.rpo_objective_s < _EFS_RPO_S:
        return [finding("DR-EFS-RPO", rpo=s.rpo_objective_s, **names)]
    return []


def encryption_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """Databases, file systems and caches in both regions are encrypted."""
    found = [finding("DR-RDS-UNENCRYPTED", what="at rest",
                     name=f"Database {db.get('DBInstanceIdentifier')}")
             for db in (f.primary_db, f.replica) if db and not db.get("StorageEncrypted")]
    found += [finding("DR-EFS-UNENCRYPTED", what="at rest",
                      name=f"EFS file system {fs.get('FileSystemId')}")
              for fs in (f.primary_fs, f.dr_fs) if fs and not fs.get("Encrypted")]
    for fid, key, what in (
            ("DR-CACHE-UNENCRYPTED-AT-REST", "AtRestEncryptionEnabled", "at rest"),
            ("DR-CACHE-UNENCRYPTED-IN-TRANSIT", "TransitEncryptionEnabled", "in transit")):
        found += [finding(fid, what=what, name=f"Cache {c.get('ReplicationGroupId')}")
                  for c in (f.primary_cache, f.dr_cache) if c and not c.get(key)]
    return found


def cache_replication_findings(f: AuditFacts, s: Settings) -> list[Finding]:
    """Whether the DR cache receives the primary cache's data (it usually does not)."""
    cache = s.dr_cache_id
    status = (f.dr_cache or {}).get("Status")
    if f.dr_cache is None or status in _GONE_CACHE:
        if f.dr_stack is None:
            return []  # stack_findings says the whole stack is missing
        state = "does not exist" if f.dr_cache is None else f"is {status}"
        return [finding("DR-CACHE-MISSING", cache=cache, region=s.dr_region, state=state)]
    if (f.dr_cache or {}).get("GlobalReplicationGroupInfo", {}).get("GlobalReplicationGroupId"):
        return []
    if s.cache_rpo_objective_s is not None:  # judged by the drill: it will miss it
        return [finding("DR-CACHE-RPO-OBJECTIVE", cache=cache, region=s.dr_region,
                        rpo=s.cache_rpo_objective_s)]
    return [finding("DR-CACHE-NOT-REPLICATED", cache=cache, region=s.dr_region,
                    state="is an empty standby")]


CHECKS: tuple[Check, ...] = (stack_findings, replica_findings, replica_lag_findings,
                             dr_service_findings, target_group_findings, task_network_findings,
                             rto_findings,
                             kms_findings, efs_replication_findings, encryption_findings,
                             cache_replication_findings, template_findings)


def judge(facts: AuditFacts, settings: Settings) -> AuditReport:
    """Run every check on ``facts``; findings most severe first, in check order."""
    found = [one for check in CHECKS for one in check(facts, settings)]
    found.sort(key=lambda one: SEVERITIES.index(one.severity))
    return AuditReport(findings=tuple(found), rto_budget=rto_budget(facts, settings))


def run_audit(settings: Settings, factory: ClientFactory, *,
              now: datetime | None = None) -> AuditReport:
    """Read the deployed stacks (read-only) and judge them; ``now`` bounds the lag query."""
    when = now or datetime.now(UTC)  # only the window of the CloudWatch query, not a duration
    return judge(read_facts(settings, factory, now=when), settings)
