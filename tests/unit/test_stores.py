"""RPO per data store: the EFS sync model and its truth, and the drill's per-store verdict."""

from __future__ import annotations

import pytest

from drills.measure.probes import MarkerRecord
from drills.measure.store_rpo import measure_stores, store_reasons
from infra.canary.app import Marker
from infra.core.clock import Clock
from infra.embedded.canary_stores import EfsReplication, RegionCache, RegionFiles, store_truth
from infra.embedded.dataplane import Outages
from infra.embedded.latency import DEFAULT_SPECS, LatencyModel, Transition
from infra.embedded.truth import TruthLog

__all__: list[str] = []

P, D = "eu-west-2", "us-east-1"
SYNC = 100.0  # efs_sync pinned: a sync every 100 drill seconds


class FakeClock(Clock):
    """The drill clock, set by hand."""

    def __init__(self) -> None:
        super().__init__(scale=1.0)
        self.t = 0.0

    def now(self) -> float:
        return self.t


class RecordingScheduler:
    """The scheduler boundary: keeps each job so the test runs it at its drill time."""

    def __init__(self) -> None:
        self.jobs: list[tuple[float, object]] = []

    def at(self, due, action, *, label=""):
        self.jobs.append((due, action))

    def run_next(self, clock):
        self.jobs.sort(key=lambda j: j[0])
        due, action = self.jobs.pop(0)
        clock.t = due
        action(due)
        return due


@pytest.fixture
def world(tmp_path):
    clock, outages = FakeClock(), Outages()
    files = {r: RegionFiles(tmp_path / r, region=r, clock=clock) for r in (P, D)}
    configured = {"yes": True}
    scheduler = RecordingScheduler()
    efs = EfsReplication(source=files[P], target=files[D], scheduler=scheduler,
                         latency=LatencyModel(seed=1, overrides={"efs_sync": SYNC}),
                         outages=outages, truth=TruthLog(tmp_path / "truth.jsonl", clock),
                         configured=lambda: configured["yes"])
    efs.start(0.0)
    return clock, outages, files, scheduler, configured


def _write(clock, files, seqs, every=2.0, start=0.0):
    for seq in seqs:
        clock.t = start + seq * every
        files[P].write(Marker(seq, clock.t))


def test_efs_sync_copies_what_was_written_by_then_and_a_region_loss_keeps_only_that(world):
    clock, outages, files, scheduler, _ = world
    _write(clock, files, range(1, 50))  # t = 2 .. 98
    assert scheduler.run_next(clock) == SYNC
    _write(clock, files, range(50, 80))  # t = 100 .. 158, after the sync
    outages.down(P, 159.0)
    assert scheduler.run_next(clock) == 2 * SYNC  # the sync fails with the region
    assert [r.seq for r in files[D].rows()] == list(range(1, 50))
    truth = store_truth(files[P].rows(), files[D].rows(), primary=P, cutoff=159.0,
                        outage=159.0, recovered=None)
    assert truth.lost_seqs == tuple(range(50, 80))
    assert truth.rpo_seconds == pytest.approx(158.0 - 98.0)
    assert scheduler.jobs == []  # no sync after the source region is lost


def test_without_a_replication_configuration_no_file_reaches_dr(world):
    clock, _outages, files, scheduler, configured = world
    configured["yes"] = False  # someone deleted the EFS replication
    _write(clock, files, range(1, 40))
    scheduler.run_next(clock)
    assert files[D].rows() == ()
    truth = store_truth(files[P].rows(), files[D].rows(), primary=P, cutoff=150.0,
                        outage=150.0, recovered=None)
    assert truth.rpo_seconds is None and truth.lost_seqs == tuple(range(1, 40))


def test_the_cache_is_not_replicated_so_dr_starts_empty(tmp_path):
    clock = FakeClock()
    primary, dr = RegionCache(region=P, clock=clock), RegionCache(region=D, clock=clock)
    for seq in range(1, 6):
        primary.write(Marker(seq, float(seq)))
    truth = store_truth(primary.rows(), dr.rows(), primary=P, cutoff=10.0, outage=10.0,
                        recovered=None)
    assert truth.lost_seqs == (1, 2, 3, 4, 5) and truth.rpo_seconds is None


def test_efs_sync_model_is_documented_and_within_awss_15_minutes():
    spec = DEFAULT_SPECS[Transition.EFS_SYNC]
    assert spec.sources == ("F1",) and spec.high == 900.0
    draws = [LatencyModel(seed=s).draw(Transition.EFS_SYNC) for s in range(200)]
    assert all(10.0 <= d <= 900.0 for d in draws)


def _records(n, every=2.0):
    return [MarkerRecord(seq, seq * every, "", True, P, "") for seq in range(1, n + 1)]


OBJECTIVES = {"database": 5.0, "efs": 900.0, "cache": None}


def test_each_store_is_measured_and_judged_on_its_own():
    survivors = {"database": frozenset(range(1, 39)), "efs": frozenset(range(1, 21)),
                 "cache": frozenset()}
    db, efs, cache = measure_stores(_records(40), survivors, outage_start=81.0,
                                    objectives=OBJECTIVES)
    assert (db.store, db.rpo_seconds, db.rpo.lost, db.met) == ("database", 4.0, (39, 40), True)
    assert (efs.rpo_seconds, len(efs.rpo.lost), efs.met) == (40.0, 20, True)
    assert (cache.rpo_seconds, cache.met, cache.replicated) == (None, None, False)
    assert store_reasons((db, efs, cache)) == ()


def test_a_store_over_its_objective_is_named_in_the_reason():
    survivors = {"database": frozenset(range(1, 41)), "efs": frozenset(range(1, 3))}
    _db, efs = measure_stores(_records(40), survivors, outage_start=81.0,
                              objectives={"database": 5.0, "efs": 60.0})
    assert store_reasons((efs,)) == (
        "efs: RPO 76.0s exceeded the objective of 60.0s (38 files lost)",)


def test_a_replicated_store_with_no_survivor_has_no_recovery_point_and_fails():
    survivors = {"database": frozenset(range(1, 41)), "efs": frozenset()}
    _db, efs = measure_stores(_records(40), survivors, outage_start=81.0,
                              objectives=OBJECTIVES)
    # Its lower bound (79 s) is far inside 900 s; without a recovery point it still fails.
    assert efs.rpo.rpo_seconds == 79.0 and efs.rpo_seconds is None and efs.met is False
    assert store_reasons((efs,)) == (
        "efs: none of 40 files written before the outage reached DR (no recovery point)",)


def test_a_cache_objective_makes_the_cache_judged():
    survivors = {"database": frozenset(range(1, 41)), "cache": frozenset()}
    _db, cache = measure_stores(_records(40), survivors, outage_start=81.0,
                                objectives={"database": 5.0, "cache": 60.0})
    assert cache.met is False and "cache: none of 40 keys" in store_reasons((cache,))[0]
