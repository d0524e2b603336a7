"""The fault catalogue's DNS scenarios (a region lost while Route 53 misbehaves), judged
against the region simulator's ground truth: RTO and RPO as the region-loss accuracy tests
judge them, and what Route 53 really did (how late the change became visible, how many
changes it refused)."""

from __future__ import annotations

import pytest
from pytest_bdd import scenario

from tests.features.fault_truth import (
    FAULTS,
    failed_over_as_truth_says,
    seeded_settings,
    truth_events,
)

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first

# As the region-loss accuracy tests: their bounds are in drill seconds at this scale.
TIME_SCALE = 200.0
settings = seeded_settings(TIME_SCALE)


@scenario(str(FAULTS / "dns_change_slow.feature"),
          "Region lost while Route 53 is 2 minutes slow, RTO still under 15 minutes")
def test_dns_change_slow(request):
    drill = request.getfixturevalue("drill")
    failed_over_as_truth_says(drill)
    change = truth_events(drill, "dns.change")[-1]
    assert change["visible_at"] - change["t"] >= 120, change


@scenario(str(FAULTS / "dns_change_failing.feature"),
          "Region lost and the first two DNS changes refused, RTO still under 15 minutes")
def test_dns_change_failing(request):
    drill = request.getfixturevalue("drill")
    failed_over_as_truth_says(drill)
    assert drill.backend.dataplane.fault_plane.refused == 2
    assert len(truth_events(drill, "route53.change_refused")) == 2
