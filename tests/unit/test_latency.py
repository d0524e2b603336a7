"""The latency model: sourced defaults, seeded draws, overrides; the DNS cache model."""

from __future__ import annotations

import pytest

from drills.settings.config import load_settings
from infra.embedded.latency import DEFAULT_SPECS, LatencyModel, Transition
from infra.embedded.resolver import DnsAnswer, DnsHistory
from infra.embedded.truth import Fact, first_recovery

__all__: list[str] = []


def test_every_transition_has_a_sourced_spec():
    assert set(DEFAULT_SPECS) == set(Transition)
    assert all(spec.sources for spec in DEFAULT_SPECS.values())


@pytest.mark.parametrize("transition", list(Transition), ids=lambda t: t.value)
def test_draws_stay_within_the_documented_range(transition):
    model = LatencyModel(seed=1)
    spec = DEFAULT_SPECS[transition]
    draws = [model.draw(transition) for _ in range(200)]
    assert all(spec.low <= d <= spec.high for d in draws)


def test_same_seed_same_draws_regardless_of_other_transitions():
    a, b = LatencyModel(seed=42), LatencyModel(seed=42)
    b.draw(Transition.FARGATE_START)  # an extra draw of another transition
    assert a.draw(Transition.RDS_PROMOTE) == b.draw(Transition.RDS_PROMOTE)


def test_different_seeds_differ():
    assert LatencyModel(seed=1).draw(Transition.RDS_PROMOTE) != LatencyModel(
        seed=2).draw(Transition.RDS_PROMOTE)


def test_settings_override_is_exact():
    model = LatencyModel.from_settings(load_settings(overrides={"latency": {"rds_promote": 1200}}))
    assert model.draw(Transition.RDS_PROMOTE) == 1200.0
    assert model.typical(Transition.RDS_PROMOTE) == 1200.0


@pytest.mark.parametrize("overrides", [{"nope": 1.0}, {"rds_promote": -1.0}], ids=["name", "neg"])
def test_bad_override_is_rejected(overrides):
    with pytest.raises(ValueError):
        LatencyModel(overrides=overrides)


def test_health_detect_is_interval_times_threshold_window():
    model = LatencyModel(seed=3)
    draws = [model.health_detect(30.0, 3) for _ in range(100)]
    assert all(60.0 <= d <= 90.0 for d in draws)


def test_resolver_cache_changes_at_the_first_ttl_boundary_after_visibility():
    dns = DnsHistory()
    dns.add("app", DnsAnswer(0.0, "primary-alb", 60.0))
    dns.add("app", DnsAnswer(130.0, "dr-alb", 60.0))
    assert dns.authoritative("app", 130.0).value == "dr-alb"
    assert dns.cached("app", 179.9).value == "primary-alb"
    assert dns.cached("app", 180.0).value == "dr-alb"
    assert dns.effective_times("app") == (0.0, 180.0)


def test_recovery_is_the_last_of_the_transitions_it_needs():
    facts = (Fact(0, "dr", "database", False), Fact(0, "dr", "tasks", False),
             Fact(100, "dr", "database", True), Fact(70, "dr", "tasks", True))
    recovered = first_recovery(facts, region="dr", since=10.0,
                               serving_region=lambda t: "dr" if t >= 120 else "primary",
                               extra_times=(120.0,))
    assert recovered == 120.0


def test_a_slowdown_adds_to_every_draw_until_restored():
    slowed, normal = LatencyModel(seed=5), LatencyModel(seed=5)
    slowed.slow_down(Transition.ROUTE53_PROPAGATION, 120.0)
    assert slowed.draw(Transition.ROUTE53_PROPAGATION) == pytest.approx(
        normal.draw(Transition.ROUTE53_PROPAGATION) + 120.0)
    assert slowed.slowdowns() == {"route53_propagation": 120.0}
    slowed.restore(Transition.ROUTE53_PROPAGATION)
    assert slowed.slowdowns() == {}
    assert slowed.draw(Transition.ROUTE53_PROPAGATION) == normal.draw(
        Transition.ROUTE53_PROPAGATION)


def test_a_negative_slowdown_is_refused():
    with pytest.raises(ValueError, match=">= 0 drill seconds"):
        LatencyModel(seed=1).slow_down(Transition.ROUTE53_PROPAGATION, -1.0)
