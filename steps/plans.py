"""What each step definition makes a drill do, for ``drill plan``: the step text -> phases.

Each entry calls the same methods on a :class:`~drills.plan.planner.Planner` that the step
calls on a :class:`~drills.run.engine.Drill` (or the deployer), mirroring the step's body.
:func:`drills.plan.feature_plan.step_plans` finds this table through the steps plugin
(``steps/plugin.py``); tests/unit/test_planner.py fails when a step definition has no entry
here or an entry matches no step definition.
"""

from __future__ import annotations

from typing import Any

from drills.plan.feature_plan import PlanFn
from drills.plan.planner import Planner
from infra.core.errors import ConfigError

__all__ = ["STEP_PLANS"]


def _deployed_with(p: Planner, primary: str, dr: str) -> None:
    p.expect_regions(primary=primary, dr=dr)
    p.open()


def _healthy(p: Planner, region: str) -> None:
    p.expect_regions(primary=region)
    p.steady_state()


def _runbook(p: Planner) -> None:
    p.detect()
    p.fail_over()


def _parallel_runbook(p: Planner) -> None:
    p.detect()
    p.fail_over(parallel=True)


def _served(p: Planner, region: str) -> None:
    p.await_recovery()
    p.measure()


def _checks_only(p: Planner, **_: Any) -> None:
    """A Then step that asserts on what earlier steps read: no action of its own."""


def _forecast(p: Planner, percent: float, draws: int) -> None:
    p.add("forecast", f"{draws} more drills of this feature, each in a worker process on its "
          f"own embedded world with its own seed; at least {percent:g}% of them must meet the "
          "objective (one forecast for the whole feature)")


def _step_timeout(p: Planner, seconds: float) -> None:
    p.settings = p.settings.model_copy(update={"step_timeout_s": seconds})


def _audit_reports(p: Planner, finding: str) -> None:
    from drills.audit.catalogue import CATALOGUE
    from drills.audit.facts import AUDIT_CALLS

    if finding not in CATALOGUE:
        raise ConfigError(f"{finding!r} is not a readiness-audit finding id (docs/audit.md)")
    p.add("audit", f"read-only readiness audit; it must report {finding}", AUDIT_CALLS)


def _stalls(p: Planner, region: str, seconds: int) -> None:
    p.expect_regions(dr=region)
    p.inject("replication-lag", seconds=seconds)


def _partition(p: Planner, primary: str, dr: str, seconds: int) -> None:
    p.expect_regions(primary=primary, dr=dr)
    p.inject("region-partition", seconds=seconds)


# Step definition (its text exactly as in steps/*_steps.py) -> what the step makes the drill do.
STEP_PLANS: dict[str, PlanFn] = {
    # steps/drill_steps.py
    "the recovery objectives are an RTO of {rto:g} seconds and an RPO of {rpo:g} seconds":
        lambda p, rto, rpo: p.set_objectives(rto_seconds=rto, rpo_seconds=rpo),
    "the StreamFlix warm standby is deployed with {primary} as primary and {dr} as DR":
        _deployed_with,
    "the application is healthy in {region}": _healthy,
    "the region {region} is lost": lambda p, region: p.inject("region-outage", region=region),
    "the on-call team runs the failover runbook": _runbook,
    "the on-call team runs the parallel failover runbook": _parallel_runbook,
    "the application is served from {region}": _served,
    "the RTO is within its objective": _checks_only,
    "the RPO is within its objective": _checks_only,
    "the replica promotion takes {seconds:g} seconds":
        lambda p, seconds: p.set_latency("rds_promote", seconds),
    "the RTO objective is {outcome}": _checks_only,
    # steps/fault_steps.py
    "the availability zone {az} is lost": lambda p, az: p.inject("az-loss", az=az),
    "the primary database instance fails": lambda p: p.inject("database-failure"),
    "the primary cache node fails": lambda p: p.inject("cache-node-failure"),
    "{count:d} of the application's tasks crash":
        lambda p, count: p.inject("ecs-task-crash", count=count),
    "replication to {region} stalls for {seconds:d} seconds": _stalls,
    "the network between {primary} and {dr} is cut for {seconds:d} seconds": _partition,
    "Route 53 takes {seconds:d} seconds longer than usual to apply DNS changes":
        lambda p, seconds: p.inject("dns-change-slow", seconds=seconds),
    "Route 53 refuses the next {times:d} DNS changes":
        lambda p, times: p.inject("dns-change-failing", times=times),
    "the application recovers in {region} without failing over":
        lambda p, region: p.recover_in(region),
    "the application stays up in {region}": lambda p, region: p.stays_up(region),
    "no saved write is lost": _checks_only,
    "the data at risk in {region} grows beyond the RPO objective":
        lambda p, region: p.watch_replication(region),
    "it is back within the RPO objective within {minutes:d} minutes": _checks_only,
    "the replica reports replication stopped": _checks_only,
    "the failover runbook retried each refused DNS change": _checks_only,
    # steps/forecast_steps.py
    "the RTO is within its objective in at least {percent:g}% of {draws:d} draws": _forecast,
    "the RPO is within its objective in at least {percent:g}% of {draws:d} draws": _forecast,
    # steps/failback_steps.py
    "the region {region} is back": lambda p, region: p.region_back(region),
    "the on-call team runs the failback runbook": lambda p: p.fail_back(),
    "the application is back in {region}": lambda p, region: p.measure_failback(region),
    "no write made after the failover is lost": _checks_only,
    "the failback's downtime is under {minutes:d} minutes": _checks_only,
    # steps/breakage_steps.py
    "a runbook step is abandoned after {seconds:g} seconds": _step_timeout,
    "the DR setup is broken: {breakage}": lambda p, breakage: p.break_setup(breakage),
    "the readiness audit reports {finding}": _audit_reports,
    # steps/deploy_steps.py
    "the StreamFlix warm standby is deployed": lambda p: p.deploy(),
    "both stacks are complete": lambda p: p.inspect(),
    "every output of the deployment guide is present": _checks_only,
    "the DR database replicates from the primary database": _checks_only,
    "the file system replicates to the DR region": _checks_only,
    "data is encrypted at rest and in transit": _checks_only,
    "the DR service runs {dr:d} tasks and the primary {primary:d}": _checks_only,
    "application logs are kept for {days:d} days in both regions": _checks_only,
    "both stacks carry the deployment guide's tags": _checks_only,
    "the StreamFlix warm standby is torn down": lambda p: p.teardown(),
    "nothing of it is left in either region": lambda p: p.leftovers(),
}
