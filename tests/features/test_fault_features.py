"""The fault catalogue's in-region and replication scenarios, judged against ground truth.

Every scenario runs in-process on a fresh embedded AWS with the same steps ``drill run``
uses (the drill is made by the first step, as in a run, so it carries the scenario's name
and Gherkin; the test takes it afterwards). After its steps, the test compares what the
drill measured with what the region simulator knows really happened
(tests/features/fault_truth.py): recovery time within the probes' resolution, the same lost
writes, the data at risk in DR at each sample. The DNS scenarios, which fail over to DR, are
in test_fault_features_dns.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import scenario

from tests.features.fault_truth import (
    FAULTS,
    recovered_in_region_as_truth_says,
    risk_matches_truth,
    seeded_settings,
    stayed_up_as_truth_says,
    truth_events,
)

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first

# The stays-up checks allow no failed probe: the probe timeout (8 drill s) must stay well
# above a loaded machine's scheduling delays, so these run at the suite's feature scale.
TIME_SCALE = 120.0
settings = seeded_settings(TIME_SCALE)


@scenario(str(FAULTS / "az_loss.feature"),
          "One AZ lost, no failover needed, downtime under 2 minutes")
def test_az_loss(request):
    drill = request.getfixturevalue("drill")
    recovered_in_region_as_truth_says(drill)
    assert [e["zone"] for e in truth_events(drill, "zone.down")] == ["eu-west-2a"]


def _recovers_in_region(feature: str, name: str) -> Any:
    """The test of a scenario whose service recovers in the region, as the truth says."""

    @scenario(str(FAULTS / feature), name)
    def test(request):
        recovered_in_region_as_truth_says(request.getfixturevalue("drill"))

    return test


test_database_failure = _recovers_in_region(
    "database_failure.feature",
    "Primary database fails, its standby takes over within 2 minutes")
test_cache_node_failure = _recovers_in_region(
    "cache_node_failure.feature", "Cache primary node lost, service back within 90 seconds")
test_ecs_task_crash = _recovers_in_region(
    "ecs_task_crash.feature", "Every task crashes, the service replaces them within 3 minutes")


def _stayed_up_while_dr_caught_up(request) -> Any:
    """The data at risk in DR and the service's uptime, as the truth says; the drill."""
    drill = request.getfixturevalue("drill")
    risk_matches_truth(drill, request.getfixturevalue("replication"))
    stayed_up_as_truth_says(drill)
    return drill


@scenario(str(FAULTS / "replication_lag.feature"),
          "Replica stalls for 2 minutes, RPO at risk grows, DR catches up within 4 minutes")
def test_replication_lag(request):
    _stayed_up_while_dr_caught_up(request)


@scenario(str(FAULTS / "region_partition.feature"),
          "Regions cut apart for 3 minutes, both stay up, DR catches up within 5 minutes")
def test_region_partition(request):
    drill = _stayed_up_while_dr_caught_up(request)
    held = truth_events(drill, "replication.held")
    assert [e["reason"] for e in held] == ["partitioned"]
