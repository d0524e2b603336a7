"""The registry of running drills that ``drill abort`` reads: entries, liveness, stale pids."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from drills.app.safety_commands import abort_runs
from drills.journal import active
from infra.core.errors import ConfigError

__all__: list[str] = []


def _run_dir(tmp_path: Path) -> Path:
    run_dir = tmp_path / "runs" / "20260314T093000Z-region-loss-abc123"
    run_dir.mkdir(parents=True)
    return run_dir


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[-1].split()[0]


def test_a_registered_run_is_listed_as_running_until_unregistered(tmp_path):
    run_dir = _run_dir(tmp_path)
    entry = active.register(run_dir, scenario="Region loss", started="2026-03-14T09:30:00")
    assert entry == run_dir.parent / ".active" / f"{run_dir.name}.json"
    [run] = active.active_runs(run_dir.parent)
    assert (run.run_id, run.run_dir, run.scenario) == (run_dir.name, run_dir.resolve(),
                                                       "Region loss")
    assert run.is_running()
    active.unregister(entry)
    active.unregister(entry)  # twice is fine
    assert active.active_runs(run_dir.parent) == []


def test_an_entry_whose_process_has_exited_is_not_running(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    run = dataclasses.replace(_entry(tmp_path), pid=child.pid, process_start=None)
    assert not run.is_running()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_zombie_is_not_running(tmp_path):
    # The drill's parent may not have collected its exit code yet: it has still exited.
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        Retrying(stop=stop_after_delay(30), wait=wait_fixed(0.02),
                 retry=retry_if_result(lambda state: state != "Z"))(lambda: _state(child.pid))
        run = dataclasses.replace(_entry(tmp_path), pid=child.pid, process_start=None)
        assert not run.is_running()
    finally:
        child.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_reused_pid_is_not_the_drill(tmp_path):
    run = dataclasses.replace(_entry(tmp_path), process_start="1")  # this pid started later
    assert not run.is_running()


def test_abort_with_no_running_drill_is_bad_input(tmp_path):
    out = Console(file=io.StringIO())
    with pytest.raises(ConfigError, match="no drill is running under"):
        abort_runs(tmp_path / "runs", None, timeout_s=1, out=out)
    with pytest.raises(ConfigError, match="no running drill has its run folder at"):
        abort_runs(tmp_path / "runs", _run_dir(tmp_path), timeout_s=1, out=out)


def test_abort_reports_a_stale_entry_and_points_at_cleanup(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    run_dir = _run_dir(tmp_path)
    entry = active.register(run_dir, scenario="Region loss", started="2026-03-14T09:30:00")
    entry.write_text(entry.read_text().replace(f'"pid": {os.getpid()}',
                                               f'"pid": {child.pid}'))
    buffer = io.StringIO()
    assert abort_runs(run_dir.parent, None, timeout_s=1, out=Console(file=buffer, width=300)) == 1
    assert f"drill cleanup --run {run_dir.resolve()}" in buffer.getvalue()


def _entry(tmp_path: Path) -> active.ActiveRun:
    run_dir = _run_dir(tmp_path)
    active.register(run_dir, scenario="Region loss", started="2026-03-14T09:30:00")
    [run] = active.active_runs(run_dir.parent)
    return run
