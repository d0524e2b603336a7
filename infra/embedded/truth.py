"""Ground truth: what really happened on the embedded backend, logged as it happens.

The log (``ground_truth.jsonl``) is append-only, one JSON object per line, flushed per line,
with ``t`` in drill seconds on the run's shared clock. Alongside it the simulator keeps
*facts*: from which drill time each part of a region's health (region up, database
writable, tasks serving, cache answering) held or stopped holding. Recovery is computed
from those facts and the DNS model, at the exact transition times, never by polling.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from infra.canary.sqlite_store import StoredMarker
from infra.core.clock import Clock

__all__ = [
    "COMPONENTS",
    "Component",
    "Fact",
    "GroundTruth",
    "TruthLog",
    "data_at_risk",
    "data_loss",
    "first_recovery",
    "healthy_at",
]

Component = Literal["up", "database", "tasks", "cache"]
COMPONENTS: tuple[Component, ...] = ("up", "database", "tasks", "cache")


@dataclass(frozen=True, slots=True)
class Fact:
    """From drill time ``t`` on, ``component`` of ``region`` is ``ok`` (until the next fact)."""

    t: float
    region: str
    component: Component
    ok: bool


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """The simulator's account of the outage, in drill seconds."""

    outage_start: float | None
    recovered_at: float | None
    rto_seconds: float | None
    rpo_seconds: float | None
    lost_seqs: tuple[int, ...]
    last_committed_at: float | None = None
    newest_applied_at: float | None = None
    # Every write committed in the primary before the outage (seq -> its own timestamp),
    # and which of them were applied in DR: enough to answer rpo_over() for any set of writes.
    committed: Mapping[int, float] = field(default_factory=dict)
    applied: frozenset[int] = frozenset()
    # The same account per data store (database, efs, cache; infra/embedded/canary_stores.py).
    stores: Mapping[str, GroundTruth] = field(default_factory=dict)

    def rpo_over(self, acknowledged: Iterable[int]) -> float | None:
        """RPO counting only the writes the client saw acknowledged (or that reached DR).

        ``rpo_seconds`` counts every committed write, including one whose acknowledgement
        never reached the client (the region died with the answer in flight); the drill's
        marker measurement cannot see those, so this is the truth it is judged against.
        """
        counted = {seq for seq in acknowledged if seq in self.committed} | set(self.applied)
        if not counted:
            return None
        last = max(self.committed.get(seq, float("-inf")) for seq in counted)
        survived = [self.committed[seq] for seq in self.applied if seq in self.committed]
        newest = max(survived, default=None)
        if newest is None:
            return None
        return max(0.0, last - newest)


class TruthLog:
    """The append-only JSONL log plus the in-memory facts recovery is computed from."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.Lock()
        self._facts: list[Fact] = []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")

    def record(self, kind: str, *, t: float | None = None, **fields: Any) -> None:
        """Append one event (at ``t``, default now) and flush it."""
        at = self.clock.now() if t is None else t
        line = json.dumps({"t": round(at, 6), "wall": self.clock.wall().isoformat(),
                           "kind": kind, **fields}, default=str)
        with self._lock:
            if not self._file.closed:
                self._file.write(line + "\n")
                self._file.flush()

    def fact(self, fact: Fact) -> None:
        """Remember ``fact`` and log it."""
        with self._lock:
            self._facts.append(fact)
        self.record("fact", t=fact.t, region=fact.region, component=fact.component, ok=fact.ok)

    def facts(self) -> tuple[Fact, ...]:
        """Every fact so far, in time order."""
        with self._lock:
            return tuple(sorted(self._facts, key=lambda f: f.t))

    def close(self) -> None:
        """Close the file; later records are dropped."""
        with self._lock:
            self._file.close()


def healthy_at(facts: Iterable[Fact], region: str, t: float) -> bool:
    """True when every component of ``region`` held at ``t`` (by the latest fact for each)."""
    state: dict[str, bool] = {}
    for fact in facts:
        if fact.region == region and fact.t <= t:
            state[fact.component] = fact.ok
    return all(state.get(c, True) for c in COMPONENTS)


def first_recovery(
    facts: tuple[Fact, ...],
    *,
    region: str,
    since: float,
    serving_region: Callable[[float], str | None],
    extra_times: Iterable[float] = (),
) -> float | None:
    """The first time >= ``since`` the app name leads to ``region`` and ``region`` is healthy.

    Both sides change only at fact times and DNS cache boundaries (``extra_times``), so the
    earliest such moment is one of those times (or ``since`` itself).
    """
    times = sorted({since, *(f.t for f in facts), *extra_times})
    for t in times:
        if t >= since and serving_region(t) == region and healthy_at(facts, region, t):
            return t
    return None


def data_loss(
    primary_rows: Iterable[StoredMarker], survivor_rows: Iterable[StoredMarker], *, primary: str,
    cutoff: float, outage: float | None, recovered: float | None,
) -> GroundTruth:
    """The truth of an outage: writes committed in ``primary`` by ``cutoff`` against the
    survivors (the rows of the region that serves afterwards: DR, or the primary itself)."""
    sent = [r for r in primary_rows if r.origin == primary and r.committed_at <= cutoff]
    landed = {r.seq: r for r in survivor_rows if r.origin == primary}
    lost = tuple(sorted(r.seq for r in sent if r.seq not in landed))
    # Which writes were lost is decided by commit time; how much time they span is read
    # from the writes' own timestamps, as an application compares its newest row in DR
    # with its newest row written (and as the drill's marker measurement does).
    last = max((r.written_at for r in sent), default=None)
    newest = max((r.written_at for r in landed.values()), default=None)
    rpo = 0.0 if not lost else (last or 0.0) - (newest or 0.0)
    return GroundTruth(
        outage_start=outage, recovered_at=recovered,
        rto_seconds=None if outage is None or recovered is None else recovered - outage,
        rpo_seconds=rpo, lost_seqs=lost, last_committed_at=last, newest_applied_at=newest,
        committed={r.seq: r.written_at for r in sent},
        applied=frozenset(landed) & {r.seq for r in sent},
    )


def data_at_risk(primary_rows: Iterable[StoredMarker], applied_at: Mapping[int, float], *,
                 primary: str, t: float, applied_by: float | None = None,
                 committed_by: float | None = None) -> float:
    """Drill seconds of writes a region loss at ``t`` would lose: the newest write committed
    in the primary by ``t`` minus the newest of them applied in DR by ``t``, by the writes'
    own timestamps. ``applied_by`` and ``committed_by`` move those two instants (a reader
    that saw DR or the acknowledgements a little later), for writes written at or before
    ``t``. Every bound is inclusive: what happened at an instant counts as done by it, as a
    reader that settled the instant (:meth:`~infra.core.clock.Clock.settle`) saw it."""
    until = t if committed_by is None else committed_by
    sent = [r for r in primary_rows if r.origin == primary and r.committed_at <= until
            and r.written_at <= t]
    if not sent:
        return 0.0
    last = max(r.written_at for r in sent)
    by = t if applied_by is None else applied_by
    landed = [r.written_at for r in sent if applied_at.get(r.seq, float("inf")) <= by]
    newest = max(landed, default=min(r.written_at for r in sent))
    return max(0.0, last - newest)
