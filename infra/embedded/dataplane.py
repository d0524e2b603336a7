"""The embedded data plane: one SQLite database per region and the replication between them.

The primary's committed writes are shipped to the DR replica, each landing after a lag drawn
from the latency model (``replication_lag``). A write still in flight when its source region
goes down, or when the replica is promoted (promotion stops replication, R1), never lands:
it is lost exactly as in a real outage, and ground truth lists it. A write shipped while the
DR region itself is down is dropped too; the drills never bring a lost DR region back before
promoting, so no catch-up is modelled for a region outage.

Replication can also be *held* without losing anything: a stalled replica (a lag spike) or
a network partition between the regions. Writes that would land meanwhile wait, in order,
and land when the last hold is released, as MySQL replication catches up from the binary
log once the replica applies again or reconnects; ReplicaLag reads -1 while partitioned.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

from infra.canary.app import Marker, NotWritable
from infra.canary.sqlite_store import SqliteMarkers, StoredMarker
from infra.core.clock import Clock
from infra.embedded.latency import LatencyModel, Transition
from infra.embedded.scheduler import Scheduler
from infra.embedded.truth import TruthLog

__all__ = ["LAG_PERIOD_S", "Outages", "RegionDatabase", "Replicator"]

# CloudWatch's ReplicaLag for RDS is a one-minute average (drill seconds).
LAG_PERIOD_S = 60.0


class Outages:
    """When each region was down: intervals ``[down, up)`` in drill seconds."""

    def __init__(self) -> None:
        self._intervals: dict[str, list[list[float | None]]] = {}
        self._lock = threading.Lock()

    def down(self, region: str, t: float) -> bool:
        """Mark ``region`` down from ``t``; False if it already was."""
        with self._lock:
            spans = self._intervals.setdefault(region, [])
            if spans and spans[-1][1] is None:
                return False
            spans.append([t, None])
            return True

    def up(self, region: str, t: float) -> bool:
        """Mark ``region`` up from ``t``; False if it was not down."""
        with self._lock:
            spans = self._intervals.get(region, [])
            if not spans or spans[-1][1] is not None:
                return False
            spans[-1][1] = t
            return True

    def is_down(self, region: str, t: float) -> bool:
        """True when ``region`` was down at ``t``."""
        with self._lock:
            spans = list(self._intervals.get(region, ()))
        return any(a is not None and a <= t and (b is None or t < b) for a, b in spans)

    def down_since(self, region: str, t: float) -> float | None:
        """Start of the outage ``region`` is in at ``t``, if any."""
        with self._lock:
            spans = list(self._intervals.get(region, ()))
        for a, b in spans:
            if a is not None and a <= t and (b is None or t < b):
                return a
        return None

    def first_down(self, region: str) -> float | None:
        """When ``region`` first went down, if ever."""
        with self._lock:
            spans = self._intervals.get(region, [])
            return spans[0][0] if spans else None


class RegionDatabase:
    """A region's marker store, writable only while ``problems()`` is empty."""

    def __init__(
        self, path: Path, *, region: str, clock: Clock,
        problems: Callable[[], tuple[str, ...]],
        on_commit: Callable[[StoredMarker], None] = lambda row: None,
    ) -> None:
        self.db = SqliteMarkers(path)
        self.region = region
        self._clock = clock
        self._problems = problems
        self._on_commit = on_commit

    def write(self, marker: Marker) -> None:
        """Commit ``marker`` now, or raise :class:`NotWritable` with the reasons."""
        problems = self._problems()
        if problems:
            raise NotWritable(*problems)
        row = StoredMarker(marker.seq, marker.written_at, self._clock.now(), self.region)
        if self.db.insert(row):
            self._on_commit(row)

    def markers(self) -> tuple[Marker, ...]:
        """Every marker in this region's database."""
        return self.db.markers()


class Replicator:
    """Ships committed writes from ``source`` to ``target`` after a modelled lag."""

    def __init__(
        self, *, source: str, target: RegionDatabase, scheduler: Scheduler,
        latency: LatencyModel, outages: Outages, truth: TruthLog,
    ) -> None:
        self.source = source
        self.target = target
        self._scheduler = scheduler
        self._latency = latency
        self._outages = outages
        self._truth = truth
        self._stopped_at: float | None = None
        # Writes shipped but not yet applied (seq -> commit time): what ReplicaLag measures.
        self._pending: dict[int, float] = {}
        self._applied: deque[tuple[float, float]] = deque()  # (applied at, lag) of recent writes
        self.applied_at: dict[int, float] = {}  # seq -> drill time it landed on the target
        self._holds: set[str] = set()
        self._held: list[StoredMarker] = []
        self._lock = threading.Lock()

    def stop_at(self, t: float) -> None:
        """Replication ends at ``t`` for good (the replica was promoted)."""
        if self._stopped_at is None:
            self._stopped_at = t
            self._truth.record("replication.stopped", t=t, source=self.source,
                               target=self.target.region)

    def resume_at(self, t: float) -> None:
        """Replication runs again from ``t`` (a new replica was created from the source)."""
        if self._stopped_at is not None:
            self._stopped_at = None
            self._truth.record("replication.resumed", t=t, source=self.source,
                               target=self.target.region)

    def hold(self, reason: str) -> bool:
        """Hold every write that would land from now on (``stalled``, ``partitioned``)."""
        with self._lock:
            if reason in self._holds:
                return False
            self._holds.add(reason)
        self._truth.record("replication.held", reason=reason, source=self.source,
                           target=self.target.region)
        return True

    def release(self, reason: str, t: float) -> bool:
        """End hold ``reason``; when none is left, the held writes land from ``t``, in order."""
        with self._lock:
            if reason not in self._holds:
                return False
            self._holds.discard(reason)
            held = [] if self._holds else sorted(self._held, key=lambda r: r.seq)
            if not self._holds:
                self._held.clear()
        self._truth.record("replication.released", t=t, reason=reason, held=len(held))
        if held:
            self._scheduler.at(t, lambda at: self._catch_up(held, at),
                               label=f"catch up {len(held)} writes")
        return True

    def _catch_up(self, rows: list[StoredMarker], at: float) -> None:
        """Apply a backlog at once, in one transaction, as a replica catching up does."""
        reason = self._cut(at)
        with self._lock:
            for row in rows:
                self._pending.pop(row.seq, None)
        if reason is not None:
            for row in rows:
                self._truth.record("write.not_applied", t=at, seq=row.seq, reason=reason)
            return
        self.target.db.insert_many([StoredMarker(r.seq, r.written_at, r.committed_at, r.origin)
                                    for r in rows])
        landed = max(at, self._truth.clock.now())
        with self._lock:
            for row in rows:
                self.applied_at[row.seq] = landed
                self._applied.append((landed, landed - row.committed_at))
        for row in rows:
            self._truth.record("write.applied", t=landed, seq=row.seq,
                               committed_at=row.committed_at, region=self.target.region)

    def holds(self) -> frozenset[str]:
        """Why replication is held now (empty: it runs)."""
        with self._lock:
            return frozenset(self._holds)

    def ship(self, row: StoredMarker) -> None:
        """Schedule ``row`` to land on the target after a drawn lag."""
        lag = self._latency.draw(Transition.REPLICATION_LAG)
        with self._lock:
            self._pending[row.seq] = row.committed_at
        self._scheduler.at(row.committed_at + lag, lambda at: self._land(row, at),
                           label=f"replicate {row.seq}")

    def _cut(self, t: float) -> str | None:
        if self._stopped_at is not None and self._stopped_at <= t:
            return "replica promoted"
        for region in (self.source, self.target.region):
            if self._outages.is_down(region, t):
                return f"{region} down"
        return None

    def lag_seconds(self, t: float) -> float:
        """ReplicaLag at ``t`` as CloudWatch reports it: -1 when replication is stopped, else
        the average lag of the writes applied in the last minute (RDS publishes a 60 s
        average, not the lag of one write); with none applied, the oldest pending write's age."""
        if self._cut(t) is not None or "partitioned" in self.holds():
            return -1.0
        with self._lock:
            recent = [lag for at, lag in self._applied if t - LAG_PERIOD_S <= at <= t]
            oldest = min(self._pending.values(), default=None)
        if recent:
            return sum(recent) / len(recent)
        return 0.0 if oldest is None else max(0.0, t - oldest)

    def _land(self, row: StoredMarker, at: float) -> None:
        with self._lock:
            if self._holds:
                self._held.append(row)
                return
            self._pending.pop(row.seq, None)
        reason = self._cut(at)
        if reason is not None:
            self._truth.record("write.not_applied", t=at, seq=row.seq, reason=reason)
            return
        self.target.db.insert(StoredMarker(row.seq, row.written_at, row.committed_at, row.origin))
        with self._lock:
            # When readers could first see it: a backlog lands one write after another, each
            # a little after the drill time it was due at.
            self.applied_at[row.seq] = max(at, self._truth.clock.now())
            self._applied.append((at, at - row.committed_at))
            while self._applied and self._applied[0][0] < at - LAG_PERIOD_S:
                self._applied.popleft()
        self._truth.record("write.applied", t=at, seq=row.seq, committed_at=row.committed_at,
                           region=self.target.region)
