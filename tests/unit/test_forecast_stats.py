"""The forecast's figures from draws whose values are known: Wilson, quantiles, shares."""

from __future__ import annotations

import pytest

from drills.app.forecast import seed_list
from drills.runbooks.executor import RunbookStep, dependencies, describe_order, is_sequential
from drills.runbooks.failover import failover_steps, parallel_failover_steps
from infra.core.errors import ConfigError
from reports.chart import critical_path
from reports.forecast_records import (
    Draw,
    ForecastRecord,
    StepDraw,
    StoreDraw,
    load_forecast,
    percentile_rank,
    write_forecast,
)
from reports.forecast_stats import quantiles, summarise, wilson
from reports.records import StepRecord

__all__: list[str] = []


@pytest.mark.parametrize(("met", "n", "low", "high"), [
    # Brown, Cai & DasGupta (2001) and Wilson (1927): worked values at 95%.
    (0, 10, 0.0, 0.2775),
    (95, 100, 0.8882, 0.9785),
    (10, 10, 0.7225, 1.0),
    (190, 200, 0.9103, 0.9727),
])
def test_wilson_interval_matches_published_values(met, n, low, high):
    lo, hi = wilson(met, n)
    assert lo == pytest.approx(low, abs=5e-4) and hi == pytest.approx(high, abs=5e-4)


def test_wilson_interval_narrows_with_more_draws():
    widths = [wilson(round(0.95 * n), n)[1] - wilson(round(0.95 * n), n)[0]
              for n in (20, 100, 200, 1000)]
    assert widths == sorted(widths, reverse=True)
    assert widths[2] == pytest.approx(0.0624, abs=1e-3)  # 190/200: 91.0%-97.3%


def test_quantiles_interpolate_between_order_statistics():
    q = quantiles([float(x) for x in range(1, 101)])
    assert (q.n, q.p50, q.p90, q.p95, q.p99, q.max) == (100, 50.5, 90.1, 95.05, 99.01, 100.0)
    assert quantiles([]).p95 is None and quantiles([7.0]).p99 == 7.0


def _draw(seed: int, rto: float | None, rpo: float, promote: float) -> Draw:
    steps = (StepDraw("promote-replica", 20.0, 20.0 + promote, "ok"),
             StepDraw("switch-dns", 20.0 + promote, 80.0 + promote, "ok", ("promote-replica",)))
    return Draw("s", seed, 0 if rto is not None and rto <= 900 else 1, "passed", rto, rpo,
                900.0, 5.0, (("detect", 20.0), ("failover", promote + 60.0)),
                (StoreDraw("database", rpo, 5.0, rpo <= 5.0),
                 StoreDraw("cache", None, None, None)), steps)


def test_summary_counts_shares_worst_draws_and_the_longest_step():
    draws = [_draw(seed, 100.0 + seed, seed % 7, 10.0 * seed) for seed in range(1, 20)]
    draws.append(_draw(99, None, 0.0, 5.0))  # never recovered: a miss, and the worst draw
    s = summarise("s", draws)
    assert s.n == 20 and s.not_measured == 1
    assert s.rto_met.met == 19 and s.rto_met.low == pytest.approx(wilson(19, 20)[0])
    assert s.rpo_met.met == sum(seed % 7 <= 5 for seed in range(1, 20)) + 1
    assert [d.seed for d in s.worst] == [99, 19, 18]
    assert s.rto.max == 119.0 and s.rto.n == 19
    database = next(x for x in s.stores if x.store == "database")
    cache = next(x for x in s.stores if x.store == "cache")
    assert database.met is not None and cache.met is None and cache.no_recovery_point == 20
    assert dict(s.worst_steps)["promote-replica"] == 2  # 190 s and 180 s beat switch-dns's 60
    assert dict(s.worst_steps)["switch-dns"] == 1  # seed 99: promotion 5 s, DNS 60 s


def test_forecast_json_round_trip_and_percentile_rank(tmp_path):
    draws = tuple(_draw(seed, 100.0 * seed, 1.0, 10.0) for seed in range(1, 11))
    record = ForecastRecord("f.feature", ("s",), 10, 3, tuple(range(1, 11)), "virtual", None,
                            draws)
    assert load_forecast(write_forecast(record, tmp_path / "forecast.json")) == record
    assert percentile_rank(record, "s", 970.0) == 90
    assert percentile_rank(record, "s", 50.0) == 0


def test_seed_list_is_fixed_by_its_seed_and_distinct():
    assert seed_list(5, 50) == seed_list(5, 50) != seed_list(6, 50)
    assert len(set(seed_list(5, 200))) == 200 and seed_list(5, 3) == seed_list(5, 200)[:3]


def test_runbooks_declare_their_dependencies():
    assert is_sequential(failover_steps("us-east-1"))
    deps = dependencies(parallel_failover_steps("us-east-1"))
    assert deps == {"promote-replica": (), "scale-dr-service": (),
                    "switch-dns": ("promote-replica", "scale-dr-service"),
                    "verify-dr-health": ("switch-dns",)}
    assert "independent steps at once" in describe_order(parallel_failover_steps("us-east-1"))


def test_a_step_waiting_for_a_later_or_unknown_step_is_refused():
    step = failover_steps("us-east-1")[0]
    bad = RunbookStep("switch", "global", step.action, "x", after=("promote-replica",))
    with pytest.raises(ConfigError, match="not a step before it"):
        dependencies((bad, step))


def test_critical_path_follows_the_dependency_that_finished_last():
    steps = (StepRecord("promote-replica", start_offset_s=10, end_offset_s=300),
             StepRecord("scale-dr-service", start_offset_s=10, end_offset_s=90),
             StepRecord("switch-dns", start_offset_s=300, end_offset_s=330,
                        after=("promote-replica", "scale-dr-service")),
             StepRecord("verify-dr-health", start_offset_s=330, end_offset_s=331,
                        after=("switch-dns",)))
    assert critical_path(steps) == ("promote-replica", "switch-dns", "verify-dr-health")
