"""The region-loss drill end to end, judged against what the simulator knows really happened.

Each run deploys the stack on a fresh embedded AWS, loses the primary region, runs the
seed's failover runbook and measures RTO/RPO with real probes over loopback HTTP. The
simulator's ground truth is the yardstick: measured RTO within one probe interval (plus the
recovering probe's own latency) of the truth, measured RPO within one marker interval, on
every seed.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
from rich.console import Console

from drills.app.run_command import print_summary
from drills.run.scenario import region_loss
from drills.runbooks.executor import RunbookContext, RunbookStep
from drills.runbooks.failover import failover_steps
from drills.settings.config import load_settings
from reports import publish
from tests.features.fault_truth import rto_matches_truth
from tests.leftovers import Leftovers
from tests.leftovers import journal as _journal

__all__: list[str] = []

pytestmark = [pytest.mark.drill, pytest.mark.region_loss, pytest.mark.slow]

# Fast enough for five runs in the suite; the bounds are in drill seconds, so they hold at
# any scale as long as the probes keep their cadence. `make bench` runs more seeds and
# reports the error distribution (bench/run.py).
TIME_SCALE = 200.0
SEEDS = range(1, 6)


def _settings(tmp_path: Path, **overrides):
    return load_settings(overrides={"runs_dir": tmp_path / "runs", "time_scale": TIME_SCALE,
                                    **overrides})


@pytest.mark.parametrize("seed", SEEDS)
def test_measured_rto_and_rpo_match_ground_truth(tmp_path, seed):
    leftovers = Leftovers()
    settings = _settings(tmp_path, seed=seed)
    drill = region_loss(settings)
    result = drill.require_result()
    truth = result.ground_truth
    assert truth is not None and truth.rto_seconds is not None, "simulator saw no recovery"
    rto_matches_truth(drill)  # within one probe interval plus that probe's own latency
    # The truth over the writes the client saw acknowledged: which of them reached DR is the
    # simulator's knowledge, read from its own databases, not through the app.
    acked = [r.seq for r in drill.writer.records() if r.acked]
    true_rpo = truth.rpo_over(acked)
    assert true_rpo is not None
    assert abs(result.rpo_seconds - true_rpo) <= settings.marker_interval_s, (
        f"seed {seed}: measured RPO {result.rpo_seconds:.2f}s, truth {true_rpo:.2f}s "
        f"(all commits: {truth.rpo_seconds:.2f}s)")
    # Realistic, not milliseconds: promotion alone is minutes in the latency model.
    assert 180 <= result.rto_seconds <= 1500
    assert drill.exit_code == (0 if result.passed else 1)
    _stores_match_ground_truth(drill, settings)
    _healthy_stack_audits_clean(drill)
    leftovers.assert_none_since(drill)


def _healthy_stack_audits_clean(drill):
    """The readiness audit the drill ran before its fault found nothing blocking."""
    [audit] = [e for e in _journal(drill) if e["kind"] == "readiness.audit"]
    assert audit["ran"] and audit["passed"], audit
    assert not [f for f in audit["findings"] if f["severity"] in ("critical", "major")]
    assert audit["rto_budget_seconds"] == 480.0


def _stores_match_ground_truth(drill, settings):
    """Each store's RPO and lost markers, measured from DR, against the simulator's truth."""
    result = drill.require_result()
    records = drill.writer.records()
    acked = [r.seq for r in records if r.acked]
    # Written before the outage, as the drill counts it: acknowledged, or found in DR's
    # database though its acknowledgement was lost (then its file and key were written too).
    in_dr = result.ground_truth.stores["database"].applied
    before = {r.seq for r in records
              if (r.acked or r.seq in in_dr) and r.written_at < drill.outage_start}
    assert [s.store for s in result.stores] == ["database", "efs", "cache"]
    for store in result.stores:
        true = result.ground_truth.stores[store.store]
        true_rpo = true.rpo_over(acked)
        assert set(store.rpo.lost) == before & set(true.lost_seqs), store.store
        if true_rpo is None:
            assert store.rpo_seconds is None, f"{store.store}: DR holds none, truth says"
        else:
            assert abs(store.rpo_seconds - true_rpo) <= settings.marker_interval_s, (
                f"{store.store}: measured RPO {store.rpo_seconds:.2f}s, truth {true_rpo:.2f}s")
    database, efs, cache = result.stores
    assert database.rpo_seconds == result.rpo_seconds
    # EFS syncs minutes apart (within AWS's 15 minutes); the cache is not replicated at all.
    assert efs.recovery_point and efs.rpo_seconds <= 900 and efs.met
    assert not cache.replicated and cache.rpo_seconds is None and cache.met is None
    assert len(cache.rpo.lost) == cache.rpo.acked_before_outage > 0


def test_recovery_slower_than_the_objective_fails_with_the_reason(tmp_path):
    leftovers = Leftovers()
    # A 20-minute promotion (the model's slow tail, pinned) cannot fit in a 15-minute RTO.
    drill = region_loss(_settings(tmp_path, seed=3, latency={"rds_promote": 1200.0}))
    result = drill.require_result()
    assert drill.exit_code == 1
    assert result.rto_seconds > 900
    assert any("RTO" in r and "exceeded the objective of 900s" in r for r in result.reasons)
    finished = [e for e in _journal(drill) if e["kind"] == "run.finished"][-1]
    assert finished["verdict"] == "failed" and "RTO" in finished["reason"]
    leftovers.assert_none_since(drill)
    # The summary `drill run` prints, from the published run folder.
    publish(drill.run_dir)
    screen = Console(file=io.StringIO(), width=200)
    print_summary(drill.run_dir, screen)
    text = screen.file.getvalue()
    assert "FAILED" in text and "exceeded the objective of 900s" in text, text
    # RPO per data store everywhere a user or an auditor looks.
    assert "RPO per data store" in text and "efs" in text and "not judged" in text, text
    evidence = json.loads((drill.run_dir / "evidence.json").read_text(encoding="utf-8"))
    stores = {s["store"]: s for s in evidence["stores"]}
    assert set(stores) == {"database", "efs", "cache"}
    assert stores["cache"]["rpo_seconds"] is None and stores["cache"]["true_lost_markers"]
    html = (drill.run_dir / "report.html").read_text(encoding="utf-8")
    assert 'id="rpo-by-store"' in html and 'data-store="efs"' in html
    metrics = (drill.run_dir / "metrics.prom").read_text(encoding="utf-8")
    assert 'dr_drill_store_rpo_seconds{' in metrics and 'store="efs"' in metrics


def _promote_in_lost_region(ctx: RunbookContext) -> None:
    # The mistake the test plants: the runbook talks to the primary region, which is down.
    rds = ctx.clients.client("rds", ctx.settings.primary_region)
    rds.describe_db_instances(DBInstanceIdentifier=f"streamflix-db-{ctx.settings.environment_suffix}")


def test_runbook_step_calling_the_lost_region_fails_the_drill_naming_it(tmp_path):
    leftovers = Leftovers()
    settings = _settings(tmp_path, seed=5)
    broken = RunbookStep("check-primary-database", settings.primary_region,
                         _promote_in_lost_region, "Read the primary database's state")
    runbook = (broken, *failover_steps(settings.dr_region))
    drill = region_loss(settings, runbook=runbook)
    assert drill.exit_code == 1
    events = _journal(drill)
    failed = [e for e in events if e["kind"] == "runbook.step.finished"
              and e["status"] == "failed"]
    assert [e["step"] for e in failed] == ["check-primary-database"]
    assert "unreachable" in failed[0]["error"]
    finished = [e for e in events if e["kind"] == "run.finished"][-1]
    assert finished["verdict"] == "failed"
    assert "check-primary-database" in finished["reason"]
    leftovers.assert_none_since(drill)


def test_moto_server_is_gone_after_the_run(tmp_path):
    settings = _settings(tmp_path, seed=9)
    seen: list[str] = []
    drill = region_loss(settings, progress=seen.append)
    endpoint = next(m.split()[-1] for m in seen if m.startswith("embedded AWS listening on"))
    with pytest.raises(requests.ConnectionError):
        requests.get(endpoint, timeout=2)
    assert drill.exit_code in (0, 1)
