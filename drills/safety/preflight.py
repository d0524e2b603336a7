"""The preflight gate: what must hold before a drill injects its first fault.

1. Steady state: the last ``steady_state_samples`` probes are healthy and served by the
   primary region (a drill that starts from a sick app measures nothing useful).
2. The DR database is still a read replica of the primary and ``available``.
3. The replica is replicating, with ``ReplicaLag`` within the RPO objective. ``ReplicaLag``
   of -1 means replication has stopped, not that there is no lag: it is refused, as is a
   lag that could not be read at all.
4. The DR ECS service exists and is ``ACTIVE`` (warm standby: it may run no task).
5. The DR load balancer the runbook will point DNS at exists and is ``active``.

Every check runs; :meth:`PreflightReport.raise_if_refused` raises one
:class:`~infra.core.errors.SafetyRefusal` (exit 3) listing every failed check. Where the lag
comes from is the backend's business (``replica_lag_seconds()``; see ``docs/safety.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drills.settings.config import Settings
from infra.aws import ClientFactory
from infra.core.errors import SafetyRefusal

__all__ = [
    "REPLICATION_STOPPED",
    "Check",
    "PreflightReport",
    "dr_alb_check",
    "dr_service_check",
    "replica_check",
    "replication_check",
    "run_checks",
    "steady_state_check",
]

# What CloudWatch's RDS ReplicaLag reports when replication is not running.
REPLICATION_STOPPED = -1.0


@dataclass(frozen=True, slots=True)
class Check:
    """One preflight check: its name, whether it passed, and what was seen."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class PreflightReport:
    """Every check's outcome."""

    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(c.ok for c in self.checks)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The details of the failed checks, in check order."""
        return tuple(c.detail for c in self.checks if not c.ok)

    def raise_if_refused(self) -> None:
        """Raise SafetyRefusal listing every failed check, if any failed."""
        if not self.passed:
            raise SafetyRefusal("preflight refused to inject a fault", reasons=self.reasons)


def steady_state_check(samples: Sequence[Any], *, need: int, region: str) -> Check:
    """The last ``need`` probes are healthy and served by ``region``."""
    tail = list(samples)[-need:]
    if len(tail) == need and all(s.ok and s.region == region for s in tail):
        return Check("steady-state", True, f"last {need} probes healthy from {region}")
    if not tail:
        return Check("steady-state", False, "no probe has run: steady state was never checked")
    last = tail[-1]
    seen = (f"HTTP {last.status} from {last.region or 'nowhere'}"
            + (f" ({last.error})" if getattr(last, "error", "") else ""))
    return Check("steady-state", False, f"the application is not healthy in {region}: of the "
                 f"last {len(tail)} probes {sum(1 for s in tail if s.ok)} were healthy, the "
                 f"newest saw {seen}")


def replication_check(lag_seconds: float | None, *, rpo_seconds: float, replica: str) -> Check:
    """Replication runs and its lag is within the RPO objective (-1 means stopped)."""
    if lag_seconds is None:
        return Check("replication", False, f"could not read ReplicaLag of {replica!r}")
    if lag_seconds == REPLICATION_STOPPED or lag_seconds < 0:
        return Check("replication", False, f"replica {replica!r} is not replicating "
                     f"(ReplicaLag {lag_seconds:g}: replication stopped)")
    if lag_seconds > rpo_seconds:
        return Check("replication", False, f"replica {replica!r} lags {lag_seconds:.1f}s, more "
                     f"than the RPO objective of {rpo_seconds:g}s")
    return Check("replication", True, f"replica {replica!r} replicating, lag {lag_seconds:.1f}s "
                 f"<= RPO objective {rpo_seconds:g}s")


def replica_check(clients: Any, region: str, replica_id: str) -> Check:
    """The DR database exists, is still a read replica, and is available."""
    try:
        found = clients.client("rds", region).describe_db_instances(
            DBInstanceIdentifier=replica_id)["DBInstances"]
    except (ClientError, BotoCoreError) as exc:
        return Check("dr-replica", False, f"DR database {replica_id!r} in {region}: {_why(exc)}")
    db = found[0] if found else {}
    problems = []
    if not db.get("ReadReplicaSourceDBInstanceIdentifier"):
        problems.append("is not a read replica (already promoted?)")
    if db.get("DBInstanceStatus") != "available":
        problems.append(f"is {db.get('DBInstanceStatus')!r}, expected 'available'")
    if problems:
        return Check("dr-replica", False, f"DR database {replica_id!r} " + " and ".join(problems))
    return Check("dr-replica", True, f"DR database {replica_id!r} is an available read replica "
                 f"of {db['ReadReplicaSourceDBInstanceIdentifier']!r}")


def dr_service_check(clients: Any, region: str, cluster: str, service: str) -> Check:
    """The DR ECS service exists and is ACTIVE."""
    try:
        found = clients.client("ecs", region).describe_services(
            cluster=cluster, services=[service])
    except (ClientError, BotoCoreError) as exc:
        return Check("dr-service", False, f"DR service {service!r} in {region}: {_why(exc)}")
    services = found.get("services") or []
    if not services:
        reason = (found.get("failures") or [{}])[0].get("reason", "MISSING")
        return Check("dr-service", False, f"DR service {service!r} not found in cluster "
                     f"{cluster!r} ({reason})")
    status = services[0].get("status")
    if status != "ACTIVE":
        return Check("dr-service", False, f"DR service {service!r} is {status!r}, expected "
                     "'ACTIVE'")
    return Check("dr-service", True, f"DR service {service!r} is ACTIVE with "
                 f"{services[0].get('desiredCount', 0)} desired tasks")


def dr_alb_check(clients: Any, region: str, dns_name: str) -> Check:
    """The DR load balancer with ``dns_name`` exists and is active."""
    try:
        pages = clients.client("elbv2", region).get_paginator("describe_load_balancers")
        balancers = [lb for page in pages.paginate() for lb in page["LoadBalancers"]]
    except (ClientError, BotoCoreError) as exc:
        return Check("dr-alb", False, f"DR load balancer {dns_name!r} in {region}: {_why(exc)}")
    want = dns_name.lower().rstrip(".")
    match = [lb for lb in balancers if lb.get("DNSName", "").lower().rstrip(".") == want]
    if not match:
        return Check("dr-alb", False, f"DR load balancer {dns_name!r} not found in {region}")
    state = match[0].get("State", {}).get("Code", "unknown")
    if state != "active":
        return Check("dr-alb", False, f"DR load balancer {dns_name!r} is {state!r}, expected "
                     "'active'")
    return Check("dr-alb", True, f"DR load balancer {dns_name!r} is active")


def run_checks(settings: Settings, clients: ClientFactory, replica_lag: float | None,
               dr_alb_dns: str, samples: Sequence[Any], *, rpo_seconds: float) -> PreflightReport:
    """Run every check: the probes' ``samples``, the replica and its lag, the DR service, ALB."""
    s = settings
    return PreflightReport((
        steady_state_check(samples, need=s.steady_state_samples, region=s.primary_region),
        replica_check(clients, s.dr_region, s.replica_id),
        replication_check(replica_lag, rpo_seconds=rpo_seconds, replica=s.replica_id),
        dr_service_check(clients, s.dr_region, s.dr_cluster, s.dr_service),
        dr_alb_check(clients, s.dr_region, dr_alb_dns),
    ))


def _why(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code')}: {err.get('Message')}"
    return str(exc)
