"""A forecast's figures from its draws: quantiles, shares with Wilson intervals, where time goes.

Quantiles interpolate linearly between order statistics (``statistics.quantiles`` with
``method="inclusive"``, Hyndman & Fan's type 7, as numpy's default). The share of draws that
met an objective comes with its 95% Wilson score interval: Wilson, E. B. (1927), "Probable
inference, the law of succession, and statistical inference", JASA 22(158): 209-212,
https://doi.org/10.1080/01621459.1927.10502953; recommended over the normal ("Wald")
interval for small n and shares near 0 or 1 by Brown, Cai & DasGupta (2001), "Interval
Estimation for a Binomial Proportion", Statistical Science 16(2): 101-133,
https://doi.org/10.1214/ss/1009213286. No pinned library has it (scipy and statsmodels are
heavy for four lines); ``statistics.NormalDist`` gives the normal quantile.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reports.forecast_records import Draw

__all__ = ["PartShare", "Quantiles", "ScenarioSummary", "Share", "StoreSummary", "quantiles",
           "summarise", "wilson"]

CONFIDENCE = 0.95
QUANTILES = (50, 90, 95, 99)


@dataclass(frozen=True, slots=True)
class Quantiles:
    """p50, p90, p95, p99 and max of a sample (None when it is empty)."""

    n: int
    p50: float | None
    p90: float | None
    p95: float | None
    p99: float | None
    max: float | None

    def at(self, q: int) -> float | None:
        """The q-th percentile (50, 90, 95 or 99)."""
        return {50: self.p50, 90: self.p90, 95: self.p95, 99: self.p99}[q]


@dataclass(frozen=True, slots=True)
class Share:
    """``met`` of ``n`` draws, with the 95% Wilson interval of the share."""

    met: int
    n: int
    low: float
    high: float

    @property
    def ratio(self) -> float:
        """The measured share (0 when there is no draw)."""
        return self.met / self.n if self.n else 0.0


@dataclass(frozen=True, slots=True)
class PartShare:
    """A phase or runbook step: its mean duration and that mean's share of the mean RTO."""

    name: str
    mean_seconds: float
    share: float


@dataclass(frozen=True, slots=True)
class StoreSummary:
    """One data store's RPO distribution and, when it has an objective, how often it met it."""

    store: str
    rpo: Quantiles
    no_recovery_point: int
    met: Share | None


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    """Everything a forecast reports for one scenario."""

    scenario: str
    n: int
    rto_objective_s: float
    rpo_objective_s: float
    rto: Quantiles
    rpo: Quantiles
    rto_met: Share
    rpo_met: Share
    stores: tuple[StoreSummary, ...]
    phases: tuple[PartShare, ...]
    steps: tuple[PartShare, ...]
    # Which step was the longest in each of the worst 5% of draws, most often first.
    worst_steps: tuple[tuple[str, int], ...]
    worst: tuple[Draw, ...]  # the worst 5% of draws (at least 3), worst first
    not_measured: int


def wilson(met: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of the share ``met / n`` (``(0, 1)`` when n is 0)."""
    if n == 0:
        return 0.0, 1.0
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    p, z2 = met / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def quantiles(values: Sequence[float]) -> Quantiles:
    """p50/p90/p95/p99/max of ``values``."""
    xs = sorted(values)
    if not xs:
        return Quantiles(0, None, None, None, None, None)
    if len(xs) == 1:
        return Quantiles(1, xs[0], xs[0], xs[0], xs[0], xs[0])
    cuts = statistics.quantiles(xs, n=100, method="inclusive")
    p50, p90, p95, p99 = (cuts[q - 1] for q in QUANTILES)
    return Quantiles(len(xs), p50, p90, p95, p99, xs[-1])


def _share(flags: Sequence[bool]) -> Share:
    met = sum(flags)
    return Share(met, len(flags), *wilson(met, len(flags)))


def _parts(draws: Sequence[Draw], mean_rto: float) -> tuple[PartShare, ...]:
    names = list(dict.fromkeys(name for d in draws for name, _ in d.parts))
    out = []
    for name in names:
        mean = statistics.fmean(dict(d.parts).get(name, 0.0) for d in draws)
        out.append(PartShare(name, mean, mean / mean_rto if mean_rto else 0.0))
    return tuple(out)


def _steps(draws: Sequence[Draw], mean_rto: float) -> tuple[PartShare, ...]:
    names = list(dict.fromkeys(s.step for d in draws for s in d.steps))
    out = []
    for name in names:
        mean = statistics.fmean(sum(s.duration_s for s in d.steps if s.step == name)
                                for d in draws)
        out.append(PartShare(name, mean, mean / mean_rto if mean_rto else 0.0))
    return tuple(out)


def _worst(draws: Sequence[Draw]) -> tuple[Draw, ...]:
    """The worst 5% of draws (at least 3): not recovered first, then by RTO, then by seed."""
    ranked = sorted(draws, key=lambda d: (d.rto_seconds is not None,
                                          -(d.rto_seconds or 0.0), d.seed))
    return tuple(ranked[:max(3, math.ceil(0.05 * len(ranked)))])


def _stores(draws: Sequence[Draw]) -> tuple[StoreSummary, ...]:
    names = list(dict.fromkeys(s.store for d in draws for s in d.stores))
    out = []
    for name in names:
        found = [s for d in draws for s in d.stores if s.store == name]
        judged = [s.met is True for s in found if s.objective_seconds is not None]
        out.append(StoreSummary(
            name, quantiles([s.rpo_seconds for s in found if s.rpo_seconds is not None]),
            sum(s.rpo_seconds is None for s in found), _share(judged) if judged else None))
    return tuple(out)


def summarise(scenario: str, draws: Sequence[Draw]) -> ScenarioSummary:
    """The forecast of one scenario from its draws."""
    measured = [d for d in draws if d.rto_seconds is not None]
    mean_rto = statistics.fmean(d.rto_seconds or 0.0 for d in measured) if measured else 0.0
    worst = _worst(draws)
    longest = Counter(max(d.steps, key=lambda s: (s.duration_s, s.step)).step
                      for d in worst if d.steps)
    first = draws[0] if draws else None
    return ScenarioSummary(
        scenario=scenario, n=len(draws),
        rto_objective_s=first.rto_objective_s if first else 0.0,
        rpo_objective_s=first.rpo_objective_s if first else 0.0,
        rto=quantiles([d.rto_seconds for d in measured if d.rto_seconds is not None]),
        rpo=quantiles([d.rpo_seconds for d in draws if d.rpo_seconds is not None]),
        rto_met=_share([d.rto_met for d in draws]), rpo_met=_share([d.rpo_met for d in draws]),
        stores=_stores(draws), phases=_parts(measured, mean_rto),
        steps=_steps(measured, mean_rto),
        worst_steps=tuple(sorted(longest.items(), key=lambda kv: (-kv[1], kv[0]))),
        worst=worst, not_measured=len(draws) - len(measured))
