"""How long each AWS transition takes on the embedded backend, with the source of every figure.

Every duration is in drill seconds; the shared :class:`infra.core.clock.Clock` scales it to real
time. Source ids (R1, E5, D1, ...) refer to ``shared/design/latency-model.md``; "est." marks
a modelling assumption rather than a published figure. Draws are seeded per transition, so
the n-th draw of one transition does not depend on how many draws of another came before it:
a run with the same seed and the same sequence of API calls gets the same durations.
"""

from __future__ import annotations

import enum
import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from infra.core.settings import InfraSettings

__all__ = ["DEFAULT_SPECS", "LatencyModel", "LatencySpec", "Transition"]


class Transition(enum.Enum):
    """An AWS state change whose duration the model draws."""

    RDS_PROMOTE = "rds_promote"
    FARGATE_START = "fargate_start"
    ALB_TARGET_HEALTHY = "alb_target_healthy"
    ROUTE53_PROPAGATION = "route53_propagation"
    ROUTE53_HEALTH_DETECT = "route53_health_detect"
    REPLICATION_LAG = "replication_lag"
    RDS_MULTI_AZ_FAILOVER = "rds_multi_az_failover"
    ELASTICACHE_FAILOVER = "elasticache_failover"
    EFS_SYNC = "efs_sync"
    RDS_CREATE_REPLICA = "rds_create_replica"


@dataclass(frozen=True, slots=True)
class LatencySpec:
    """A duration distribution in drill seconds and the sources it rests on."""

    typical: float
    low: float
    high: float
    kind: Literal["triangular", "uniform", "fixed", "lognormal"]
    sources: tuple[str, ...]
    note: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.typical <= self.high:
            raise ValueError(f"need 0 <= low <= typical <= high, got {self!r}")

    def draw(self, rng: random.Random) -> float:
        """One duration drawn from this distribution."""
        if self.kind == "fixed":
            return self.typical
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high)
        if self.kind == "lognormal":
            # typical is the median and high the 99.9th percentile (z = 3.09): most draws sit
            # near typical and the long tail stays rare; clamped to [low, high].
            sigma = math.log(self.high / self.typical) / 3.09 if self.high > self.typical else 0
            return min(self.high, max(self.low, rng.lognormvariate(math.log(self.typical),
                                                                    sigma)))
        return rng.triangular(self.low, self.high, self.typical)


DEFAULT_SPECS: Mapping[Transition, LatencySpec] = {
    # "a few minutes", est. 5 min typical, est. 3-20+ min; replication stops and the
    # instance always reboots before it is available again (R1, R2, R3). Log-normal with the
    # median at 5 min and 20 min as the 1-in-1000 tail: a right-skewed duration whose long
    # cases are rare, not a quarter of all promotions as a triangle up to 20 min would make
    # them. Pin a slow promotion with the override rds_promote=1200.
    Transition.RDS_PROMOTE: LatencySpec(
        300.0, 180.0, 1200.0, "lognormal", ("R1", "R2", "R3"),
        "modifying -> reboot -> available; median 300, p99.9 1200",
    ),
    # desiredCount 0->2 -> RUNNING: 30-45 s typical, 53-62 s measured for a 413 MB image
    # pulled through NAT (E1, E2, E3, E4).
    Transition.FARGATE_START: LatencySpec(
        40.0, 30.0, 62.0, "triangular", ("E1", "E2", "E3", "E4"), "image pull + ENI attach",
    ),
    # RUNNING -> ALB healthy: app start plus at most one 30 s interval, a new target needs one
    # passing check; est. 10-60 s (E5, E6, E10).
    Transition.ALB_TARGET_HEALTHY: LatencySpec(
        20.0, 10.0, 60.0, "triangular", ("E5", "E6", "E10"), "est. range",
    ),
    # Route 53 changes reach all authoritative servers within 60 s (D1); the mode is est.
    Transition.ROUTE53_PROPAGATION: LatencySpec(
        30.0, 5.0, 60.0, "triangular", ("D1",), "PENDING -> INSYNC; mode est.",
    ),
    # Standard check: 30 s interval x FailureThreshold 3 (D2, D3). The first failed check
    # lands anywhere in the first interval, so detection takes (threshold-1..threshold) x
    # interval after the failure.
    Transition.ROUTE53_HEALTH_DETECT: LatencySpec(
        90.0, 60.0, 90.0, "uniform", ("D2", "D3"), "request interval x failure threshold",
    ),
    # Cross-region MySQL ReplicaLag: "seconds", no AWS figure (R4, R5, R8); est. 0.1-5 s.
    Transition.REPLICATION_LAG: LatencySpec(
        1.0, 0.1, 5.0, "triangular", ("R4", "R5", "R8"), "est.; per committed write",
    ),
    # Multi-AZ DB instance failover (forced by a reboot or by losing the writer's zone):
    # "typically 60-120 seconds" from the failure to transactions resuming on the standby
    # (R6); longer with large transactions, not modelled (pin it with the override).
    Transition.RDS_MULTI_AZ_FAILOVER: LatencySpec(
        90.0, 60.0, 120.0, "triangular", ("R6",), "rebooting -> available; mode est.",
    ),
    # ElastiCache Multi-AZ: writes resume "a few seconds" after the replica's promotion (C1);
    # detection and the primary endpoint's DNS move make it est. tens of seconds in all.
    Transition.ELASTICACHE_FAILOVER: LatencySpec(
        20.0, 5.0, 60.0, "triangular", ("C1",), "est.; primary lost -> replica takes writes",
    ),
    # EFS replication is asynchronous and syncs periodically; AWS states an RPO of up to
    # 15 minutes for most file systems and publishes no sync cadence (F1). One draw is the
    # time from one completed sync to the next (what TimeSinceLastSync climbs to): median
    # est. 1 min for the canary's tiny change set, 900 s as the 1-in-1000 tail, so the
    # drawn RPO stays within AWS's 15 minutes. Pin a slow sync with efs_sync=900.
    Transition.EFS_SYNC: LatencySpec(
        60.0, 10.0, 900.0, "lognormal", ("F1",),
        "est. median; sync -> next sync; p99.9 900 = AWS's RPO for most file systems",
    ),
    # CreateDBInstanceReadReplica -> available, cross-region: RDS snapshots the source,
    # copies the snapshot to the replica's region and restores it before replication starts
    # (R8; https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.XRgn.html).
    # AWS publishes no figure; it grows with the data. est. 10-30 min for the stack's 20 GiB.
    Transition.RDS_CREATE_REPLICA: LatencySpec(
        900.0, 600.0, 1800.0, "triangular", ("R8",),
        "est.; creating -> available (snapshot, cross-region copy, restore)",
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class LatencyModel:
    """Seeded draws of transition durations, with fixed overrides by transition name."""

    seed: int | None = None
    overrides: Mapping[str, float] = field(default_factory=dict)
    specs: Mapping[Transition, LatencySpec] = field(default_factory=lambda: dict(DEFAULT_SPECS))
    _rngs: dict[Transition, random.Random] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )
    # Extra drill seconds added to every draw of a transition while a fault slows it down.
    _extra: dict[Transition, float] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        known = {t.value for t in Transition}
        unknown = sorted(set(self.overrides) - known)
        if unknown:
            raise ValueError(f"unknown latency override(s) {unknown!r}; known: {sorted(known)!r}")
        bad = {k: v for k, v in self.overrides.items() if not v >= 0}
        if bad:
            raise ValueError(f"latency overrides must be >= 0 drill seconds, got {bad!r}")
        missing = [t for t in Transition if t not in self.specs]
        if missing:
            raise ValueError(f"no latency spec for {missing!r}")
        # A string seed is hashed deterministically (unlike hash()), giving each transition
        # its own reproducible stream.
        base = random.Random(self.seed).random() if self.seed is None else self.seed
        for t in Transition:
            self._rngs[t] = random.Random(f"{base}:{t.value}")

    @classmethod
    def from_settings(cls, settings: InfraSettings) -> LatencyModel:
        """The model for ``settings`` (its ``seed`` and ``latency`` overrides)."""
        return cls(seed=settings.seed, overrides=dict(settings.latency))

    def draw(self, transition: Transition) -> float:
        """A duration in drill seconds for one occurrence of ``transition`` (plus any slowdown)."""
        with self._lock:
            extra = self._extra.get(transition, 0.0)
            if transition.value in self.overrides:
                return float(self.overrides[transition.value]) + extra
            return self.specs[transition].draw(self._rngs[transition]) + extra

    def slow_down(self, transition: Transition, extra_s: float) -> None:
        """Add ``extra_s`` drill seconds to every later draw of ``transition`` (a fault)."""
        if not extra_s >= 0:
            raise ValueError(f"a slowdown is >= 0 drill seconds, got {extra_s!r}")
        with self._lock:
            self._extra[transition] = float(extra_s)

    def restore(self, transition: Transition) -> None:
        """Undo :meth:`slow_down` for ``transition`` (no-op when it is not slowed)."""
        with self._lock:
            self._extra.pop(transition, None)

    def slowdowns(self) -> dict[str, float]:
        """The transitions slowed down now, by name, with their extra drill seconds."""
        with self._lock:
            return {t.value: extra for t, extra in self._extra.items()}

    def health_detect(self, interval_s: float, threshold: int) -> float:
        """Time for a Route 53 health check with these settings to call a dead endpoint."""
        name = Transition.ROUTE53_HEALTH_DETECT.value
        if name in self.overrides:
            return float(self.overrides[name])
        # The first failing check lands anywhere in the interval after the failure (D2, D3).
        with self._lock:
            offset = self._rngs[Transition.ROUTE53_HEALTH_DETECT].uniform(0.0, interval_s)
        return (max(threshold, 1) - 1) * interval_s + offset

    def typical(self, transition: Transition) -> float:
        """The typical duration (or the override) of ``transition``, in drill seconds."""
        return float(self.overrides.get(transition.value, self.specs[transition].typical))

    def describe(self) -> dict[str, dict[str, object]]:
        """Model parameters for the run journal (``run.started.latency``)."""
        return {
            t.value: {"typical": s.typical, "low": s.low, "high": s.high, "kind": s.kind,
                      "sources": list(s.sources),
                      "override": self.overrides.get(t.value)}
            for t, s in self.specs.items()
        }
