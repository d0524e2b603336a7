"""Reverse replication for the failback: a DR write committed while the replica is made lands.

A cross-region replica starts from a copy of its source and then applies every write after
that copy, so a write DR commits while the replica is being created is never lost. DR's
canary commits in its own request threads, concurrently with the replica's creation; here
the write is committed right after the copy was read, the moment the race used to lose.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from drills.settings.config import load_settings
from infra.canary.app import Marker
from infra.canary.sqlite_store import SqliteMarkers, StoredMarker
from infra.core.clock import Clock
from infra.embedded.dataplane import Outages, RegionDatabase, Replicator
from infra.embedded.failback_replication import FailbackReplication
from infra.embedded.latency import LatencyModel
from infra.embedded.moto_ext.rds_replica_events import REPLICA_CREATED
from infra.embedded.moto_ext.transitions import TransitionEvent
from infra.embedded.scheduler import Scheduler
from infra.embedded.truth import TruthLog

__all__: list[str] = []

SCALE = 1000.0  # a replication lag of 1 drill second lands in a millisecond


class _CopyThenCommit(SqliteMarkers):
    """DR's store: right after the new replica's copy is read, DR commits another write."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.commit_after_copy: threading.Thread | None = None

    def rows(self) -> tuple[StoredMarker, ...]:
        """Every row; the first time, a concurrent write commits once they have been read."""
        found = super().rows()
        if self.commit_after_copy is not None:
            writer, self.commit_after_copy = self.commit_after_copy, None
            writer.start()
            writer.join(0.5)  # let it run as far as it can while the copy is under way
        return found


@dataclass(frozen=True)
class _Region:
    database_id: str
    database: RegionDatabase


def test_a_dr_write_committed_while_the_replica_is_created_reaches_the_primary(tmp_path):
    settings = load_settings(overrides={"time_scale": SCALE, "seed": 7,
                                        "latency": {"replication_lag": 1.0}})
    clock = Clock(scale=SCALE)
    scheduler = Scheduler(clock).start()
    truth = TruthLog(tmp_path / "truth.jsonl", clock)
    latency, outages = LatencyModel.from_settings(settings), Outages()
    failback: list[FailbackReplication] = []
    primary = RegionDatabase(tmp_path / "primary.db", region=settings.primary_region,
                             clock=clock, problems=lambda: ())
    dr = RegionDatabase(tmp_path / "dr.db", region=settings.dr_region, clock=clock,
                        problems=lambda: (), on_commit=lambda row: failback[0].on_dr_commit(row))
    dr.db = _CopyThenCommit(tmp_path / "dr-copying.db")
    regions = {settings.primary_region: _Region("streamflix-db-dev", primary),
               settings.dr_region: _Region(settings.replica_id, dr)}
    forward = Replicator(source=settings.primary_region, target=dr, scheduler=scheduler,
                         latency=latency, outages=outages, truth=truth)
    failback.append(FailbackReplication(
        settings=settings, regions=regions, forward=forward, scheduler=scheduler,
        latency=latency, outages=outages, truth=truth, refresh=lambda region, t: None))
    try:
        dr.write(Marker(1, clock.now()))
        late = threading.Thread(target=dr.write, args=(Marker(2, clock.now()),))
        dr.db.commit_after_copy = late
        failback[0].on_event(TransitionEvent(REPLICA_CREATED, "streamflix-db-dev",
                                             settings.primary_region, clock.now(), None))
        late.join(5)
        landed = Retrying(stop=stop_after_delay(5), wait=wait_fixed(0.01),
                          retry=retry_if_result(lambda seqs: 2 not in seqs))(
            lambda: {m.seq for m in primary.markers()})
        result = failback[0].ground_truth(since=0.0, recovered=None)
    finally:
        scheduler.stop()
    assert landed == {1, 2}
    assert result.lost_seqs == ()
