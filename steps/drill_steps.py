"""Step definitions for drills: objectives, steady state, faults, runbooks, measurements."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from drills.run.engine import Drill

__all__: list[str] = []


@given(parsers.parse("the recovery objectives are an RTO of {rto:g} seconds and an RPO of "
                     "{rpo:g} seconds"))
def _(drill: Drill, rto: float, rpo: float) -> None:
    drill.set_objectives(rto_seconds=rto, rpo_seconds=rpo)


@given(parsers.parse("the replica promotion takes {seconds:g} seconds"))
def _(drill: Drill, seconds: float) -> None:
    drill.set_latency("rds_promote", seconds)


@given(parsers.parse("the StreamFlix warm standby is deployed with {primary} as primary and "
                     "{dr} as DR"))
def _(drill: Drill, primary: str, dr: str) -> None:
    drill.expect_regions(primary=primary, dr=dr)
    drill.open()


@given(parsers.parse("the application is healthy in {region}"))
def _(drill: Drill, region: str) -> None:
    drill.expect_regions(primary=region)
    drill.steady_state()


@when(parsers.parse("the region {region} is lost"))
def _(drill: Drill, region: str) -> None:
    drill.inject("region-outage", region=region)


@when("the on-call team runs the failover runbook")
def _(drill: Drill) -> None:
    drill.detect()
    drill.fail_over()


@when("the on-call team runs the parallel failover runbook")
def _(drill: Drill) -> None:
    from drills.runbooks.failover import parallel_failover_steps

    drill.runbook = parallel_failover_steps(drill.settings.dr_region)
    drill.detect()
    drill.fail_over()


@then(parsers.parse("the application is served from {region}"))
def _(drill: Drill, region: str) -> None:
    drill.await_recovery()
    result = drill.measure()
    assert result.served_region == region, f"served from {result.served_region}, not {region}"


@then("the RTO is within its objective")
def _(drill: Drill) -> None:
    r = drill.require_result()
    assert r.rto_seconds <= r.objectives.rto_seconds, (
        f"RTO {r.rto_seconds:.1f}s > objective {r.objectives.rto_seconds:.0f}s")


@then("the RPO is within its objective")
def _(drill: Drill) -> None:
    r = drill.require_result()
    assert r.rpo_seconds <= r.objectives.rpo_seconds, (
        f"RPO {r.rpo_seconds:.1f}s > objective {r.objectives.rpo_seconds:.1f}s")


@then(parsers.parse("the RTO objective is {outcome}"))
def _(drill: Drill, outcome: str) -> None:
    r = drill.require_result()
    met = r.rto_seconds <= r.objectives.rto_seconds
    assert outcome in ("met", "missed"), f"expected 'met' or 'missed', got {outcome!r}"
    assert met == (outcome == "met"), (
        f"RTO {r.rto_seconds:.1f}s vs objective {r.objectives.rto_seconds:.0f}s: expected "
        f"the objective to be {outcome}")
