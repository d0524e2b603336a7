"""Step definitions for the failback: the primary region back, the failback and its outcome."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from drills.run import failback_phases as failback
from drills.run.engine import Drill
from drills.run.failback_phases import FailbackResult

__all__: list[str] = []


@when(parsers.parse("the region {region} is back"))
def _(drill: Drill, region: str) -> None:
    failback.keep_writing(drill)
    failback.region_back(drill, region)


@when("the on-call team runs the failback runbook", target_fixture="failback_freeze")
def _(drill: Drill) -> float:
    return failback.fail_back(drill)


@then(parsers.parse("the application is back in {region}"), target_fixture="failback_result")
def _(drill: Drill, failback_freeze: float, region: str) -> FailbackResult:
    drill.expect_regions(primary=region)
    failback.await_failback(drill, region)
    return failback.measure_failback(drill, region, failback_freeze)


@then("no write made after the failover is lost")
def _(failback_result: FailbackResult) -> None:
    lost = failback_result.lost_markers
    assert not lost and failback_result.rpo_seconds == 0, (
        f"RPO {failback_result.rpo_seconds:.1f}s, {len(lost)} markers lost: {list(lost)[:10]}")


@then(parsers.parse("the failback's downtime is under {minutes:d} minutes"))
def _(failback_result: FailbackResult, minutes: int) -> None:
    took = failback_result.downtime_seconds
    assert took <= minutes * 60, f"failback downtime {took:.1f}s > budget {minutes * 60}s"
