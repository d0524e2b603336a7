"""Step definitions for the fault catalogue (features/faults/): faults and their outcomes."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from drills.measure import outcomes
from drills.measure.outcomes import ReplicationWatch
from drills.run.engine import Drill

__all__: list[str] = []


@when(parsers.parse("the availability zone {az} is lost"))
def _(drill: Drill, az: str) -> None:
    drill.inject("az-loss", az=az)


@when("the primary database instance fails")
def _(drill: Drill) -> None:
    drill.inject("database-failure")


@when("the primary cache node fails")
def _(drill: Drill) -> None:
    drill.inject("cache-node-failure")


@when(parsers.parse("{count:d} of the application's tasks crash"))
def _(drill: Drill, count: int) -> None:
    drill.inject("ecs-task-crash", count=count)


@when(parsers.parse("replication to {region} stalls for {seconds:d} seconds"))
def _(drill: Drill, region: str, seconds: int) -> None:
    drill.expect_regions(dr=region)
    drill.inject("replication-lag", seconds=seconds)


@when(parsers.parse("the network between {primary} and {dr} is cut for {seconds:d} seconds"))
def _(drill: Drill, primary: str, dr: str, seconds: int) -> None:
    drill.expect_regions(primary=primary, dr=dr)
    drill.inject("region-partition", seconds=seconds)


@given(parsers.parse("Route 53 takes {seconds:d} seconds longer than usual to apply DNS changes"))
def _(drill: Drill, seconds: int) -> None:
    drill.inject("dns-change-slow", seconds=seconds)


@given(parsers.parse("Route 53 refuses the next {times:d} DNS changes"),
       target_fixture="refused_dns_changes")
def _(drill: Drill, times: int) -> int:
    drill.inject("dns-change-failing", times=times)
    return times


@then(parsers.parse("the application recovers in {region} without failing over"))
def _(drill: Drill, region: str) -> None:
    outcomes.await_recovery_in(drill, region)
    result = outcomes.measure_in_region(drill, region)
    assert result.served_region == region, f"served from {result.served_region}, not {region}"


@then(parsers.parse("the application stays up in {region}"))
def _(drill: Drill, region: str) -> None:
    outcomes.await_samples(drill, drill.settings.recovery_consecutive)
    outcomes.measure_in_region(drill, region)
    failed = outcomes.failed_probes(drill)
    assert not failed, f"{len(failed)} probe(s) failed after the fault, first {failed[:1]!r}"


@then("no saved write is lost")
def _(drill: Drill) -> None:
    lost = drill.require_result().lost_markers
    assert not lost, f"{len(lost)} acknowledged markers lost: {list(lost)[:10]}"


@then(parsers.parse("the data at risk in {region} grows beyond the RPO objective"),
      target_fixture="replication")
def _(drill: Drill, region: str) -> ReplicationWatch:
    watch = outcomes.watch_replication(drill, region)
    peak, objective = watch.peak.at_risk_seconds, watch.objective_seconds
    assert peak > objective, f"data at risk peaked at {peak:.1f}s, not above {objective:g}s"
    return watch


@then(parsers.parse("it is back within the RPO objective within {minutes:d} minutes"))
def _(drill: Drill, replication: ReplicationWatch, minutes: int) -> None:
    back = replication.back_within_at
    took = None if back is None or drill.outage_start is None else back - drill.outage_start
    assert took is not None and took <= minutes * 60, (
        f"back within the RPO objective after {took}s, budget {minutes * 60}s")


@then("the replica reports replication stopped")
def _(replication: ReplicationWatch) -> None:
    lags = [x.replica_lag_seconds for x in replication.samples]
    assert replication.replication_stopped_seen, f"ReplicaLag never read -1: {lags}"


@then("the failover runbook retried each refused DNS change")
def _(drill: Drill, refused_dns_changes: int) -> None:
    retried = outcomes.api_retries(drill, "route53", "change_resource_record_sets")
    assert retried == refused_dns_changes, (
        f"{retried} retries of the DNS change, {refused_dns_changes} refused")
