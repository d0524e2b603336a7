"""``drill cleanup``: finishing a run from its journal alone, idempotently, outside the folder."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from drills.journal import active
from drills.safety.cleanup import cleanup_journal, cleanup_run, faults_from_journal
from infra.core.errors import ConfigError, SafetyRefusal

__all__: list[str] = []

RUN_ID = "20260314T093000Z-primary-region-lost-abc123"


def _ev(seq: int, kind: str, **fields) -> dict:
    return {"seq": seq, "t": float(seq), "wall": f"2026-03-14T09:30:{seq:02d}+00:00",
            "kind": kind, **fields}


def _run(tmp_path: Path, *events: dict, backend: str = "embedded") -> Path:
    run_dir = tmp_path / "runs" / RUN_ID
    run_dir.mkdir(parents=True)
    started = _ev(0, "run.started", run_id=RUN_ID, backend=backend)
    text = "".join(json.dumps(e) + "\n" for e in (started, *events))
    (run_dir / "timeline.jsonl").write_text(text, encoding="utf-8")
    (run_dir / "MANIFEST.sha256").write_text("sealed\n", encoding="utf-8")
    return run_dir


def _killed_mid_drill(tmp_path: Path, backend: str = "embedded") -> Path:
    return _run(tmp_path, _ev(1, "fault.injecting", fault="region-outage", target="eu-west-2"),
                _ev(2, "fault.injected", fault="region-outage", target="eu-west-2"),
                backend=backend)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


F = {"fault": "region-outage", "target": "eu-west-2"}


@pytest.mark.parametrize(("events", "state", "took_hold"), [
    ([_ev(1, "fault.injecting", **F), _ev(2, "fault.injected", **F),
      _ev(3, "fault.reverted", verified=True, **F)], "reverted", True),
    ([_ev(1, "fault.injected", **F), _ev(2, "fault.reverted", verified=False, **F)],
     "revert_failed", True),
    ([_ev(1, "fault.injecting", **F), _ev(2, "fault.injected", **F),
      _ev(3, "fault.revert_failed", error="ClientError: Throttling", **F)], "revert_failed", True),
    ([_ev(1, "fault.injecting", **F), _ev(2, "fault.injected", **F)], "not_reverted", True),
    ([_ev(1, "fault.injecting", **F)], "not_reverted", False),
], ids=["reverted", "unverified", "revert-failed", "killed-after-injection",
        "killed-mid-injection"])
def test_faults_from_journal(events, state, took_hold):
    [record] = faults_from_journal(events)
    assert (record.fault, record.target, record.state, record.took_hold) == (
        "region-outage", "eu-west-2", state, took_hold)
    assert (record.error is not None) == (state == "revert_failed")


def test_cleanup_of_a_killed_embedded_run_resolves_it_outside_the_sealed_folder(tmp_path):
    run_dir = _killed_mid_drill(tmp_path)
    before = _digest(run_dir)
    result = cleanup_run(run_dir)

    [outcome] = result.unreverted
    assert outcome.record.state == "not_reverted"
    assert outcome.did.startswith("cut the region's application off")
    assert "drill's own process" in outcome.action and outcome.resolved
    assert result.resolved and not result.already_done
    assert _digest(run_dir) == before, "cleanup altered the sealed run folder"
    assert result.journal == run_dir.parent / ".cleanup" / f"{RUN_ID}.jsonl"
    kinds = [json.loads(line)["kind"] for line in result.journal.read_text().splitlines()]
    assert kinds == ["cleanup.started", "cleanup.fault", "cleanup.finished"]


def test_cleanup_is_idempotent(tmp_path):
    run_dir = _killed_mid_drill(tmp_path)
    cleanup_run(run_dir)
    journal = cleanup_journal(run_dir).read_bytes()
    again = cleanup_run(run_dir)
    assert again.already_done and again.resolved
    assert cleanup_journal(run_dir).read_bytes() == journal


def test_a_fault_on_a_real_account_is_not_resolved_by_reading_the_journal(tmp_path):
    run_dir = _killed_mid_drill(tmp_path, backend="aws")
    result = cleanup_run(run_dir)
    assert not result.resolved
    assert "revert it by hand" in result.unreverted[0].action
    assert not cleanup_run(run_dir).already_done  # tried again, journaled again
    finished = [json.loads(line) for line in cleanup_journal(run_dir).read_text().splitlines()
                if '"cleanup.finished"' in line]
    assert [f["resolved"] for f in finished] == [False, False]


def test_cleanup_refuses_while_the_drill_still_runs(tmp_path):
    run_dir = _killed_mid_drill(tmp_path)
    active.register(run_dir, scenario="Region loss", started="2026-03-14T09:30:00")  # this pid
    with pytest.raises(SafetyRefusal) as info:
        cleanup_run(run_dir)
    assert info.value.exit_code == 3
    assert f"pid {os.getpid()}" in str(info.value) and "drill abort --run" in str(info.value)
    assert not cleanup_journal(run_dir).exists()


def test_cleanup_removes_the_stale_entry_of_a_killed_drill(tmp_path):
    run_dir = _killed_mid_drill(tmp_path)
    entry = active.register(run_dir, scenario="Region loss", started="2026-03-14T09:30:00")
    body = json.loads(entry.read_text())
    entry.write_text(json.dumps({**body, "process_start": "1"}))  # as if the pid was reused
    cleanup_run(run_dir)
    assert not entry.exists()


def test_cleanup_needs_a_run_folder(tmp_path):
    with pytest.raises(ConfigError, match="is not a run folder"):
        cleanup_run(tmp_path)
